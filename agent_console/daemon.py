"""``agent-console-daemon`` (and ``agent-console daemon``): the daemon's own entry point.

A module of its own, importing nothing at its top, so that one thing can
happen before ``asyncio`` is imported: ``ssl`` is marked absent.  asyncio
imports ssl for TLS transports, which it treats as optional; the daemon
talks only over unix sockets, and loading ssl would cost every daemon about
a megabyte of resident memory and a few milliseconds of each start.
"""

import sys


def main(argv: list[str] | None = None, prog: str = "agent-console-daemon") -> int:
    """Options, settings, logging, then serve: see ``agent_console.bus.daemon``."""
    # None in sys.modules makes "import ssl" raise ImportError, which asyncio handles.
    sys.modules.setdefault("ssl", None)  # type: ignore[arg-type]
    from agent_console.bus.daemon import main as serve

    return serve(argv, prog)
