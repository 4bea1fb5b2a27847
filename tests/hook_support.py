"""What the hook tests share: the hooks as Claude Code runs them, real payloads,
and a view of the store that goes through busctl rather than our own code."""

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import AGENT_CONSOLE

from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

HOOK_SCRIPT = Path(__file__).resolve().parents[1] / "hooks" / "agent-console-hook"
RUN_TIMEOUT_S = 30
SHELL_TOOLS = ("cat", "od", "timeout", "awk", "nice")


@dataclass(frozen=True)
class Hook:
    """One way of running the hook: the command, and PATH when it must be narrowed."""

    name: str
    command: tuple[str, ...]
    path: str | None = None

    def run(self, payload: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.command, input=payload, env=self.env(env), check=False, capture_output=True, timeout=RUN_TIMEOUT_S
        )

    def run_as(self, agent: str, payload: bytes, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
        """Run for ``agent``, as its registration does (``--agent NAME``), with ``args`` after."""
        return Hook(self.name, (*self.command, "--agent", agent, *args), self.path).run(payload, env)

    def env(self, env: dict[str, str]) -> dict[str, str]:
        return env if self.path is None else {**env, "PATH": self.path}


def tools_dir(directory: Path, names: tuple[str, ...]) -> str:
    """A PATH entry holding only ``names``, as symlinks to the real tools."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        found = shutil.which(name)
        assert found is not None, f"{name} is needed for this test"
        (directory / name).symlink_to(found)
    return str(directory)


def all_hooks(scratch: Path) -> list[Hook]:
    """The Python handler, the script under dash and bash (macOS's sh), and its gdbus fallback."""
    return [
        Hook("python", (AGENT_CONSOLE, "hook")),
        Hook("sh", (str(HOOK_SCRIPT),)),
        Hook("bash", ("bash", str(HOOK_SCRIPT))),
        Hook("gdbus", (str(HOOK_SCRIPT),), tools_dir(scratch / "gdbus-only", (*SHELL_TOOLS, "gdbus"))),
    ]


HOOK_NAMES = ["python", "sh", "bash", "gdbus"]


def event_payload(event: str, session_id: str, cwd: str = "/home/dev/projects/shop", **fields: object) -> bytes:
    """A payload in Claude Code's shape: common fields first, in its order, compact."""
    body = {
        "session_id": session_id,
        "transcript_path": f"/home/dev/.claude/projects/-home-dev-projects-shop/{session_id}.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": event,
        **fields,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def stored_session(address: str, session_id: str) -> dict[str, object] | None:
    """The session as the daemon holds it, read with busctl; None if it has none."""
    result = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", "call", BUS_NAME, OBJECT_PATH, INTERFACE,
         "Get", "s", "--", session_id],
        check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )
    if "NotFound" in result.stderr or "no session with id" in result.stderr:
        return None
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["data"][0]
    return {key: entry["data"] for key, entry in entries.items()}


OLDER_DAEMON = """\
import asyncio, sys
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

class Sessions(ServiceInterface):
    @method()
    def Set(self, session_id: "s", status: "s", attributes: "a{sv}") -> "a{sv}":
        print(session_id, status, attributes["agent_type"].value, attributes["pid"].value, flush=True)
        return {}

async def main():
    bus = await MessageBus(bus_address=sys.argv[1]).connect()
    bus.export("/io/github/AgentConsole1", Sessions("io.github.AgentConsole1.Sessions"))
    await bus.request_name("io.github.AgentConsole1")
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""
"""Stands for a daemon from before Hooks.Report: only Set, on the same names, and no Version.
A real older release cannot be installed beside this one in a test, and only its answers matter."""


def start_older_daemon(bus_address: str) -> subprocess.Popen[bytes]:
    """The older daemon on ``bus_address``, once it owns the name; the caller kills it."""
    process = subprocess.Popen([sys.executable, "-c", OLDER_DAEMON, bus_address], stdout=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    return process
