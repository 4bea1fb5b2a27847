"""The notifier's decisions on plain session dictionaries: when a bubble goes up, is replaced, goes away."""

from collections.abc import Iterator

import pytest

from agent_console.client.mirror import (
    Changed,
    NotRunning,
    Removed,
    SessionDict,
    Snapshot,
)
from agent_console.config import NotifyConfig
from agent_console.notify.rules import (
    Bubble,
    Policy,
    Post,
    Urgency,
    Withdraw,
    bubble_for,
    is_permission,
)

pytestmark = pytest.mark.pure

US = 1_000_000


class Clock:
    """A monotonic clock the test moves by hand: the rules' windows without waiting."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Sessions:
    """Feeds a policy the events the follower would, keeping each session's previous state."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.known: dict[str, SessionDict] = {}
        self.at_us = 1_700_000_000 * US

    def set(self, session_id: str, status: str, after_s: float = 60.0, **extra: object) -> list:
        self.at_us += int(after_s * US)
        previous = self.known.get(session_id)
        same = previous is not None and previous["status"] == status
        session = {
            "id": session_id,
            "status": status,
            "display_name": "repo",
            "since": previous["since"] if same else self.at_us,
            **extra,
        }
        self.known[session_id] = session
        return self.policy.on_event(Changed(session, previous))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(clock: Clock) -> Iterator[Sessions]:
    yield Sessions(Policy(NotifyConfig(min_working=10, coalesce=10), clock))


def posted(actions: list) -> list[Bubble]:
    return [action.bubble for action in actions if isinstance(action, Post)]


def test_a_bubble_on_entering_a_waiting_status_only(sessions: Sessions) -> None:
    sessions.set("a", "working")
    [bubble] = posted(sessions.set("a", "question", detail="Which database?"))
    assert bubble == Bubble("repo asks a question", "Which database?", Urgency.CRITICAL, loud=True)
    assert sessions.set("a", "question", detail="Which database?") == []


def test_withdrawn_on_working_closed_and_removed(sessions: Sessions) -> None:
    sessions.set("a", "working")
    sessions.set("a", "question")
    assert sessions.set("a", "working") == [Withdraw("a")]
    assert sessions.set("a", "working") == []
    sessions.set("a", "attention", detail="Bash: rm -rf build")
    assert sessions.set("a", "closed") == [Withdraw("a")]
    sessions.set("b", "working")
    sessions.set("b", "question")
    assert sessions.policy.on_event(Removed("b", None)) == [Withdraw("b")]
    assert sessions.policy.on_event(Removed("c", None)) == []


def test_a_new_session_in_attention_is_its_person_starting_it(sessions: Sessions) -> None:
    assert sessions.set("a", "attention") == []
    assert posted(sessions.set("b", "question"))


def test_a_finished_turn_needs_the_minimum_working_time_a_permission_does_not(sessions: Sessions) -> None:
    sessions.set("a", "working")
    assert sessions.set("a", "attention", after_s=3, detail="Done.") == []
    sessions.set("a", "working")
    [permission] = posted(sessions.set("a", "attention", after_s=3, detail="Bash: npm test", permission=True))
    assert (permission.summary, permission.urgency) == ("repo needs permission", Urgency.CRITICAL)
    sessions.set("a", "working")
    [finished] = posted(sessions.set("a", "attention", after_s=30, detail="Done."))
    assert (finished.body, finished.urgency) == ("Done.", Urgency.NORMAL)


def test_the_status_stands_in_for_a_missing_detail(sessions: Sessions) -> None:
    sessions.set("a", "working")
    [bubble] = posted(sessions.set("a", "attention"))
    assert (bubble.summary, bubble.body) == ("repo needs you", "attention")


def test_a_burst_is_one_bubble_with_one_sound(sessions: Sessions, clock: Clock) -> None:
    """PermissionRequest, then Claude's permission_prompt 6 s later: the same wait."""
    sessions.set("a", "working")
    [first] = posted(sessions.set("a", "attention", detail="Bash: npm test"))
    clock.now += 6
    [update] = posted(sessions.set("a", "attention", after_s=6, detail="Claude needs your permission to use Bash"))
    assert first.loud and not update.loud
    sessions.set("a", "working")
    clock.now += 2
    [again] = posted(sessions.set("a", "question", detail="Which one?"))
    assert not again.loud, "within the window a new bubble comes without a sound"
    sessions.set("a", "working")
    clock.now += 10
    assert posted(sessions.set("a", "question"))[0].loud


