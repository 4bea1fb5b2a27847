"""What the approved-tool watch costs with many sessions awaiting a tool in one process.

    python benchmarks/approval_watch.py [--sessions 2000] [--threads 64] [--seconds 20]

A private bus and the real daemon; one process with ``--threads`` threads
(each thread has its own list of children in /proc) owns ``--sessions``
sessions, each awaiting a tool's permission (``shared_owner``, as a Codex or
opencode server's are, else each would replace the others).  Over
``--seconds`` the daemon's CPU share is read from ``/proc/PID/stat`` and a Get
is started every 10 ms, timed from call to reply: a loop held by the watch
shows as the Gets' wait.  The issue measured 68 % CPU and a 1 s stall each
look before the watch read /proc once per owner.
"""

import argparse
import asyncio
import subprocess
import sys

from harness import cpu_seconds, describe_ms, private_daemon
from listing_latency import probe

from agent_console.client.async_client import SessionsClient
from agent_console.system.process_info import start_time

BATCH = 250

THREADED_OWNER = """
import sys, threading, time
for _ in range(int(sys.argv[1]) - 1):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
print("ready", flush=True)
time.sleep(3600)
"""


async def measure(sessions: int, threads: int, seconds: float) -> None:
    owner = subprocess.Popen([sys.executable, "-c", THREADED_OWNER, str(threads)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
        with private_daemon() as daemon:
            client = await SessionsClient.connect(daemon.address)
            owned = {"pid": owner.pid, "pid_start": start_time(owner.pid) or 0, "shared_owner": True}
            for start in range(0, sessions, BATCH):
                await asyncio.gather(*(
                    client.set(f"waiting-{n}", "attention", event="permission", detail="Bash: make", **owned)
                    for n in range(start, min(sessions, start + BATCH))
                ))
            await client.set("probe", "working")
            before = cpu_seconds(daemon.process.pid)
            samples = await probe(client, seconds, "probe")
            used = cpu_seconds(daemon.process.pid) - before
            client.close()
    finally:
        owner.kill()
        owner.wait()
    print(f"{sessions} sessions awaiting a tool in one process of {threads} threads, {seconds:g} s:")
    print(f"daemon CPU {100 * used / seconds:.1f} %")
    print(f"Get every 10 ms: {describe_ms(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(measure(args.sessions, args.threads, args.seconds))


if __name__ == "__main__":
    main()
