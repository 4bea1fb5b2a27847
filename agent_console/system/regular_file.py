"""Reading a file whose path someone else chose: a regular file only, never more than asked.

A settings file, a transcript, a state file: whoever can write its path can
put a FIFO there (opening it would hang), a device (``/dev/zero`` never ends),
or a huge file.  So the file is opened without blocking and without making a
terminal ours, checked to be a regular file on the descriptor itself (no race
with a rename), and read up to a bound the caller names.
"""

import os
import stat

OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
"""Opening never blocks (a FIFO with no writer would) and never makes a terminal ours."""


class NotRegularFile(OSError):
    """The path names something else than a regular file; ``mode`` says what."""

    def __init__(self, mode: int) -> None:
        super().__init__(f"not a regular file (mode {mode:o})")
        self.mode = mode


def read_regular(path: str | os.PathLike[str], size: int, offset: int = 0) -> bytes:
    """At most ``size`` bytes of the file from ``offset``.

    Raises ``NotRegularFile`` before a byte is read when it is not a regular
    file, and OSError as opening or reading raises it (FileNotFoundError where
    there is none).
    """
    fd = os.open(path, OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(mode)
        return os.pread(fd, size, offset)
    finally:
        os.close(fd)
