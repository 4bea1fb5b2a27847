"""One remote host followed over the person's own OpenSSH, for as long as it is configured.

``ssh DESTINATION agent-console watch --format json`` runs on that host and
prints its daemon's snapshot, then every change: exactly what a mirror
needs, through ssh's own keys, config, agent and ControlMaster, with no
server or port of ours.  ``BatchMode`` keeps ssh from ever asking a
question nobody would see.  A link that dies without a word (a cable, a
suspended laptop, a firewall dropping packets) is found by ssh's keep-alives
within ``LINK_LOSS_DETECTED_WITHIN_S``; then the host's sessions are marked
unreachable and the link is tried again every few seconds.  The host reads
``connecting`` only until its first connection ends; after that it reads
``unreachable`` (with ssh's last words) until a snapshot arrives again.  Each new
connection starts with a snapshot, which replaces the host's sessions as a
whole: nothing lost, nothing duplicated, nothing stale.
"""

import asyncio
import contextlib
import logging
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agent_console.errors import AgentConsoleError
from agent_console.limits import MAX_DETAIL_CHARS, MAX_REMOTE_CHANGES_PER_S
from agent_console.presentation import escape
from agent_console.remote.outbox import CALL_INTERVAL_S, Call, Outbox, TokenBucket
from agent_console.remote.stream import (
    BoundedLines,
    RemoteChanged,
    RemoteNotRunning,
    RemoteRemoved,
    RemoteSnapshot,
    parse_event,
)
from agent_console.vocabulary import HostState

log = logging.getLogger("agent_console")

SERVER_ALIVE_INTERVAL_S = 3
"""ssh asks the remote for a sign of life after this long without data from it."""
SERVER_ALIVE_COUNT_MAX = 2
"""...and gives the link up after this many unanswered asks."""
LINK_LOSS_DETECTED_WITHIN_S = SERVER_ALIVE_INTERVAL_S * (SERVER_ALIVE_COUNT_MAX + 1)
"""A dead link ends ssh within about this (9 s), well inside the 15 s the issue allows."""
CONNECT_TIMEOUT_S = 3
"""ssh's TCP connect: a host whose link is down is tried again soon, and one that comes
back is followed again within a few seconds of it."""
RECONNECT_DELAYS_S = (0.5, 1.0, 2.0, 4.0)
"""Waits between one connection's start and the next attempt's, after each failure in a row;
the last repeats.  Counted from the start, so a 3 s connect timeout uses up most of them."""
STOP_TIMEOUT_S = 2.0
"""ssh gets this long to end after SIGTERM before it is killed."""
NOTE_INTERVAL_S = 1.0
"""How often, at most, what was skipped is reported to the daemon."""

REMOTE_COMMAND = ("agent-console", "watch", "--format", "json")


def ssh_command(destination: str, remote_command: str = "agent-console") -> list[str]:
    """The ssh command line that follows ``destination``; the user's ssh config applies as ever."""
    options = {
        "BatchMode": "yes",
        "ServerAliveInterval": str(SERVER_ALIVE_INTERVAL_S),
        "ServerAliveCountMax": str(SERVER_ALIVE_COUNT_MAX),
        "ConnectTimeout": str(CONNECT_TIMEOUT_S),
    }
    remote = shlex.join([remote_command, *REMOTE_COMMAND[1:]])
    return ["ssh", "-T", *(f"-o{key}={value}" for key, value in options.items()), "--", destination, remote]


Sender = Callable[[str, Call], Awaitable[None]]
"""Tells the daemon one call of a host (``agent_console.remote.follower``)."""


@dataclass
class LinkStats:
    """What the stream held that could not be used, since this link was made."""

    lines_skipped: int = 0
    sessions_skipped: int = 0

    def line(self) -> str:
        return f"skipped {self.lines_skipped} malformed or over-long lines, {self.sessions_skipped} malformed sessions"


