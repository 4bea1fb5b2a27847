"""Add and remove agent-console's hooks in an agent's own configuration files.

Claude Code, Gemini CLI and Codex read hooks from JSON of one shape:
``{"hooks": {EVENT: [{"matcher": ..., "hooks": [{"type": "command", ...}]}]}}``;
each agent's module says which groups it wants, this module edits the file.
The file belongs to the user: it holds their permissions, env, model, status
line and their own hooks.  So this module changes nothing but entries it can
recognise as ours (a ``command`` hook whose command is our handler), keeps
every other key in its order, writes with the file's own indentation, and
leaves a file alone when there is nothing to change.  Writes go through a
temporary file and a rename under an advisory lock, so neither a crash nor a
second installer can leave a half-written or doubly-edited file behind.
The same care covers a file that is wholly ours (opencode's plugin):
``edit_file`` takes any plan from old text to new.

Standard library only, like the rest of ``agent_console.agents``.
"""

import copy
import fcntl
import json
import math
import os
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_console.agents import Groups
from agent_console.errors import AgentConsoleError
from agent_console.limits import MAX_QUOTED_CHARS
from agent_console.system.atomic_file import UnreadableFile, read_text, unified_diff, write_atomically
from agent_console.vocabulary import OWNER_OPTION

Settings = dict[str, Any]

PYTHON_HANDLER = "agent-console"
SHELL_HANDLER = "agent-console-hook"

NICENESS = 10
"""How much lower than the agent's the priority of a handler in the background is: on a
busy machine the agent's own work goes first (a Python handler's start alone is some
25 ms of CPU), while the handler still gets a tenth of a core against each busy process."""
BACKGROUND_HEAD = f"exec 3<&0; nice -n {NICENESS} "
BACKGROUND_TAIL = f' {OWNER_OPTION} "$PPID" <&3 >/dev/null 2>&1 3<&- &'
"""What ``in_background`` puts around a handler's command line."""


class SettingsError(AgentConsoleError):
    """A settings file we refuse to change, or cannot read or write."""


