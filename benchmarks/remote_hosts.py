"""10 SSH hosts x 1,000 sessions followed into one daemon: its memory, and a remote change's time to a subscriber.

    sudo python benchmarks/remote_hosts.py [--hosts 10] [--sessions 1000] [--samples 200]

Hosts are network namespaces on this machine (``tests/remote_hosts.py``):
each runs sshd, a bus and a daemon, filled with ``--sessions`` sessions
before ``agent-console remote`` starts following them all, as its unit would,
over real ssh.  Then ``--samples`` changes are made, one host after the
other, each a ``Set`` of one of its sessions on that host's daemon; the time is from just before
that call to the local subscriber's ``SessionChanged`` for it (the remote
daemon, its ``watch`` over ssh, the follower, the local daemon, the bus).
Needs root, sshd and ssh.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from remote_hosts import World, missing

from agent_console.client.async_client import SessionsClient
from agent_console.system.process_info import rss_bytes

BATCH = 500
SAMPLE_SPACING_S = 0.05
"""Between two changes: a person's agents change a few times a second, not in a tight loop."""
SAMPLE_TIMEOUT_S = 10.0
LOAD_CALL_TIMEOUT_S = 60.0
"""Filling hosts keeps hundreds of calls in flight on purpose, on a machine others share."""


def session_id(host: str, n: int) -> str:
    return f"{n:08x}-5d3c-4a7e-9f1b-{host:0>12}"


async def fill(address: str, host: str, sessions: int) -> None:
    client = await SessionsClient.connect(address, call_timeout_s=LOAD_CALL_TIMEOUT_S)
    for start in range(0, sessions, BATCH):
        await asyncio.gather(*(
            client.set(session_id(host, n), "working", working_dir=f"/home/u/src/{host}/p{n}")
            for n in range(start, min(start + BATCH, sessions))
        ))  # fmt: skip
    client.close()


async def wait_for_count(client: SessionsClient, count: int) -> float:
    """Asks the host table, not ListAll: listing 10,000 sessions over and over would load the daemon measured."""
    start = time.monotonic()
    while sum(host["sessions"] for host in await client.hosts()) < count:
        await asyncio.sleep(0.2)
    return time.monotonic() - start


async def latencies(world: World, local: SessionsClient, samples: int) -> list[float]:
    arrived: dict[str, float] = {}
    await local.subscribe(lambda s: arrived.setdefault(s["detail"], time.monotonic()), lambda _: None)
    remotes = {name: await SessionsClient.connect(host.bus_address) for name, host in world.hosts.items()}
    names = list(remotes)
    times = []
    for n in range(samples):
        name = names[n % len(names)]
        marker = f"sample {n}"
        sent = time.monotonic()
        await remotes[name].set(session_id(name, n % 50), "working", detail=marker)
        while marker not in arrived and time.monotonic() - sent < SAMPLE_TIMEOUT_S:
            await asyncio.sleep(0.001)
        times.append(arrived.get(marker, float("inf")) - sent)
        await asyncio.sleep(SAMPLE_SPACING_S)
    for client in remotes.values():
        client.close()
    return times


PROBES: list[float] = []
PROBE_SPACING_S = 0.02


async def probe_sets(local: SessionsClient) -> None:
    """A hook's view while the hosts' snapshots arrive: how long a local Set waits for its reply."""
    while True:
        sent = time.monotonic()
        await local.set("probe-5d3c-4a7e-9f1b-000000000000", "working")
        PROBES.append(time.monotonic() - sent)
        await asyncio.sleep(PROBE_SPACING_S)


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def measure(world: World, hosts: int, sessions: int, samples: int) -> None:
    local = await SessionsClient.connect(world.local.bus_address, call_timeout_s=LOAD_CALL_TIMEOUT_S)
    daemon_pid = world.local.processes["daemon"].pid
    idle = rss_bytes(daemon_pid)
    start = time.monotonic()
    for name, host in world.hosts.items():
        await fill(host.bus_address, name, sessions)
    print(f"filled {hosts} hosts x {sessions} sessions in {time.monotonic() - start:.1f} s")
    for name in world.hosts:
        world.local.agent_console("remote", "add", name, name)
    probing = asyncio.ensure_future(probe_sets(local))
    world.local.start("remote", "agent-console", "remote")
    mirrored = await wait_for_count(local, hosts * sessions)
    probing.cancel()
    set_ms = sorted(t * 1000 for t in PROBES)
    print(f"all {hosts * sessions} sessions mirrored {mirrored:.1f} s after agent-console remote started; "
          f"a local Set meanwhile ({len(set_ms)} of them): p50 {quantile(set_ms, 0.5):.0f} ms, max {set_ms[-1]:.0f} ms")
    await asyncio.sleep(2)
    full = rss_bytes(daemon_pid)
    follower = rss_bytes(world.local.processes["remote"].pid)
    print(f"local daemon RSS: {idle / 2**20:.1f} MiB idle, {full / 2**20:.1f} MiB holding {hosts * sessions} "
          f"remote sessions (+{(full - idle) / 1024 / (hosts * sessions):.2f} KiB each)")  # fmt: skip
    print(f"agent-console remote RSS: {follower / 2**20:.1f} MiB (one ssh per host besides)")
    times = await latencies(world, local, samples)
    local.close()
    lost = sum(t == float("inf") for t in times)
    ms = sorted(t * 1000 for t in times if t != float("inf"))
    print(f"remote change -> local subscriber, {len(ms)} changes over {hosts} hosts ({lost} lost): "
          f"p50 {quantile(ms, 0.5):.0f} ms, p99 {quantile(ms, 0.99):.0f} ms, max {ms[-1]:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    reason = missing()
    if reason:
        sys.exit(f"remote_hosts.py: {reason}")
    with World([f"h{n}" for n in range(1, args.hosts + 1)]) as world:
        asyncio.run(measure(world, args.hosts, args.sessions, args.samples))


if __name__ == "__main__":
    main()
