"""Where the session bus listens, read the way libdbus and sd-bus read it.

Only unix sockets are understood (``unix:path=`` and ``unix:abstract=``):
they are what every Linux session bus uses, and the only transports where
SASL EXTERNAL, the one mechanism the hook speaks, works.  Other entries of a
``;``-separated address (``tcp:``, ``launchd:``…) are skipped rather than
refused, so a mixed address still works when it has a unix entry.
"""

import os
from collections.abc import Mapping

NO_SESSION_BUS = (
    "no D-Bus session bus here ({detail}): run 'agent-console daemon', which starts one and prints "
    "the line to export, or 'agent-console service install' where systemd runs; or give --address"
)
"""What a person can do about a missing bus, not only that it is missing; every client says it."""


class AddressError(ValueError):
    """No usable socket can be derived from the environment."""


def session_bus_sockets(environ: Mapping[str, str]) -> list[str]:
    """The socket paths to try in order; abstract names start with a NUL."""
    address = environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not address:
        return _well_known_sockets(environ)
    return address_sockets(address, "DBUS_SESSION_BUS_ADDRESS=")


def address_sockets(address: str, origin: str = "") -> list[str]:
    """The socket paths of a D-Bus address such as ``--address`` gives; ``origin`` names where it came from."""
    sockets = [path for path in map(_unix_socket, address.split(";")) if path is not None]
    if not sockets:
        raise AddressError(f"no unix:path= or unix:abstract= in {origin}{address!r}")
    return sockets


def _well_known_sockets(environ: Mapping[str, str]) -> list[str]:
    """Where a session bus lives when no address is exported: systemd's
    ``$XDG_RUNTIME_DIR/bus``, then Homebrew's launchd socket on macOS."""
    runtime_dir = environ.get("XDG_RUNTIME_DIR", "")
    candidates = [os.path.join(runtime_dir, "bus") if runtime_dir else "", environ.get("DBUS_LAUNCHD_SESSION_BUS_SOCKET", "")]
    sockets = [candidate for candidate in candidates if candidate]
    if not sockets:
        raise AddressError(
            "none of DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR and DBUS_LAUNCHD_SESSION_BUS_SOCKET is set"
        )
    return sockets


def _unix_socket(entry: str) -> str | None:
    transport, _, parameters = entry.partition(":")
    if transport != "unix":
        return None
    pairs = dict(pair.partition("=")[::2] for pair in parameters.split(",") if pair)
    if "path" in pairs:
        return _unescape(pairs["path"])
    if "abstract" in pairs:
        return "\0" + _unescape(pairs["abstract"])
    return None


def _unescape(value: str) -> str:
    """Undo the spec's ``%XX`` escaping; the bytes are a file name, hence fsdecode."""
    head, *escaped = value.split("%")
    raw = bytearray(head.encode())
    for chunk in escaped:
        try:
            raw += bytes.fromhex(chunk[:2])
        except ValueError:
            raise AddressError(f"bad %-escape in D-Bus address value {value!r}") from None
        raw += chunk[2:].encode()
    return os.fsdecode(bytes(raw))
