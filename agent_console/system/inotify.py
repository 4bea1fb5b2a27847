"""Linux's inotify through ctypes: which files in a directory were written, without polling.

The daemon follows the transcript of every open session; a ``stat`` of each
on a timer would cost a wakeup per look and a system call per session, and
10,000 of them hold the loop.  One watch per directory (Claude Code keeps a
project's transcripts in one) tells it which files grew, and nothing while
nothing is written.  ctypes rather than a package: four libc calls, and the
daemon keeps its dependencies few.  Where inotify is missing (macOS, a
kernel without it) ``open_watch`` returns None and the caller polls.
"""

import ctypes
import ctypes.util
import os
import struct
import sys
from dataclasses import dataclass

IN_MODIFY = 0x0000_0002
IN_CLOSE_WRITE = 0x0000_0008
IN_MOVED_FROM = 0x0000_0040
IN_MOVED_TO = 0x0000_0080
IN_CREATE = 0x0000_0100
IN_DELETE = 0x0000_0200
IN_DELETE_SELF = 0x0000_0400
IN_MOVE_SELF = 0x0000_0800
IN_Q_OVERFLOW = 0x0000_4000
IN_IGNORED = 0x0000_8000
IN_ONLYDIR = 0x0100_0000
IN_EXCL_UNLINK = 0x0400_0000

IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

DIRECTORY_EVENTS = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_EXCL_UNLINK
"""A file in the directory was written (appended or truncated), created, or renamed into it."""

_EVENT_HEADER = struct.Struct("iIII")
"""struct inotify_event: wd, mask, cookie, len; then ``len`` bytes of NUL-padded name."""

READ_BYTES = 64 * 1024
"""What one ``read`` of the queue takes: about 1,000 events of a transcript's name."""

MAX_READS = 16
"""Reads of the queue in one ``events`` call; a queue still not empty after them counts
as overflowed (everything may have changed), so a flood of writes cannot hold the loop."""


@dataclass(frozen=True, slots=True)
class Event:
    watch: int
    """The watch descriptor of the directory; -1 with ``IN_Q_OVERFLOW``."""
    mask: int
    name: str
    """The file's name in that directory, "" for an event about the directory itself."""

    @property
    def overflowed(self) -> bool:
        """The kernel's queue was full: events were lost, anything may have changed."""
        return bool(self.mask & IN_Q_OVERFLOW)

    @property
    def watch_gone(self) -> bool:
        """The directory was removed or unmounted: its watch is no more."""
        return bool(self.mask & IN_IGNORED)


class DirectoryWatch:
    """One inotify instance, shared by every observer: directories added and removed, and the
    events of all of them, which the daemon reads once and hands to each observer.

    The kernel gives a directory one watch however often it is added, so each ``add`` is
    counted and the watch goes with the last ``remove``: two observers may watch one directory.
    """

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self._libc = libc
        self._fd = fd
        self._users: dict[int, int] = {}
        """Watch descriptor -> how many ``add`` calls hold it."""

    def fileno(self) -> int:
        return self._fd

    def add(self, directory: str, events: int = DIRECTORY_EVENTS) -> int | None:
        """The watch descriptor of ``directory`` (the same for the same directory), or None when
        it cannot be watched: it does not exist (yet), is no directory, or the user's
        ``max_user_watches`` is used up.  ``events`` replaces what an earlier ``add`` of the
        same directory asked for: an instance shared by several observers keeps the default."""
        watch = self._libc.inotify_add_watch(self._fd, os.fsencode(directory), events)
        if watch < 0:
            return None
        self._users[watch] = self._users.get(watch, 0) + 1
        return int(watch)

    def remove(self, watch: int) -> None:
        """One ``add`` of ``watch`` released; the last one ends the watch (one already gone is left)."""
        users = self._users.get(watch)
        if users is None:
            return
        if users > 1:
            self._users[watch] = users - 1
            return
        del self._users[watch]
        self._libc.inotify_rm_watch(self._fd, watch)

    def events(self) -> list[Event]:
        """What the kernel queued since the last call; empty when nothing (never blocks)."""
        found: list[Event] = []
        for _ in range(MAX_READS):
            try:
                data = os.read(self._fd, READ_BYTES)
            except (BlockingIOError, InterruptedError):
                return found
            found.extend(_parse(data))
        return [*found, Event(-1, IN_Q_OVERFLOW, "")]

    def forget_gone(self, events: list[Event]) -> None:
        """Watches the kernel ended (their directory went away) are held by no one any more."""
        for event in events:
            if event.watch_gone:
                self._users.pop(event.watch, None)

    def close(self) -> None:
        os.close(self._fd)


def _parse(data: bytes) -> list[Event]:
    events = []
    offset = 0
    while offset + _EVENT_HEADER.size <= len(data):
        watch, mask, _cookie, length = _EVENT_HEADER.unpack_from(data, offset)
        offset += _EVENT_HEADER.size
        name = data[offset : offset + length].split(b"\0", 1)[0]
        offset += length
        events.append(Event(watch, mask, os.fsdecode(name)))
    return events


def open_watch() -> DirectoryWatch | None:
    """An inotify instance, non-blocking; None where there is none (not Linux, or refused)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        init = libc.inotify_init1
    except (OSError, AttributeError):
        return None
    init.argtypes = [ctypes.c_int]
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    fd = init(IN_NONBLOCK | IN_CLOEXEC)
    return None if fd < 0 else DirectoryWatch(libc, fd)
