"""How long from a hook event to the desktop being asked for a bubble (target: under 50 ms).

Run as ``python benchmarks/notify_latency.py [RUNS]``.  It starts a private
bus, the daemon, a notification server that records when ``Notify`` is
called (the tests' minimal one, in this process), and the real
``agent-console notify``.  Each run puts one session into ``question`` and
times until ``Notify`` is called, three ways, interleaved so that machine
noise hits all alike: the shell hook and the Python hook fed Claude Code's
``PreToolUse`` of AskUserQuestion (hook start to Notify), and a bare ``Set``
over the bus (the notifier's own share).  Between runs the session goes back
to ``working``, which withdraws the bubble.  It only reports.
"""

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from harness import describe_ms, private_daemon
from notify_support import (
    FakeNotifications,
    serve_notifications,
    start_notifier,
    wait_until,
)

from agent_console.client.async_client import SessionsClient

REPO = Path(__file__).resolve().parents[1]
SESSION_ID = "0b1c5f0e-3a2b-4f7a-9d61-2f4f1f0c9e11"
WARM_UP_RUNS = 3
HOOK_TIMEOUT_S = 10.0


def ask_user_question() -> bytes:
    return json.dumps(
        {
            "session_id": SESSION_ID,
            "cwd": "/home/dev/projects/shop",
            "hook_event_name": "PreToolUse",
            "tool_name": "AskUserQuestion",
            "tool_input": {"questions": [{"question": "Which database?", "options": []}]},
        }
    ).encode()


async def run_hook(command: list[str], address: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        env={"DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"},
    )
    await asyncio.wait_for(process.communicate(ask_user_question()), HOOK_TIMEOUT_S)


async def measure(runs: int) -> dict[str, list[float]]:
    executable = str(Path(sys.executable).with_name("agent-console"))
    with private_daemon() as daemon, tempfile.TemporaryDirectory() as scratch:
        server = FakeNotifications(["body"])
        server_bus = await serve_notifications(daemon.address, server)
        notifier = await start_notifier(daemon.address, Path(scratch), "min_working = 0\nquiet_when_visible = false")
        client = await SessionsClient.connect(daemon.address)
        ways = {
            "shell hook -> Notify": lambda: run_hook(
                ["sh", str(REPO / "hooks" / "agent-console-hook")], daemon.address
            ),
            "Python hook -> Notify": lambda: run_hook([executable, "hook"], daemon.address),
            "Set -> Notify": lambda: client.set(SESSION_ID, "question"),
        }
        samples: dict[str, list[float]] = {name: [] for name in ways}
        try:
            for run in range(WARM_UP_RUNS + runs):
                for name, trigger in ways.items():
                    await client.set(SESSION_ID, "working")
                    await wait_until(lambda: len(server.calls.closed) == len(server.calls.notified))
                    before = len(server.calls.notified)
                    started = time.perf_counter()
                    await trigger()
                    await wait_until(lambda: len(server.calls.notified) > before)  # noqa: B023 (waited for within this run)
                    if run >= WARM_UP_RUNS:
                        samples[name].append(server.calls.notified[-1].at - started)
        finally:
            client.close()
            notifier.stop()
            server_bus.disconnect()
        return samples


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    for name, samples in asyncio.run(measure(runs)).items():
        print(f"{name}: {describe_ms(samples)}")


if __name__ == "__main__":
    main()
