"""Every argument is bounded, and an error quotes at most a bounded prefix of what it refuses."""

import subprocess

import pytest
from conftest import READY_TIMEOUT_S

from agent_console.daemon.model import CLIENT_CLOSE_REASONS
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs, quoted
from agent_console.limits import MAX_ID_LENGTH, MAX_QUOTED_CHARS
from agent_console.vocabulary import CloseReason
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

pytestmark = pytest.mark.bus

HUGE = "x" * 1_000_000
LONGEST_MESSAGE = 300
"""More than any message needs once a quote is cut to MAX_QUOTED_CHARS (the longest lists Set's
eleven attribute names after the quote); far less than HUGE."""


@pytest.mark.parametrize("member", ["Get", "Remove"])
def test_busctl_get_and_remove_refuse_an_over_long_id(daemon, member: str) -> None:
    done = subprocess.run(
        ["busctl", f"--address={daemon.address}", "call", BUS_NAME, OBJECT_PATH, INTERFACE, member, "s",
         "x" * (MAX_ID_LENGTH + 1)],
        capture_output=True, text=True, timeout=READY_TIMEOUT_S,
    )
    assert done.returncode != 0
    assert f"session_id: 1 to {MAX_ID_LENGTH} characters are allowed, not {MAX_ID_LENGTH + 1}" in done.stderr


async def test_a_megabyte_argument_is_refused_without_being_echoed(client) -> None:
    for call in (client.get(HUGE), client.remove(HUGE), client.set(HUGE, "working"),
                 client.set("s1", "working", **{HUGE: "v"}), client.set("s1", HUGE)):
        with pytest.raises(InvalidArgs) as refused:
            await call
        assert len(str(refused.value)) < LONGEST_MESSAGE, str(refused.value)[:LONGEST_MESSAGE]
    assert await client.list_all() == []


async def test_not_found_quotes_a_bounded_prefix(client) -> None:
    with pytest.raises(Exception, match="no session with id 'abc'"):
        await client.get("abc")


def test_quoted_cuts_and_counts() -> None:
    assert quoted("abc") == "'abc'"
    cut = quoted("é" * 1000)
    assert cut == repr("é" * MAX_QUOTED_CHARS) + "… (1000 characters)"


def test_a_refused_reason_lists_only_what_a_caller_may_give() -> None:
    store = SessionStore()
    allowed = " or ".join(repr(reason.value) for reason in CLIENT_CLOSE_REASONS)
    daemons_own = [reason for reason in CloseReason if reason not in CLIENT_CLOSE_REASONS]
    with pytest.raises(InvalidArgs) as unknown:
        store.set("s1", "closed", reason="gone")
    assert str(unknown.value) == f"reason: a caller may give {allowed}"
    with pytest.raises(InvalidArgs) as observed:
        store.set("s1", "closed", reason=daemons_own[0].value.upper())
    assert str(observed.value) == f"reason: a caller may give {allowed}; {daemons_own[0].value!r} is observed by the daemon"
    assert len(store) == 0
