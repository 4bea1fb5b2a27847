"""How long Claude Code waits for each way of recording a status.

Run as ``python benchmarks/hooks.py [RUNS]``.  It starts a private bus and
the daemon itself, then times, interleaved so that machine noise hits all
alike: a bare ``busctl --user call … Set …`` (the floor any hook pays), the
shell hook and the Python hook, each fed a realistic ``PostToolUse``; then
both hooks once more with a 10 MB ``tool_response``.  Targets: the shell hook
within 1.5x of bare busctl, the Python hook under 60 ms.  It only reports.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent_console.wire.address import session_bus_sockets
from agent_console.wire.blocking_transport import Connection, MethodCall
from agent_console.wire.names import (
    BUS_DRIVER,
    BUS_DRIVER_PATH,
    BUS_NAME,
    INTERFACE,
    OBJECT_PATH,
)
from agent_console.wire.private_bus import start_private_bus

REPO = Path(__file__).resolve().parents[1]
HOOK_SCRIPT = REPO / "hooks" / "agent-console-hook"
SESSION_ID = "0b1c5f0e-3a2b-4f7a-9d61-2f4f1f0c9e11"
WARM_UP_RUNS = 5
DAEMON_START_S = 15.0
DBUS = (BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER)


def agent_console_executable() -> str:
    """The script beside this interpreter: a pyenv shim would add its own start-up."""
    beside = Path(sys.executable).with_name("agent-console")
    return str(beside) if beside.exists() else "agent-console"


def post_tool_use(stdout_bytes: int) -> bytes:
    """A PostToolUse as Claude Code writes it after a Bash call printing ``stdout_bytes``."""
    line = "test_cart.py::test_total PASSED\n"
    return json.dumps(
        {
            "session_id": SESSION_ID,
            "transcript_path": f"/home/dev/.claude/projects/-home-dev-projects-shop/{SESSION_ID}.jsonl",
            "cwd": "/home/dev/projects/shop",
            "permission_mode": "default",
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "pytest -q", "description": "Run the tests"},
            "tool_response": {"stdout": line * (stdout_bytes // len(line)), "stderr": "", "interrupted": False},
            "tool_use_id": "toolu_01A2B3C4D5",
        },
        separators=(",", ":"),
    ).encode()


def variants(payload: bytes, with_busctl: bool) -> dict[str, tuple[list[str], bytes]]:
    busctl = [
        "busctl", "--user", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", SESSION_ID, "working",
        "2", "working_dir", "s", "/home/dev/projects/shop", "agent_type", "s", "claude-code",
    ]
    chosen = {"busctl": (busctl, b"")} if with_busctl else {}
    chosen["shell hook"] = ([str(HOOK_SCRIPT)], payload)
    chosen["python hook"] = ([agent_console_executable(), "hook"], payload)
    return chosen


def time_runs(commands: dict[str, tuple[list[str], bytes]], runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Seconds per run of each command, interleaved; a failing run aborts the benchmark."""
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(WARM_UP_RUNS + runs):
        for name, (command, stdin) in commands.items():
            started = time.perf_counter()
            result = subprocess.run(command, input=stdin, env=env, capture_output=True, check=False)
            elapsed = time.perf_counter() - started
            if result.returncode != 0 or result.stderr:
                raise SystemExit(f"{name} failed: {result.stderr.decode(errors='replace')}")
            if run >= WARM_UP_RUNS:
                timings[name].append(elapsed)
    return timings


def report(title: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    print(f"  {'variant':<12} {'median ms':>10} {'p90 ms':>8}")
    for name, seconds in timings.items():
        median = statistics.median(seconds) * 1000
        p90 = statistics.quantiles(seconds, n=10)[-1] * 1000
        print(f"  {name:<12} {median:>10.1f} {p90:>8.1f}")
    if "busctl" in timings:
        ratio = statistics.median(timings["shell hook"]) / statistics.median(timings["busctl"])
        print(f"  shell hook / busctl (medians): {ratio:.2f}x   (target <= 1.5x)")
    print(f"  python hook median: {statistics.median(timings['python hook']) * 1000:.1f} ms   (target < 60 ms)")


def wait_for_daemon(address: str) -> None:
    deadline = time.monotonic() + DAEMON_START_S
    sockets = session_bus_sockets({"DBUS_SESSION_BUS_ADDRESS": address})
    while time.monotonic() < deadline:
        bus = Connection.open(sockets, 1.0)
        try:
            owned = bus.call(MethodCall(*DBUS, "NameHasOwner", "s", [BUS_NAME])).body()
        finally:
            bus.close()
        if owned == [True]:
            return
        time.sleep(0.05)
    raise SystemExit("the daemon did not start")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="agent-console-bench-") as scratch:
        bus = start_private_bus(Path(scratch))
        daemon = subprocess.Popen(
            [agent_console_executable(), "daemon", "--address", bus.address],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_daemon(bus.address)
            env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address}
            small = post_tool_use(2_000)
            report(f"PostToolUse of {len(small)} bytes, {runs} runs", time_runs(variants(small, True), runs, env))
            big = post_tool_use(10_000_000)
            big_runs = max(runs // 5, 5)
            report(f"PostToolUse of {len(big)} bytes, {big_runs} runs", time_runs(variants(big, False), big_runs, env))
        finally:
            daemon.terminate()
            daemon.wait()
            bus.stop()


if __name__ == "__main__":
    main()
