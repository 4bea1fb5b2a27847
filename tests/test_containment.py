"""Nothing a session's facts hold, and no bug in a handler, ends the daemon.

A real daemon on a private bus reads a transcript whose line is nested past
the JSON parser's recursion limit; a method whose store fails unexpectedly is
served in-process on a real bus, the store being a stand-in that raises (no
real input makes the daemon's own code fail, which is the point).
"""

import asyncio
import logging
from pathlib import Path
from typing import cast

import pytest
from conftest import RunningDaemon
from test_truth import Signals, now_iso, transcript_entry

from agent_console.client.async_client import SessionsClient
from agent_console.daemon.interface import SessionsInterface
from agent_console.daemon.model import Session
from agent_console.daemon.store import SessionStore
from agent_console.errors import Internal
from agent_console.wire.connection import connect
from agent_console.wire.names import BUS_NAME, OBJECT_PATH

pytestmark = pytest.mark.bus

NESTING = 990
"""Deep enough that json.loads raises RecursionError inside the daemon's loop (issue 20)."""


def nested_marker_line() -> str:
    """A tool result quoting an Esc marker, 2 KB of brackets deep."""
    quoted = "[" * NESTING + '"[Request interrupted by user]"' + "]" * NESTING
    return '{"type": "user", "message": {"content": ' + quoted + "}}\n"


async def test_a_transcript_line_nested_too_deeply_ends_nothing(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    signals = await Signals().attach(client)
    transcript = tmp_path / "session.jsonl"
    transcript.touch()
    await client.set("s1", "working", transcript_path=str(transcript))
    with transcript.open("a") as appended:
        appended.write(nested_marker_line())
    await asyncio.sleep(1.0)  # two looks: the line has been read
    assert daemon.process.poll() is None, daemon.log
    assert (await client.get("s1"))["status"] == "working"
    with transcript.open("a") as appended:
        appended.write(transcript_entry("user", "[Request interrupted by user]", now_iso()))
    await signals.change_where("s1", "attention", "interrupted")


class FailingStore(SessionStore):
    """A store whose ``get`` and listing fail as a bug would."""

    def get(self, session_id: str) -> Session | None:
        raise RuntimeError("a bug in the store, with private detail /home/someone/secret")

    def list_all(self) -> list[Session]:
        raise RuntimeError("a bug in the listing")


async def test_a_failing_handler_replies_internal_and_the_daemon_serves_on(
    bus_address: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = await connect(bus_address)
    bus.export(OBJECT_PATH, SessionsInterface(FailingStore()))
    await bus.request_name(BUS_NAME)
    client = await SessionsClient.connect(bus_address)
    try:
        with caplog.at_level(logging.ERROR), pytest.raises(Internal) as raised:
            await client.get("s1")
        message = str(raised.value)
        assert message == "Get failed inside the daemon; the daemon's log has the details"
        assert "Traceback" in caplog.text and "private detail" in caplog.text
        with pytest.raises(Internal, match="^ListAll failed inside the daemon"):
            await client.list_all()
        assert (await client.set("s2", "working"))["id"] == "s2"
    finally:
        client.close()
        bus.disconnect()


class ListingFailsWhileWritten(SessionStore):
    """A store whose listing holds something that is not a session: writing it fails, after the call returned."""

    def list_all(self) -> list[Session]:
        return [*super().list_all(), cast(Session, "not a session")]


async def test_a_listing_failing_while_written_replies_internal_and_the_daemon_serves_on(
    bus_address: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = ListingFailsWhileWritten()
    bus = await connect(bus_address)
    bus.export(OBJECT_PATH, SessionsInterface(store))
    await bus.request_name(BUS_NAME)
    client = await SessionsClient.connect(bus_address)
    try:
        await client.set("s1", "working")
        with caplog.at_level(logging.ERROR):
            for _ in range(2):
                with pytest.raises(Internal, match="^Snapshot failed inside the daemon"):
                    await client.snapshot()
        assert "Traceback" in caplog.text and "AttributeError" in caplog.text
        assert (await client.get("s1"))["id"] == "s1"
    finally:
        client.close()
        bus.disconnect()
