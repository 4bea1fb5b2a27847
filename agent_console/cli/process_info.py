"""Memory and age of a process, for ``agent-console status``.

Linux answers from /proc without starting a process; elsewhere (macOS, the
BSDs) ``ps`` knows the same.  Either may have nothing to say, e.g. when the
daemon runs in another PID namespace, so every reader returns None then
rather than failing the whole status report.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

STARTTIME_FIELD = 19
"""Index of ``starttime`` (field 22 of proc_pid_stat(5)) among the fields after the ``)``."""
PS_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ProcessInfo:
    rss_bytes: int
    uptime_s: float


def read_process_info(pid: int) -> ProcessInfo | None:
    if sys.platform.startswith("linux"):
        return _from_proc(Path("/proc"), pid)
    return _from_ps(pid)


def _from_proc(proc: Path, pid: int) -> ProcessInfo | None:
    try:
        stat = (proc / str(pid) / "stat").read_text()
        status = (proc / str(pid) / "status").read_text()
        system_uptime_s = float((proc / "uptime").read_text().split()[0])
        start_ticks = int(stat.rpartition(")")[2].split()[STARTTIME_FIELD])
    except (OSError, ValueError, IndexError):
        return None
    rss_kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
    if rss_kib is None:
        return None
    uptime_s = system_uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")
    return ProcessInfo(rss_bytes=rss_kib * 1024, uptime_s=max(0.0, uptime_s))


def _from_ps(pid: int) -> ProcessInfo | None:
    try:
        shown = subprocess.run(
            ["ps", "-o", "rss=,etime=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=PS_TIMEOUT_S,
            check=False,
        )
        rss_kib, etime = shown.stdout.split()
        return ProcessInfo(rss_bytes=int(rss_kib) * 1024, uptime_s=parse_etime(etime))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def parse_etime(etime: str) -> float:
    """Seconds from ps's ``[[dd-]hh:]mm:ss``."""
    days, _, clock = etime.rpartition("-")
    seconds = 0
    for part in clock.split(":"):
        seconds = seconds * 60 + int(part)
    return float(seconds + int(days or 0) * 86_400)
