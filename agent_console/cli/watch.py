"""``agent-console watch``: the sessions now, then every change as it happens.

Status bars start it at login, possibly before the daemon, and keep it for
the whole session; ``agent_console.client.follow`` keeps it current across daemon
restarts.  Ctrl-C, SIGTERM and a reader that went away end it through the
same queue as the signals, so a change already queued is still printed.
asyncio and the follower are imported when the watch starts: the command
line is parsed, and every command's help shown, without them.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent_console.cli.color import add_color_option, painter
from agent_console.cli.render import event_json, event_lines
from agent_console.cli.runner import (
    Commands,
    add_address_option,
    add_command,
    emit,
    run_with_async_client,
)
from agent_console.presentation import now_us

if TYPE_CHECKING:
    import asyncio

    from agent_console.client.async_client import SessionsClient
    from agent_console.client.mirror import SessionMirror, WatchEvent
    from agent_console.presentation import SessionDict

Render = Callable[["WatchEvent", "SessionMirror"], list[str]]
"""Output lines for an event, given the watcher's copy of the sessions after it."""

FORMATS = ("text", "json", "waybar", "i3blocks")


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "watch",
        _run,
        "Print the sessions, then a line per change, until interrupted.",
        "Formats:\n"
        "  text      the table, then one line per change\n"
        '  json      one object per line: {"event": "snapshot"|"changed"|"removed"|\n'
        '            "not-running", "session"/"sessions"/"id": ...}\n'
        "  waybar    a custom-module line (return-type json) per change of the summary\n"
        "  i3blocks  a block (format=json, interval=persist) per change of the summary\n"
        "Waits for the daemon when it is not running, and lists again when it\n"
        "comes back.",
        "0 interrupted (Ctrl-C, SIGTERM) or output closed, 5 bus\nunreachable or lost, 1 any other error.",
        ["agent-console watch --format waybar"],
    )
    parser.add_argument(
        "--format",
        "-f",
        dest="output_format",
        metavar="FORMAT",
        choices=FORMATS,
        default="text",
        help="Output: text for people, json lines, or a status bar's protocol (waybar, i3blocks)",
    )
    add_color_option(parser)
    add_address_option(parser)


def _run(args: argparse.Namespace) -> None:
    render = _renderer(args.output_format, args.color)
    run_with_async_client(args.address, lambda client: _watch(client, render))


def _renderer(output_format: str, color: str) -> Render:
    if output_format in ("waybar", "i3blocks"):
        from agent_console.cli.summary import i3blocks_line, waybar_line

        # The bars' protocols are UTF-8 whatever the locale a bar was started in.
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(encoding="utf-8")

        return _WhenChanged(waybar_line if output_format == "waybar" else i3blocks_line)
    if output_format == "json":
        return lambda event, _: [event_json(event)]
    paint = painter(color)
    return lambda event, _: event_lines(event, now_us(), paint)


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


async def _watch(client: SessionsClient, render: Render) -> None:
    import asyncio

    from agent_console.client.follow import SessionFollower

    async def show(event: WatchEvent, mirror: SessionMirror) -> None:
        emit(render(event, mirror))

    follower = SessionFollower(client, show)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, follower.stop)
    _when_pipe_reader_leaves(loop, follower.stop)
    await follower.run()


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
