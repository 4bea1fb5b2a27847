"""Gemini CLI: command hooks in ``~/.gemini/settings.json``.

Gemini runs every matching hook through the shell and waits for it, with the
event as JSON on stdin.  It parses stdout as JSON and, when stdout is empty,
shows stderr to the person: so the hook prints ``{}`` and nothing else.

``BeforeTool`` fires before a tool's permission dialog and ``Notification``
just before the dialog shows, so the two in that order give working, then
attention.  ``AfterAgent`` also fires after Esc during a model call.
``SessionEnd`` comes three times on /quit (a repeat changes nothing: after
the ``session-start`` its SessionStart sent, only another start reopens it),
and /clear ends the old id (closed ``cleared``) and starts a new one in the
same process: one session per process, like Claude Code.  Rejecting a permission fires
nothing, and neither does a kill: the owner process check closes it then.
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

NAME = "gemini-cli"
TITLE = "Gemini CLI"
SHARED_PROCESS = False
HOOK_STDOUT = "{}"
HOOK_STDERR = False
PROGRAMS = ("gemini",)
INSTALL_NOTE = ""

HOOK_NAME = "agent-console"
"""The name Gemini shows for our hooks, and the one ``hooksConfig.disabled`` takes."""

HOOK_TIMEOUT_MS = 5000
"""Gemini counts hook timeouts in milliseconds.  The handler gives up on the
bus after about 1 s; 5 s covers a cold Python start, as for Claude Code."""

QUESTION_TOOL = "ask_user"
"""The tool (and the Notification ``details.type``) that asks the person a question."""

STATUS_BY_EVENT = {
    "SessionStart": Status.ATTENTION,
    "BeforeAgent": Status.WORKING,
    "BeforeTool": Status.WORKING,
    "Notification": Status.ATTENTION,
    "AfterTool": Status.WORKING,
    "AfterAgent": Status.ATTENTION,
    "SessionEnd": Status.CLOSED,
}
"""BeforeModel, AfterModel (once per streamed chunk), BeforeToolSelection and
PreCompress say nothing about the status and are not registered."""


def status_for(event: Event) -> str | None:
    """The status an event announces, or None to ignore it."""
    name = event.get("hook_event_name")
    if name == "BeforeTool" and event.get("tool_name") == QUESTION_TOOL:
        return Status.QUESTION
    details = event.get("details")
    if name == "Notification" and isinstance(details, dict) and details.get("type") == QUESTION_TOOL:
        return Status.QUESTION
    return lookup(STATUS_BY_EVENT, name)


def detail(event: Event) -> str | None:
    """The question asked (``ask_user``), the dialog's command as ``<title>: <command>`` (a
    Notification names no tool, its ``details`` the dialog), the turn's answer, or None."""
    name = event.get("hook_event_name")
    if name == "BeforeTool":
        return detail_for(("input", *QUESTION_KEYS), event)
    details = event.get("details")
    if name == "Notification" and isinstance(details, dict):
        dialog = {"tool_name": details.get("title"), "tool_input": details}
        return detail_for(("tool", *QUESTION_KEYS, *TOOL_INPUT_KEYS), dialog)
    if name == "AfterAgent":
        return detail_for(("fields", "prompt_response"), event)
    return None


def asks_permission(event: Event, status: str) -> bool:
    """Every Notification is a dialog (``ToolPermission``); one that asks a question is a question."""
    return event.get("hook_event_name") == "Notification" and status == Status.ATTENTION


read = command_hook_reader(status_for, detail, announces_start=True, asks_permission=asks_permission)
event_name = hook_event_name


def config_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".gemini")


def hooks_path() -> str:
    return os.path.join(config_dir(), "settings.json")


def registration(command: list[str]) -> Groups:
    """One group per event, matching everything, holding only our named hook."""
    hook = {"name": HOOK_NAME, "type": "command", "command": shlex.join(command), "timeout": HOOK_TIMEOUT_MS}
    return {event: [{"matcher": "*", "hooks": [dict(hook)]}] for event in STATUS_BY_EVENT}


def observers(watch: object) -> tuple[()]:
    """Nothing but its hooks: they say all the daemon needs."""
    return ()
