"""Files followed for their writes, one inotify watch per directory, shared by all its files.

Both of the daemon's file observers (Claude's transcripts and its state files)
follow a file per session, many sessions to a directory, and want to hear
which sessions' files were written.  A directory's watch is added with its
first followed file and removed with its last, so a finished project holds no
watch; a directory that cannot be watched (no inotify, the user's watches
used up, not there yet) is the caller's to poll, and so is every file of one
whose watch went away.
"""

from collections.abc import Sequence

from agent_console.system.inotify import DirectoryWatch, Event

File = tuple[str, str]
"""(directory, name) of a file: what inotify reports a write by."""


class WatchedFiles:
    """Which key (a session id) follows which file, and the directories' watches they hold."""

    def __init__(self, watch: DirectoryWatch | None) -> None:
        self._watch = watch
        self._files: dict[str, File] = {}
        self._keys_by_file: dict[File, set[str]] = {}
        self._watches: dict[str, int] = {}
        """Directory -> its inotify watch."""
        self._directories: dict[int, str] = {}
        self._followed_in: dict[str, int] = {}
        """Directory -> how many followed files it holds, so its watch goes with the last."""

    def __contains__(self, key: str) -> bool:
        return key in self._files

    def file(self, key: str) -> File | None:
        return self._files.get(key)

    def is_watched(self, directory: str) -> bool:
        return directory in self._watches

    def follow(self, key: str, file: File) -> bool:
        """Follow ``file`` for ``key`` (which follows no other); whether inotify tells of its writes."""
        self._files[key] = file
        self._keys_by_file.setdefault(file, set()).add(key)
        directory = file[0]
        self._followed_in[directory] = self._followed_in.get(directory, 0) + 1
        if self._watch is not None and directory not in self._watches:
            watch = self._watch.add(directory)
            if watch is not None:
                self._watches[directory] = watch
                self._directories[watch] = directory
        return directory in self._watches

    def stop(self, key: str) -> None:
        """Follow nothing for ``key``; its directory's watch goes with its last file."""
        file = self._files.pop(key, None)
        if file is None:
            return
        keys = self._keys_by_file[file]
        keys.discard(key)
        if not keys:
            del self._keys_by_file[file]
        directory = file[0]
        self._followed_in[directory] -= 1
        if self._followed_in[directory]:
            return
        del self._followed_in[directory]
        if directory in self._watches:
            watch = self._watches.pop(directory)
            self._directories.pop(watch, None)
            if self._watch is not None:
                self._watch.remove(watch)

    def written(self, events: Sequence[Event]) -> tuple[list[str], list[str]]:
        """What inotify's ``events`` say, in their order: the keys whose file was written (all of
        them after an overflow), and the keys whose directory lost its watch (to be polled now)."""
        written: list[str] = []
        unwatched: list[str] = []
        for event in events:
            if event.overflowed:
                written.extend(self._files)
            elif event.watch_gone:
                unwatched.extend(self._lose_watch(event.watch))
            elif event.name and (directory := self._directories.get(event.watch)) is not None:
                written.extend(self._keys_by_file.get((directory, event.name), ()))
        return written, unwatched

    def _lose_watch(self, watch: int) -> list[str]:
        """The directory went away: the keys of its files."""
        directory = self._directories.pop(watch, None)
        if directory is None:
            return []
        del self._watches[directory]
        return [key for key, file in self._files.items() if file[0] == directory]
