"""Claude Code: command hooks in ``~/.claude/settings.json``.

Claude Code runs one session per process at a time; /clear, /compact and
/resume start a new id in the same process, which replaces the old one.
It reads a hook's stdout as instructions, so the hook prints nothing there;
its stderr only reaches Claude's debug log.

One table, ``RULES``, says what each event means.  A key is
``(event, field, value)``: the rule for an event whose top-level ``field``
has ``value``, or with ``field`` None the event's default.  A rule of None
ignores the event.  Events and values not in the table (Claude Code adds them
in new releases) map to nothing, so they leave the session as it was.

Only events that prove something count.  ``PreToolUse`` fires before the
permission check: it proves the turn goes on with that tool (``working``,
detail ``Bash: npm test``), run at once in auto mode (2.1.332's default) or
asked for by the ``PermissionRequest`` that follows within milliseconds.
``AskUserQuestion`` is a question to the person, and raises no
``elicitation_dialog``.  Its ``PermissionRequest`` and the
``permission_prompt`` that follows are about the same dialog, so they must
not make the question read as attention: the first is a question too, the
second a reminder (which the daemon never lets turn a question into
attention).  A plan's approval (``ExitPlanMode``) names the plan's first
line.  ``agent_needs_input`` is auto mode asking the person to choose (its
safety check could not decide).  ``SubagentStop`` ends a subagent's thread,
whose permission dialog (each of its events carries ``agent_id``, sent as
``subagent``) stays in front of whatever the main conversation says until
that thread goes on (see ``daemon.model.apply_update``); a refused tool of a
subagent fires no PostToolUse.  ``SessionStart`` after ``/compact`` is the same id going on:
``PostCompact`` says what follows (the person's turn after a manual compact,
more work after an automatic one).

The hooks only forward the payload; the daemon reads it with this table
(``agents.report``), and tests/test_hook.py runs every row through every
handler.  ``install-hooks`` registers exactly the events listed here.
"""

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agent_console.agents import (
    QUESTION_KEYS,
    TOOL_INPUT_KEYS,
    Groups,
    Reading,
    detail_for,
    hook_event_name,
    text_field,
)
from agent_console.vocabulary import CloseReason, EventKind, Status

if TYPE_CHECKING:
    from agent_console.agents.contract import Observer
    from agent_console.system.inotify import DirectoryWatch

NAME = "claude-code"
TITLE = "Claude Code"
SHARED_PROCESS = False
HOOK_STDOUT = ""
HOOK_STDERR = True
PROGRAMS = ("claude",)
INSTALL_NOTE = ""

HOOK_TIMEOUT_SECONDS = 5
"""Per-hook timeout: Claude waits for the shell that starts the handler in the
background, which returns at once; the bound is there should that shell hang
(Claude's own default is 10 minutes)."""

REMINDER = "reminder"

SESSION_END = "session-end"

NON_EMPTY = "[...]"
"""The value a non-empty array is looked up by (Stop's ``background_tasks``)."""


PLAN_KEYS = ("plan",)
"""ExitPlanMode's plan, which Claude (2.1.332) fills in from the plan file for the hooks."""

ERROR_FIELDS = ("last_assistant_message", "error_details", "error")
"""StopFailure's fields, most telling first: the text the person saw, then the error type."""

# Details: the specs ``agents.detail_for`` reads.
RULES: dict[tuple[str, str | None, str | None], tuple[str, tuple[str, ...] | None, str | None, str | None] | None] = {
    # (event, field, value): (status, detail, event, close reason)
    ("SessionStart", "source", "compact"): None,
    ("SessionStart", None, None): (Status.ATTENTION, None, EventKind.SESSION_START, None),
    ("UserPromptSubmit", None, None): (Status.WORKING, None, None, None),
    ("PreToolUse", "tool_name", "AskUserQuestion"): (Status.QUESTION, ("input", *QUESTION_KEYS), None, None),
    ("PreToolUse", None, None): (Status.WORKING, ("tool", *TOOL_INPUT_KEYS), None, None),
    ("PermissionRequest", "tool_name", "AskUserQuestion"): (Status.QUESTION, ("input", *QUESTION_KEYS), None, None),
    ("PermissionRequest", "tool_name", "ExitPlanMode"): (Status.ATTENTION, ("input", *PLAN_KEYS), EventKind.PERMISSION, None),
    ("PermissionRequest", None, None): (Status.ATTENTION, ("tool", *TOOL_INPUT_KEYS), EventKind.PERMISSION, None),
    ("PostToolUse", None, None): (Status.WORKING, ("none",), None, None),
    ("PostToolUseFailure", None, None): (Status.WORKING, ("none",), None, None),
    ("PreCompact", None, None): (Status.WORKING, None, None, None),
    ("PostCompact", "trigger", "auto"): (Status.WORKING, None, None, None),
    ("PostCompact", None, None): (Status.ATTENTION, None, None, None),
    ("Notification", "notification_type", "permission_prompt"): (Status.ATTENTION, None, REMINDER, None),
    ("Notification", "notification_type", "idle_prompt"): (Status.ATTENTION, None, REMINDER, None),
    ("Notification", "notification_type", "elicitation_dialog"): (Status.QUESTION, ("fields", "message"), None, None),
    ("Notification", "notification_type", "agent_needs_input"): (Status.ATTENTION, ("fields", "message"), None, None),
    ("Stop", "background_tasks", NON_EMPTY): (Status.WORKING, ("count", "background_tasks"), None, None),
    ("Stop", None, None): (Status.ATTENTION, ("fields", "last_assistant_message"), None, None),
    ("StopFailure", None, None): (Status.ATTENTION, ("fields", *ERROR_FIELDS), None, None),
    ("SubagentStop", None, None): (Status.WORKING, None, None, None),
    ("SessionEnd", "reason", "clear"): (Status.CLOSED, None, None, CloseReason.CLEARED),
    ("SessionEnd", None, None): (Status.CLOSED, None, None, SESSION_END),
}

