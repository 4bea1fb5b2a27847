"""install-hooks / uninstall-hooks: only our entries change, and nothing else ever does.

Most tests run the real ``agent-console`` executable with HOME pointed at a
temporary directory, as a user would; a few edge cases call the module.
"""

import difflib
import fcntl
import json
import os
import shlex
import shutil
import stat
import subprocess
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from agent_console.agents import claude_code, settings_file
from agent_console.agents.settings_file import SettingsError
from agent_console.cli import hook_settings

pytestmark = pytest.mark.pure

REQUIRED_MATCHERS: dict[str, list[str | None]] = {
    "SessionStart": [None],
    "UserPromptSubmit": [None],
    "PreToolUse": [None],
    "PostToolUse": [None],
    "PostToolUseFailure": [None],
    "PreCompact": [None],
    "PostCompact": [None],
    "PermissionRequest": [None],
    "Notification": [None],
    "Stop": [None],
    "StopFailure": [None],
    "SubagentStop": [None],
    "SessionEnd": [None],
}
"""What the handler is registered for (None: no matcher): every event whole, so that a
notification type Claude adds (``agent_needs_input`` in 2.1.332) reaches the daemon."""
EXPECTED_REGISTRATIONS = sorted(
    ((event, matcher) for event, matchers in REQUIRED_MATCHERS.items() for matcher in matchers),
    key=str,
)

USER_SETTINGS: dict[str, Any] = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "env": {"DISABLE_TELEMETRY": "1", "GREETING": "grüß dich"},
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
        "deny": ["Read(./.env)", "Read(./secrets/**)"],
        "additionalDirectories": [],
    },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "AskUserQuestion",
                "hooks": [{"type": "command", "command": "notify-send 'Claude asks'"}],
            },
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "~/bin/check-bash.sh", "timeout": 30}],
            },
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
        "SubagentStop": [{"hooks": [{"type": "command", "command": "agent-console status"}]}],
    },
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "includeCoAuthoredBy": False,
    "cleanupPeriodDays": 30,
}
USER_TEXT = json.dumps(USER_SETTINGS, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(autouse=True)
def needs_executable() -> None:
    if shutil.which("agent-console") is None:
        pytest.fail("agent-console is not on PATH: run `pip install -e .` first")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of our own, so nobody's real ~/.claude is touched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def settings_path(home: Path) -> Path:
    """~/.claude/settings.json holding the user's realistic settings."""
    path = home / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text(USER_TEXT, encoding="utf-8")
    return path


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed executable as a user would (HOME comes from the fixture)."""
    return subprocess.run(
        ["agent-console", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
    )


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def ours(settings: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(event, matcher) of every hook of ours, sorted; asserts each is well formed."""
    found = []
    for event, groups in settings.get("hooks", {}).items():
        for group in groups:
            mine = [h for h in group["hooks"] if settings_file.is_our_command(h["command"])]
            if mine:
                assert group["hooks"] == mine, "our hooks share a group with the user's"
                assert all(h["timeout"] == 5 for h in mine)
                assert all("async" not in h for h in mine), event
                found += [(event, group.get("matcher"))] * len(mine)
    return sorted(found, key=str)


def test_install_adds_exactly_our_entries_and_keeps_everything_else(settings_path: Path) -> None:
    output = ok("install-hooks")

    assert f"Installed the agent-console hooks in {settings_path}" in output
    installed = load(settings_path)
    assert ours(installed) == EXPECTED_REGISTRATIONS
    assert list(installed) == list(USER_SETTINGS)
    for key in USER_SETTINGS.keys() - {"hooks"}:
        assert installed[key] == USER_SETTINGS[key]
    hooks = installed["hooks"]
    assert list(hooks)[:3] == ["PreToolUse", "Stop", "SubagentStop"]
    assert hooks["PreToolUse"][:2] == USER_SETTINGS["hooks"]["PreToolUse"]
    assert hooks["Stop"][:1] == USER_SETTINGS["hooks"]["Stop"]
    assert hooks["SubagentStop"][:1] == USER_SETTINGS["hooks"]["SubagentStop"]
    command = hooks["SessionStart"][0]["hooks"][0]["command"]
    words = shlex.split(command.removeprefix(settings_file.BACKGROUND_HEAD))
    assert Path(words[0]).is_absolute() and words[1:3] == ["hook", "--owner"], command


@pytest.mark.parametrize(
    "text",
    [
        USER_TEXT,
        USER_TEXT.rstrip("\n"),
        json.dumps(USER_SETTINGS, indent=4, ensure_ascii=False) + "\n",
        json.dumps(USER_SETTINGS, indent="\t", ensure_ascii=False) + "\n",
        json.dumps({"model": "sonnet", "env": {}}, indent=2) + "\n",
        "{}\n",
    ],
    ids=["two-spaces", "no-final-newline", "four-spaces", "tabs", "no-hooks-key", "empty-object"],
)
def test_uninstall_after_install_gives_back_the_same_bytes(settings_path: Path, text: str) -> None:
    settings_path.write_text(text, encoding="utf-8")

    ok("install-hooks")
    assert ours(load(settings_path)) == EXPECTED_REGISTRATIONS
    ok("uninstall-hooks")

    assert settings_path.read_text(encoding="utf-8") == text


def test_installing_twice_changes_nothing(settings_path: Path) -> None:
    ok("install-hooks")
    first = settings_path.read_bytes()
    inode = settings_path.stat().st_ino

    output = ok("install-hooks")

    assert "already installed" in output
    assert settings_path.read_bytes() == first
    assert settings_path.stat().st_ino == inode, "the file was rewritten"


def test_uninstall_without_our_hooks_touches_nothing(settings_path: Path) -> None:
    output = ok("uninstall-hooks")

    assert "not in" in output and "nothing changed" in output
    assert settings_path.read_text(encoding="utf-8") == USER_TEXT
    assert sorted(p.name for p in settings_path.parent.iterdir()) == ["settings.json"]


def test_uninstall_keeps_users_own_hook_in_a_group_with_ours(settings_path: Path) -> None:
    mixed = {
        "hooks": {
            "Stop": [
                {
                    "hooks": [
                        {"type": "command", "command": "say done"},
                        {"type": "command", "command": "/opt/bin/agent-console hook", "timeout": 5},
                    ]
                }
            ]
        }
    }
    settings_path.write_text(json.dumps(mixed, indent=2) + "\n")

    ok("uninstall-hooks")

    assert load(settings_path) == {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}
    }


