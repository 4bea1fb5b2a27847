"""Sessions that tell the truth, end to end: a real daemon on a private bus with
short thresholds, and real child processes standing in for Claude Code."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import start_daemon

from agent_console.agents.claude_code.transcripts import MAX_READ_BYTES
from agent_console.client.async_client import SessionsClient
from agent_console.system import boottime
from agent_console.system.process_info import start_time

pytestmark = pytest.mark.bus

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

    async def change_where(self, session_id: str, status: str, detail: str) -> dict:
        """The next change of ``session_id`` to ``status`` and ``detail``, skipping others
        (the fast daemon flags quiet sessions stale); the hang guard ends a wait for nothing."""
        while True:
            kind, session = await self.next_for(session_id)
            if kind == "changed" and (session["status"], session["detail"]) == (status, detail):
                return session

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


async def test_the_agents_end_arriving_after_its_exit_says_why(fast, stand_in) -> None:
    """A SessionEnd hook in the background lands after the owner check found the agent gone:
    the session was ended, not lost; anything else still changes nothing."""
    client, signals = fast
    await client.set("s1", "attention", event="session-start", **owner_of(stand_in))
    assert (await signals.next_for("s1"))[0] == "changed"
    stand_in.kill()
    stand_in.wait()
    assert (await signals.next_for("s1"))[1]["close_reason"] == "process-exited"
    await client.set("s1", "working")
    await client.set("s1", "closed", reason="session-end")
    kind, session = await signals.next_for("s1")
    assert (session["status"], session["close_reason"]) == ("closed", "session-end")
    history = (await client.get("s1"))["history"]
    assert history[-1]["reason"] == "session-end"
    assert [t["to"] for t in history].count("closed") == 1


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
    await client.set("s1", "attention", event_time=2_000, detail="Bash: ls", event="session-start")
    late = await client.set("s1", "working", event_time=1_000)
    assert (late["status"], late["detail"]) == ("attention", "Bash: ls")
    await client.set("s1", "closed", reason="session-end", event_time=3_000)
    assert (await client.set("s1", "attention", event_time=4_000, detail="late"))["status"] == "closed"
    reopened = await client.set("s1", "attention", event_time=5_000, event="session-start")
    assert (reopened["status"], reopened["close_reason"]) == ("attention", "")
    heard = [(await signals.next_for("s1"))[1] for _ in range(3)]
    assert [(s["status"], s["detail"]) for s in heard] == [("attention", "Bash: ls"), ("closed", ""), ("attention", "")]


def transcript_entry(kind: str, text: str, timestamp: str | None = None, **more: object) -> str:
    """One JSON line as Claude Code appends it to a transcript."""
    entry = {"type": kind, "message": {"role": kind, "content": [{"type": "text", "text": text}]}, **more}
    if timestamp is not None:
        entry["timestamp"] = timestamp
    return json.dumps(entry) + "\n"


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


async def test_esc_and_api_errors_are_read_from_the_transcript(fast, tmp_path: Path) -> None:
    """Only what is appended after the daemon first saw the file counts; an over-long
    line is skipped unparsed; the newest marker of a look wins."""
    client, signals = fast
    transcript = tmp_path / "session.jsonl"
    transcript.write_text(transcript_entry("user", "[Request interrupted by user]", now_iso()))
    await client.set("s1", "working", transcript_path=str(transcript))
    assert (await signals.next_for("s1"))[1]["status"] == "working"
    await client.set("s1", "working")
    assert (await signals.next_for("s1"))[1]["status"] == "working", "the old marker was not replayed"
    with transcript.open("a") as appended:
        appended.write(transcript_entry("assistant", "x" * (MAX_READ_BYTES + 10), now_iso()))
        appended.write(transcript_entry("user", "[Request interrupted by user for tool use]", now_iso()))
    await signals.change_where("s1", "attention", "interrupted")
    await client.set("s1", "working")
    with transcript.open("a") as appended:
        appended.write(transcript_entry("assistant", "API Error: 529 overloaded\nretry later", now_iso(),
                                        isApiErrorMessage=True))
    await signals.change_where("s1", "attention", "API Error: 529 overloaded")


async def transcripts_looked_at(client: SessionsClient, signals: Signals, tmp_path: Path) -> None:
    """Returns once the daemon has looked at every followed transcript since this call:
    a barrier session's Esc, appended now, has been read."""
    barrier = tmp_path / "barrier.jsonl"
    barrier.touch()
    await client.set("barrier", "working", transcript_path=str(barrier))
    with barrier.open("a") as appended:
        appended.write(transcript_entry("user", "[Request interrupted by user]", now_iso()))
    await signals.change_where("barrier", "attention", "interrupted")