def test_a_new_text_for_the_same_wait_is_never_loud(sessions: Sessions, clock: Clock) -> None:
    sessions.set("a", "working")
    sessions.set("a", "attention", detail="Bash: npm test")
    clock.now += 600
    [update] = posted(sessions.set("a", "attention", detail="Bash: npm test -- --watch"))
    assert not update.loud


def test_a_dismissed_bubble_stays_down_until_the_session_waits_anew(sessions: Sessions) -> None:
    sessions.set("a", "working")
    sessions.set("a", "attention", detail="Bash: ls")
    sessions.policy.gone("a")
    assert sessions.set("a", "attention", detail="Bash: ls -l") == []
    assert posted(sessions.set("a", "question"))
    sessions.policy.gone("a")
    assert sessions.set("a", "working") == []


def test_a_list_never_posts_and_withdraws_what_no_longer_waits(sessions: Sessions) -> None:
    """After a daemon restart or a resync: no burst of bubbles for what happened meanwhile."""
    policy = sessions.policy
    sessions.set("a", "working")
    sessions.set("a", "question")
    sessions.set("b", "working")
    sessions.set("b", "question")
    listed = (
        {"id": "a", "status": "working"},
        {"id": "b", "status": "question"},
        {"id": "c", "status": "question"},
    )
    assert policy.on_event(Snapshot(listed)) == [Withdraw("a")]
    assert policy.on_event(NotRunning()) == []
    assert policy.on_event(Snapshot(())) == []


def test_a_session_that_comes_back_after_a_daemon_restart_did_not_enter_its_status(sessions: Sessions) -> None:
    sessions.set("a", "working")
    sessions.set("a", "attention", detail="Bash: make")
    sessions.set("b", "working")
    sessions.set("b", "attention", detail="Bash: ls")
    sessions.policy.gone("b")
    sessions.policy.on_event(NotRunning())
    sessions.policy.on_event(Snapshot(()))
    sessions.known.clear()
    assert sessions.set("a", "attention", detail="Bash: make") == [], "its bubble is still up"
    assert sessions.set("b", "attention", detail="Bash: ls") == [], "forgotten: a new session in attention"
    assert sessions.set("c", "working") == []


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        ({"status": "attention", "detail": "Bash: npm test", "permission": True}, True),
        ({"status": "attention", "detail": "Summary: all 42 tests pass", "permission": False}, False),
        ({"status": "attention", "detail": "Bash: npm test"}, False),
        ({"status": "working", "detail": "Bash: npm test", "permission": True}, False),
    ],
)
def test_a_permission_is_what_the_daemon_says_not_what_the_detail_looks_like(session: dict, expected: bool) -> None:
    """A turn's last answer may read like ``Tool: args``; an approved tool runs (working) with its detail kept."""
    assert is_permission(session) is expected


def test_outside_text_is_escaped_in_the_summary() -> None:
    bubble = bubble_for({"id": "x", "status": "question", "display_name": "evil\x1b]0;t\x07"}, loud=True)
    assert "\x1b" not in bubble.summary and "\\x1b" in bubble.summary


def kinds(actions: list) -> list[str]:
    return [type(action).__name__ for action in actions]


def test_a_seen_wait_withdraws_its_bubble_and_gets_no_other(sessions: Sessions) -> None:
    sessions.set("s", "working")
    assert kinds(sessions.set("s", "question", detail="Which database?")) == ["Post"]
    assert kinds(sessions.set("s", "question", after_s=1, detail="Which database?", seen=True)) == ["Withdraw"]
    assert sessions.set("s", "question", after_s=1, detail="Postgres or SQLite?", seen=True) == []


def test_the_next_wait_after_a_seen_one_posts_again(sessions: Sessions) -> None:
    sessions.set("s", "working")
    sessions.set("s", "question")
    sessions.set("s", "question", after_s=1, seen=True)
    assert kinds(sessions.set("s", "attention", permission=True)) == ["Post"], "another wait, unseen"
    sessions.set("s", "attention", after_s=1, permission=True, seen=True)
    sessions.set("s", "working")
    assert kinds(sessions.set("s", "question")) == ["Post"]


def test_a_seen_wait_marked_while_nobody_listened_is_withdrawn_on_the_next_list(sessions: Sessions) -> None:
    sessions.set("s", "working")
    sessions.set("s", "question")
    seen = {**sessions.known["s"], "seen": True}
    assert sessions.policy.on_event(Snapshot((seen,))) == [Withdraw("s")]
