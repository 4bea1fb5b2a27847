"""Hearing that one file may have changed (written, replaced by a rename, created, deleted), without polling.

A program that reads its settings again when they change (``agent-console
remote`` and config.toml's ``[remotes]``) should not wake while nobody edits
them.  On Linux one inotify watch on the file's directory says when an entry
of that name was written, moved in or out, created or deleted: editors and
``remote add`` write a new file and rename it over the old one, which a watch
on the file itself would miss.  While the directory does not exist yet (no
config.toml was ever written), its nearest existing ancestor is watched for
the next part of the path appearing, and the watch moves down to it; a
watched directory removed or renamed moves it back up.  Events about other
names in the directory wake the reader but are not reported.

Where inotify is unavailable (not Linux, or the kernel or the user's
``max_user_watches`` refuses) the file's ``stat`` is compared every
``POLL_S`` instead: only there does anything wake while nothing changes.
Not heard either way: a write to a symbolic link's target in another
directory, and the rename of a directory above the one watched.
"""

import asyncio
import os
from pathlib import Path

from agent_console.system.inotify import (
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_ONLYDIR,
    DirectoryWatch,
    Event,
    open_watch,
)

POLL_S = 1.0
"""Where inotify is unavailable: how often the file's ``stat`` is compared, so an edit
takes effect within this."""

FILE_EVENTS = (
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR
)
"""In the file's own directory: an entry written and closed, renamed in or out, created,
deleted; or the directory itself removed or renamed."""

APPEARING_EVENTS = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR
"""In an ancestor, while the file's directory is missing: an entry created or renamed in."""

Stamp = tuple[int, int, int] | None
"""(inode, mtime in ns, size) of the file, None while it is missing: what polling compares."""


def _stamp(path: Path) -> Stamp:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


class FileChanges:
    """Made in a running event loop, before the file is first read, so no change falls
    between that read and the first ``changed``; ``close`` when done."""

    def __init__(self, path: Path, poll_s: float = POLL_S) -> None:
        self._path = Path(os.path.abspath(path))
        self._poll_s = poll_s
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._stamp = _stamp(self._path)
        self._watched: tuple[int, Path] | None = None
        """The watch descriptor and the directory it is on: the file's, or an ancestor."""
        self._watch: DirectoryWatch | None = open_watch()
        if self._watch is not None:
            self._loop.add_reader(self._watch.fileno(), self._on_events)
            self._arm()

    @property
    def polls(self) -> bool:
        """Whether changes are found by polling (inotify unavailable)."""
        return self._watch is None

    async def changed(self) -> None:
        """Return once the file may have changed since the last return (or since this was made)."""
        if self._watch is None and not self._changed.is_set():
            while (stamp := _stamp(self._path)) == self._stamp:
                await asyncio.sleep(self._poll_s)
            self._stamp = stamp
            return
        await self._changed.wait()
        self._changed.clear()

    def close(self) -> None:
        if self._watch is not None:
            self._loop.remove_reader(self._watch.fileno())
            self._watch.close()
            self._watch = None

    def _arm(self) -> None:
        """Watch the file's directory, or its nearest existing ancestor; poll if none can be."""
        assert self._watch is not None
        if self._watched is not None:
            self._watch.remove(self._watched[0])
            self._watched = None
        for directory in (self._path.parent, *self._path.parent.parents):
            events = FILE_EVENTS if directory == self._path.parent else APPEARING_EVENTS
            watch = self._watch.add(str(directory), events)
            if watch is not None:
                self._watched = (watch, directory)
                return
        self.close()
        self._stamp = _stamp(self._path)
        self._changed.set()  # whatever happened before the poll took over is reported once

    def _on_events(self) -> None:
        assert self._watch is not None and self._watched is not None
        events = self._watch.events()
        self._watch.forget_gone(events)
        watch, directory = self._watched
        mine = [event for event in events if event.overflowed or event.watch == watch]
        if self._moves_watch(mine, directory):
            self._arm()
            self._changed.set()
        elif directory == self._path.parent and any(event.name == self._path.name for event in mine):
            self._changed.set()

    def _moves_watch(self, events: list[Event], directory: Path) -> bool:
        """The watched directory went or moved (or events were lost), or, on an ancestor, the
        next part of the path appeared: the watch goes where it now belongs."""
        if any(event.overflowed or not event.name for event in events):
            return True
        if directory == self._path.parent:
            return False
        following = self._path.relative_to(directory).parts[0]
        return any(event.name == following for event in events)
