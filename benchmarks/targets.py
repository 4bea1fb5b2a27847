"""The five start-up and memory figures, measured as a user gets them, each against its target.

    python benchmarks/targets.py [--runs N] [--venv DIR]

Install mode: a fresh venv (``python -m venv``) with a regular ``pip install .``
of this checkout, not an editable one: pip compiles every module to bytecode,
as a user's install has.  Everything is run with that venv's own interpreter
and scripts, never a shim.  (``--venv DIR`` reuses such a venv.)

- ``agent-console list`` with one session, and ``agent-console --help``: wall
  time as a ratio to ``python -c pass`` of the same interpreter, measured in
  the same run and interleaved with it, so that machine load weighs on both
  alike; medians of N runs.
- The daemon's RSS idle and holding 10,000 sessions (filled as
  ``daemon_rss.py`` fills it: pipelined batches of 500 Sets).
- D-Bus activation: from the first call to a name nobody owns to its reply,
  through the activation file ``service install`` writes.

It prints figures and whether each meets its target; it asserts nothing.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from activation import measure_activation
from daemon_rss import fill
from harness import percentile
from processes import READY_TIMEOUT_S

from agent_console.limits import MAX_SESSIONS
from agent_console.system.process_info import rss_bytes
from agent_console.wire.private_bus import start_private_bus

REPO = Path(__file__).resolve().parents[1]
INSTALL_TIMEOUT_S = 600.0
MIB = 1024 * 1024
DEFAULT_RUNS = 31
ACTIVATION_RUNS = 15
SESSION_ID = "4f1c2a9e-5d3c-4a7e-9f1b-2c8d7e6f5a4b"

LIST_TARGET_RATIO = 8.0
HELP_TARGET_RATIO = 6.0
IDLE_TARGET_MIB = 33.0
FULL_TARGET_MIB = 45.0
ACTIVATION_TARGET_MS = 120.0


def install(venv: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=INSTALL_TIMEOUT_S)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO)], check=True, timeout=INSTALL_TIMEOUT_S
    )


def run_once(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run, output discarded.

    No peak RSS: a child's ``ru_maxrss`` keeps what it had before exec, that
    is this benchmark's own interpreter, whether forked or spawned.
    """
    started = time.perf_counter()
    pid = os.posix_spawn(
        command[0], command, env,
        file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_DUP2, 1, 2)],
    )
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} exited {os.waitstatus_to_exitcode(status)}")
    return time.perf_counter() - started


def interleaved(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, list[float]]:
    """Every command once per round, in turn, so a burst of load hits them all."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run_once(command, env))
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "OVER THE TARGET"


def start_daemon(venv: Path, address: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        daemon = subprocess.Popen([str(venv / "bin" / "agent-console-daemon"), "--address", address], stderr=stderr)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "serving" not in log.read_text():
        if time.monotonic() > deadline or daemon.poll() is not None:
            daemon.kill()
            raise RuntimeError(f"the daemon did not start: {log.read_text()}")
        time.sleep(0.01)
    return daemon


def report_startup(
    samples: dict[str, list[float]], python: str, runs: int, report: Callable[[str], None]
) -> float:
    """Reports both ratios; returns the median of ``python -c pass`` in ms."""
    floor = median_ms(samples["python -c pass"])
    report(f"python -c pass ({python}): {floor:.1f} ms, median of {runs}")
    for name, target in (("agent-console --help", HELP_TARGET_RATIO), ("agent-console list", LIST_TARGET_RATIO)):
        took = median_ms(samples[name])
        ms = sorted(s * 1000 for s in samples[name])
        report(
            f"{name}: {took:.1f} ms (p90 {percentile(ms, 0.9):.1f} ms), {took / floor:.1f}x python -c pass; "
            f"target <= {target:g}x: {verdict(took / floor <= target)}"
        )
    return floor


def measure(venv: Path, runs: int, report: Callable[[str], None]) -> None:
    python, agent_console = str(venv / "bin" / "python"), str(venv / "bin" / "agent-console")
    report(f"install mode: pip install . (regular, bytecode compiled) into {venv}; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="agent-console-targets-") as scratch:
        bus = start_private_bus(Path(scratch))
        try:
            env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address}
            daemon = start_daemon(venv, bus.address, Path(scratch) / "daemon.log")
            try:
                time.sleep(1.0)
                idle = rss_bytes(daemon.pid) or 0
                subprocess.run([agent_console, "set", SESSION_ID, "question", "--cwd", "/srv/api"], env=env, check=True)
                commands = {
                    "python -c pass": [python, "-c", "pass"],
                    "agent-console --help": [agent_console, "--help"],
                    "agent-console list": [agent_console, "list"],
                }
                samples = interleaved(commands, env, runs)
                floor = report_startup(samples, python, runs, report)
                subprocess.run([agent_console, "rm", SESSION_ID], env=env, check=True)
                asyncio.run(fill(bus.address, MAX_SESSIONS))
                full = rss_bytes(daemon.pid) or 0
            finally:
                daemon.terminate()
                daemon.wait(timeout=READY_TIMEOUT_S)
        finally:
            bus.stop()
    report(f"daemon RSS idle (agent-console-daemon): {idle / MIB:.1f} MiB; target <= {IDLE_TARGET_MIB:g} MiB: "
           f"{verdict(idle / MIB <= IDLE_TARGET_MIB)}")
    report(
        f"daemon RSS with {MAX_SESSIONS} sessions: {full / MIB:.1f} MiB "
        f"(+{(full - idle) / MAX_SESSIONS / 1024:.2f} KiB a session); target <= {FULL_TARGET_MIB:g} MiB: "
        f"{verdict(full / MIB <= FULL_TARGET_MIB)}"
    )
    cold = [s * 1000 for s in measure_activation(agent_console, ACTIVATION_RUNS)]
    report(
        f"D-Bus activation of {agent_console} daemon, first call to its reply: median "
        f"{statistics.median(cold):.1f} ms (p90 {percentile(cold, 0.9):.1f} ms, {len(cold)} cold starts; "
        f"{statistics.median(cold) / floor:.1f}x python -c pass of this run, for a loaded machine); "
        f"target <= {ACTIVATION_TARGET_MS:g} ms: {verdict(statistics.median(cold) <= ACTIVATION_TARGET_MS)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, metavar="N", help=f"rounds of timings (default {DEFAULT_RUNS})")
    parser.add_argument("--venv", type=Path, metavar="DIR", help="reuse this venv, made by an earlier run, instead of installing")
    args = parser.parse_args()
    if args.venv is not None:
        measure(args.venv, args.runs, print)
        return
    with tempfile.TemporaryDirectory(prefix="agent-console-venv-") as scratch:
        venv = Path(scratch) / "venv"
        install(venv)
        measure(venv, args.runs, print)


if __name__ == "__main__":
    main()
