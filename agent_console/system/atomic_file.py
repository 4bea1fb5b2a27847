"""Replacing a user's file so that no reader, and no crash, ever sees half of it.

Used for Claude Code's settings.json and for the service files: a temporary
file in the same directory, written, given its mode and synced, then renamed
over the target, and the directory synced so the rename survives a crash.
"""

import difflib
import os
import tempfile
from contextlib import suppress
from pathlib import Path


def read_text(path: Path) -> str | None:
    """The file's UTF-8 text, or None where there is no file yet."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


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
