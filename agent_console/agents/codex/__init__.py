"""Codex: Claude-compatible command hooks in ``$CODEX_HOME/hooks.json``.

Codex runs new or changed hooks only once the person has trusted them, and
its trust covers the whole handler (command and timeout): the command line
written here must stay the same from one install to the next, or the person
is asked again.  ``codex exec`` skips untrusted hooks without a word.

Codex reports non-JSON stdout as an error, so the hook prints nothing at all.
``SessionStart`` comes with the first prompt, not when the TUI opens.  The
TUI hosts its sessions in a shared app-server that runs the hooks, so one
process serves many sessions, and ``SessionEnd`` comes when that server
unloads the thread (about a minute after /quit).  Esc mid-turn fires
``Interrupt`` instead of ``Stop``.
"""

import os
import shlex

from agent_console.agents import (
    QUESTION_KEYS,
    TOOL_INPUT_KEYS,
    Event,
    Groups,
    command_hook_reader,
    detail_for,
    hook_event_name,
    lookup,
)
from agent_console.vocabulary import Status

NAME = "codex"
TITLE = "Codex"
SHARED_PROCESS = True
HOOK_STDOUT = ""
HOOK_STDERR = False
PROGRAMS = ("codex",)
INSTALL_NOTE = (
    "Codex runs these hooks only after you trust them once: start codex and answer "
    '"Review hooks" with "Trust all and continue" (codex exec skips untrusted hooks).'
)

HOOK_TIMEOUT_SECONDS = 3
"""Codex counts in seconds and caps SessionEnd and Interrupt at 3 s; one value
for every event keeps the trusted handler the same everywhere.  The handler
gives up on the bus after about 1 s."""

QUESTION_TOOL = "request_user_input"

STATUS_BY_EVENT = {
    "SessionStart": Status.ATTENTION,
    "UserPromptSubmit": Status.WORKING,
    "PreToolUse": Status.WORKING,
    "PermissionRequest": Status.ATTENTION,
    "PostToolUse": Status.WORKING,
    "Stop": Status.ATTENTION,
    "Interrupt": Status.ATTENTION,
    "SessionEnd": Status.CLOSED,
}


def status_for(event: Event) -> str | None:
    """The status an event announces, or None to ignore it."""
    name = event.get("hook_event_name")
    if name == "PreToolUse" and event.get("tool_name") == QUESTION_TOOL:
        return Status.QUESTION
    return lookup(STATUS_BY_EVENT, name)


_DETAILS = {
    "PreToolUse": ("input", *QUESTION_KEYS),
    "PermissionRequest": ("tool", *TOOL_INPUT_KEYS),
    "Stop": ("fields", "last_assistant_message"),
}
"""The question asked (``request_user_input``; no other tool's input has one), the tool
awaiting approval as ``Bash: npm test``, the turn's answer."""


def detail(event: Event) -> str | None:
    name = event.get("hook_event_name")
    return detail_for(_DETAILS.get(name) if isinstance(name, str) else None, event)


def asks_permission(event: Event, status: str) -> bool:
    return event.get("hook_event_name") == "PermissionRequest"


read = command_hook_reader(status_for, detail, asks_permission=asks_permission)
event_name = hook_event_name


def config_dir() -> str:
    """``$CODEX_HOME``, else ``~/.codex``."""
    return os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")


def hooks_path() -> str:
    return os.path.join(config_dir(), "hooks.json")


def registration(command: list[str]) -> Groups:
    """One group per event, without a matcher (every tool), holding only our hook."""
    hook = {"type": "command", "command": shlex.join(command), "timeout": HOOK_TIMEOUT_SECONDS}
    return {event: [{"hooks": [dict(hook)]}] for event in STATUS_BY_EVENT}


def observers(watch: object) -> tuple[()]:
    """Nothing but its hooks: they say all the daemon needs."""
    return ()
