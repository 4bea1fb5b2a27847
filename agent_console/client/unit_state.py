"""Whether the systemd user manager holds the daemon's unit failed, asked over the bus the client is on.

Why a client asks: when the unit fails (a bad ``config.toml``, an executable
that moved), systemd does not tell dbus-daemon, which keeps the activation
pending for 120 s (its ``service_start_timeout``); every call to the daemon
meanwhile joins it and waits, even once the cause is fixed.  A client that
finds no daemon on the bus and the unit failed therefore says so at once, with
the fix, instead of waiting.  The manager is asked on the user bus itself
(``org.freedesktop.systemd1``), as ``systemctl --user show`` would, without
starting a process; where no manager owns that name (macOS, a bus without
systemd), there is nothing to ask.  Standard library only, like the blocking
client.
"""

from collections.abc import Callable
from typing import Any

from agent_console.errors import ActivationFailed, unit_failed
from agent_console.wire.names import PROPERTIES_INTERFACE

SYSTEMD = "org.freedesktop.systemd1"
SYSTEMD_PATH = "/org/freedesktop/systemd1"
MANAGER_INTERFACE = "org.freedesktop.systemd1.Manager"
UNIT_INTERFACE = "org.freedesktop.systemd1.Unit"
SERVICE_INTERFACE = "org.freedesktop.systemd1.Service"
UNIT_NAME = "agent-console.service"
"""The unit ``agent-console service install`` writes, and the activation file's ``SystemdService=``."""

Request = Callable[[str, str, str, str, str, list[Any]], Any]
"""A blocking call: destination, path, interface, member, signature, arguments; its reply's first value.
It raises ``DBusError`` for an error reply, which ``failed_start`` takes as "nothing to tell"."""


def failed_start(request: Request, ask_bus: Callable[[str, str, list[Any]], Any]) -> ActivationFailed | None:
    """The error to give instead of calling the daemon, when its unit is failed; else None.

    ``ask_bus`` calls the bus driver (member, signature, arguments).  Asking never
    starts anything: the manager is asked only if it owns its name, and ``GetUnit``
    finds only a loaded unit (a unit never started is not failed).
    """
    from agent_console.wire.blocking_transport import DBusError

    try:
        if not ask_bus("NameHasOwner", "s", [SYSTEMD]):
            return None
        path = request(SYSTEMD, SYSTEMD_PATH, MANAGER_INTERFACE, "GetUnit", "s", [UNIT_NAME])
        state = request(SYSTEMD, path, PROPERTIES_INTERFACE, "Get", "ss", [UNIT_INTERFACE, "ActiveState"])
        if state != "failed":
            return None
        result = request(SYSTEMD, path, PROPERTIES_INTERFACE, "Get", "ss", [SERVICE_INTERFACE, "Result"])
        status = request(SYSTEMD, path, PROPERTIES_INTERFACE, "Get", "ss", [SERVICE_INTERFACE, "ExecMainStatus"])
    except DBusError:
        return None
    return unit_failed(str(result), int(status))
