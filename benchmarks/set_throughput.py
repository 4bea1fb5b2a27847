"""Set calls per second over a real bus: one at a time, and pipelined.

    python benchmarks/set_throughput.py
"""

import asyncio
import time

from harness import private_daemon

from agent_console.client.async_client import SessionsClient

SEQUENTIAL_CALLS = 2_000
PIPELINED_CALLS = 10_000
PIPELINE_DEPTH = 200
STATUSES = ("working", "attention")


async def sequential(client: SessionsClient) -> float:
    start = time.perf_counter()
    for n in range(SEQUENTIAL_CALLS):
        await client.set(f"seq-{n % 20}", STATUSES[n % 2], working_dir="/home/u/src/p")
    return SEQUENTIAL_CALLS / (time.perf_counter() - start)


async def pipelined(client: SessionsClient) -> float:
    start = time.perf_counter()
    for batch in range(PIPELINED_CALLS // PIPELINE_DEPTH):
        await asyncio.gather(
            *(client.set(f"pipe-{n % 20}", STATUSES[(batch + n) % 2]) for n in range(PIPELINE_DEPTH))
        )
    return PIPELINED_CALLS / (time.perf_counter() - start)


async def measure(address: str) -> tuple[float, float]:
    client = await SessionsClient.connect(address)
    results = await sequential(client), await pipelined(client)
    client.close()
    return results


def main() -> None:
    with private_daemon() as daemon:
        one_at_a_time, in_flight = asyncio.run(measure(daemon.address))
    print(f"Set sequential: {one_at_a_time:,.0f} calls/s ({SEQUENTIAL_CALLS} calls)")
    print(f"Set pipelined, {PIPELINE_DEPTH} in flight: {in_flight:,.0f} calls/s ({PIPELINED_CALLS} calls)")


if __name__ == "__main__":
    main()
