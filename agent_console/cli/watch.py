"""``agent-console watch``: the sessions now, then every change as it happens.

Status bars start it at login, possibly before the daemon, and keep it for
the whole session, so it must outlive the daemon: it follows the owner of
``io.github.AgentConsole1`` and lists the sessions again whenever a new
daemon takes the name, instead of going stale.  It subscribes to both
before the first list, so no change can fall between the two.

Every notice from the bus (a signal, an owner change, Ctrl-C) is queued as
a step and the steps run one at a time in arrival order; that keeps the
copy of the sessions consistent without a lock.
"""

import asyncio
import os
import signal
import stat
import sys
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated

import typer

from agent_console.cli.render import event_json, event_lines
from agent_console.cli.runner import AddressOption, emit, run_with_client
from agent_console.cli.summary import i3blocks_line, waybar_line
from agent_console.client import SessionsClient
from agent_console.errors import Unavailable
from agent_console.mirror import SessionDict, SessionMirror, WatchEvent
from agent_console.presentation import now_us

Step = Callable[[], Awaitable[bool]]
"""A queued notice; returns False to end the watch."""
Render = Callable[[WatchEvent, SessionMirror], list[str]]
"""Output lines for an event, given the watcher's copy of the sessions after it."""


class WatchFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    WAYBAR = "waybar"
    I3BLOCKS = "i3blocks"


def watch(
    output_format: Annotated[
        WatchFormat,
        typer.Option("--format", "-f", help="Output: text for people, json lines, or a status bar's protocol."),
    ] = WatchFormat.TEXT,
    address: AddressOption = None,
) -> None:
    """Print the sessions, then a line per change, until interrupted.

    \b
    Formats:
      text      the table, then one line per change
      json      one object per line: {"event": "snapshot"|"changed"|"removed"|
                "not-running", "session"/"sessions"/"id": ...}
      waybar    a custom-module line (return-type json) per change of the summary
      i3blocks  a block (format=json, interval=persist) per change of the summary
    Waits for the daemon when it is not running, and lists again when it
    comes back. Exit status: 0 interrupted (Ctrl-C, SIGTERM) or output
    closed, 5 bus unreachable or lost, 1 any other error.

    \b
    Example:
      agent-console watch --format waybar
    """
    render = _renderer(output_format)
    run_with_client(address, lambda client: _Watcher(client, render).run())


def _renderer(output_format: WatchFormat) -> Render:
    if output_format is WatchFormat.WAYBAR:
        return _WhenChanged(waybar_line)
    if output_format is WatchFormat.I3BLOCKS:
        return _WhenChanged(i3blocks_line)
    if output_format is WatchFormat.JSON:
        return lambda event, _: [event_json(event)]
    return lambda event, _: event_lines(event, now_us())


class _WhenChanged:
    """A bar redraws on every line: print the summary only when it differs from the last one."""

    def __init__(self, summary_line: Callable[[list[SessionDict] | None], str]) -> None:
        self._summary_line = summary_line
        self._last: str | None = None

    def __call__(self, event: WatchEvent, mirror: SessionMirror) -> list[str]:
        line = self._summary_line(mirror.current())
        if line == self._last:
            return []
        self._last = line
        return [line]


class _Watcher:
    def __init__(self, client: SessionsClient, render: Render) -> None:
        self._client = client
        self._render = render
        self._mirror = SessionMirror()
        self._steps: asyncio.Queue[Step] = asyncio.Queue()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._steps.put_nowait, self._stop)
        _when_pipe_reader_leaves(loop, lambda: self._steps.put_nowait(self._stop))
        await self._client.subscribe(
            lambda session: self._steps.put_nowait(lambda: self._changed(session)),
            lambda session_id: self._steps.put_nowait(lambda: self._removed(session_id)),
        )
        await self._client.watch_daemon(lambda old, new: self._steps.put_nowait(lambda: self._owner_changed(old, new)))
        disconnection = asyncio.ensure_future(self._queue_disconnection())
        try:
            await self._resync()
            while await (await self._steps.get())():
                pass
        finally:
            disconnection.cancel()

    def _show(self, event: WatchEvent | None) -> None:
        if event is not None:
            emit(self._render(event, self._mirror))

    async def _resync(self) -> None:
        try:
            sessions = await self._client.list_all()
        except Unavailable:
            self._show(self._mirror.lose())
            return
        self._show(self._mirror.replace(sessions))

    async def _changed(self, session: SessionDict) -> bool:
        self._show(self._mirror.change(session))
        return True

    async def _removed(self, session_id: str) -> bool:
        self._show(self._mirror.remove(session_id))
        return True

    async def _owner_changed(self, old_owner: str, new_owner: str) -> bool:
        """A new owner means a new, empty-at-start store: list again.

        Skipped when the daemon appeared from nothing while a list is already
        in hand: that list can only have come from this very daemon (the
        call that found it running, or that started it by activation).
        """
        if not new_owner:
            self._show(self._mirror.lose())
        elif old_owner or not self._mirror.running:
            await self._resync()
        return True

    async def _stop(self) -> bool:
        return False

    async def _queue_disconnection(self) -> None:
        await self._client.wait_disconnected()
        self._steps.put_nowait(self._disconnected)

    async def _disconnected(self) -> bool:
        raise Unavailable("lost the connection to the D-Bus bus")


def _when_pipe_reader_leaves(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """Call back once nobody reads stdout any more, without waiting for the next write.

    A bar that restarts closes its end of the pipe; a quiet watch would not
    notice until the next change, maybe hours later.  On Linux the write end
    of a pipe reports an error to epoll as soon as the reader is gone (what
    ``tail -f`` relies on), and asyncio hands that to a reader callback.
    """
    try:
        fd = sys.stdout.fileno()
        is_pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
    except (OSError, ValueError):
        return
    if not (is_pipe and sys.platform.startswith("linux")):
        return

    def gone() -> None:
        loop.remove_reader(fd)
        callback()

    loop.add_reader(fd, gone)
