"""Which Claude Code hook event means which session status.

Only events that prove something about the session count.  ``PreToolUse``
fires before the permission check, so for most tools it proves nothing and is
ignored; the one exception is ``AskUserQuestion``, whose only effect is a
question to the person, and which raises no ``elicitation_dialog``.  Unknown
events and notification types (Claude Code adds them in new releases) map to
nothing, so they leave the session as it was.

``hooks/agent-console-hook`` carries the same table in shell; change both.
``install-hooks`` registers exactly the events listed here.
"""

from collections.abc import Mapping

WORKING = "working"
ATTENTION = "attention"
QUESTION = "question"
CLOSED = "closed"

_BY_EVENT = {
    "SessionStart": ATTENTION,
    "UserPromptSubmit": WORKING,
    "PostToolUse": WORKING,
    "PostToolUseFailure": WORKING,
    "PreCompact": WORKING,
    "PermissionRequest": ATTENTION,
    "Stop": ATTENTION,
    "StopFailure": ATTENTION,
    "SessionEnd": CLOSED,
}

_BY_NOTIFICATION = {
    "permission_prompt": ATTENTION,
    "idle_prompt": ATTENTION,
    "elicitation_dialog": QUESTION,
}

_QUESTION_TOOLS = ("AskUserQuestion",)

REGISTRATIONS: tuple[tuple[str, str | None], ...] = (
    *((event, None) for event in _BY_EVENT),
    *(("PreToolUse", tool) for tool in _QUESTION_TOOLS),
    *(("Notification", kind) for kind in _BY_NOTIFICATION),
)
"""(event, matcher) pairs to register in Claude Code's settings: exactly the
events this table reads, so install-hooks cannot drift from the handler.
``None`` registers without a matcher; Notification gets one exact matcher
each rather than a regex alternation, which every Claude version reads alike."""


def status_for(event: Mapping[str, object]) -> str | None:
    """The status an event's top-level fields announce, or None to ignore it."""
    name = event.get("hook_event_name")
    if name == "PreToolUse":
        return QUESTION if event.get("tool_name") in _QUESTION_TOOLS else None
    if name == "Notification":
        return _lookup(_BY_NOTIFICATION, event.get("notification_type"))
    return _lookup(_BY_EVENT, name)


def _lookup(table: Mapping[str, str], key: object) -> str | None:
    """Fields arrive as any JSON value; a non-string one is simply not in the table."""
    return table.get(key) if isinstance(key, str) else None
