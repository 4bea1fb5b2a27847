"""The errors a caller can act on.

The class names are also the last part of the D-Bus error names
(``io.github.AgentConsole1.Error.NotFound``), so the service and the client
translate in both directions without a table.
"""

import sys

from agent_console.limits import MAX_QUOTED_CHARS


class AgentConsoleError(Exception):
    """Base of every error meant for a person: its message is shown as is."""


class InvalidArgs(AgentConsoleError):
    """An argument is malformed, unknown, or past a documented bound."""


class NotFound(AgentConsoleError):
    """No session has the given id."""


class LimitExceeded(AgentConsoleError):
    """The store is full; nothing was dropped to make room."""


class Internal(AgentConsoleError):
    """The daemon failed at something it should not have: a bug, whose traceback is in its log.

    Sent instead of the library's own error, which would carry the traceback
    to whoever called; the daemon goes on serving.
    """


class Unavailable(AgentConsoleError):
    """The daemon or the bus cannot be reached."""


class ActivationFailed(Unavailable):
    """The bus could not start the daemon, or the daemon did not start in time.

    The reason is in the daemon's own output, seldom in a reply: systemd does
    not tell dbus-daemon that a unit it started has failed, so the caller's
    activation just stays pending (120 s).  So the message says where to look.
    """


SYSTEMD_LOG_HINT = "see `systemctl --user status agent-console` and `journalctl --user -u agent-console`"
"""Where a unit started by D-Bus activation leaves its reason for failing."""
SYSTEMD_START_HINT = (
    "fix the cause (`journalctl --user -u agent-console` says it), then run `systemctl --user start agent-console`"
)
"""The fix for a failed start: dbus-daemon keeps the failed activation pending for 120 s, and every
call meanwhile waits on it, even once the cause is fixed; starting the unit answers them all."""
FOREGROUND_HINT = "run `agent-console daemon` to see why"
"""A bus that runs ``Exec=`` itself drops the daemon's reason; run by hand, the daemon prints it."""
INSTALL_HINT = "run `agent-console service install` (or `agent-console daemon` to run it in a terminal)"
"""The fix when nothing can start the daemon: the service files make the bus start it on the first call."""

UNIT_EXIT_CAUSES = {
    2: "an invalid config.toml or option",
    203: "its executable cannot be run: moved, removed or under /tmp; run `agent-console service install` again",
}
"""What a failed unit's exit status says, where it says something a person can act on (203 is systemd's EXEC)."""


def not_installed() -> Unavailable:
    """The bus knows no daemon and no service file that would start one."""
    return Unavailable(f"the agent-console daemon is not running, and nothing starts it: {INSTALL_HINT}")


def unit_failed(result: str, exit_status: int) -> ActivationFailed:
    """The user manager holds the unit failed: a call would only join an activation that never completes."""
    why = f"exit status {exit_status}" if result == "exit-code" else result
    cause = UNIT_EXIT_CAUSES.get(exit_status) if result == "exit-code" else None
    return ActivationFailed(
        f"the agent-console service failed to start ({why}{': ' + cause if cause else ''}): {SYSTEMD_START_HINT}"
    )


def activation_timed_out(waited_s: float) -> ActivationFailed:
    """No reply within ``waited_s`` while no daemon owns the name: its start failed or hangs.

    On Linux the bus hands the start to the user manager (``SystemdService=``),
    whose log has the reason; elsewhere the bus runs the daemon itself.
    """
    hint = SYSTEMD_START_HINT if sys.platform.startswith("linux") else FOREGROUND_HINT
    return ActivationFailed(f"the agent-console daemon did not start within {waited_s:g} s: {hint}")


def activation_refused(error_name: str, text: str) -> ActivationFailed | None:
    """The error reply to a call whose activation failed, or None for any other error reply.

    ``org.freedesktop.systemd1.*`` comes from the user manager (no such unit,
    a masked one), ``org.freedesktop.DBus.Error.Spawn.*`` from a bus that ran
    the daemon itself and saw it exit, ``TimedOut`` from dbus-daemon giving up
    on the start (after 120 s).
    """
    text = text.rstrip(".")
    if error_name == "org.freedesktop.systemd1.NoSuchUnit":
        return ActivationFailed(f"systemd could not start the agent-console daemon: {text}; {INSTALL_HINT}")
    if error_name.startswith("org.freedesktop.systemd1."):
        return ActivationFailed(f"systemd could not start the agent-console daemon: {text}; {SYSTEMD_LOG_HINT}")
    if error_name.startswith("org.freedesktop.DBus.Error.Spawn."):
        return ActivationFailed(f"the bus could not start the agent-console daemon: {text}; {FOREGROUND_HINT}")
    if error_name == "org.freedesktop.DBus.Error.TimedOut":
        return ActivationFailed(f"the agent-console daemon did not start: {text}; {SYSTEMD_LOG_HINT}")
    return None


class NotResponding(Unavailable):
    """The daemon owns its name but did not answer a call within ``CLIENT_CALL_TIMEOUT_S``.

    Raised by the client only, never sent over D-Bus: a stopped (SIGSTOP) or
    wedged daemon, which ``status`` reports with its pid.
    """


ERRORS_BY_NAME: dict[str, type[AgentConsoleError]] = {
    cls.__name__: cls for cls in (InvalidArgs, NotFound, LimitExceeded, Internal, Unavailable)
}


def quoted(text: str) -> str:
    """``text`` as ``repr`` shows it, cut to ``MAX_QUOTED_CHARS`` with its length said, for error messages."""
    if len(text) <= MAX_QUOTED_CHARS:
        return repr(text)
    return f"{text[:MAX_QUOTED_CHARS]!r}… ({len(text)} characters)"
