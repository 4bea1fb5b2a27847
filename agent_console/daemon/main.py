"""``agent-console-daemon`` (and ``agent-console daemon``): the daemon's own entry point.

A module of its own, importing nothing at its top, so that two things can
happen before anything else is loaded.  ``ssl`` is marked absent: asyncio
imports it for TLS transports, which it treats as optional; the daemon talks
only over unix sockets, and loading ssl would cost every daemon about a
megabyte of resident memory and a few milliseconds of each start.  So is
``_hashlib``, OpenSSL's hashes: dbus-fast's introspection module hashes with
sha256, which then comes from the interpreter's builtin module, and OpenSSL's
libcrypto would cost 3.4 MiB resident.  And large blocks of memory are set to go back to the system when freed (see
``_return_large_blocks``).
"""

import sys

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter number for the size from which a block is mapped on its own."""

MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's default for that size, held fixed."""


def _return_large_blocks() -> None:
    """Keep glibc from holding on to the memory of a large reply after it was sent.

    glibc maps a large block on its own and unmaps it when freed, but raises
    that size to the largest block freed so far: after one ListAll of 10,000
    sessions (a 4.4 MB reply, built and copied once) the next ones came from
    the heap, and about 8 MiB stayed resident for as long as the daemon ran.
    Setting the size fixes it.  Elsewhere (macOS, no ``mallopt``) the
    allocator's own rules stand.
    """
    import ctypes

    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def main(argv: list[str] | None = None, prog: str = "agent-console-daemon") -> int:
    """Options, settings, logging, then serve: see ``agent_console.daemon.composition``."""
    # None in sys.modules makes "import ssl" raise ImportError, which asyncio handles; hashlib likewise.
    sys.modules.setdefault("ssl", None)  # type: ignore[arg-type]
    sys.modules.setdefault("_hashlib", None)  # type: ignore[arg-type]
    _return_large_blocks()
    from agent_console.daemon.composition import main as serve

    return serve(argv, prog)
