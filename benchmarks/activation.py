"""From the first call to a name nobody owns to its reply: D-Bus activation's cost.

    python benchmarks/activation.py [--repeat N]

A private bus lists a directory holding the activation file that
``agent-console service install`` writes, pointing at the installed
``agent-console``.  Each round the bus starts the daemon for the first Set,
the daemon answers, a second Set measures the warm path, and the daemon is
stopped so the next round starts cold again.  Target for a cold start: at
most 120 ms.  Prints figures only; asserts nothing.
``benchmarks/targets.py`` runs the same measurement on a regular install.
"""

import argparse
import asyncio
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import percentile
from processes import AGENT_CONSOLE

from agent_console.client.async_client import SessionsClient
from agent_console.service_manager.files import activation_file
from agent_console.wire.connection import ResilientMessageBus, connect, name_owner_pid
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH
from agent_console.wire.private_bus import start_private_bus

TARGET_MS = 120.0


def describe(label: str, samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return (
        f"{label}: median {statistics.median(ms):.1f} ms, p90 {percentile(ms, 0.9):.1f} ms, "
        f"max {max(ms):.1f} ms ({len(ms)} runs)"
    )


def running(pid: int) -> bool:
    """Exited means gone or a zombie: the bus double-forks, so whether and when
    the daemon is reaped is up to whatever runs as pid 1."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def stop_daemon(bus: ResilientMessageBus) -> None:
    """SIGTERM the activated daemon and wait until it has exited, so the next round is cold."""
    pid = await name_owner_pid(bus)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    while await name_owner_pid(bus) is not None or running(pid):
        await asyncio.sleep(0.005)


async def measure_client(address: str, repeat: int) -> tuple[list[float], list[float]]:
    """Through the project's own client, as the Python hook and the CLI call it."""
    client = SessionsClient(await connect(address))
    cold, warm = [], []
    for n in range(repeat):
        started = time.perf_counter()
        await client.set(f"cold-{n}", "working")
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        await client.set(f"warm-{n}", "working")
        warm.append(time.perf_counter() - started)
        await stop_daemon(client.bus)
    client.close()
    return cold, warm


async def measure_busctl(address: str, repeat: int) -> list[float]:
    """Through busctl, as a shell hook calls it: includes busctl's own start."""
    watcher = await connect(address)
    samples = []
    for n in range(repeat):
        started = time.perf_counter()
        busctl = await asyncio.create_subprocess_exec(
            *("busctl", f"--address={address}", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Set"),
            *("ssa{sv}", f"busctl-{n}", "working", "0"),
            stdout=asyncio.subprocess.DEVNULL,
        )
        if await busctl.wait() != 0:
            raise RuntimeError(f"busctl failed with exit status {busctl.returncode}")
        samples.append(time.perf_counter() - started)
        await stop_daemon(watcher)
    watcher.disconnect()
    return samples


@contextmanager
def stderr_into(path: Path) -> Iterator[None]:
    """Whatever starts inside inherits ``path`` as stderr: the bus and the daemons it
    activates log every start, which would bury the figures."""
    saved = os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def activating_bus(executable: str) -> Iterator[str]:
    """A private bus whose one activation file, as ``service install`` writes it, starts ``executable``."""
    with tempfile.TemporaryDirectory(prefix="agent-console-activation-") as scratch:
        services = Path(scratch) / "services"
        service_file = activation_file({}, Path(scratch))
        services.mkdir()
        (services / service_file.target.name).write_text(service_file.render(executable))
        with stderr_into(Path(scratch) / "bus.log"):
            bus = start_private_bus(Path(scratch), [services])
        try:
            yield bus.address
        finally:
            bus.stop()


def measure_activation(executable: str, repeat: int) -> list[float]:
    """Seconds from the first call to its reply, one sample per cold start."""
    with activating_bus(executable) as address:
        cold, _ = asyncio.run(measure_client(address, repeat))
    return cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=20, metavar="N", help="cold starts per figure (default 20)"
    )
    repeat = parser.parse_args().repeat
    with activating_bus(AGENT_CONSOLE) as address:
        cold, warm = asyncio.run(measure_client(address, repeat))
        by_busctl = asyncio.run(measure_busctl(address, repeat))
    print(f"activation of {AGENT_CONSOLE} (target for a cold start: at most {TARGET_MS:.0f} ms)")
    print(describe("cold Set, activation to first reply", cold))
    print(describe("cold Set through busctl, process start included", by_busctl))
    print(describe("warm Set, daemon already running", warm))


if __name__ == "__main__":
    main()