@dataclass(frozen=True)
class Change:
    """What an edit did (or, in a dry run, would do) to one settings file."""

    path: Path
    before: str | None
    """The file's text before; ``None`` if it did not exist."""
    after: str | None
    backup: Path | None = None
    """The backup this edit wrote, if it was the first to change the file."""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff from before to after, as ``diff -u`` would show it."""
        return unified_diff(self.path, self.before, self.after)


def in_background(command: list[str]) -> str:
    """A line for the agent's ``/bin/sh -c`` that starts ``command`` in the background and returns.

    The agent then waits for a shell's fork only, never for the handler's
    start (a Python start alone costs it 10 ms or more) nor for its bus call;
    ``nice`` lowers the handler's priority (``NICENESS``).
    The handler reads the payload from the agent's pipe, saved as descriptor 3
    because a background command's stdin is /dev/null; its stdout and stderr
    go nowhere, so the agent waits for no pipe of it either (and its one line
    saying why an event was not recorded is lost: run the handler by hand to
    see it).  By the time it looks, the shell that started it has exited, so
    ``$PPID`` (the shell's parent: the agent) tells it whose session it is.
    """
    return BACKGROUND_HEAD + shlex.join(command) + BACKGROUND_TAIL


def is_our_command(command: str) -> bool:
    """Whether a hook command runs our handler, wherever it was installed, in the background or not.

    Recognising the program by name rather than by exact path lets a later
    install replace entries left by an older install in another place.
    """
    if command.startswith(BACKGROUND_HEAD) and command.endswith(BACKGROUND_TAIL):
        command = command[len(BACKGROUND_HEAD) : -len(BACKGROUND_TAIL)]
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if not words:
        return False
    program = os.path.basename(words[0])
    if program == PYTHON_HANDLER:
        words = words[1:]
        if words[:1] != ["hook"]:
            return False
    elif program != SHELL_HANDLER:
        return False
    return len(words) == 1 or (len(words) == 3 and words[1] == "--agent")


def with_hooks(settings: Settings, wanted: Groups) -> Settings:
    """The settings with exactly one set of our groups, ``wanted``.

    Groups already exactly as wanted stay where they are, so installing twice
    changes nothing; our stale entries (another path, another timeout) go.
    """
    result = copy.deepcopy(settings)
    hooks = result.setdefault("hooks", {})
    for event in list(hooks):
        groups = _with_exactly(hooks[event], wanted.get(event, []))
        _set_or_drop(hooks, event, groups, before=hooks[event])
    for event, groups in wanted.items():
        hooks.setdefault(event, groups)
    return result


def without_hooks(settings: Settings) -> Settings:
    """The settings with every hook of ours removed, and what that emptied.

    An event list or ``hooks`` object that only our removal left empty is
    dropped (we created it); one that was empty already stays.
    """
    if "hooks" not in settings:
        return settings
    result = copy.deepcopy(settings)
    hooks = result["hooks"]
    for event in list(hooks):
        kept = _strip_ours(hooks[event], keep=lambda group: False)
        _set_or_drop(hooks, event, kept, before=hooks[event])
    _set_or_drop(result, "hooks", hooks, before=settings["hooks"])
    return result


def install(path: Path, wanted: Groups, dry_run: bool = False) -> Change:
    """Register our ``wanted`` groups in the settings file at ``path``."""
    return _edit_settings(path, lambda settings: with_hooks(settings, wanted), dry_run)


def uninstall(path: Path, dry_run: bool = False) -> Change:
    """Remove every hook of ours from the settings file at ``path``, leaving it as it was before ``install``.

    Byte for byte where that can be known: a file that held nothing but our
    hooks and has no backup was created by ``install``, so it goes; a file whose
    settings without our hooks are those of its backup (the original the first
    install saved) gets the backup's very text back, and the backup goes, since
    the file is that original again.  A file changed since in other ways keeps
    those changes and loses only our entries.
    """
    backup = backup_path(path)

    def plan(before: str | None) -> str | None:
        settings = _parse(before or "", path)
        stripped = without_hooks(settings)
        if stripped == settings:
            return before
        original = _read(backup.expanduser())
        if original is None:
            return None if not stripped else _render(stripped, before)
        return original if _parse(original, backup) == stripped else _render(stripped, before)

    change = edit_file(path, plan, lambda before: _is_original(before, path), dry_run)
    if not dry_run and change.changed and change.after is not None and change.after == _read(backup.expanduser()):
        backup.expanduser().unlink()
    return change


def backup_path(path: Path) -> Path:
    """Where the first change to ``path`` saves the original: beside it, ``.bak`` appended."""
    return path.with_name(path.name + ".bak")


def _with_exactly(groups: list[Settings], wanted: list[Settings]) -> list[Settings]:
    """One event's groups with ours exactly ``wanted``: those present stay put."""
    missing = list(wanted)
    return _strip_ours(groups, keep=lambda group: _take(missing, group)) + missing


def _take(candidates: list[Settings], group: Settings) -> bool:
    """Consume ``group`` from ``candidates`` if there, so a duplicate is not kept."""
    if group in candidates:
        candidates.remove(group)
        return True
    return False


def _is_our_hook(hook: Settings) -> bool:
    command = hook.get("command")
    return hook.get("type") == "command" and isinstance(command, str) and is_our_command(command)


def _strip_ours(groups: list[Settings], keep: Callable[[Settings], bool]) -> list[Settings]:
    """The groups without our hooks, except whole groups ``keep`` accepts.

    A user's group that also holds our hook keeps its other hooks; a group
    that held only ours disappears.
    """
    result = []
    for group in groups:
        hooks = group.get("hooks", [])
        if keep(group) or not any(_is_our_hook(hook) for hook in hooks):
            result.append(group)
            continue
        theirs = [hook for hook in hooks if not _is_our_hook(hook)]
        if theirs:
            result.append({**group, "hooks": theirs})
    return result


def _set_or_drop(container: Settings, key: str, value: Any, before: Any) -> None:
    """Store ``value``, or drop the key if our edit emptied what was not empty."""
    if not value and before:
        del container[key]
    else:
        container[key] = value


def _edit_settings(path: Path, transform: Callable[[Settings], Settings], dry_run: bool) -> Change:
    def plan(before: str | None) -> str | None:
        settings = _parse(before or "", path)
        changed = transform(settings)
        return before if changed == settings else _render(changed, before)

    return edit_file(path, plan, lambda before: _is_original(before, path), dry_run)


def edit_file(
    path: Path,
    plan: Callable[[str | None], str | None],
    is_original: Callable[[str], bool],
    dry_run: bool,
) -> Change:
    """Read, plan the new text (None: no file) and, if anything changed, write back under the lock.

    ``is_original`` tells whether existing text is the user's own, which the
    first change backs up.  ``plan`` raises ``SettingsError`` to refuse.

    The first look is unlocked so that a no-op or a dry run creates nothing;
    a real write looks again under the lock, as another writer may have been
    first.
    """
    path = path.expanduser()
    target = Path(os.path.realpath(path))
    try:
        change = _plan(path, target, plan)
        if dry_run or not change.changed:
            return change
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(target):
            change = _plan(path, target, plan)
            return _apply(change, target, is_original) if change.changed else change
    except OSError as error:
        raise SettingsError(f"cannot update {path}: {error.strerror or error}") from error


def _plan(path: Path, target: Path, plan: Callable[[str | None], str | None]) -> Change:
    before = _read(target)
    return Change(path, before, plan(before))


def _read(target: Path) -> str | None:
    try:
        return read_text(target)
    except UnicodeDecodeError as error:
        raise SettingsError(f"{target} is not UTF-8 text; left it untouched") from error
    except UnreadableFile as error:
        raise SettingsError(f"cannot update {error}; left it untouched") from None


def _parse(text: str, path: Path) -> Settings:
    """The settings object, refused with a clear message if not as the agents expect.

    An empty file counts as no settings at all.
    """
    if not text.strip():
        return {}
    try:
        settings: Settings = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "left it untouched"
        ) from error
    except _NotStrictJson as error:
        raise SettingsError(f"{path} holds {error}; left it untouched") from None
    except RecursionError:
        raise SettingsError(f"{path} is nested too deeply to edit safely; left it untouched") from None
    if surrogate := _lone_surrogate(settings):
        raise SettingsError(f"{path} {surrogate}; left it untouched")
    problem = _shape_problem(settings)
    if problem:
        raise SettingsError(f"{path}: {problem}; left it untouched")
    return settings