class HostLink:
    """Follow ``name`` at ``destination`` until ``stop``; every daemon call goes through ``send``."""

    def __init__(self, name: str, destination: str, command: str, send: Sender) -> None:
        self.name = name
        self.destination = destination
        self.command = command
        self._send = send
        self.outbox = Outbox()
        self.stats = LinkStats()
        self._lines_before = 0
        """Lines skipped by the connections before this one."""
        self._bucket = TokenBucket()
        self._stopping = False
        self._process: asyncio.subprocess.Process | None = None

    async def run(self) -> None:
        sender = asyncio.ensure_future(self._send_all())
        try:
            await self._follow()
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    def stop(self) -> None:
        self._stopping = True
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()

    async def _follow(self) -> None:
        failures = 0
        self.outbox.set_state(HostState.CONNECTING, "")
        while not self._stopping:
            started = time.monotonic()
            reason, snapshot_seen = await self._connect_once()
            if self._stopping:
                return
            self.outbox.set_state(HostState.UNREACHABLE, reason)
            log.info("%s: unreachable: %s", self.name, reason)
            failures = 0 if snapshot_seen else failures + 1
            delay = RECONNECT_DELAYS_S[min(failures, len(RECONNECT_DELAYS_S) - 1)]
            await asyncio.sleep(max(0.0, started + delay - time.monotonic()))

    async def _connect_once(self) -> tuple[str, bool]:
        """Run ssh until it ends; why it ended, and whether a snapshot came meanwhile."""
        try:
            self._process = await asyncio.create_subprocess_exec(
                *ssh_command(self.destination, self.command),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        except OSError as error:
            return f"cannot run ssh: {error.strerror}", False
        process = self._process
        assert process.stdout is not None and process.stderr is not None
        errors = asyncio.ensure_future(_last_line(process.stderr))
        try:
            snapshot_seen = await self._read(BoundedLines(process.stdout))
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        said = await errors
        return _why(process.returncode, said), snapshot_seen

    async def _read(self, lines: BoundedLines) -> bool:
        """Hand each event to the outbox; whether a snapshot came.  What was skipped is noted
        for ``remote list`` once connected, when it grew, at most every ``NOTE_INTERVAL_S``."""
        snapshot_seen = False
        unparsed = 0
        noted, noted_at = 0, 0.0
        async for line in lines:
            event = parse_event(line)
            if event is None:
                unparsed += 1
            elif isinstance(event, RemoteSnapshot):
                snapshot_seen = True
                self.stats.sessions_skipped += event.malformed
                self.outbox.snapshot(event.sessions)
            elif isinstance(event, RemoteChanged):
                self.outbox.change(event.session)
            elif isinstance(event, RemoteRemoved):
                self.outbox.remove(event.session_id)
            elif isinstance(event, RemoteNotRunning):
                snapshot_seen = False
                self.outbox.set_state(HostState.UNREACHABLE, f"the agent-console daemon on {self.name} is not running")
            self.stats.lines_skipped = self._lines_before + unparsed + lines.skipped
            skipped = self.stats.lines_skipped + self.stats.sessions_skipped
            if snapshot_seen and skipped > noted and time.monotonic() - noted_at >= NOTE_INTERVAL_S:
                noted, noted_at = skipped, time.monotonic()
                self.outbox.note(self.stats.line())
        self._lines_before = self.stats.lines_skipped
        return snapshot_seen

    async def _send_all(self) -> None:
        """Tell the daemon what the outbox holds, one call at a time, at the bucket's pace."""
        while True:
            await self.outbox.ready.wait()
            budget = max(1, min(self.outbox.pending(), MAX_REMOTE_CHANGES_PER_S))
            await self._bucket.spend(budget)
            call = self.outbox.take(budget)
            if call is None:
                continue
            started = time.monotonic()
            try:
                await self._send(self.name, call)
            except AgentConsoleError as error:
                log.warning("%s: the daemon refused %s: %s", self.name, type(call).__name__, error)
            await asyncio.sleep(max(0.0, started + CALL_INTERVAL_S - time.monotonic()))


async def _last_line(stream: asyncio.StreamReader) -> str:
    """ssh's last line on stderr (why it failed), read to the end so ssh never blocks on it."""
    last = ""
    async for line in BoundedLines(stream, MAX_DETAIL_CHARS * 4):
        if line.strip():
            last = line.decode(errors="replace").strip()
    return last


def _why(returncode: int | None, said: str) -> str:
    """One line for the host's detail: ssh's own words where it said any."""
    if said:
        text = escape(said)
    elif returncode == 0:
        text = "the remote's agent-console watch ended"
    else:
        text = f"ssh exited with status {returncode}"
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"
