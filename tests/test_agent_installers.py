"""install-hooks / uninstall-hooks --agent for Gemini CLI, Codex and opencode.

The real executable, a HOME of the test's own and each agent's file as a
person would have it: their own hooks and settings stay exactly as they were.
The editing rules themselves (order kept, locked, atomic, one backup) are
shared with Claude Code's and tested in test_claude_settings.py.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import AGENT_CONSOLE

from agent_console.agents import codex, gemini_cli, opencode

pytestmark = pytest.mark.pure

RUN_TIMEOUT_S = 30
NODE_CHECK_TIMEOUT_S = 30

GEMINI_SETTINGS: dict[str, Any] = {
    "general": {"vimMode": True, "preferredEditor": "nvim"},
    "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": True}},
    "ui": {"theme": "GitHub"},
    "hooksConfig": {"enabled": True, "disabled": ["slow-linter"]},
    "hooks": {
        "BeforeTool": [
            {
                "matcher": "run_shell_command",
                "hooks": [{"name": "guard", "type": "command", "command": "~/bin/guard.sh", "timeout": 10000}],
            }
        ],
        "AfterAgent": [{"hooks": [{"name": "slow-linter", "type": "command", "command": "npm run lint"}]}],
    },
    "mcpServers": {"github": {"command": "github-mcp", "args": ["--stdio"]}},
}

CODEX_HOOKS: dict[str, Any] = {
    "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send 'codex done'", "timeout": 5}]}],
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "python3 ~/.codex/policy.py"}]}
        ],
    }
}


def text_of(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2) + "\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A HOME and config folders of the test's own; no agent on PATH."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CODEX_HOME": str(tmp_path / "codex-home"),
        "PATH": str(Path(AGENT_CONSOLE).parent),
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENT_CONSOLE, *args], env=env, check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )


def ok(env: dict[str, str], *args: str) -> str:
    result = cli(env, *args)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


def ours(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [hook for group in groups for hook in group["hooks"] if "agent-console" in hook["command"]]


def test_gemini_hooks_join_the_persons_settings(env: dict[str, str]) -> None:
    path = Path(env["HOME"]) / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text(text_of(GEMINI_SETTINGS))

    output = ok(env, "install-hooks", "--agent", "gemini-cli")

    assert f"Gemini CLI: Installed the agent-console hooks in {path}" in output
    installed = json.loads(path.read_text())
    assert list(installed) == list(GEMINI_SETTINGS)
    for key in ("general", "security", "ui", "hooksConfig", "mcpServers"):
        assert installed[key] == GEMINI_SETTINGS[key]
    assert installed["hooks"]["BeforeTool"][0] == GEMINI_SETTINGS["hooks"]["BeforeTool"][0]
    assert installed["hooks"]["AfterAgent"][0] == GEMINI_SETTINGS["hooks"]["AfterAgent"][0]
    command = f"{AGENT_CONSOLE} hook --agent gemini-cli"
    for event in gemini_cli.STATUS_BY_EVENT:
        [group] = [group for group in installed["hooks"][event] if ours([group])]
        assert group == {
            "matcher": "*",
            "hooks": [{"name": "agent-console", "type": "command", "command": command, "timeout": 5000}],
        }
    assert set(installed["hooks"]) == set(gemini_cli.STATUS_BY_EVENT)
    assert json.loads((path.parent / "settings.json.bak").read_text()) == GEMINI_SETTINGS

    assert "nothing changed" in ok(env, "install-hooks", "--agent", "gemini-cli")
    ok(env, "uninstall-hooks", "--agent", "gemini-cli")
    assert path.read_text() == text_of(GEMINI_SETTINGS)


def test_codex_hooks_honour_codex_home_and_say_how_to_trust(env: dict[str, str]) -> None:
    path = Path(env["CODEX_HOME"]) / "hooks.json"
    path.parent.mkdir()
    path.write_text(text_of(CODEX_HOOKS))

    output = ok(env, "install-hooks", "--agent", "codex")

    assert f"Codex: Installed the agent-console hooks in {path}" in output
    assert "Trust all and continue" in output
    installed = json.loads(path.read_text())
    assert installed["hooks"]["Stop"][0] == CODEX_HOOKS["hooks"]["Stop"][0]
    assert installed["hooks"]["PreToolUse"][0] == CODEX_HOOKS["hooks"]["PreToolUse"][0]
    for event in codex.STATUS_BY_EVENT:
        [hook] = ours(installed["hooks"][event])
        assert hook == {"type": "command", "command": f"{AGENT_CONSOLE} hook --agent codex", "timeout": 3}

    again = ok(env, "install-hooks", "--agent", "codex")
    assert "nothing changed" in again and "Trust" not in again
    ok(env, "uninstall-hooks", "--agent", "codex")
    assert path.read_text() == text_of(CODEX_HOOKS)


def test_codex_home_defaults_to_dot_codex(env: dict[str, str]) -> None:
    del env["CODEX_HOME"]

    ok(env, "install-hooks", "--agent", "codex")

    assert ours(json.loads((Path(env["HOME"]) / ".codex" / "hooks.json").read_text())["hooks"]["Stop"])


def plugin_path(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "opencode" / "plugin" / "agent-console.js"


def test_opencode_gets_a_plugin_that_node_can_load(env: dict[str, str], tmp_path: Path) -> None:
    output = ok(env, "install-hooks", "--agent", "opencode")

    path = plugin_path(env)
    assert f"opencode: Installed the agent-console hooks in {path}" in output
    text = path.read_text()
    assert text.startswith(opencode.PLUGIN_MARKER)
    assert f"const COMMAND = {json.dumps([AGENT_CONSOLE, 'hook', '--agent', 'opencode'])};" in text
    assert '"session.status"' in text and "__" not in text
    module = tmp_path / "plugin.mjs"
    shutil.copy(path, module)
    node = shutil.which("node")
    assert node is not None, "node is needed: packaging/install-deps --test installs it"
    checked = subprocess.run([node, "--check", str(module)], capture_output=True, text=True, timeout=NODE_CHECK_TIMEOUT_S)
    assert checked.returncode == 0, checked.stderr

    assert "nothing changed" in ok(env, "install-hooks", "--agent", "opencode")
    ok(env, "uninstall-hooks", "--agent", "opencode")
    assert not path.exists() and path.parent.is_dir()


def test_opencode_plugin_of_someone_else_is_left_alone(env: dict[str, str]) -> None:
    path = plugin_path(env)
    path.parent.mkdir(parents=True)
    path.write_text("export const Mine = async () => ({});\n")

    for command in ("install-hooks", "uninstall-hooks"):
        result = cli(env, command, "--agent", "opencode")
        assert result.returncode == 1 and "is not agent-console's" in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert path.read_text() == "export const Mine = async () => ({});\n"


def test_dry_run_shows_the_plugin_and_writes_nothing(env: dict[str, str]) -> None:
    output = ok(env, "install-hooks", "--agent", "opencode", "--dry-run")

    assert output.startswith(f"--- /dev/null\n+++ {plugin_path(env)}\n")
    assert not plugin_path(env).parent.exists()


def test_without_agent_every_agent_found_is_set_up(env: dict[str, str]) -> None:
    """Found by config folder here (PATH holds none of them); Claude Code's is missing."""
    (Path(env["HOME"]) / ".gemini").mkdir()
    Path(env["CODEX_HOME"]).mkdir()

    output = ok(env, "install-hooks")

    assert "Gemini CLI: Installed" in output and "Codex: Installed" in output
    assert output.splitlines()[-1] == (
        "Done for Gemini CLI, Codex; not found here: Claude Code, opencode (--agent NAME sets one up anyway)."
    )
    assert not (Path(env["HOME"]) / ".claude").exists()

    removed = ok(env, "uninstall-hooks")
    assert "Gemini CLI: Removed" in removed and "Codex: Removed" in removed


