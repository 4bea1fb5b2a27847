"""Seen over the bus: the Ack method, its signal, and ``agent-console ack`` as a person runs it."""

import json

import pytest
from test_cli import EXIT_NOT_FOUND, EXIT_USAGE, cli, failure, ok
from test_service import Recorder

from agent_console.client.async_client import SessionsClient
from agent_console.errors import InvalidArgs, NotFound
from agent_console.limits import MAX_ID_LENGTH

pytestmark = pytest.mark.bus


async def test_ack_marks_the_wait_seen_and_signals_it_once(client: SessionsClient) -> None:
    await client.set("s1", "question", detail="Which database?")
    recorder = await Recorder().attach(client)
    acked = await client.ack("s1")
    assert acked["seen"] is True and acked["status"] == "question"
    assert (await client.ack("s1"))["seq"] == acked["seq"], "marking again changes nothing"
    assert (await client.get("s1"))["seen"] is True
    await client.set("s1", "working")
    await client.set("s1", "attention")
    assert [(kind, s["seen"]) for kind, s in recorder.events] == [  # type: ignore[index]
        ("changed", True),
        ("changed", False),
        ("changed", False),
    ]


async def test_ack_names_its_errors(client: SessionsClient) -> None:
    with pytest.raises(NotFound, match="no session with id 'nobody'"):
        await client.ack("nobody")
    with pytest.raises(InvalidArgs, match=f"1 to {MAX_ID_LENGTH} characters"):
        await client.ack("x" * (MAX_ID_LENGTH + 1))


def test_ack_takes_a_prefix_and_json_carries_seen(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "4f1c2a-question", "question", env=bus_env)
    ok("set", "9e0d-working", "working", env=bus_env)
    assert json.loads(ok("get", "4f1c", "--json", env=bus_env))["seen"] is False
    assert ok("ack", "4f1c", env=bus_env) == ""
    assert json.loads(ok("get", "4f1c", "--json", env=bus_env))["seen"] is True
    listed = {s["id"]: s["seen"] for s in json.loads(ok("list", "--json", env=bus_env))}
    assert listed == {"4f1c2a-question": True, "9e0d-working": False}


def test_ack_of_what_does_not_wait_is_a_note_not_an_error(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "w1", "working", "--cwd", "/srv/api", env=bus_env)
    done = cli("ack", "w1", env=bus_env)
    assert done.returncode == 0 and done.stdout == ""
    assert done.stderr == "agent-console: api is working: only a question or attention can be marked seen\n"


def test_ack_of_no_session_or_an_ambiguous_start_is_one_line(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "ab1", "question", env=bus_env)
    ok("set", "ab2", "question", env=bus_env)
    assert "no session with id 'zz'" in failure(EXIT_NOT_FOUND, "ack", "zz", env=bus_env)
    assert "'ab' is the start of 2 session ids" in failure(EXIT_USAGE, "ack", "ab", env=bus_env)
