"""Settings: defaults, then config.toml, then command-line flags.

``$XDG_CONFIG_HOME/agent-console/config.toml`` (default ``~/.config/...``),
every key optional, durations in seconds.  The daemon's keys sit at the top
level; each other program has a table of its own:

    check_interval = 5     # how often owners, quiet time and retention are checked
    stale_after = 600      # a working session quiet this long is flagged stale
    retention = 900        # a closed session stays visible this long

    [notify]
    min_working = 10       # a turn must have worked this long for a "finished" bubble
    coalesce = 10          # changes this soon after a bubble update it without a sound
    sound = ""             # a freedesktop sound name, e.g. "message-new-instant"
    quiet_when_visible = true   # no bubble for a session whose tmux pane is on screen

An unknown key or a value out of range stops the program at start with one
line naming the file and the key: a typo must not silently keep a default.
Each program checks only its own part, so the daemon keeps running when the
notifier's table has a typo, and the notifier refuses to start.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agent_console.errors import InvalidArgs, quoted
from agent_console.limits import MAX_REMOTE_HOSTS
from agent_console.validation import Checker, ValidationError, checked
from agent_console.vocabulary import HOST_NAME_PATTERN

ONE_DAY_S = 86_400.0
"""The longest duration a setting takes: a longer value is refused at start, its key named."""
MAX_SOUND_NAME_CHARS = 64
"""Names in the freedesktop sound theme are short, lower-case words joined by dashes."""


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    """The daemon's keys: checked like a Set, without pydantic's models (``agent_console.validation``)."""

    check_interval: float = checked({"type": "float", "gt": 0, "le": 3600}, 5.0)
    stale_after: float = checked({"type": "float", "gt": 0, "le": ONE_DAY_S}, 600.0)
    retention: float = checked({"type": "float", "ge": 0, "le": ONE_DAY_S}, 900.0)


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """``[notify]``: when ``agent-console notify`` posts a bubble, and how."""

    min_working: float = checked({"type": "float", "ge": 0, "le": ONE_DAY_S}, 10.0)
    coalesce: float = checked({"type": "float", "ge": 0, "le": 3600}, 10.0)
    sound: str = checked(
        {"type": "str", "max_length": MAX_SOUND_NAME_CHARS, "pattern": r"^([a-z0-9][a-z0-9._-]*)?$"}, ""
    )
    quiet_when_visible: bool = checked({"type": "bool", "strict": True}, True)


MAX_DESTINATION_CHARS = 255
"""An ssh destination (``user@host``, a ``Host`` alias, ``ssh://user@host:port``)."""
MAX_COMMAND_CHARS = 4096
"""A remote's ``command``: a path to ``agent-console`` on that host, PATH_MAX at the most."""


@dataclass(frozen=True, slots=True)
class RemoteConfig:
    """One entry of ``[remotes]``: ``NAME = "DESTINATION"``, or
    ``NAME = { destination = "...", command = "/path/to/agent-console" }``
    for a host whose non-interactive shell does not find ``agent-console``."""

    destination: str = checked(
        {"type": "str", "max_length": MAX_DESTINATION_CHARS, "pattern": r"^[^-\s\x00-\x1f][^\s\x00-\x1f]*$"}
    )
    command: str = checked(
        {"type": "str", "min_length": 1, "max_length": MAX_COMMAND_CHARS, "pattern": r"^[^\x00-\x1f]+$"},
        "agent-console",
    )


SECTIONS = ("notify", "remotes")
"""Tables that belong to other programs than the daemon, each checked by its own program."""

Config = TypeVar("Config")

_check_daemon = Checker(DaemonConfig, extra="forbid")
_check_notify = Checker(NotifyConfig, extra="forbid")
_check_remote = Checker(RemoteConfig, extra="forbid")


def default_path() -> Path:
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "agent-console" / "config.toml"


def load_config(path: Path | None, overrides: dict[str, Any]) -> DaemonConfig:
    """The daemon's settings: ``path`` (default location if None; a missing default file is fine),
    then ``overrides``."""
    return _load(_check_daemon, path, None, overrides)


def load_notify_config(path: Path | None) -> NotifyConfig:
    """The ``[notify]`` table of ``path`` (default location if None)."""
    return _load(_check_notify, path, "notify", {})


def load_remotes(path: Path | None) -> dict[str, RemoteConfig]:
    """The ``[remotes]`` table of ``path`` (default location if None), each entry checked."""
    source = path or default_path()
    table = _read_toml(source, required=path is not None).get("remotes", {})
    if not isinstance(table, dict):
        raise InvalidArgs(f"{source}: remotes: must be a table, [remotes]")
    if len(table) > MAX_REMOTE_HOSTS:
        raise InvalidArgs(f"{source}: remotes: at most {MAX_REMOTE_HOSTS} hosts")
    remotes = {}
    for name, value in table.items():
        if not re.fullmatch(HOST_NAME_PATTERN, name):
            raise InvalidArgs(f"{source}: remotes.{quoted(name)}: a name is 1 to 32 letters, digits, '.', '_' or '-'")
        entry = {"destination": value} if isinstance(value, str) else value
        if not isinstance(entry, dict):
            raise InvalidArgs(f"{source}: remotes.{name}: a destination string or a table")
        try:
            remotes[name] = _check_remote(entry)
        except ValidationError as error:
            first = error.errors(include_url=False, include_input=False)[0]
            key = ".".join(str(part) for part in first["loc"])
            raise InvalidArgs(f"{source}: remotes.{name}.{key}: {first['msg']}") from None
    return remotes


def _load(check: Checker[Config], path: Path | None, section: str | None, overrides: dict[str, Any]) -> Config:
    source = path or default_path()
    given = {key: value for key, value in overrides.items() if value is not None}
    document = _read_toml(source, required=path is not None)
    if section is None:
        values = {key: value for key, value in document.items() if key not in SECTIONS}
    else:
        values = document.get(section, {})
        if not isinstance(values, dict):
            raise InvalidArgs(f"{source}: {section}: must be a table, [{section}]")
    try:
        return check({**values, **given})
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        key = ".".join(str(part) for part in (*([section] if section else []), *first["loc"]))
        origin = f"--{key.replace('_', '-')}" if key in given else f"{source}: {key}"
        raise InvalidArgs(f"{origin}: {first['msg']}") from None


def _read_toml(path: Path, required: bool) -> dict[str, Any]:
    """tomllib is imported only once there is a file to read: most daemons have
    none, and loading the parser would cost each of them half a megabyte."""
    try:
        config = path.open("rb")
    except FileNotFoundError:
        if required:
            raise InvalidArgs(f"{path}: no such file") from None
        return {}
    except OSError as error:
        raise InvalidArgs(f"{path}: {error}") from None
    import tomllib

    with config:
        try:
            return tomllib.load(config)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
            raise InvalidArgs(f"{path}: {error}") from None
