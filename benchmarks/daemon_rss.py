"""Daemon resident memory, idle and holding 10,000 sessions.

    python benchmarks/daemon_rss.py
"""

import asyncio

from harness import private_daemon

from agent_console.client.async_client import SessionsClient
from agent_console.limits import MAX_SESSIONS
from agent_console.system.process_info import rss_bytes

BATCH = 500


async def fill(address: str, sessions: int) -> None:
    client = await SessionsClient.connect(address)
    for start in range(0, sessions, BATCH):
        await asyncio.gather(
            *(
                client.set(f"{n:08x}-5d3c-4a7e-9f1b-2c8d7e6f5a4b", "working", working_dir=f"/home/u/src/p{n}")
                for n in range(start, start + BATCH)
            )
        )
    assert len(await client.list_all()) == sessions
    client.close()


def main() -> None:
    with private_daemon() as daemon:
        idle = rss_bytes(daemon.process.pid) / 1024
        asyncio.run(fill(daemon.address, MAX_SESSIONS))
        full = rss_bytes(daemon.process.pid) / 1024
    print(f"daemon RSS idle: {idle / 1024:.1f} MiB")
    print(f"daemon RSS with {MAX_SESSIONS} sessions: {full / 1024:.1f} MiB (+{(full - idle) / MAX_SESSIONS:.2f} KiB per session)")


if __name__ == "__main__":
    main()