def test_install_replaces_our_stale_entries_instead_of_adding_more(settings_path: Path) -> None:
    stale_hook = {"type": "command", "command": "/old/venv/bin/agent-console hook", "timeout": 10}
    stale = json.loads(USER_TEXT)
    stale["hooks"]["Stop"].append({"hooks": [stale_hook]})
    stale["hooks"]["SubagentStart"] = [{"hooks": [stale_hook]}]
    settings_path.write_text(json.dumps(stale, indent=2) + "\n")

    ok("install-hooks")

    installed = load(settings_path)
    assert ours(installed) == EXPECTED_REGISTRATIONS
    assert "SubagentStart" not in installed["hooks"]
    assert "/old/venv" not in settings_path.read_text()


def test_missing_file_and_directory_are_created_for_an_agent_named(home: Path) -> None:
    output = ok("install-hooks", "--agent", "claude-code")

    path = home / ".claude" / "settings.json"
    assert ours(load(path)) == EXPECTED_REGISTRATIONS
    assert list(load(path)) == ["hooks"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (home / ".claude" / "settings.json.bak").exists(), "there was nothing to back up"
    assert "Claude Code is not installed here (no claude on PATH, no ~/.claude)" in output

    ok("uninstall-hooks", "--agent", "claude-code")
    assert not path.exists(), "install-hooks created it: uninstall-hooks removes it"
    assert not (home / ".claude" / "settings.json.bak").exists()


def test_no_agent_installed_writes_nothing_and_says_so(home: Path) -> None:
    done = cli("install-hooks", env={**os.environ, "PATH": os.path.dirname(shutil.which("agent-console") or "")})

    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "agent-console: no coding agent is installed here (no claude or gemini or codex or opencode on PATH,"
        " no ~/.claude, ~/.gemini, ~/.codex, ~/.config/opencode): nothing written;"
        " install one first, or name it with --agent NAME\n"
    )
    assert list(home.iterdir()) == []


