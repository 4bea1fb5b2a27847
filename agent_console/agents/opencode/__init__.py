"""opencode: a JavaScript plugin, since opencode has no command hooks.

``install-hooks --agent opencode`` writes ``plugin.js`` (beside this
module) into opencode's global plugin folder, with the handler's command and
the events of the table filled in.  The plugin runs inside opencode, so it
never waits for the handler: it spawns ``agent-console hook --agent opencode``
per relevant event with ``{"directory", "event_time", "event"}`` on stdin (its
``event_time`` is the event's, see ``stamp``), and
on ``dispose`` (/exit, the end of ``opencode run``) sends a closing event of
its own, ``agent-console.disposed``, for every session it saw.

One opencode server can host many sessions, and /new leaves the old session
idle rather than ending it.  Status and permission events carry no folder:
the plugin's ``directory`` stands in for it.
"""

import json
import os

from agent_console.agents import (
    QUESTION_KEYS,
    TOOL_INPUT_KEYS,
    Event,
    Reading,
    detail_for,
    lookup,
    text_field,
)
from agent_console.vocabulary import EventKind, Status

NAME = "opencode"
TITLE = "opencode"
SHARED_PROCESS = True
HOOK_STDOUT = ""
HOOK_STDERR = True
PROGRAMS = ("opencode",)
INSTALL_NOTE = ""

DISPOSED = "agent-console.disposed"
"""The plugin's own event: opencode is shutting this instance down."""

STATUS_BY_EVENT = {
    "session.created": Status.ATTENTION,
    "session.idle": Status.ATTENTION,
    "session.error": Status.ATTENTION,
    "permission.asked": Status.ATTENTION,
    "permission.replied": Status.WORKING,
    "question.asked": Status.QUESTION,
    "question.replied": Status.WORKING,
    "question.rejected": Status.WORKING,
    "session.deleted": Status.CLOSED,
    DISPOSED: Status.CLOSED,
}
STATUS_EVENT = "session.status"
STATUS_BY_SESSION_STATUS = {"busy": Status.WORKING, "retry": Status.WORKING, "idle": Status.ATTENTION}

PLUGIN_TEMPLATE = os.path.join(os.path.dirname(__file__), "plugin.js")
PLUGIN_MARKER = "// agent-console:"
"""The plugin's first line: how a file is known to be ours."""


def _inner(event: Event) -> dict[str, object]:
    """The opencode event the plugin passed on: ``{id, type, properties}``."""
    inner = event.get("event")
    return inner if isinstance(inner, dict) else {}


def _object(fields: dict[str, object], key: str) -> dict[str, object]:
    value = fields.get(key)
    return value if isinstance(value, dict) else {}


def event_name(event: Event) -> str:
    return str(_inner(event).get("type"))


def status_for(event: Event) -> str | None:
    name = _inner(event).get("type")
    if name == STATUS_EVENT:
        return lookup(STATUS_BY_SESSION_STATUS, _object(_object(_inner(event), "properties"), "status").get("type"))
    return lookup(STATUS_BY_EVENT, name)


ERROR_KEYS = ("message",)
"""Where ``session.error``'s ``error`` (``{name, data: {message}}``) says what went wrong."""


def detail(name: object, properties: dict[str, object]) -> str | None:
    """The tool awaiting approval as ``bash: npm test``, the question asked, or the error."""
    if name == "permission.asked":
        return detail_for(("tool", *TOOL_INPUT_KEYS), {"tool_name": properties.get("permission"),
                                                       "tool_input": properties.get("metadata")})
    if name == "question.asked":
        return detail_for(("input", *QUESTION_KEYS), {"tool_input": properties.get("questions")})
    if name == "session.error":
        return detail_for(("input", *ERROR_KEYS), {"tool_input": properties.get("error")})
    return None


def stamp(event: Event) -> int | None:
    """The plugin's ``event_time`` (boot-clock microseconds, taken when opencode emitted the
    event): truer than the hook's own start, since the plugin spawns one hook per event and
    they race.  Anything but a positive integer counts as absent (the hook's stamp then)."""
    value = event.get("event_time")
    return value if type(value) is int and value > 0 else None


def read(event: Event) -> Reading | None:
    status = status_for(event)
    if status is None:
        return None
    inner = _inner(event)
    properties = _object(inner, "properties")
    info = _object(properties, "info")
    session_id = text_field(properties, "sessionID") or text_field(info, "id")
    return Reading(
        session_id,
        status,
        text_field(info, "directory") or text_field(event, "directory"),
        detail=detail(inner.get("type"), properties),
        event=EventKind.PERMISSION if inner.get("type") == "permission.asked" else None,
        event_time=stamp(event),
    )


def config_dir() -> str:
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"), "opencode")


def hooks_path() -> str:
    return os.path.join(config_dir(), "plugin", "agent-console.js")


def registration(command: list[str]) -> str:
    """The plugin's text: the template with the command and the events it passes on."""
    with open(PLUGIN_TEMPLATE, encoding="utf-8") as template:
        text = template.read()
    events = json.dumps([*STATUS_BY_EVENT, STATUS_EVENT])
    return text.replace("__COMMAND__", json.dumps(command)).replace("__EVENTS__", events)


def observers(watch: object) -> tuple[()]:
    """Nothing but its hooks: they say all the daemon needs."""
    return ()
