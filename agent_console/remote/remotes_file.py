"""``remote add`` and ``remote rm``: one line of config.toml's ``[remotes]`` table, the rest untouched.

The file is the person's: comments, order and other tables stay as they
are, so it is edited as text, one ``NAME = "DESTINATION"`` line, and read
back with ``load_remotes`` before it replaces the old one (atomically), so a
change that would not read back as intended is never written.
"""

import json
import re
from pathlib import Path

from agent_console.config import RemoteConfig, default_path, load_remotes
from agent_console.errors import InvalidArgs, NotFound
from agent_console.system.atomic_file import read_text, write_atomically
from agent_console.vocabulary import HOST_NAME_PATTERN

CONFIG_MODE = 0o600
"""config.toml may name hosts the person would rather not show other users."""

_HEADER = re.compile(r"^\s*\[\s*remotes\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def add_remote(path: Path | None, name: str, destination: str, command: str | None) -> RemoteConfig:
    """Follow ``name`` at ``destination`` from now on; InvalidArgs if it is followed already or malformed."""
    if not re.fullmatch(HOST_NAME_PATTERN, name):
        raise InvalidArgs(f"remote name {name!r}: 1 to 32 letters, digits, '.', '_' or '-', first a letter or digit")
    target = path or default_path()
    if name in load_remotes(target if target.exists() else None):
        raise InvalidArgs(f"{name} is followed already: 'agent-console remote rm {name}' first")
    value = json.dumps(destination) if command is None else (
        f"{{ destination = {json.dumps(destination)}, command = {json.dumps(command)} }}"
    )
    entry = f"{name} = {value}"
    lines = (read_text(target) or "").splitlines()
    header = next((index for index, line in enumerate(lines) if _HEADER.match(line)), None)
    if header is None:
        lines += ([""] if lines else []) + ["[remotes]", entry]
    else:
        lines.insert(header + 1, entry)
    return _written(target, lines, name)[name]


def remove_remote(path: Path | None, name: str) -> None:
    """Follow ``name`` no more; NotFound if ``[remotes]`` has no such line."""
    target = path or default_path()
    lines = (read_text(target) or "").splitlines()
    header = next((index for index, line in enumerate(lines) if _HEADER.match(line)), None)
    key = re.compile(rf"^\s*(\"{re.escape(name)}\"|'{re.escape(name)}'|{re.escape(name)})\s*=")
    for index in range(header + 1 if header is not None else len(lines), len(lines)):
        if _ANY_HEADER.match(lines[index]):
            break
        if key.match(lines[index]):
            del lines[index]
            if name in _written(target, lines, None):
                raise InvalidArgs(f"{target}: {name} is still in [remotes] after its line was removed")
            return
    raise NotFound(f"no remote named {name} in {target}'s [remotes]")


def _written(target: Path, lines: list[str], expected: str | None) -> dict[str, RemoteConfig]:
    """Check the new text reads back (with ``expected`` in it), then write it; the remotes it holds."""
    text = "\n".join(lines) + "\n"
    scratch = target.with_name(f".{target.name}.check")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(scratch, text, CONFIG_MODE)
    try:
        remotes = load_remotes(scratch)
    finally:
        scratch.unlink(missing_ok=True)
    if expected is not None and expected not in remotes:
        raise InvalidArgs(f"{target}: could not add {expected} to [remotes]")
    write_atomically(target, text, CONFIG_MODE)
    return remotes