def test_uninstall_restores_the_file_byte_for_byte(settings_path: Path) -> None:
    """Whatever the file's own layout (here four spaces, a compact list, no final newline)."""
    original = '{\n    "model": "opus",\n    "permissions": {"allow": ["Bash(ls)"]},\n    "env": {}\n}'
    settings_path.write_text(original)

    ok("install-hooks")
    assert settings_path.read_text() != original
    ok("uninstall-hooks")

    assert settings_path.read_text() == original
    assert not settings_path.with_name("settings.json.bak").exists(), "the file is the original again"


def test_uninstall_keeps_what_the_user_changed_since(settings_path: Path) -> None:
    ok("install-hooks")
    edited = load(settings_path) | {"model": "sonnet"}
    settings_path.write_text(json.dumps(edited, indent=2) + "\n")

    ok("uninstall-hooks")

    assert load(settings_path) == USER_SETTINGS | {"model": "sonnet"}
    assert settings_path.with_name("settings.json.bak").read_text() == USER_TEXT


def test_uninstall_of_a_missing_file_creates_nothing(home: Path) -> None:
    output = ok("uninstall-hooks")

    assert "nothing changed" in output
    assert list(home.iterdir()) == []


def test_settings_option_edits_a_project_file(home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project" / ".claude" / "settings.json"
    project.parent.mkdir(parents=True)
    project.write_text(USER_TEXT)

    ok("install-hooks", "--settings", str(project))
    assert ours(load(project)) == EXPECTED_REGISTRATIONS
    assert not (home / ".claude").exists()

    ok("uninstall-hooks", "--settings", str(project))
    assert project.read_text() == USER_TEXT


CORRUPT_OR_ODD = [
    '{"model": "opus",,}\n',
    "[]\n",
    '{"hooks": []}\n',
    '{"hooks": null}\n',
    '{"hooks": {"Stop": {}}}\n',
    '{"hooks": {"Stop": ["say done"]}}\n',
    '{"hooks": {"Stop": [{"hooks": {"type": "command", "command": "say done"}}]}}\n',
    '{"hooks": {"Stop": [{"hooks": ["say done"]}]}}\n',
    '{"x": NaN}\n',
    '{"x": -Infinity}\n',
    '{"x": 1e999}\n',
    '{"x": "\\ud800"}\n',
    '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
]


@pytest.mark.parametrize("command", ["install-hooks", "uninstall-hooks"])
@pytest.mark.parametrize("text", CORRUPT_OR_ODD)
def test_invalid_or_oddly_shaped_settings_are_refused_and_untouched(
    settings_path: Path, command: str, text: str
) -> None:
    settings_path.write_text(text)

    result = cli(command)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("agent-console: ") and result.stderr.count("\n") == 1
    assert "left it untouched" in result.stderr and "Traceback" not in result.stderr
    assert settings_path.read_text() == text
    assert sorted(p.name for p in settings_path.parent.iterdir()) == ["settings.json"]


def test_a_hostile_key_in_a_refusal_is_escaped(settings_path: Path) -> None:
    """A cloned project's .claude/settings.json must not retitle or recolour the terminal."""
    settings_path.write_text('{"hooks": {"\\u001b]0;pwned\\u0007": {}}}\n')

    result = cli("install-hooks")

    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]0;pwned\\x07" in result.stderr


def test_non_utf8_settings_are_refused(settings_path: Path) -> None:
    settings_path.write_bytes(b'{"model": "\xff"}\n')

    result = cli("install-hooks")

    assert result.returncode == 1 and "not UTF-8" in result.stderr
    assert settings_path.read_bytes() == b'{"model": "\xff"}\n'


def test_unreadable_path_fails_with_one_line(home: Path, tmp_path: Path) -> None:
    result = cli("install-hooks", "--settings", str(tmp_path))

    assert result.returncode == 1
    assert (
        result.stderr.startswith("agent-console: cannot update ") and result.stderr.count("\n") == 1
    )


def test_symlinked_settings_are_edited_through_the_link(home: Path) -> None:
    target = home / "dotfiles" / "claude-settings.json"
    target.parent.mkdir()
    target.write_text(USER_TEXT)
    link = home / ".claude" / "settings.json"
    link.parent.mkdir()
    link.symlink_to("../dotfiles/claude-settings.json")

    ok("install-hooks")

    assert link.is_symlink() and os.readlink(link) == "../dotfiles/claude-settings.json"
    assert ours(load(target)) == EXPECTED_REGISTRATIONS
    assert (home / ".claude" / "settings.json.bak").read_text() == USER_TEXT

    ok("uninstall-hooks")

    assert link.is_symlink() and target.read_text() == USER_TEXT


