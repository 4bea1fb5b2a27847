"""Recording through ``Set``, for a daemon from before ``Report``.

A daemon keeps running across an upgrade of the package until it is
restarted (``install-hooks`` and ``service install`` do that); meanwhile it
answers ``Report`` with UnknownMethod.  Rather than lose those events, the
Python hook then reads the payload itself, with the agent's module and the
same code the daemon would run (``agents.report.update_from``), and sends the
result through ``Set``, which every daemon has.  Imported only then: the
usual path reads no JSON.
"""

from collections.abc import Callable

from agent_console.agents.report import update_from
from agent_console.errors import InvalidArgs
from agent_console.wire.address import AddressError
from agent_console.wire.blocking_transport import BusError, MethodCall
from agent_console.wire.marshal import Variant, WireError
from agent_console.wire.names import ATTRIBUTE_TYPES, BUS_NAME, INTERFACE, OBJECT_PATH


def record_with_set(
    agent: str, head: bytes, context: dict[str, Variant], call: Callable[[MethodCall], None]
) -> str | None:
    """Send what ``head`` says through ``call``; why not, when it was not recorded."""
    try:
        update = update_from(agent, head, {key: value.value for key, value in context.items()})
    except InvalidArgs as error:
        return str(error)
    if update is None:
        return None
    session_id, status, attributes = update
    wire = {name: Variant(ATTRIBUTE_TYPES[name], value) for name, value in attributes.items()}
    try:
        call(MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", [session_id, status, wire]))
    except (AddressError, BusError, WireError) as error:
        return f"session {session_id} not recorded as {status} (an older service, through Set): {error}"
    return None
