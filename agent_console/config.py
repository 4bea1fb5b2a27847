"""The daemon's thresholds: defaults, then config.toml, then command-line flags.

``$XDG_CONFIG_HOME/agent-console/config.toml`` (default ``~/.config/...``),
every key optional, durations in seconds:

    check_interval = 5     # how often owners, quiet time and retention are checked
    stale_after = 600      # a working session quiet this long is flagged stale
    retention = 900        # a closed session stays visible this long

An unknown key or a value out of range stops the daemon at start with one
line naming the file and the key: a typo must not silently keep a default.
"""

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent_console.errors import InvalidArgs

ONE_DAY_S = 86_400.0


class DaemonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check_interval: float = Field(default=5.0, gt=0, le=3600)
    stale_after: float = Field(default=600.0, gt=0, le=ONE_DAY_S)
    retention: float = Field(default=900.0, ge=0, le=ONE_DAY_S)


def default_path() -> Path:
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "agent-console" / "config.toml"


def load_config(path: Path | None, overrides: dict[str, Any]) -> DaemonConfig:
    """Read ``path`` (default location if None; a missing default file is fine), then apply ``overrides``."""
    source = path or default_path()
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return DaemonConfig(**{**_read_toml(source, required=path is not None), **given})
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        key = ".".join(str(part) for part in first["loc"])
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