def test_file_mode_is_kept(settings_path: Path) -> None:
    settings_path.chmod(0o640)

    ok("install-hooks")
    assert stat.S_IMODE(settings_path.stat().st_mode) == 0o640
    backup = settings_path.with_name("settings.json.bak")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o640

    ok("uninstall-hooks")
    assert stat.S_IMODE(settings_path.stat().st_mode) == 0o640


def test_backup_holds_the_content_before_our_first_change_only(settings_path: Path) -> None:
    backup = settings_path.with_name("settings.json.bak")

    output = ok("install-hooks")
    assert f"original saved as {backup}" in output
    assert backup.read_text() == USER_TEXT

    settings_path.write_text(settings_path.read_text().replace('"opus"', '"sonnet"'))
    ok("uninstall-hooks")
    ok("install-hooks")

    assert backup.read_text() == USER_TEXT


def test_an_existing_backup_is_never_overwritten(settings_path: Path) -> None:
    backup = settings_path.with_name("settings.json.bak")
    backup.write_text("the user's own backup\n")

    output = ok("install-hooks")

    assert "original saved" not in output
    assert backup.read_text() == "the user's own backup\n"


def test_dry_run_prints_the_diff_and_writes_nothing(settings_path: Path) -> None:
    inode = settings_path.stat().st_ino

    diff = ok("install-hooks", "--dry-run")

    assert settings_path.read_text() == USER_TEXT and settings_path.stat().st_ino == inode
    assert sorted(p.name for p in settings_path.parent.iterdir()) == ["settings.json"]
    ok("install-hooks")
    after = settings_path.read_text()
    expected = difflib.unified_diff(
        USER_TEXT.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=str(settings_path),
        tofile=str(settings_path),
    )
    assert diff == "".join(expected)

    removal = ok("uninstall-hooks", "--dry-run")
    body = removal.splitlines()[2:]
    assert removal.startswith(f"--- {settings_path}\n+++ {settings_path}\n")
    assert any(line.startswith("-") for line in body)
    assert not any(line.startswith("+") for line in body)
    assert settings_path.read_text() == after


def test_dry_run_on_a_missing_file_creates_nothing(home: Path) -> None:
    diff = ok("install-hooks", "--agent", "claude-code", "--dry-run")

    assert diff.startswith("--- /dev/null\n")
    assert list(home.iterdir()) == []


