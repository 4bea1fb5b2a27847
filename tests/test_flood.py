"""Bursts must not knock the daemon off the bus (dbus-next issue #153, still so in dbus-fast 5.2).

Many connections pipeline hundreds of Set calls at once while several
subscribers listen; each Set costs a reply and a signal, so the daemon's
socket buffer fills and send() returns EAGAIN, which stock dbus-fast's writer
treats as a dead connection (without the fix in wire/connection.py this test
fails with BlockingIOError in the daemon's log).
"""

import asyncio
from collections import Counter

import pytest

from agent_console.client.async_client import SessionsClient

pytestmark = pytest.mark.bus

FLOOD_CALL_TIMEOUT_S = 60.0
"""1,600 calls in flight on a shared, loaded machine may wait longer than the everyday
deadline (CLIENT_CALL_TIMEOUT_S) without anything being stuck; this still ends a hang."""

CALLERS = 8
PIPELINED = 200
ROUNDS = 3
SUBSCRIBERS = 4
STATUSES = ("working", "attention", "question", "closed")


async def _flood(caller: int, client: SessionsClient) -> list[dict]:
    replies = []
    for round_ in range(ROUNDS):
        calls = [
            client.set(f"c{caller}-s{n % 50}", STATUSES[(round_ + n) % 4], working_dir=f"/w/{caller}/{n}")
            for n in range(PIPELINED)
        ]
        replies += await asyncio.gather(*calls)
    return replies


async def test_flood_from_many_connections(daemon, client):
    subscribers = [await SessionsClient.connect(daemon.address, FLOOD_CALL_TIMEOUT_S) for _ in range(SUBSCRIBERS)]
    received = [Counter() for _ in subscribers]
    for subscriber, counts in zip(subscribers, received, strict=True):
        await subscriber.subscribe(lambda s, c=counts: c.update([s["id"]]), lambda i: None)
    callers = [await SessionsClient.connect(daemon.address, FLOOD_CALL_TIMEOUT_S) for _ in range(CALLERS)]

    results = await asyncio.gather(*(_flood(n, c) for n, c in enumerate(callers)))

    total = CALLERS * PIPELINED * ROUNDS
    assert sum(len(r) for r in results) == total
    sessions = {s["id"]: s for s in await client.list_all()}
    assert len(sessions) == CALLERS * 50
    for caller in range(CALLERS):
        for n in range(PIPELINED - 50, PIPELINED):
            last = sessions[f"c{caller}-s{n % 50}"]
            assert last["status"] == STATUSES[(ROUNDS - 1 + n) % 4]
            assert last["working_dir"] == f"/w/{caller}/{n}"
    for subscriber in subscribers:
        await subscriber.list_all()  # signals were queued before this reply, so all have arrived
    assert [sum(c.values()) for c in received] == [total] * SUBSCRIBERS
    assert daemon.process.poll() is None, daemon.log
    for connection in (*subscribers, *callers):
        connection.close()
