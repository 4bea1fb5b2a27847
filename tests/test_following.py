"""Every open session's transcript is followed, and the daemon sleeps while nothing happens.

A real daemon on a private bus: 10,000 open sessions, each with a transcript,
and an Esc in the one least recently active; and the daemon's own count of
times it was scheduled (``/proc/PID/schedstat``) while the store is empty.
"""

import asyncio
import sys
import time
from pathlib import Path

import pytest
from conftest import RunningDaemon, start_daemon
from test_truth import Signals, now_iso, transcript_entry

from agent_console.client.async_client import SessionsClient
from agent_console.limits import MAX_SESSIONS

BATCH = 500
"""Set calls in flight at once while filling the store."""

pytestmark = [pytest.mark.bus, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify and /proc are Linux's")]


async def test_an_esc_in_any_of_10000_open_sessions_is_seen(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    transcripts = tmp_path / "project"
    transcripts.mkdir()
    for start in range(0, MAX_SESSIONS, BATCH):
        names = range(start, start + BATCH)
        for n in names:
            (transcripts / f"{n}.jsonl").touch()
        await asyncio.gather(
            *(client.set(f"s{n}", "working", transcript_path=str(transcripts / f"{n}.jsonl")) for n in names)
        )
    signals = await Signals().attach(client)
    with (transcripts / "0.jsonl").open("a") as appended:
        appended.write(transcript_entry("user", "[Request interrupted by user]", now_iso()))
    await signals.change_where("s0", "attention", "interrupted")


def times_scheduled(pid: int) -> int:
    """How often the kernel has run the daemon's thread: each wakeup counts one."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[2])


IDLE_S = 2.0
"""Long enough for the timers of the old daemon (every 0.5 s) to have run 4 times."""


def test_no_wakeups_while_the_store_is_empty(bus_address: str, tmp_path: Path) -> None:
    daemon = start_daemon(bus_address, tmp_path / "daemon.log", "--check-interval", "0.05")
    try:
        time.sleep(0.5)  # its start, and the first housekeeping round after check_interval
        before = times_scheduled(daemon.process.pid)
        time.sleep(IDLE_S)
        assert times_scheduled(daemon.process.pid) - before == 0
    finally:
        daemon.stop()