class _NotStrictJson(ValueError):
    """What Python's json module accepts but strict JSON (and so Claude Code) does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotStrictJson(f"{name}, which is not JSON")


def _finite_float(text: str) -> float:
    """1e999 parses as infinity and would be written back as ``Infinity``: refuse it instead."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrictJson(f"the number {text[:MAX_QUOTED_CHARS]}, too large to be written back as JSON")
    return value


def _lone_surrogate(settings: Any) -> str | None:
    """A ``\\ud800`` escape without its pair parses, but no UTF-8 file can hold the result."""
    try:
        json.dumps(settings, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return "holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not valid Unicode"
    return None


def _shape_problem(settings: Any) -> str | None:
    """What in the file's structure we cannot edit safely, if anything."""
    if not isinstance(settings, dict):
        return f"expected a JSON object at the top, found {_kind(settings)}"
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict):
        return f'"hooks" is {_kind(hooks)}, expected an object of events'
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            return f'"hooks"."{event}" is {_kind(groups)}, expected a list'
        for index, group in enumerate(groups):
            where = f'"hooks"."{event}"[{index}]'
            if not isinstance(group, dict):
                return f"{where} is {_kind(group)}, expected an object"
            entries = group.get("hooks", [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                return f'{where}."hooks" is not a list of objects'
    return None


_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}


def _kind(value: Any) -> str:
    """A JSON value's kind, as a message names it."""
    return _KINDS.get(type(value), "a number")


def _render(settings: Settings, before: str | None) -> str:
    """JSON text in the style of ``before``: its indentation and final newline."""
    indent = _indentation(before or "")
    text = json.dumps(settings, indent=indent, ensure_ascii=False)
    keep_newline = not (before or "").strip() or (before or "").endswith("\n")
    return text + "\n" if keep_newline else text


def _indentation(text: str) -> str:
    """The file's indent unit: its first indented line's leading whitespace."""
    match = re.search(r"^([ \t]+)\S", text, re.MULTILINE)
    return match.group(1) if match else "  "


def _apply(change: Change, target: Path, is_original: Callable[[str], bool]) -> Change:
    """Write (or remove) the file, after backing up the original if nobody did before."""
    mode = target.stat().st_mode & 0o7777 if change.before is not None else 0o600
    backup = backup_path(change.path)
    wrote_backup = change.before is not None and is_original(change.before) and not os.path.lexists(backup)
    if wrote_backup:
        write_atomically(backup, change.before or "", mode)
    if change.after is None:
        target.unlink()
    else:
        write_atomically(target, change.after, mode)
    return Change(change.path, change.before, change.after, backup if wrote_backup else None)


def _is_original(before: str, path: Path) -> bool:
    """Whether settings text is the user's own: free of our hooks.

    Text that holds our hooks already is not the content before our first
    change (that was a missing file, say), so backing it up would mislead.
    """
    settings = _parse(before, path)
    return without_hooks(settings) == settings


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock for one read-modify-write of ``target``.

    The lock is on the directory that holds it, not on ``target``, because the
    rename gives the target a new inode that a lock on the old one would not
    cover; and not on a lock file of its own, which would be left behind in
    the user's ~/.claude (removing it would let a second writer lock a new
    inode while the first still holds the old one).
    """
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def install_file(path: Path, text: str, marker: str, dry_run: bool = False) -> Change:
    """Write a file that is wholly ours (it starts with ``marker``); refuse to replace anyone else's."""

    def plan(before: str | None) -> str:
        _refuse_theirs(path, before, marker)
        return text

    return edit_file(path, plan, is_original=lambda before: False, dry_run=dry_run)


def uninstall_file(path: Path, marker: str, dry_run: bool = False) -> Change:
    """Remove a file of ours; one that does not start with ``marker`` stays."""

    def plan(before: str | None) -> None:
        _refuse_theirs(path, before, marker)

    return edit_file(path, plan, is_original=lambda before: False, dry_run=dry_run)


def _refuse_theirs(path: Path, before: str | None, marker: str) -> None:
    if before is not None and not before.startswith(marker):
        raise SettingsError(f"{path} is not agent-console's (it does not start with {marker!r}); left it untouched")
