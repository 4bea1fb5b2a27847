"""Replacing a user's file so that no reader, and no crash, ever sees half of it.

Used for the agents' settings files, the service files, the remotes table and
the desktop widgets' files: a temporary
file in the same directory, written, given its mode and synced, then renamed
over the target, and the directory synced so the rename survives a crash.
"""

import difflib
import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

from agent_console.errors import AgentConsoleError
from agent_console.limits import MAX_SETTINGS_FILE_BYTES
from agent_console.system.regular_file import NotRegularFile, read_regular


class UnreadableFile(AgentConsoleError):
    """Not a regular file, or larger than we read: left as it is."""


def read_text(path: Path) -> str | None:
    """The file's UTF-8 text, or None where there is no file yet.

    The file belongs to the user, or to whoever could put something at its
    path: a FIFO would hang the reader, a link to /dev/zero never end, a
    57 MB file took 51 s and 707 MB to parse.  So only a regular file of at
    most ``MAX_SETTINGS_FILE_BYTES`` is read; anything else raises
    ``UnreadableFile`` before a byte is read.
    """
    try:
        data = read_regular(path, MAX_SETTINGS_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except NotRegularFile as error:
        raise UnreadableFile(f"{path}: {_kind(error.mode)}, not a regular file") from None
    if len(data) > MAX_SETTINGS_FILE_BYTES:
        raise UnreadableFile(f"{path}: larger than {MAX_SETTINGS_FILE_BYTES:,} bytes (MAX_SETTINGS_FILE_BYTES)")
    return data.decode("utf-8")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "an unknown kind of file")


def write_atomically(target: Path, text: str, mode: int) -> None:
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unified_diff(path: Path, before: str | None, after: str | None) -> str:
    """From ``before`` to ``after`` (None: no file), as ``diff -u`` shows it: what a dry run prints."""
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        (after or "").splitlines(keepends=True),
        fromfile=str(path) if before is not None else "/dev/null",
        tofile=str(path) if after is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
