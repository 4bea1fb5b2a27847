"""Logging for the long-running programs (the daemon, the notifier): one line per event on stderr.

Under systemd (``JOURNAL_STREAM`` set) journald stamps the time itself and
reads a ``<N>`` prefix as the priority, so lines carry that instead of a
timestamp; elsewhere they look like syslog lines.
"""

import logging
import os
import sys

JOURNAL_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3}


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"<{JOURNAL_PRIORITIES.get(record.levelno, 2)}>{record.getMessage()}"


def configure_logging(verbose: bool, program: str = "agent-console") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(_JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {program}[%(process)d]: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True)
    logging.getLogger("asyncio").setLevel(logging.WARNING)
