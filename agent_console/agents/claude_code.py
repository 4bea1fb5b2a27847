"""Claude Code: command hooks in ``~/.claude/settings.json``.

Claude Code runs one session per process at a time; /clear, /compact and
/resume start a new id in the same process, which replaces the old one.
It waits for each hook and reads stdout as instructions, so the hook prints
nothing there; its stderr only reaches Claude's debug log.

Only events that prove something about the session count.  ``PreToolUse``
fires before the permission check, so for most tools it proves nothing and is
ignored; the one exception is ``AskUserQuestion``, whose only effect is a
question to the person, and which raises no ``elicitation_dialog``.  Unknown
events and notification types (Claude Code adds them in new releases) map to
nothing, so they leave the session as it was.

``hooks/agent-console-hook`` carries the same table in shell; change both.
``install-hooks`` registers exactly the events listed here.
"""

import os
import shlex

from agent_console.agents import (
    ATTENTION,
    CLOSED,
    QUESTION,
    WORKING,
    Event,
    Groups,
    command_hook_reader,
    hook_event_name,
    lookup,
)

NAME = "claude-code"
TITLE = "Claude Code"
SHARED_PROCESS = False
HOOK_STDOUT = ""
HOOK_STDERR = True
PROGRAMS = ("claude",)
INSTALL_NOTE = ""

HOOK_TIMEOUT_SECONDS = 5
"""Per-hook timeout: the handler itself gives up on the bus after about 1 s,
so 5 s covers a cold Python start and still bounds what a hung handler costs
Claude (whose own default is 10 minutes)."""


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


def status_for(event: Event) -> str | None:
    """The status an event's top-level fields announce, or None to ignore it."""
    name = event.get("hook_event_name")
    if name == "PreToolUse":
        return QUESTION if event.get("tool_name") in _QUESTION_TOOLS else None
    if name == "Notification":
        return lookup(_BY_NOTIFICATION, event.get("notification_type"))
    return lookup(_BY_EVENT, name)


read = command_hook_reader(status_for)
event_name = hook_event_name


def config_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".claude")


def hooks_path() -> str:
    """The user-level settings file, which every Claude Code session reads."""
    return os.path.join(config_dir(), "settings.json")


def registration(command: list[str]) -> Groups:
    """The matcher groups we register, by event, in the order we add them.

    Each group holds only our hook, so uninstalling can drop it whole.  No
    ``async``: Claude then waits for each hook (at most about 1 s, bounded by
    the timeout), which keeps events reaching the service in the order they
    happened; async hooks run concurrently, so a late PostToolUse ("working")
    could land after Stop ("attention"), and one fired at SessionEnd could be
    cut off when Claude exits.  We print nothing, so async would gain no more
    than that latency.
    """
    hook = {"type": "command", "command": shlex.join(command), "timeout": HOOK_TIMEOUT_SECONDS}
    groups: Groups = {}
    for event, matcher in REGISTRATIONS:
        group: dict[str, object] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [dict(hook)]
        groups.setdefault(event, []).append(group)
    return groups
