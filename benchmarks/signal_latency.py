"""From sending Set to a subscriber holding its SessionChanged signal, p50/p99.

    python benchmarks/signal_latency.py

The subscriber is a separate connection, as a widget is; the next Set is
sent only after the previous signal arrived, so each sample is unloaded.
"""

import asyncio
import time

from harness import describe_ms, private_daemon

from agent_console.client.async_client import SessionsClient

SAMPLES = 2_000
STATUSES = ("working", "attention")


async def measure(address: str) -> list[float]:
    caller = await SessionsClient.connect(address)
    widget = await SessionsClient.connect(address)
    arrived: asyncio.Queue[float] = asyncio.Queue()
    await widget.subscribe(lambda session: arrived.put_nowait(time.perf_counter()), lambda session_id: None)
    samples = []
    for n in range(SAMPLES):
        sent = time.perf_counter()
        reply = asyncio.ensure_future(caller.set("latency", STATUSES[n % 2], working_dir="/home/u/p"))
        samples.append(await arrived.get() - sent)
        await reply
    caller.close()
    widget.close()
    return samples


def main() -> None:
    with private_daemon() as daemon:
        samples = asyncio.run(measure(daemon.address))
    print(f"Set to SessionChanged at a subscriber: {describe_ms(samples)}")


if __name__ == "__main__":
    main()
