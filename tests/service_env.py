"""The environment of a user whose HOME and XDG directories are a test's own."""

import os
from pathlib import Path


def isolated_env(root: Path) -> dict[str, str]:
    """HOME, XDG dirs and TMPDIR under ``root``; no session bus, and so no user manager, to find.

    TMPDIR, because a daemon without a bus keeps its private bus's configuration in a
    temporary directory, which a test that kills it (the bus lives on) would leave behind.
    """
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")
    }
    env.update(
        HOME=str(root / "home"),
        TMPDIR=str(root / "tmp"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_DATA_HOME=str(root / "data"),
    )
    return env
