"""The public D-Bus names and Set's attribute types, versioned the way systemd versions login1 and hostname1.

The trailing ``1`` is the API version: an incompatible change gets
``io.github.AgentConsole2`` beside this one rather than breaking hooks and
widgets that were written against it.  Hooks written in shell carry these
literals too (``hooks/agent-console-hook``), so they never change within a
version.
"""

BUS_NAME = "io.github.AgentConsole1"
OBJECT_PATH = "/io/github/AgentConsole1"
INTERFACE = "io.github.AgentConsole1.Sessions"
HOOKS_INTERFACE = "io.github.AgentConsole1.Hooks"
"""Where the hooks hand over an agent's payload as it came (``Report``), beside ``Sessions``."""
ERROR_PREFIX = "io.github.AgentConsole1.Error"

NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
"""The desktop's notification server: ``notify`` posts there, ``status`` tells whether one runs."""
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"

BUS_DRIVER = "org.freedesktop.DBus"
"""The bus itself: its name and interface, for Hello, name owners and match rules."""
BUS_DRIVER_PATH = "/org/freedesktop/DBus"
PROPERTIES_INTERFACE = "org.freedesktop.DBus.Properties"
"""Every object's properties: the daemon's ``Version``, systemd's unit state, the notification server's."""

ATTRIBUTE_TYPES: dict[str, str] = {
    "working_dir": "s",
    "agent_type": "s",
    "pid": "u",
    "pid_start": "t",
    "reason": "s",
    "terminal": "a{ss}",
    "shared_owner": "b",
    "detail": "s",
    "event_time": "t",
    "transcript_path": "s",
    "event": "s",
    "subagent": "s",
}
"""The attributes ``Set`` accepts, with their D-Bus types: here, in a module with no
imports, because the blocking client of one-shot commands needs them too."""