def test_an_agent_on_path_is_found(env: dict[str, str], tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "opencode").write_text("#!/bin/sh\n")
    (bin_dir / "opencode").chmod(0o755)
    env["PATH"] += os.pathsep + str(bin_dir)

    output = ok(env, "install-hooks")

    assert "opencode: Installed" in output and plugin_path(env).is_file()


def test_an_unknown_agent_is_refused(env: dict[str, str]) -> None:
    result = cli(env, "install-hooks", "--agent", "cursor")

    assert result.returncode == 1 and result.stdout == ""
    assert "unknown agent 'cursor'" in result.stderr and "gemini-cli" in result.stderr


def test_the_shell_handler_forwards_for_any_agent(env: dict[str, str], tmp_path: Path) -> None:
    """It reads no JSON, so it serves every agent: Gemini CLI found here gets it too, named."""
    (Path(env["HOME"]) / ".gemini").mkdir()
    script = tmp_path / "bin" / "agent-console-hook"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    env["PATH"] = str(script.parent)

    output = ok(env, "install-hooks", "--shell")

    assert "Gemini CLI: Installed" in output
    installed = json.loads((Path(env["HOME"]) / ".gemini" / "settings.json").read_text())
    assert installed["hooks"]["AfterAgent"][0]["hooks"][0]["command"] == f"{script} --agent gemini-cli"
    ok(env, "uninstall-hooks", "--agent", "gemini-cli")
    left = Path(env["HOME"]) / ".gemini" / "settings.json"
    assert not left.exists() or "hooks" not in json.loads(left.read_text())


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (os.mkfifo, "a FIFO, not a regular file"),
        (lambda path: path.symlink_to("/dev/zero"), "/dev/zero: a character device, not a regular file"),
        (lambda path: path.write_bytes(b"{" + b" " * (57 * 1024 * 1024) + b"}"), "larger than 4,194,304 bytes"),
    ],
    ids=["fifo", "link-to-dev-zero", "57-MB"],
)
def test_a_settings_file_that_is_no_regular_file_or_too_large_is_refused_untouched(
    env: dict[str, str], make: Any, said: str
) -> None:
    """Each hung, exhausted memory or took 51 s before: now one line, exit 1, nothing changed."""
    codex_hooks = Path(env["CODEX_HOME"]) / "hooks.json"
    codex_hooks.parent.mkdir()
    make(codex_hooks)
    before = listing(codex_hooks)
    result = cli(env, "install-hooks", "--agent", "codex")
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("agent-console: cannot update ") and said in result.stderr
    assert "left it untouched" in result.stderr
    assert listing(codex_hooks) == before


def listing(path: Path) -> tuple[list[str], tuple[int, ...]]:
    """The folder's names and the file's identity, kind, size and last change (not its access time)."""
    info = os.lstat(path)
    return sorted(os.listdir(path.parent)), (info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns)