_REFINED_BY: dict[str, list[str]] = {}
for _event, _field, _ in RULES:
    if _field is not None and _field not in _REFINED_BY.setdefault(_event, []):
        _REFINED_BY[_event].append(_field)


REGISTRATIONS: tuple[tuple[str, str | None], ...] = tuple((event, None) for event in dict.fromkeys(e for e, _, _ in RULES))
"""(event, matcher) pairs to register in Claude Code's settings: every event this table
reads, each whole (no matcher), so install-hooks cannot drift from the table, and a value
the table learns later (a new ``notification_type`` such as ``agent_needs_input``, which
three exact matchers once kept from firing at all) reaches the daemon without installing
again.  An event with no rule for a value costs one hook run that records nothing."""


def reading_of(event: Mapping[str, object]) -> Reading | None:
    """What an event says about its session, by the table; None to ignore it."""
    rule = rule_for(event)
    if rule is None:
        return None
    status, detail_spec, meaning, reason = rule
    return Reading(
        text_field(event, "session_id"),
        status,
        text_field(event, "cwd"),
        detail=detail_for(detail_spec, event),
        event=meaning,
        reason=reason,
        transcript_path=text_field(event, "transcript_path"),
        subagent=text_field(event, "agent_id"),
    )


def rule_for(event: Mapping[str, object]) -> tuple[str, tuple[str, ...] | None, str | None, str | None] | None:
    """The rule an event's top-level fields select, or None to ignore it."""
    name = event.get("hook_event_name")
    if not isinstance(name, str):
        return None
    for field in _REFINED_BY.get(name, ()):
        key = (name, field, _lookup_value(event.get(field)))
        if key in RULES:
            return RULES[key]
    return RULES.get((name, None, None))


def _lookup_value(value: object) -> str | None:
    """Fields arrive as any JSON value: strings match as they are, arrays by being non-empty."""
    if isinstance(value, list):
        return NON_EMPTY if value else None
    return value if isinstance(value, str) else None


read = reading_of
event_name = hook_event_name


def config_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".claude")


def hooks_path() -> str:
    """The user-level settings file, which every Claude Code session reads."""
    return os.path.join(config_dir(), "settings.json")


def registration(command: list[str]) -> Groups:
    """The matcher groups we register, by event, in the order we add them.

    Each group holds only our hook, so uninstalling can drop it whole.  The
    hook is started in the background (``settings_file.in_background``), so
    Claude waits for a shell's fork only, and none is registered ``async``:
    observed with 2.1.197 in print mode, when an async hook is still running
    as a turn ends, Claude skips the SessionEnd hooks altogether (and it ends
    the hooks still running when it exits), whereas a hook it waited for has
    ended before the next event fires.  The daemon puts events that arrive out
    of order back in order by their ``event_time``.
    """
    from agent_console.agents.settings_file import in_background

    line = in_background(command)
    groups: Groups = {}
    for event, matcher in REGISTRATIONS:
        hook: dict[str, object] = {"type": "command", "command": line, "timeout": HOOK_TIMEOUT_SECONDS}
        group: dict[str, object] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [hook]
        groups.setdefault(event, []).append(group)
    return groups


def observers(watch: "DirectoryWatch | None") -> list["Observer"]:
    """Its transcript (Esc, API errors) and its approved tools starting: ``observers``.
    Imported here, when the daemon asks: the store's model is no hook's business."""
    from agent_console.agents.claude_code.observers import watchers

    return list(watchers(watch))
