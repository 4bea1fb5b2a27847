"""D-Bus error replies as the errors of ``agent_console.errors``, for every client.

Both clients (the asyncio one of long-running faces and the blocking one of
one-shot commands) translate here, so a person reads the same line whichever
command met the error.  Standard library only.
"""

from agent_console.errors import (
    ERRORS_BY_NAME,
    AgentConsoleError,
    NotResponding,
    Unavailable,
    activation_refused,
    activation_timed_out,
    not_installed,
)
from agent_console.limits import CLIENT_CALL_TIMEOUT_S
from agent_console.wire.names import BUS_DRIVER, ERROR_PREFIX

SERVICE_UNKNOWN = "org.freedesktop.DBus.Error.ServiceUnknown"
"""The bus's answer when no daemon runs and no service file would start one."""
UNAVAILABLE_ERRORS = frozenset({"org.freedesktop.DBus.Error.NameHasNoOwner", "org.freedesktop.DBus.Error.NoReply"})
"""What the bus answers when no daemon runs (a failed start is ``activation_refused``'s)."""


def error_from_reply(name: str, text: str) -> AgentConsoleError:
    """Our own names map to their classes; the bus's "nobody there" to Unavailable, a failed start to ActivationFailed."""
    if name.startswith(ERROR_PREFIX + "."):
        return ERRORS_BY_NAME.get(name.removeprefix(ERROR_PREFIX + "."), AgentConsoleError)(text)
    if name == SERVICE_UNKNOWN:
        return not_installed()
    if name in UNAVAILABLE_ERRORS:
        return Unavailable(f"the agent-console daemon is not running: {text}")
    return activation_refused(name, text) or AgentConsoleError(f"{name}: {text}")


def no_reply(
    destination: str, member: str, name_owned: bool, seconds: float = CLIENT_CALL_TIMEOUT_S
) -> Unavailable:
    """A call unanswered within ``seconds``: a stuck bus, a stopped or wedged daemon, or,
    when nobody owns the name (``name_owned`` false), a D-Bus activation that never completed
    (dbus-daemon keeps a failed start pending for 120 s)."""
    if destination == BUS_DRIVER:
        return Unavailable(f"the D-Bus bus did not answer {member} within {seconds:g} s")
    if not name_owned:
        return activation_timed_out(seconds)
    return NotResponding(f"the agent-console daemon is not responding: no reply to {member} within {seconds:g} s")
