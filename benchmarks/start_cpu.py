"""CPU time a daemon spends from its exec to owning its bus name, for one or more installs.

    python benchmarks/start_cpu.py [--starts N] VENV [VENV ...]

D-Bus activation's wall time (``activation.py``, ``targets.py``) is mostly the
daemon's start, and on a loaded machine it measures the neighbours as much as
the code.  The CPU the start itself takes (user and system, from
``/proc/PID/stat`` once the daemon logs that it serves) hardly depends on load,
so two installs (say, before and after a change) compare fairly even on a busy
machine.  Starts alternate between the venvs; the figure is the median, at the
kernel's clock tick (10 ms on most Linux systems).  Linux only.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from agent_console.wire.private_bus import start_private_bus

DEFAULT_STARTS = 10
READY_TIMEOUT_S = 15.0
"""How long a start may take before the benchmark gives up on it."""
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
UTIME_FIELD, STIME_FIELD = 11, 12
"""Positions of utime and stime in /proc/PID/stat, counted after the command's closing parenthesis."""


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[UTIME_FIELD]) + int(fields[STIME_FIELD])) * 1000 / CLOCK_TICKS_PER_S


def start_once(venv: Path, address: str, log: Path) -> float:
    """The daemon's CPU milliseconds when it first says it serves; it is stopped after."""
    with log.open("wb") as stderr:
        daemon = subprocess.Popen([str(venv / "bin" / "agent-console-daemon"), "--address", address], stderr=stderr)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "serving" not in log.read_text():
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise RuntimeError(f"the daemon of {venv} did not start: {log.read_text()}")
            time.sleep(0.002)
        return cpu_ms(daemon.pid)
    finally:
        daemon.terminate()
        daemon.wait(timeout=READY_TIMEOUT_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("venvs", nargs="+", type=Path, metavar="VENV", help="a venv with agent-console installed")
    parser.add_argument("--starts", type=int, default=DEFAULT_STARTS, metavar="N", help=f"starts per venv ({DEFAULT_STARTS})")
    args = parser.parse_args()
    samples: dict[Path, list[float]] = {venv: [] for venv in args.venvs}
    with tempfile.TemporaryDirectory(prefix="agent-console-start-cpu-") as scratch:
        bus = start_private_bus(Path(scratch))
        try:
            for n in range(args.starts):
                for venv in args.venvs:
                    samples[venv].append(start_once(venv, bus.address, Path(scratch) / f"daemon-{n}.log"))
        finally:
            bus.stop()
    load = os.getloadavg()[0]
    for venv, cpu in samples.items():
        print(f"{venv}: CPU from exec to serving, median {statistics.median(cpu):.0f} ms "
              f"(min {min(cpu):.0f}, max {max(cpu):.0f}, {len(cpu)} starts; load {load:.1f})")


if __name__ == "__main__":
    main()