def test_concurrent_installers_leave_exactly_one_set(settings_path: Path) -> None:
    installers = [
        subprocess.Popen(["agent-console", "install-hooks"], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    outputs = [installer.communicate()[0] for installer in installers]

    assert [installer.returncode for installer in installers] == [0] * 8
    assert sum("Installed" in output for output in outputs) == 1
    installed = load(settings_path)
    assert ours(installed) == EXPECTED_REGISTRATIONS
    assert {k: v for k, v in installed.items() if k != "hooks"} == {
        k: v for k, v in USER_SETTINGS.items() if k != "hooks"
    }


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the lock wait")
def test_installer_rereads_what_a_writer_holding_the_lock_wrote(settings_path: Path) -> None:
    lock_path = settings_path.parent
    lock = os.open(lock_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installer = subprocess.Popen(["agent-console", "install-hooks"], stdout=subprocess.PIPE)
        while not _has_open(installer.pid, lock_path):
            assert installer.poll() is None, "the installer finished without waiting for the lock"
        changed = json.loads(USER_TEXT)
        changed["theme"] = "dark"
        settings_path.write_text(json.dumps(changed, indent=2) + "\n")
    finally:
        os.close(lock)
    installer.communicate(timeout=30)
    assert sorted(path.name for path in settings_path.parent.iterdir()) == ["settings.json", "settings.json.bak"], (
        "no lock file left behind"
    )

    assert installer.returncode == 0
    installed = load(settings_path)
    assert installed["theme"] == "dark"
    assert ours(installed) == EXPECTED_REGISTRATIONS


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds ``path`` open (so it is at, or past, its flock)."""
    wanted = os.path.realpath(path)
    with suppress(FileNotFoundError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                if os.readlink(fd) == wanted:
                    return True
    return False


def test_shell_option_registers_the_script_found_on_path(
    settings_path: Path, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "agent-console-hook"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    ok("install-hooks", "--shell", env=env)

    installed = load(settings_path)
    assert ours(installed) == EXPECTED_REGISTRATIONS
    assert {h["command"] for g in installed["hooks"]["Stop"][1:] for h in g["hooks"]} == {
        settings_file.in_background([str(script)])
    }
    ok("uninstall-hooks", env=env)
    assert settings_path.read_text() == USER_TEXT


def test_switching_handlers_keeps_one_set(settings_path: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "hooks" / "agent-console-hook"
    checkout.parent.mkdir()
    checkout.write_text("#!/bin/sh\nexit 0\n")
    checkout.chmod(0o755)
    ok("install-hooks")

    hook_settings.install(claude_code, hook_settings.shell_handler_command(str(tmp_path), checkout), settings_path, False)

    installed = load(settings_path)
    assert ours(installed) == EXPECTED_REGISTRATIONS
    assert "agent-console hook" not in settings_path.read_text()


def test_shell_handler_found_in_the_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "with space" / "agent-console-hook"
    checkout.parent.mkdir()
    checkout.write_text("#!/bin/sh\nexit 0\n")
    checkout.chmod(0o755)

    command = shlex.join(hook_settings.shell_handler_command(str(tmp_path), checkout))

    assert command == f"'{checkout}'" and settings_file.is_our_command(command)


def test_shell_handler_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot find the shell hook agent-console-hook"):
        hook_settings.shell_handler_command(str(tmp_path), tmp_path / "agent-console-hook")


def test_shell_handler_not_executable_is_a_clear_error(tmp_path: Path) -> None:
    checkout = tmp_path / "agent-console-hook"
    checkout.write_text("#!/bin/sh\n")
    checkout.chmod(0o644)

    with pytest.raises(SettingsError, match="not executable: chmod"):
        hook_settings.shell_handler_command(str(tmp_path / "empty"), checkout)


def test_the_repository_shell_handler_is_where_install_looks() -> None:
    assert (
        hook_settings.CHECKOUT_HOOKS
        == Path(__file__).resolve().parent.parent / "hooks"
    )


@pytest.mark.parametrize(
    "command",
    [
        "agent-console hook",
        "/home/u/.local/bin/agent-console hook",
        "'/path with space/agent-console' hook",
        "agent-console-hook",
        "/opt/agent-console/hooks/agent-console-hook",
        "agent-console hook --agent gemini-cli",
        "'/path with space/agent-console' hook --agent opencode",
        'exec 3<&0; nice -n 10 \'/path with space/agent-console\' hook --owner "$PPID" <&3 >/dev/null 2>&1 3<&- &',
        'exec 3<&0; nice -n 10 /opt/agent-console/hooks/agent-console-hook --owner "$PPID" <&3 >/dev/null 2>&1 3<&- &',
    ],
)
def test_our_commands_are_recognised(command: str) -> None:
    assert settings_file.is_our_command(command)


@pytest.mark.parametrize(
    "command",
    [
        "agent-console status",
        "agent-console hook --verbose",
        "agent-console hook --agent",
        "agent-console hook --agent codex --verbose",
        "echo agent-console hook",
        "my-agent-console hook",
        "agent-console-hook --debug",
        "say 'unbalanced",
        "",
        'exec 3<&0; nice -n 10 my-agent-console hook --owner "$PPID" <&3 >/dev/null 2>&1 3<&- &',
        'exec 3<&0; nice -n 10 agent-console hook --owner "$PPID" <&3 >/dev/null 2>&1 3<&- & rm -rf ~',
    ],
)
def test_users_commands_are_not_ours(command: str) -> None:
    assert not settings_file.is_our_command(command)


@pytest.mark.parametrize("command", ["install-hooks", "uninstall-hooks"])
def test_help_has_a_summary_and_an_example(command: str) -> None:
    output = ok(command, "--help")

    assert "your coding agents." in output and "--agent NAME" in output
    assert f"Example:\n    agent-console {command}\n" in output
