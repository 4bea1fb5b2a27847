"""Age and memory of the daemon's process, for ``agent-console status``.

Linux answers from /proc without starting a process; elsewhere (macOS, the
BSDs) ``ps`` knows the same.  Either may have nothing to say, e.g. when the
daemon runs in another PID namespace, so each reader returns None then
rather than failing the whole report.  The start time is read by
:mod:`agent_console.process_info`, the one place that knows its format.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from agent_console.process_info import start_time

PS_TIMEOUT_S = 5.0
BYTES_PER_KIB = 1024


def uptime_s(pid: int) -> float | None:
    """Seconds since ``pid`` started."""
    started = start_time(pid)
    if started is None:
        return None
    if sys.platform != "linux":
        return max(0.0, time.time() - started)
    try:
        system_uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, system_uptime_s - started / os.sysconf("SC_CLK_TCK"))


def rss_bytes(pid: int) -> int | None:
    """Resident memory of ``pid``."""
    kib = _linux_rss_kib(pid) if sys.platform == "linux" else _ps_rss_kib(pid)
    return None if kib is None else kib * BYTES_PER_KIB


def _linux_rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)


def _ps_rss_kib(pid: int) -> int | None:
    try:
        shown = subprocess.run(
            ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, timeout=PS_TIMEOUT_S, check=False
        )
        return int(shown.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
