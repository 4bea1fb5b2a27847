"""Gemini CLI for real: its CLI from npm, hooks installed by ``install-hooks --agent``.

The one agent besides Claude Code driven end to end in CI, because it runs
headless with a single flag and finds a fake API through one variable.
``packaging/install-deps --test`` installs the pinned release into the cache;
the model is ``fake_model_api.py`` on 127.0.0.1 and the proxy variables point
at a port that refuses, so nothing leaves the machine.  The daemon's record
of the run must be the timeline Gemini's table promises.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, RunningDaemon, env_with_bus, skip_unless_ci
from fake_anthropic import refusing_port
from fake_model_api import REPLY_TEXT, TOOL_MARKER, fake_model_api
from hook_support import stored_session
from real_claude import CACHE

pytestmark = pytest.mark.real_agent

GEMINI_VERSION = "0.61.0"
"""The release the fixtures come from; packaging/install-deps --test installs the same."""
GEMINI = CACHE / "npm" / f"gemini-cli@{GEMINI_VERSION}" / "node_modules" / ".bin" / "gemini"
NODE_MAJOR = 20
"""Gemini CLI 0.61 needs Node 20 or newer (a regular expression flag 18 lacks); Debian 12's nodejs is 18."""
NODE_VERSION = "20.19.5"
"""The Node that packaging/install-deps --test installs from npm (the ``node`` package) where the system's is older."""
CACHED_NODE = CACHE / "npm" / f"node@{NODE_VERSION}" / "node_modules" / ".bin" / "node"
MODEL = "gemini-2.5-flash"
"""Named, so that Gemini skips its model router and its extra requests."""
RUN_TIMEOUT_S = 120
"""A headless turn with one tool call takes about 3 s here; node's cold start can take many more."""
INSTALL_TIMEOUT_S = 30


def test_install_deps_installs_the_release_tested_here() -> None:
    script = (Path(__file__).parents[1] / "packaging" / "install-deps").read_text()
    assert f"npm_cached gemini-cli@{GEMINI_VERSION} @google/gemini-cli@{GEMINI_VERSION} gemini\n" in script
    assert f"npm_cached node@{NODE_VERSION} node@{NODE_VERSION} node\n" in script


def node_major(node: str) -> int:
    shown = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    return int(shown.stdout.lstrip("v").split(".")[0]) if shown.returncode == 0 else 0


def gemini_node() -> str:
    """The system's node where it is new enough, else the one install-deps caches; else one line why not."""
    system = shutil.which("node")
    if system is not None and node_major(system) >= NODE_MAJOR:
        return system
    if os.access(CACHED_NODE, os.X_OK):
        return str(CACHED_NODE)
    skip_unless_ci(f"Gemini CLI needs Node {NODE_MAJOR} or newer, and {CACHED_NODE} is missing:"
                   " run packaging/install-deps --test")


def test_a_headless_turn_with_a_tool(daemon: RunningDaemon, tmp_path: Path) -> None:
    assert os.access(GEMINI, os.X_OK), f"{GEMINI} is missing: run packaging/install-deps --test"
    home, project = tmp_path / "home", tmp_path / "shop"
    (home / ".gemini").mkdir(parents=True)
    project.mkdir()
    settings = home / ".gemini" / "settings.json"
    settings.write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}}}, indent=2) + "\n")
    node = gemini_node()
    env = {
        **env_with_bus(daemon.address),
        "HOME": str(home),
        "PATH": os.pathsep.join([str(Path(node).parent), "/usr/bin", "/bin"]),
        "GEMINI_API_KEY": "fake",
        "GEMINI_CLI_TRUST_WORKSPACE": "true",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    installed = subprocess.run(
        [AGENT_CONSOLE, "install-hooks", "--agent", "gemini-cli"],
        env=env, capture_output=True, text=True, check=False, timeout=INSTALL_TIMEOUT_S,
    )
    assert installed.returncode == 0, installed.stderr

    with fake_model_api() as api, refusing_port() as refused:
        proxy = f"http://127.0.0.1:{refused.getsockname()[1]}"
        run = subprocess.run(
            [str(GEMINI), "-m", MODEL, "--yolo", "-o", "json", "-p", f"make a folder {TOOL_MARKER}"],
            env={**env, "GOOGLE_GEMINI_BASE_URL": api.url, "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy},
            cwd=project, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
            timeout=RUN_TIMEOUT_S,
        )
    assert run.returncode == 0, run.stderr
    reply = json.loads(run.stdout)
    assert reply["response"] == REPLY_TEXT and reply["stats"]["tools"]["totalSuccess"] == 1

    stored = stored_session(daemon.address, reply["session_id"])
    assert stored is not None, daemon.log
    history = [(entry["from"]["data"], entry["to"]["data"]) for entry in stored["history"]]
    assert history == [("attention", "working"), ("working", "attention"), ("attention", "closed")]
    assert (stored["agent_type"], stored["working_dir"], stored["close_reason"]) == (
        "gemini-cli", str(project), "session-end"
    )
    assert stored["pid"] != 0
