"""A private bus with the real daemon on it, for benchmarks run by hand.

Uses the same process helpers as the tests (``tests/processes.py``), so a
benchmark measures exactly what the tests exercise.
"""

import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from processes import RunningDaemon, start_daemon

from agent_console.wire.private_bus import start_private_bus


@contextmanager
def private_daemon() -> Iterator[RunningDaemon]:
    with tempfile.TemporaryDirectory(prefix="agent-console-bench-") as scratch:
        bus = start_private_bus(Path(scratch))
        try:
            daemon = start_daemon(bus.address, Path(scratch) / "daemon.log")
            try:
                yield daemon
            finally:
                daemon.stop()
        finally:
            bus.stop()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe_ms(samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return (
        f"p50 {statistics.median(ms):.3f} ms, p99 {percentile(ms, 0.99):.3f} ms, "
        f"max {max(ms):.3f} ms ({len(ms)} samples)"
    )


def times_scheduled(pid: int) -> int:
    """How often the kernel ran any thread of ``pid``: field 3 of each thread's
    ``/proc/PID/task/TID/schedstat``; an idle process's count grows by one per wakeup."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[2])
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """User and system CPU time ``pid`` has used so far (``/proc/PID/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
