"""Daemon settings: defaults, config.toml, flags, and clear refusals."""

import subprocess
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE

from agent_console.config import (
    DaemonConfig,
    default_path,
    load_config,
    load_notify_config,
)
from agent_console.errors import InvalidArgs

pytestmark = pytest.mark.pure


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "agent-console" / "config.toml"
    assert load_config(None, {}) == DaemonConfig(check_interval=5, stale_after=600, retention=900)


def test_file_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_after = 60\nretention = 30\n")
    loaded = load_config(config, {"retention": 5.0, "check_interval": None})
    assert (loaded.check_interval, loaded.stale_after, loaded.retention) == (5, 60, 5)


def load_daemon_config(path: Path) -> object:
    return load_config(path, {})


@pytest.mark.parametrize(
    ("text", "message", "load"),
    [
        ("stale = 3", "stale: Extra inputs are not permitted", load_daemon_config),
        ("retention = -1", "retention: Input should be greater than or equal to 0", load_daemon_config),
        ("check_interval = 0", "check_interval: Input should be greater than 0", load_daemon_config),
        ("stale_after = [", "config.toml: ", load_daemon_config),
        ("[notify]\nmin_work = 3", "notify.min_work: Extra inputs are not permitted", load_notify_config),
        ("[notify]\ncoalesce = -1", "notify.coalesce: Input should be greater than or equal", load_notify_config),
        ("[notify]\nquiet_when_visible = 1", "notify.quiet_when_visible: Input should be a valid bool", load_notify_config),
        ("[notify]\nsound = '../../x'", "notify.sound: String should match pattern", load_notify_config),
        ("notify = 3", "notify: must be a table", load_notify_config),
    ],
)
def test_bad_file_names_the_key(tmp_path: Path, text: str, message: str, load) -> None:
    """Each program refuses only its own part: the daemon starts despite a bad [notify] table."""
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(InvalidArgs, match=message.replace("[", r"\[")):
        load(config)
    if load is load_notify_config:
        load_daemon_config(config)


def test_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgs, match="no such file"):
        load_config(tmp_path / "absent.toml", {})


def test_daemon_refuses_bad_settings_at_start_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_after = 'ten minutes'\n")
    not_utf8 = tmp_path / "latin1.toml"
    not_utf8.write_bytes(b"# caf\xe9\nretention = 5\n")
    for args in (["--config", str(config)], ["--retention", "-5"], ["--config", str(not_utf8)]):
        ran = subprocess.run([AGENT_CONSOLE, "daemon", *args], capture_output=True, text=True, timeout=30)
        assert ran.returncode == 2
        [line] = ran.stderr.strip().splitlines()
        assert line.startswith("agent-console: ")


def test_notify_table_is_the_notifiers_and_the_daemon_ignores_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('retention = 30\n[notify]\nmin_working = 0\nsound = "message-new-instant"\n')
    assert load_config(config, {}).retention == 30
    notify = load_notify_config(config)
    assert (notify.min_working, notify.coalesce, notify.sound, notify.quiet_when_visible) == (
        0, 10, "message-new-instant", True
    )


def test_notifier_refuses_bad_settings_at_start_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[notify]\ncoalesce = 'soon'\n")
    ran = subprocess.run([AGENT_CONSOLE, "notify", "--config", str(config)], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 2
    [line] = ran.stderr.strip().splitlines()
    assert line == (
        f"agent-console: {config}: notify.coalesce: Input should be a valid number, unable to parse string as a number"
    )
