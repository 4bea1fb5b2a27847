"""The documented interface (packaging/dbus/*.Sessions.xml) is what the daemon serves.

Both sides are parsed and compared member by member: names, argument names,
directions and types, property types and access.  Comments and annotations
are documentation and are not compared.
"""

from pathlib import Path

import pytest
from dbus_fast.introspection import Interface, Node

from agent_console.client.async_client import SessionsClient
from agent_console.wire.names import BUS_NAME, HOOKS_INTERFACE, INTERFACE, OBJECT_PATH

pytestmark = pytest.mark.bus

DOCUMENTED = Path(__file__).resolve().parent.parent / "packaging" / "dbus" / f"{INTERFACE}.xml"


def contract(interface: Interface) -> dict:
    return {
        "methods": {
            m.name: ([(a.name, a.signature) for a in m.in_args], [(a.name, a.signature) for a in m.out_args])
            for m in interface.methods
        },
        "signals": {s.name: [(a.name, a.signature) for a in s.args] for s in interface.signals},
        "properties": {p.name: (p.signature, p.access.value) for p in interface.properties},
    }


def documented_interface() -> Interface:
    [interface] = Node.parse(DOCUMENTED.read_text()).interfaces
    return interface


def test_the_documented_file_is_the_sessions_interface() -> None:
    interface = documented_interface()
    assert interface.name == INTERFACE
    assert set(contract(interface)["methods"]) == {
        "Set", "Get", "Remove", "Ack", "ListAll", "Snapshot",
        "MirrorHost", "MirrorChanges", "SetHostState", "ForgetHost", "Hosts",
    }


async def test_the_running_service_reports_the_documented_interface(client: SessionsClient) -> None:
    served = await client.bus.introspect(BUS_NAME, OBJECT_PATH)
    [interface] = [i for i in served.interfaces if i.name == INTERFACE]
    assert contract(interface) == contract(documented_interface())


HOOKS_DOCUMENTED = DOCUMENTED.with_name(f"{HOOKS_INTERFACE}.xml")


async def test_the_running_service_reports_the_documented_hooks_interface(client: SessionsClient) -> None:
    served = await client.bus.introspect(BUS_NAME, OBJECT_PATH)
    [interface] = [i for i in served.interfaces if i.name == HOOKS_INTERFACE]
    [documented] = Node.parse(HOOKS_DOCUMENTED.read_text()).interfaces
    assert documented.name == HOOKS_INTERFACE
    assert contract(interface) == contract(documented)
