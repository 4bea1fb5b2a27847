"""The request core both clients drive: what each method sends, and what a reply or an
error reply turns into, without a bus."""

import pytest

from agent_console.client import requests
from agent_console.client.async_client import SessionsClient
from agent_console.client.blocking_client import BlockingSessionsClient
from agent_console.errors import AgentConsoleError, NotFound, Unavailable
from agent_console.wire.marshal import Variant
from agent_console.wire.names import ERROR_PREFIX

pytestmark = pytest.mark.pure


def test_both_clients_have_the_same_methods_from_one_definition() -> None:
    for name, method in vars(requests.SessionMethods).items():
        if not name.startswith("_"):
            assert getattr(SessionsClient, name) is method is getattr(BlockingSessionsClient, name)


def test_set_types_the_attributes_from_the_wire_table() -> None:
    request = requests.set_session("s1", "working", working_dir="/src", pid=12, novel="x")
    assert (request.call.member, request.call.signature) == ("Set", "ssa{sv}")
    session_id, status, attributes = request.call.args
    assert (session_id, status) == ("s1", "working")
    assert isinstance(attributes, dict) and all(isinstance(value, Variant) for value in attributes.values())
    typed = {name: (value.signature, value.value) for name, value in attributes.items()}
    assert typed == {"working_dir": ("s", "/src"), "pid": ("u", 12), "novel": ("s", "x")}


def test_a_reply_of_another_shape_is_said_to_be_malformed() -> None:
    with pytest.raises(AgentConsoleError, match="the reply to ListAll is malformed"):
        requests.list_all().result(["not a list"])
    with pytest.raises(AgentConsoleError, match="the reply to Snapshot is malformed"):
        requests.snapshot().result([3])
    assert requests.snapshot().result([3, []]) == (3, [])


def test_error_replies_become_our_errors_or_the_methods_own_answer() -> None:
    with pytest.raises(NotFound, match="no session"):
        requests.get_session("s1").refused(f"{ERROR_PREFIX}.NotFound", "no session with id 's1'")
    assert requests.daemon_pid().refused("org.freedesktop.DBus.Error.NameHasNoOwner", "none") is None
    assert requests.daemon_owner().refused("org.freedesktop.DBus.Error.NameHasNoOwner", "none") == ""
    with pytest.raises(Unavailable, match="refused the signal subscription"):
        requests.add_match("type='signal'").refused("org.freedesktop.DBus.Error.LimitsExceeded", "too many")
