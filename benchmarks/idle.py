"""What the daemon, ``watch``, ``notify`` and ``remote`` cost while nothing happens.

    python benchmarks/idle.py [--seconds 120] [--sessions 0 500]

For each number of sessions: a private bus, a fresh daemon, that many open
Claude Code sessions (working, each owned by a live process and naming a
transcript file that exists, where Claude keeps them: ``<config>/projects/<project>/``,
and the ``<config>/sessions/`` directory of its state files), ``agent-console watch`` and ``agent-console notify`` (with a
stand-in notification server on the same bus) following them, and ``agent-console
remote`` with no host configured (its config.toml exists, with no ``[remotes]``), as
``service install`` leaves it; then nothing at all for ``--seconds``.  Wakeups are the growth of the count of times the
kernel ran each process (``/proc/PID/task/*/schedstat``, field 3), CPU is
user + system time (``/proc/PID/stat``), both over that quiet time.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import cpu_seconds, private_daemon, times_scheduled
from notify_support import FakeNotifications, serve_notifications, start_notifier

from agent_console.client.async_client import SessionsClient
from agent_console.system.process_info import start_time

SETTLE_S = 3.0
"""After the start and the first listing, before the quiet time is measured."""
BATCH = 250


async def fill(address: str, sessions: int, owner: subprocess.Popen[bytes], transcripts: Path) -> None:
    client = await SessionsClient.connect(address)
    owned = {"pid": owner.pid, "pid_start": start_time(owner.pid) or 0, "shared_owner": True}
    for start in range(0, sessions, BATCH):
        names = range(start, min(sessions, start + BATCH))
        for n in names:
            (transcripts / f"{n}.jsonl").touch()
        await asyncio.gather(*(
            client.set(f"idle-{n}", "working", working_dir=f"/src/p{n}", transcript_path=str(transcripts / f"{n}.jsonl"),
                       **owned)
            for n in names
        ))
    client.close()


def start_follower(address: str, config_home: Path) -> subprocess.Popen[bytes]:
    """``agent-console remote`` as its unit runs it, on a config.toml that names no host."""
    (config_home / "agent-console").mkdir(parents=True)
    (config_home / "agent-console" / "config.toml").write_text("retention = 900\n")
    agent_console = str(Path(sys.executable).with_name("agent-console"))
    return subprocess.Popen([agent_console, "remote", "--address", address], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, env={**os.environ, "XDG_CONFIG_HOME": str(config_home)})


async def measure(sessions: int, seconds: float) -> dict[str, tuple[float, float]]:
    """Process name -> (wakeups per second, CPU seconds) over ``seconds`` of quiet."""
    agent_console = str(Path(sys.executable).with_name("agent-console"))
    with private_daemon() as daemon, tempfile.TemporaryDirectory() as scratch:
        owner = subprocess.Popen(["sleep", str(seconds + 600)])
        server_bus = await serve_notifications(daemon.address, FakeNotifications(["body"]))
        watch = subprocess.Popen([agent_console, "watch", "--address", daemon.address],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        notifier = await start_notifier(daemon.address, Path(scratch))
        follower = start_follower(daemon.address, Path(scratch) / "remote")
        try:
            transcripts = Path(scratch) / "projects" / "-home-dev-shop"
            transcripts.mkdir(parents=True)
            (Path(scratch) / "sessions").mkdir()  # where Claude Code 2.1.332 keeps its state files
            await fill(daemon.address, sessions, owner, transcripts)
            await asyncio.sleep(SETTLE_S)
            pids = {"daemon": daemon.process.pid, "watch": watch.pid, "notify": notifier.process.pid,
                    "remote": follower.pid}
            before = {name: (times_scheduled(pid), cpu_seconds(pid)) for name, pid in pids.items()}
            await asyncio.sleep(seconds)
            after = {name: (times_scheduled(pid), cpu_seconds(pid)) for name, pid in pids.items()}
        finally:
            follower.terminate()
            follower.wait()
            notifier.stop()
            watch.terminate()
            watch.wait()
            server_bus.disconnect()
            owner.kill()
            owner.wait()
    return {
        name: ((after[name][0] - before[name][0]) / seconds, after[name][1] - before[name][1]) for name in before
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--sessions", type=int, nargs="+", default=[0, 500])
    args = parser.parse_args()
    print(f"quiet for {args.seconds:g} s each")
    print("| process | " + " | ".join(f"{n} sessions" for n in args.sessions) + " |")
    print("|---|" + "---|" * len(args.sessions))
    results = [asyncio.run(measure(n, args.seconds)) for n in args.sessions]
    for name in results[0]:
        cells = [f"{r[name][0]:.2f} wakeups/s, {r[name][1]:.2f} s CPU" for r in results]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
