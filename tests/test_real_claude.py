"""The real Claude Code CLI (from npm) against a fake Messages API, with hooks
installed by ``agent-console install-hooks``, a real private bus and daemon,
and ``agent-console watch --format json`` recording every change.

Print mode (``claude -p``) covers a whole turn and API errors; an interactive
``claude`` in tmux covers what a person does: approve or deny a tool, answer a
question, approve a plan, press Esc, /compact, /clear, /exit, and a ``kill -9``;
and what 2.1.332 brought: auto mode running tools unasked or asking the
person to choose, and background subagents asking permission.  The expected
statuses and details are those of docs/agents.md's situation table.  Waits poll
the recorded timeline or the screen against a deadline; the only fixed waits
are observation windows, in which something must NOT happen.

Each test runs on the versions ``packaging/claude-code-versions`` lists (the
newest and the oldest supported), or those ``AGENT_CONSOLE_CLAUDE_VERSIONS``
names, in the permission mode its situation needs: ``auto`` (what a new user
gets; on versions before auto mode, their default) or ``dialogs``
(``permissions.defaultMode: "default"``).  Not every case on every
version, mode and handler: each runs where it can differ (see ``variants``).
"""

import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import RunningDaemon
from fake_anthropic import API_ERROR_MESSAGE, REPLY_FIRST_LINE, TOOL_DONE_TEXT
from real_claude import (
    COMMAND_TIMEOUT_S,
    Change,
    OfflineClaude,
    Timeline,
    TmuxPane,
    assert_holds,
    claude_executable,
    claude_versions,
    deadline_wait,
)

pytestmark = pytest.mark.real_agent

HANDLERS = {"python": (), "shell": ("--shell",)}
"""install-hooks options for each handler: ``agent-console hook`` and ``hooks/agent-console-hook``."""
VERSIONS = claude_versions()
NEWEST, OLDEST = VERSIONS[0], VERSIONS[-1]
AUTO, DIALOGS = "auto", "dialogs"
SEEN_S = 10.0
"""Hang guard for what the README promises within about 1-2 s (a fact the daemon
polls every 0.5 s): generous, since a loaded CI machine must not fail it; the
tests print what they measured."""
KILL_SEEN_S = 20.0
"""Hang guard for a ``kill -9``: found by the daemon's owner check, every 5 s by default."""
QUIET_WINDOW_S = 2.0
"""How long a status must hold where no fact the daemon looks for (every 0.5 s) may change it."""
LATE_EVENT_WINDOW_S = 4.0
"""How long a status must hold where a late hook could still change it: the hooks run
in the background, where Claude does not wait for them, and give up on the bus after 3 s."""
NOTIFICATION_S = 15.0
"""Claude sends Notification ``permission_prompt`` about 6 s after a dialog opens."""
API_ERROR_RUNS = 20
CONCURRENT_TURNS = 5
"""API-error turns run this many at a time: quicker, and more chances for a late event."""
LONG_TOOL = "touch started && sleep 60 && touch approved"
"""A command Claude asks permission for (a bare ``sleep`` it runs unasked, and 2.1.332
refuses a command that starts with a long one), running long."""
RUNNING_TOOL = "touch started && sleep 4 && touch finished"
"""A command auto mode runs unasked, long enough to be seen running."""
RISKY_TOOL = "rm -rf ../work-old && git push --force origin main"
"""A command auto mode's safety check must look at: behind a base URL that is not Anthropic's
(the fake), the check cannot run, and Claude asks the person (``agent_needs_input``)."""
AUTO_MODE_DIALOG = "Auto mode can't check actions"
AUTO_MODE_CHOICE = "needs your choice"
SUBAGENT_MADE = "made-by-subagent"
SUBAGENT_TOOL = f"touch {SUBAGENT_MADE}"
PLAN_FIRST_LINE = "Rename the cart module"
SLOW_REPLY_S = 30
"""A reply streamed over this long: far longer than the test waits for it."""
STREAMING = "esc to interrupt"
PERMISSION_DIALOG = "Do you want to proceed?"
PLAN_DIALOG = "Exit plan mode?"
QUESTION_DIALOG = "Enter to select"
COMPACT_REFUSED = "Not enough messages to compact."
COMPACTED = "Compacted"
EVENT_LOG = "hook-events.jsonl"
"""Where a user hook of the test's own (kept by install-hooks) appends the payloads
of Notification and PermissionRequest: what Claude fired, to compare with what showed."""