def local_command_output(parent: str, text: str) -> str:
    """The ``system`` entry that shows a local command's output, as Claude Code 2.1.197 appends it."""
    return json.dumps({"type": "system", "subtype": "local_command", "parentUuid": parent,
                       "content": f"<local-command-stdout>{text}</local-command-stdout>", "timestamp": now_iso()}) + "\n"


async def test_a_refused_compact_is_read_from_the_transcript(fast, tmp_path: Path) -> None:
    """PreCompact fired and nothing follows: the refusal, a local command's output under the
    /compact command's entry, is the person's turn; another command's output is not."""
    client, signals = fast
    transcript = tmp_path / "session.jsonl"
    transcript.touch()
    await client.set("s1", "working", transcript_path=str(transcript))
    assert (await signals.next_for("s1"))[1]["status"] == "working"
    with transcript.open("a") as appended:
        appended.write(transcript_entry("user", "<command-name>/cost</command-name>", now_iso(), uuid="u1"))
        appended.write(local_command_output("u1", "Total cost: $0.00"))
    await transcripts_looked_at(client, signals, tmp_path)
    assert (await client.get("s1"))["status"] == "working", "another command's output changed the session"
    with transcript.open("a") as appended:
        appended.write(transcript_entry("user", "<command-name>/compact</command-name>\n<command-args></command-args>",
                                        now_iso(), uuid="u2"))
    with transcript.open("a") as appended:
        appended.write(local_command_output("u2", "Not enough messages to compact."))
    await signals.change_where("s1", "attention", "Not enough messages to compact.")


async def test_a_newer_hook_event_outranks_an_older_marker(fast, tmp_path: Path) -> None:
    client, signals = fast
    transcript = tmp_path / "session.jsonl"
    transcript.touch()
    await client.set("s1", "working", transcript_path=str(transcript), event_time=boottime.now_us())
    an_hour_ago = datetime.now(UTC).timestamp() - 3600
    with transcript.open("a") as appended:
        appended.write(transcript_entry("user", "[Request interrupted by user]",
                                        datetime.fromtimestamp(an_hour_ago, UTC).isoformat()))
        appended.write(transcript_entry("user", "carry on"))
    await client.set("s1", "attention", detail="newer")
    await transcripts_looked_at(client, signals, tmp_path)
    assert (await client.get("s1"))["detail"] == "newer", "the hour-old Esc changed nothing"


async def test_a_transcript_path_that_is_no_regular_file_is_not_followed(fast, tmp_path: Path) -> None:
    """A FIFO would block a reader forever: the daemon must go on serving."""
    client, signals = fast
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    await client.set("s1", "working", transcript_path=str(fifo))
    transcript = tmp_path / "real.jsonl"
    transcript.touch()
    await client.set("s2", "working", transcript_path=str(transcript))
    await client.set("s2", "working")
    with transcript.open("a") as appended:
        appended.write(transcript_entry("user", "[Request interrupted by user]", now_iso()))
    await signals.change_where("s2", "attention", "interrupted")
    assert (await client.get("s1"))["status"] == "working"


TOOL_OWNER = """
import os, subprocess, sys
hook_env = {**os.environ, "CLAUDECODE": "1", "CLAUDE_PROJECT_DIR": "/srv/shop"}
tool_env = {**os.environ, "CLAUDECODE": "1"}
children = []
for line in sys.stdin:
    env = hook_env if line.strip() == "hook" else tool_env
    children.append(subprocess.Popen(["sleep", "600"], env=env))
    print("started", flush=True)
for child in children:
    child.kill()
"""
"""Plays Claude Code: starts a hook or a tool child on each line of stdin."""


async def test_an_approved_tool_reads_working_once_it_runs(fast) -> None:
    client, signals = fast
    owner = subprocess.Popen([sys.executable, "-c", TOOL_OWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        await client.set("s1", "attention", event="permission", detail="Bash: npm test", **owner_of(owner))
        waiting = (await signals.next_for("s1"))[1]
        assert (waiting["status"], waiting["permission"]) == ("attention", True)
        owner.stdin.write("tool\n")
        owner.stdin.flush()
        assert owner.stdout.readline() == "started\n"
        await signals.change_where("s1", "working", "Bash: npm test")
        assert (await client.get("s1"))["permission"] is False
    finally:
        owner.stdin.close()
        owner.wait(timeout=HANG_GUARD_S)
