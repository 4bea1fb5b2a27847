"""Sessions that tell the truth, end to end: a real daemon on a private bus with
short thresholds, and real child processes standing in for Claude Code."""

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import start_daemon

from agent_console.client import SessionsClient
from agent_console.process_info import start_time

HANG_GUARD_S = 20.0
"""Only against a hang: the thresholds below are a fraction of a second."""


class Signals:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()

    async def attach(self, client: SessionsClient) -> "Signals":
        await client.subscribe(
            lambda s: self.queue.put_nowait(("changed", s)), lambda i: self.queue.put_nowait(("removed", i))
        )
        return self

    async def next_for(self, session_id: str) -> tuple[str, dict | str]:
        while True:
            kind, payload = await asyncio.wait_for(self.queue.get(), HANG_GUARD_S)
            if payload == session_id or (isinstance(payload, dict) and payload["id"] == session_id):
                return kind, payload


@pytest.fixture
async def fast(bus_address: str, tmp_path: Path) -> AsyncIterator[tuple[SessionsClient, Signals]]:
    daemon = start_daemon(
        bus_address, tmp_path / "fast.log", "--check-interval", "0.05", "--stale-after", "0.3", "--retention", "0.3"
    )
    client = await SessionsClient.connect(bus_address)
    yield client, await Signals().attach(client)
    client.close()
    daemon.stop()


@pytest.fixture
def stand_in() -> subprocess.Popen[bytes]:
    """A process playing Claude Code."""
    process = subprocess.Popen(["sleep", "600"])
    yield process
    process.kill()
    process.wait()


def owner_of(process: subprocess.Popen[bytes]) -> dict[str, int]:
    return {"pid": process.pid, "pid_start": start_time(process.pid)}


async def test_owner_exit_closes_the_session(fast, stand_in) -> None:
    client, signals = fast
    await client.set("s1", "working", **owner_of(stand_in))
    assert (await signals.next_for("s1"))[0] == "changed"
    stand_in.kill()
    stand_in.wait()
    kind, session = await signals.next_for("s1")
    assert (session["status"], session["close_reason"]) == ("closed", "process-exited")
    assert (await client.get("s1"))["history"][-1]["reason"] == "process-exited"


async def test_pid_reuse_closes_rather_than_keeps(fast, stand_in) -> None:
    client, signals = fast
    reused = {**owner_of(stand_in), "pid_start": owner_of(stand_in)["pid_start"] - 1}
    await client.set("s1", "working", **reused)
    await signals.next_for("s1")
    kind, session = await signals.next_for("s1")
    assert (session["status"], session["close_reason"]) == ("closed", "process-exited")


async def test_a_second_session_of_a_live_process_replaces_the_first(fast, stand_in) -> None:
    client, signals = fast
    await client.set("before-clear", "attention", **owner_of(stand_in))
    await client.set("after-clear", "attention", **owner_of(stand_in))
    sessions = {s["id"]: s for s in await client.list_all()}
    assert sessions["before-clear"]["close_reason"] == "replaced"
    assert not sessions["after-clear"]["closed"]
    assert (await signals.next_for("before-clear"))[1]["status"] == "attention"
    assert (await signals.next_for("before-clear"))[1]["close_reason"] == "replaced"


async def test_quiet_work_goes_stale_and_a_hook_event_clears_it(fast) -> None:
    client, signals = fast
    await client.set("quiet", "working")
    assert (await signals.next_for("quiet"))[1]["stale"] is False
    kind, session = await signals.next_for("quiet")
    assert (session["status"], session["stale"]) == ("working", True)
    await client.set("quiet", "working")
    assert (await signals.next_for("quiet"))[1]["stale"] is False


async def test_closed_sessions_are_removed_after_retention(fast) -> None:
    client, signals = fast
    await client.set("done", "closed", reason="session-end")
    assert (await signals.next_for("done"))[1]["close_reason"] == "session-end"
    assert await signals.next_for("done") == ("removed", "done")
    assert await client.list_all() == []


async def test_a_late_event_changes_nothing_and_sends_nothing(fast) -> None:
    """Older than the last applied event, or after the agent ended the session: the reply
    is the session as it stands, and subscribers hear nothing."""
    client, signals = fast
    await client.set("s1", "attention", event_time=2_000, detail="Bash: ls")
    late = await client.set("s1", "working", event_time=1_000)
    assert (late["status"], late["detail"]) == ("attention", "Bash: ls")
    await client.set("s1", "closed", reason="session-end", event_time=3_000)
    assert (await client.set("s1", "attention", event_time=4_000, detail="late"))["status"] == "closed"
    reopened = await client.set("s1", "attention", event_time=5_000, event="session-start")
    assert (reopened["status"], reopened["close_reason"]) == ("attention", "")
    heard = [(await signals.next_for("s1"))[1] for _ in range(3)]
    assert [(s["status"], s["detail"]) for s in heard] == [("attention", "Bash: ls"), ("closed", ""), ("attention", "")]