@dataclass(frozen=True)
class Variant:
    """Which Claude Code, in which permission mode, with which of our handlers."""

    version: str
    mode: str = AUTO
    handler: str = "python"

    def __str__(self) -> str:
        return f"{self.version}-{self.mode}-{self.handler}"


def variants(versions: list[str] = VERSIONS, modes: tuple[str, ...] = (AUTO,),
             handlers: tuple[str, ...] = ("python",)) -> list[Variant]:
    """Every combination asked for, each once (with one version asked for, NEWEST is OLDEST)."""
    return list(dict.fromkeys(Variant(v, m, h) for v in dict.fromkeys(versions) for m in modes for h in handlers))


EVERY_VERSION = variants()
DIALOGS_ON_EVERY_VERSION = variants(modes=(DIALOGS,))


@pytest.fixture
def variant(request: pytest.FixtureRequest) -> Variant:
    """The test's own, from ``@pytest.mark.parametrize("variant", ..., indirect=True)``."""
    return request.param  # type: ignore[no-any-return]


def with_variants(chosen: list[Variant]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("variant", chosen, ids=str, indirect=True)


@pytest.fixture
def offline(tmp_path: Path, daemon: RunningDaemon, variant: Variant) -> Iterator[OfflineClaude]:
    claude = OfflineClaude(tmp_path / "home", tmp_path / "work", daemon.address, version=variant.version,
                           dialogs=variant.mode == DIALOGS)
    log = tmp_path / EVENT_LOG
    capture = {"hooks": [{"type": "command", "command": f"{{ cat; echo; }} >> {log}", "timeout": 5}]}
    claude.write_settings({"hooks": {"Notification": [capture], "PermissionRequest": [capture]}})
    yield claude
    claude.stop()


@pytest.fixture
def timeline(daemon: RunningDaemon) -> Iterator[Timeline]:
    recorder = Timeline(daemon.address)
    yield recorder
    recorder.stop()


@pytest.fixture
def hooked(variant: Variant, offline: OfflineClaude) -> OfflineClaude:
    """The CLI with our hooks registered by the real installer, with the variant's handler."""
    settings = offline.install_hooks(*HANDLERS[variant.handler])
    commands = {hook["command"] for groups in settings["hooks"].values() for group in groups for hook in group["hooks"]}
    assert any(("agent-console-hook" if variant.handler == "shell" else " hook") in c for c in commands), commands
    return offline


@dataclass
class Interactive:
    """A ready interactive ``claude`` in a tmux pane, and the session its hooks announced."""

    pane: TmuxPane
    session_id: str
    workdir: Path


@pytest.fixture
def claude_options() -> tuple[str, ...]:
    """Options of the interactive ``claude``; a test overrides it (``--permission-mode plan``)."""
    return ()


@pytest.fixture
def interactive(hooked: OfflineClaude, timeline: Timeline, claude_options: tuple[str, ...]) -> Iterator[Interactive]:
    """``claude`` in a private tmux server, once its prompt and its session are shown."""
    socket_dir = Path(tempfile.mkdtemp(prefix="ac-tmux-"))  # short: a socket path must fit in 108 bytes
    pane = TmuxPane(socket_dir / "sock", hooked.env)
    pane.start([claude_executable(hooked.version), *claude_options], hooked.workdir)
    pane.wait_ready()
    session_id = timeline.wait_for("no session appeared", lambda: timeline.session_ids()[-1:])[0]
    timeline.wait_status(session_id, "attention", SEEN_S)
    yield Interactive(pane, session_id, hooked.workdir)
    pane.kill()
    shutil.rmtree(socket_dir, ignore_errors=True)


def assert_never_reopened(timeline: Timeline, session_id: str) -> None:
    statuses = timeline.statuses(session_id)
    assert "closed" in statuses and statuses[statuses.index("closed"):] == ["closed"], timeline.describe()


def details_after_work(timeline: Timeline, session_id: str) -> list[str]:
    """The details the session showed as ``attention`` after it first read ``working``."""
    changes = timeline.of(session_id)
    started = next((n for n, c in enumerate(changes) if c.status == "working"), len(changes))
    return [detail(c.session) for c in changes[started:] if c.status == "attention"]


def detail(session: dict[str, object]) -> str:
    return str(session.get("detail", ""))


def escape_reads_interrupted(pane: TmuxPane, timeline: Timeline, session_id: str) -> None:
    """Press Esc (again, if Claude was not ready to take it): no hook fires, so
    ``attention``/``interrupted`` can only come from the transcript."""
    mark, escaped = timeline.mark(), time.monotonic()
    pane.press_until("Escape", lambda: STREAMING not in pane.screen())
    interrupted = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert detail(interrupted.session) == "interrupted", timeline.describe()
    print(f"Esc read attention after {interrupted.at - escaped:.2f} s")


def hold(timeline: Timeline, session_ids: list[str], status: str, seconds: float) -> None:
    """Watch the sessions for ``seconds``; fail if one of them leaves ``status`` meanwhile."""
    assert_holds(lambda: all(timeline.latest(i)["status"] == status for i in session_ids), seconds,
                 lambda: f"left {status} within {seconds} s; {timeline.describe()}")


# --- print mode --------------------------------------------------------------------------------


@with_variants(variants(handlers=tuple(HANDLERS)))
def test_print_turn_with_a_tool(hooked: OfflineClaude, timeline: Timeline) -> None:
    """SessionStart, UserPromptSubmit, PreToolUse, PostToolUse, Stop, SessionEnd: working, then closed."""
    done = hooked.print_turn("@@bash touch made-by-claude@@", "--allowedTools", "Bash")
    assert (done.returncode, done.stdout.strip()) == (0, TOOL_DONE_TEXT), done.stderr
    assert (hooked.workdir / "made-by-claude").exists()
    session_id = timeline.wait_for("no session appeared", timeline.session_ids)[0]
    final = timeline.wait_status(session_id, "closed", SEEN_S).session
    assert final["close_reason"] == "session-end", timeline.describe()
    assert "working" in timeline.statuses(session_id), timeline.describe()
    assert set(details_after_work(timeline, session_id)) <= {TOOL_DONE_TEXT}, timeline.describe()
    hold(timeline, [session_id], "closed", LATE_EVENT_WINDOW_S)
    assert len(timeline.session_ids()) == 1


@with_variants(EVERY_VERSION + variants([NEWEST], handlers=("shell",)))
def test_api_errors_never_reopen_a_closed_session(hooked: OfflineClaude, timeline: Timeline) -> None:
    """Hooks run in the background, so StopFailure's may land after SessionEnd's: it must not reopen."""
    with ThreadPoolExecutor(CONCURRENT_TURNS) as pool:
        turns = list(pool.map(lambda _: hooked.print_turn("@@error@@"), range(API_ERROR_RUNS)))
    assert all(turn.returncode == 1 for turn in turns), [turn.stdout for turn in turns]
    ids = timeline.wait_for(f"not all {API_ERROR_RUNS} sessions were closed", lambda: (
        len(found := timeline.session_ids()) == API_ERROR_RUNS
        and all(timeline.latest(i)["status"] == "closed" for i in found) and found), SEEN_S)
    hold(timeline, ids, "closed", LATE_EVENT_WINDOW_S)
    for session_id in timeline.session_ids():
        assert_never_reopened(timeline, session_id)
        assert timeline.latest(session_id)["close_reason"] == "session-end", timeline.describe()
        errors = details_after_work(timeline, session_id)
        assert all(API_ERROR_MESSAGE in error for error in errors), timeline.describe()


# --- interactive, in tmux ----------------------------------------------------------------------


@with_variants(DIALOGS_ON_EVERY_VERSION + variants([NEWEST], modes=(DIALOGS,), handlers=("shell",)))
def test_permission_approved_reads_working_then_esc_reads_interrupted(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    pane.type(f"@@bash {LONG_TOOL}@@")
    pane.wait_for(PERMISSION_DIALOG)
    timeline.wait_for("no permission detail", lambda: detail(timeline.latest(session_id)) == f"Bash: {LONG_TOOL}"
                      and timeline.latest(session_id)["status"] == "attention", SEEN_S)
    mark, approved = timeline.mark(), time.monotonic()
    pane.choose("Yes")
    running = timeline.wait_status(session_id, "working", SEEN_S, since=mark)
    assert detail(running.session) == f"Bash: {LONG_TOOL}", timeline.describe()
    print(f"approved tool read working after {running.at - approved:.2f} s")
    escape_reads_interrupted(pane, timeline, session_id)


@with_variants(EVERY_VERSION)
def test_esc_while_the_model_streams_reads_interrupted(interactive: Interactive, timeline: Timeline) -> None:
    """No hook fires after Esc; the transcript's interrupt marker is the only fact."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type(f"@@slow {SLOW_REPLY_S}@@")
    timeline.wait_status(session_id, "working", SEEN_S, since=mark)
    pane.wait_for(STREAMING)
    escape_reads_interrupted(pane, timeline, session_id)


@with_variants(DIALOGS_ON_EVERY_VERSION)
def test_permission_denied_stays_attention(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    pane.type("@@bash touch never-made@@")
    pane.wait_for(PERMISSION_DIALOG)
    timeline.wait_for("no permission", lambda: detail(timeline.latest(session_id)) == "Bash: touch never-made", SEEN_S)
    pane.choose("No")
    pane.wait_ready()
    hold(timeline, [session_id], "attention", QUIET_WINDOW_S)
    assert not (interactive.workdir / "never-made").exists()


@with_variants(EVERY_VERSION)
def test_ask_user_question_reads_question_until_answered(interactive: Interactive, timeline: Timeline, tmp_path: Path) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type("@@ask Which colour should the button be?@@")
    pane.wait_for(QUESTION_DIALOG)
    asked = timeline.wait_status(session_id, "question", SEEN_S, since=mark)
    assert detail(asked.session) == "Which colour should the button be?", timeline.describe()
    log = tmp_path / EVENT_LOG
    deadline_wait(lambda: log.exists() and '"permission_prompt"' in log.read_text(), NOTIFICATION_S,
                  lambda: f"no permission_prompt Notification: {log.read_text() if log.exists() else ''}")
    hold(timeline, [session_id], "question", LATE_EVENT_WINDOW_S)
    from_question = timeline.of(session_id)[timeline.of(session_id).index(asked):]
    assert {c.status for c in from_question} == {"question"}, timeline.describe()
    mark = timeline.mark()
    pane.keys("Enter")
    answered = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert detail(answered.session) == TOOL_DONE_TEXT, timeline.describe()


@with_variants(EVERY_VERSION)
def test_compact_keeps_the_session(interactive: Interactive, timeline: Timeline) -> None:
    """PreCompact, SessionStart (compact, same id), PostCompact: working, then the person's turn."""
    pane, session_id = interactive.pane, interactive.session_id
    for prompt in ("hello", "hello again"):  # /compact refuses a conversation of one exchange
        mark = timeline.mark()
        pane.type(prompt)
        replied = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
        assert detail(replied.session) == REPLY_FIRST_LINE, timeline.describe()
    mark = timeline.mark()
    pane.type("/compact")
    compacting = timeline.wait_status(session_id, "working", SEEN_S, since=mark)
    timeline.wait_status(session_id, "attention", COMMAND_TIMEOUT_S, since=timeline.changes.index(compacting))
    hold(timeline, [session_id], "attention", QUIET_WINDOW_S)
    assert timeline.session_ids() == [session_id], timeline.describe()


@with_variants(variants([OLDEST]))
def test_a_refused_compact_reads_attention(
    interactive: Interactive, timeline: Timeline, variant: Variant
) -> None:
    """/compact of one exchange: PreCompact fires, Claude refuses and no hook follows; the
    transcript's record of the refusal makes it the person's turn again.  2.1.332 compacts a
    conversation of one exchange, so the refusal is tried on the oldest version."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type("hello")
    replied = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert detail(replied.session) == REPLY_FIRST_LINE, timeline.describe()
    mark, typed = timeline.mark(), time.monotonic()
    pane.type("/compact")
    outcome = deadline_wait(lambda: next((t for t in (COMPACT_REFUSED, COMPACTED) if t in pane.screen()), None),
                            COMMAND_TIMEOUT_S, lambda: f"/compact neither refused nor compacted:\n{pane.screen()}")
    if outcome == COMPACTED:
        pytest.skip(f"Claude Code {variant.version} compacts a conversation of one exchange: nothing is refused")
    refused = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert detail(refused.session) == COMPACT_REFUSED, timeline.describe()
    print(f"a refused /compact read attention after {refused.at - typed:.2f} s")
    hold(timeline, [session_id], "attention", QUIET_WINDOW_S)


@with_variants(EVERY_VERSION)
def test_clear_closes_as_cleared_and_opens_a_new_session(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    pane.type("/clear")
    closed = timeline.wait_status(session_id, "closed", SEEN_S)
    assert closed.session["close_reason"] == "cleared", timeline.describe()
    fresh = timeline.wait_for("no new session", lambda: [i for i in timeline.session_ids() if i != session_id], SEEN_S)
    assert len(fresh) == 1
    opened = timeline.wait_status(fresh[0], "attention", SEEN_S).session
    assert opened["pid"] == closed.session["pid"] == pane.pid(), timeline.describe()
    assert_never_reopened(timeline, session_id)


@with_variants(EVERY_VERSION)
def test_exit_closes_as_session_end(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    pane.type("/exit")
    closed = timeline.wait_status(session_id, "closed", SEEN_S)
    assert closed.session["close_reason"] == "session-end", timeline.describe()
    hold(timeline, [session_id], "closed", LATE_EVENT_WINDOW_S)


@with_variants(EVERY_VERSION)
def test_kill_9_closes_as_process_exited(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    owner = pane.pid()
    assert timeline.latest(session_id)["pid"] == owner, timeline.describe()
    os.kill(owner, signal.SIGKILL)
    closed = timeline.wait_status(session_id, "closed", KILL_SEEN_S)
    assert closed.session["close_reason"] == "process-exited", timeline.describe()


# --- what 2.1.332 brought: auto mode, background subagents, deferred plan approval -------------


def logged(tmp_path: Path, notification_type: str, timeout_s: float = NOTIFICATION_S) -> dict[str, object]:
    """The payload of the first Notification of ``notification_type`` Claude fired, once it has."""
    log = tmp_path / EVENT_LOG

    def found() -> dict[str, object] | None:
        lines = log.read_text().splitlines() if log.exists() else []
        payloads = (json.loads(line) for line in lines if line.strip().startswith("{"))
        return next((p for p in payloads if p.get("notification_type") == notification_type), None)

    return deadline_wait(found, timeout_s,  # type: ignore[return-value]
                         lambda: f"no {notification_type} Notification: {log.read_text() if log.exists() else ''}")


def shows(timeline: Timeline, session_id: str, status: str, shown: str, permission: bool | None = None) -> bool:
    latest = timeline.latest(session_id)
    return latest["status"] == status and detail(latest) == shown and permission in (None, latest.get("permission"))


def first_change(timeline: Timeline, since: int, session_id: str, status: str, shown: str) -> Change | None:
    return next((c for c in timeline.changes[since:]
                 if c.session["id"] == session_id and c.status == status and detail(c.session) == shown), None)


@with_variants(variants([NEWEST]))
def test_a_tool_auto_mode_runs_unasked_reads_working_with_its_detail(interactive: Interactive, timeline: Timeline) -> None:
    """Auto mode (2.1.332's default): PreToolUse, the tool runs, PostToolUse; no dialog."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type(f"@@bash {RUNNING_TOOL}@@")
    timeline.wait_for("the running tool was not named", lambda: first_change(
        timeline, mark, session_id, "working", f"Bash: {RUNNING_TOOL}"), SEEN_S)
    assert not (interactive.workdir / "finished").exists(), "seen while the tool still ran"
    done = timeline.wait_status(session_id, "attention", SEEN_S + 4, since=mark)
    assert detail(done.session) == TOOL_DONE_TEXT, timeline.describe()
    assert (interactive.workdir / "finished").exists()
    assert not pane.options(), "auto mode asked nothing"


def subagent_asks(interactive: Interactive, timeline: Timeline, tmp_path: Path) -> None:
    """A subagent's Bash needs permission: its dialog reads attention with the tool's detail
    and ``permission`` from its PermissionRequest on, through the reminder 6 s later and
    (on 2.1.332, whose subagents run in the background) the main turn's Stop with
    ``background_tasks``, which lands just after it."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type(f"@@agent bash {SUBAGENT_TOOL}@@")
    pane.wait_for(PERMISSION_DIALOG)
    asked = timeline.wait_for("the subagent's dialog did not read attention", lambda: first_change(
        timeline, mark, session_id, "attention", f"Bash: {SUBAGENT_TOOL}"), SEEN_S)
    logged(tmp_path, "permission_prompt")
    hold_shown = lambda: shows(timeline, session_id, "attention", f"Bash: {SUBAGENT_TOOL}", True)  # noqa: E731
    assert_holds(hold_shown, LATE_EVENT_WINDOW_S, lambda: f"the dialog stopped showing; {timeline.describe()}")
    from_dialog = timeline.of(session_id)[timeline.of(session_id).index(asked):]
    assert all(c.status == "attention" and c.session.get("permission") for c in from_dialog), timeline.describe()


@with_variants(DIALOGS_ON_EVERY_VERSION)
def test_a_subagents_permission_reads_attention_until_its_tool_runs(
    interactive: Interactive, timeline: Timeline, tmp_path: Path
) -> None:
    subagent_asks(interactive, timeline, tmp_path)
    mark = timeline.mark()
    interactive.pane.choose("Yes")
    timeline.wait_status(interactive.session_id, "working", SEEN_S, since=mark)
    answered = timeline.wait_status(interactive.session_id, "attention", COMMAND_TIMEOUT_S, since=mark)
    assert detail(answered.session) in (TOOL_DONE_TEXT, REPLY_FIRST_LINE), timeline.describe()
    assert (interactive.workdir / SUBAGENT_MADE).exists()


@with_variants(variants([NEWEST], modes=(DIALOGS,)))
def test_a_subagents_refused_tool_ends_its_dialog(interactive: Interactive, timeline: Timeline, tmp_path: Path) -> None:
    """Refused, the subagent's tool fires no PostToolUse: the subagent goes on (SubagentStop
    here) and Claude's automatic turn answers; the dialog must not stay."""
    subagent_asks(interactive, timeline, tmp_path)
    mark = timeline.mark()
    interactive.pane.choose("No")
    timeline.wait_status(interactive.session_id, "working", SEEN_S, since=mark)
    answered = timeline.wait_status(interactive.session_id, "attention", COMMAND_TIMEOUT_S, since=mark)
    assert detail(answered.session) == REPLY_FIRST_LINE and not answered.session.get("permission"), timeline.describe()
    assert not (interactive.workdir / SUBAGENT_MADE).exists()


@with_variants(variants([NEWEST]))
def test_auto_mode_asking_the_person_reads_attention_with_its_message(
    interactive: Interactive, timeline: Timeline, tmp_path: Path
) -> None:
    """Found for real here: the fake API is a base URL that is not Anthropic's, so auto mode's
    safety check cannot run, and Claude asks the person.  Its Notification (agent_needs_input)
    comes about 6 s after the dialog; Claude's state file says ``waiting`` at once."""
    pane, session_id = interactive.pane, interactive.session_id
    mark, typed = timeline.mark(), time.monotonic()
    pane.type(f"@@bash {RISKY_TOOL}@@")
    waiting = timeline.wait_status(session_id, "attention", NOTIFICATION_S, since=mark)
    assert detail(waiting.session) == f"Bash: {RISKY_TOOL}", timeline.describe()
    pane.wait_for(AUTO_MODE_DIALOG)
    notification = logged(tmp_path, "agent_needs_input")
    noticed = time.monotonic()
    message = str(notification["message"])
    assert AUTO_MODE_CHOICE in message
    told = timeline.wait_for("the message did not show", lambda: first_change(
        timeline, mark, session_id, "attention", message), SEEN_S)
    assert waiting.at < noticed, "the state file told before the Notification came"
    print(f"attention {waiting.at - typed:.2f} s after the prompt (state file); the Notification's message "
          f"{max(0.0, told.at - noticed):.2f} s after its hook wrote it")
    pane.keys("Escape")


@with_variants(EVERY_VERSION)
@pytest.mark.parametrize("claude_options", [("--permission-mode", "plan")])
def test_a_plan_approval_reads_attention_with_the_plans_first_line(interactive: Interactive, timeline: Timeline) -> None:
    """ExitPlanMode (deferred in 2.1.332: loaded by ToolSearch first) asks to approve the plan,
    which Claude reads from the plan file the model wrote."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type(f"@@plan {PLAN_FIRST_LINE}@@")
    asked = timeline.wait_for("the plan's approval did not read attention", lambda: first_change(
        timeline, mark, session_id, "attention", PLAN_FIRST_LINE), SEEN_S)
    assert asked.session.get("permission") is True, timeline.describe()
    mark = timeline.mark()
    pane.choose("Yes")
    done = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert detail(done.session) == TOOL_DONE_TEXT, timeline.describe()


@with_variants(variants([NEWEST]))
def test_continue_reopens_the_same_session_with_its_new_process(
    interactive: Interactive, hooked: OfflineClaude, timeline: Timeline
) -> None:
    """2.1.332: ``claude --continue`` fires SessionStart ``source: resume`` with the same id."""
    pane, session_id = interactive.pane, interactive.session_id
    mark = timeline.mark()
    pane.type("hello")
    timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    pane.type("/exit")
    closed = timeline.wait_status(session_id, "closed", SEEN_S)
    deadline_wait(lambda: not pane.tmux("list-panes", check=False), SEEN_S, lambda: "claude did not exit")
    mark = timeline.mark()
    again = pane.start([claude_executable(hooked.version), "--continue"], hooked.workdir)
    reopened = timeline.wait_status(session_id, "attention", SEEN_S, since=mark)
    assert reopened.session["pid"] == again != closed.session["pid"], timeline.describe()
    assert timeline.session_ids() == [session_id], timeline.describe()
