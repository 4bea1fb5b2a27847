"""Everything that differs between coding agents, one module per agent.

The daemon and the wire know an agent only by its ``agent_type`` string.
What its events mean, how its payload is read, where its hooks are registered,
whether one of its processes runs one session or many and what the daemon
observes for it is said in the agent's own package, which is the agent:
``agent_named`` returns it.  What every agent's package holds is written once,
as a Protocol, in ``agents.contract``; tests/test_agents.py checks each against
it.  A fifth agent is one more package, one name in ``_MODULES`` and its
``agent_type`` in ``vocabulary.AgentType``.

Standard library only, and nothing heavy (no ``typing``, ``dataclasses`` or
``pathlib``): the daemon reads every hook's payload with it, and the Python
hook with a daemon older than ``Hooks.Report``; the editing machinery is in
``settings_file``, which only the installers import.
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType

from agent_console.agents.detail import detail_of, first_line
from agent_console.vocabulary import CloseReason, EventKind

Event = Mapping[str, object]
"""A hook payload's top-level fields, as ``agents.payload`` decodes them."""

Groups = dict[str, list[dict[str, object]]]
"""Matcher groups by event, as Claude Code, Gemini CLI and Codex read them."""

_MODULES = ("claude_code", "gemini_cli", "codex", "opencode")
"""Claude Code first: the default, and first in every list."""


class Reading:
    """What one event says about one session.

    Besides the status, an agent may know more (Claude Code's table does):
    the ``detail`` (why the session needs a person), the ``event`` it means for
    the store's rules (``session-start``, ``permission``, ``reminder``), the close
    ``reason``, the ``transcript_path``, the ``subagent`` it came from, and when the event happened
    (``event_time``, boot-clock microseconds) where the payload itself says
    so better than the hook's start does.
    """

    __slots__ = (
        "session_id", "status", "working_dir", "detail", "event", "reason", "transcript_path", "event_time",
        "subagent",
    )

    def __init__(
        self,
        session_id: str | None,
        status: str,
        working_dir: str | None,
        *,
        detail: str | None = None,
        event: str | None = None,
        reason: str | None = None,
        transcript_path: str | None = None,
        event_time: int | None = None,
        subagent: str | None = None,
    ) -> None:
        self.session_id = session_id
        """None when the event named none: the hook then says so and records nothing."""
        self.status = status
        self.working_dir = working_dir
        self.detail = detail
        self.event = event
        self.reason = reason
        self.transcript_path = transcript_path
        self.event_time = event_time
        self.subagent = subagent
        """The thread within the session the event came from (a subagent's id), None for the main one."""


def text_field(fields: Mapping[str, object], key: str) -> str | None:
    """A field that must be a non-empty string; any other JSON value counts as absent."""
    value = fields.get(key)
    return value if isinstance(value, str) and value else None


def lookup(table: Mapping[str, str], key: object) -> str | None:
    """Fields arrive as any JSON value; a non-string one is simply not in the table."""
    return table.get(key) if isinstance(key, str) else None


def hook_event_name(event: Event) -> str:
    """The name of a command hook's event: Claude Code, Gemini CLI and Codex send it alike."""
    return str(event.get("hook_event_name"))


def command_hook_reader(
    status_for: Callable[[Event], str | None],
    detail_for_event: Callable[[Event], str | None],
    announces_start: bool = False,
    asks_permission: Callable[[Event, str], bool] | None = None,
) -> Callable[[Event], Reading | None]:
    """``read`` for a command hook's payload, whose common fields Claude Code, Gemini CLI and
    Codex share, given the agent's own ``status_for`` and ``detail_for_event``.

    ``SessionEnd`` with ``reason`` ``clear`` is /clear, as in Claude Code; where the agent
    fires ``SessionStart`` when a session starts (``announces_start``), that is its start;
    an event (and the status it announces) for which ``asks_permission`` holds is a tool
    waiting for approval.
    """

    def read(event: Event) -> Reading | None:
        status = status_for(event)
        if status is None:
            return None
        name = event.get("hook_event_name")
        meaning = EventKind.PERMISSION if asks_permission is not None and asks_permission(event, status) else None
        return Reading(
            text_field(event, "session_id"),
            status,
            text_field(event, "cwd"),
            detail=detail_for_event(event),
            event=EventKind.SESSION_START if announces_start and name == "SessionStart" else meaning,
            reason=CloseReason.CLEARED if name == "SessionEnd" and event.get("reason") == "clear" else None,
        )

    return read


TOOL_INPUT_KEYS = ("command", "file_path", "url", "pattern", "query", "description", "prompt")
"""What a tool acts on, for ``Bash: npm test``: the first of these members found in
``tool_input``, at any depth and in document order."""

QUESTION_KEYS = ("question",)

# Details: ("tool", keys): "<tool_name>: <first member of tool_input named in keys>";
# ("input", keys): that member alone; ("fields", names): the first non-empty top-level
# string of names; ("count", name): how many items the array ``name`` holds; ("none",):
# no detail any more (a tool that ran is over: its name no longer says what goes on).


def detail_for(spec: tuple[str, ...] | None, event: Mapping[str, object]) -> str | None:
    """The detail ``spec`` reads from ``event``, one line and short; None when it names nothing."""
    if spec is None:
        return None
    kind, *names = spec
    text: str | None = None
    if kind in ("tool", "input"):
        found = _first_member(event.get("tool_input"), names)
        text = None if found is None else first_line(found)
        tool = event.get("tool_name")
        if kind == "tool" and isinstance(tool, str):
            text = f"{tool}: {text}" if text else tool
    elif kind == "fields":
        lines = (first_line(value) for value in map(event.get, names) if isinstance(value, str))
        text = next((line for line in lines if line), None)
    elif kind == "count":
        items = event.get(names[0])
        count = len(items) if isinstance(items, list) else 0
        text = f"{count} background task{'' if count == 1 else 's'}"
    elif kind == "none":
        text = ""
    return None if text is None else detail_of(text)


def _first_member(value: object, names: list[str]) -> str | None:
    """The first string member named in ``names``, depth first in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in names and isinstance(item, str):
                return item
            found = _first_member(item, names)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _first_member(item, names)
            if found is not None:
                return found
    return None


def all_agents() -> list[ModuleType]:
    """Every agent's module, Claude Code first."""
    return [import_module(f"{__name__}.{module}") for module in _MODULES]


def agent_names() -> list[str]:
    """Every agent's ``NAME``, Claude Code first, without importing a module (as ``agent_named`` maps them)."""
    return [module.replace("_", "-") for module in _MODULES]


def agent_named(name: str) -> ModuleType | None:
    """The module of the agent whose ``agent_type`` is ``name``; only that one is imported."""
    module = name.replace("-", "_")
    return import_module(f"{__name__}.{module}") if module in _MODULES and "_" not in name else None
