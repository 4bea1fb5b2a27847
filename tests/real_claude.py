"""The real ``claude`` CLI, offline: where it is installed, the environment that
keeps it on this machine, its hooks installed by ``agent-console install-hooks``,
and a tmux pane to drive it interactively.

No pytest here, so ``benchmarks/claude_hooks.py`` runs the CLI exactly as the
tests do.  The CLI itself comes from npm (``packaging/install-deps --test``
installs it once into the cache); everything it talks to is local: the fake
Messages API in ``fake_anthropic.py``, and proxy variables pointing at a port
that refuses, so a request to anywhere else fails instead of leaving.
"""

import json
import os
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fake_anthropic import FakeAnthropic, refusing_port
from processes import AGENT_CONSOLE
from tmux_support import Tmux

ROOT = Path(__file__).resolve().parents[1]
HOOKS_DIR = ROOT / "hooks"
VERSIONS_FILE = ROOT / "packaging" / "claude-code-versions"
"""The versions the tier runs against, newest first: what ``packaging/install-deps --test`` installs."""
VERSIONS_VARIABLE = "AGENT_CONSOLE_CLAUDE_VERSIONS"
"""Comma-separated versions from npm to run the tier against instead (``2.1.400``, or
``2.1.400,2.1.197``): the next release is tried the day it ships.  Newest first."""
NPM_CACHED = ROOT / "packaging" / "npm-cached"
CACHE = Path(os.environ.get("AGENT_CONSOLE_CACHE") or Path.home() / ".cache" / "agent-console")
INSTALL_TIMEOUT_S = 600.0
"""Bound on installing a version not yet cached: a download of about 100 MB."""
API_KEY = "sk-ant-api03-agent-console-tests-0123456789abcdefghij"
"""Any string will do for the fake; interactive mode asks once about a new key
unless its last 20 characters are listed as approved in ``~/.claude.json``."""
COMMAND_TIMEOUT_S = 60.0
"""Bound on one ``claude -p`` turn and on the tools around it (install-hooks,
tmux).  A turn against the fake takes one to two seconds."""
POLL_S = 0.05
"""How often a wait looks again at the screen or the recorded timeline."""
PROMPT_MARK = "\u276f"
"""The mark in front of Claude Code's input line (and of the chosen option in a dialog)."""
OPTION = re.compile(rf"^\s*({PROMPT_MARK}\s*)?(\d+)\. (.+?)\s*$")
"""A dialog's option line, ``❯ 1. Yes`` where marked: its number is never relied on (2.1.332
moved "No" from 3 to 4, and 3 there switches to auto mode), only its text and the mark."""
MAX_OPTIONS = 9
SUBMIT_TRIES = 3
SUBMIT_CHECK_S = 1.0
"""After an Enter Claude clears its input line within a frame; still there after this long, the Enter was lost."""
QUIET_ENV = {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL": "1",
}
"""Without these the CLI phones home, updates itself, or clones a plugin
marketplace on start (see shared/claude-code-observed.md)."""


def claude_versions() -> list[str]:
    """The versions to run against: ``AGENT_CONSOLE_CLAUDE_VERSIONS``, else ``packaging/claude-code-versions``."""
    chosen = os.environ.get(VERSIONS_VARIABLE, "").replace(",", " ").split()
    if chosen:
        return chosen
    lines = (line.strip() for line in VERSIONS_FILE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def claude_executable(version: str) -> str:
    """The CLI of ``version`` from the npm cache, installed there first if it is not yet
    (``packaging/npm-cached``, as ``install-deps --test`` does for the listed versions)."""
    cached = CACHE / "npm" / f"claude-code@{version}" / "node_modules" / ".bin" / "claude"
    if os.access(cached, os.X_OK):
        return str(cached)
    done = subprocess.run([str(NPM_CACHED), f"claude-code@{version}", f"@anthropic-ai/claude-code@{version}", "claude"],
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cannot install Claude Code {version} from npm: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def deadline_wait(ready: Callable[[], object], timeout_s: float, what: Callable[[], str]) -> object:
    """Poll ``ready`` until it returns something truthy, or fail after ``timeout_s`` saying ``what`` was seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = ready()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s; {what()}")
        time.sleep(POLL_S)


def assert_holds(holds: Callable[[], bool], seconds: float, what: Callable[[], str]) -> None:
    """Fail as soon as ``holds`` turns false within ``seconds``: a window in which something must NOT happen."""
    deadline = time.monotonic() + seconds
    while True:
        if not holds():
            raise AssertionError(what())
        if time.monotonic() >= deadline:
            return
        time.sleep(POLL_S)


@dataclass
class OfflineClaude:
    """A home directory for the CLI, the fake API it talks to, and nothing else it can reach."""

    home: Path
    workdir: Path
    bus_address: str
    version: str = field(default_factory=lambda: claude_versions()[0])
    dialogs: bool = False
    """Claude asks before running tools (``permissions.defaultMode: "default"``) rather than
    in what a new user gets: auto mode on 2.1.332, which asks almost never."""
    fake: FakeAnthropic = field(default_factory=FakeAnthropic.start)
    refused: object = field(default_factory=refusing_port)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._accept_interactive_start()

    @property
    def env(self) -> dict[str, str]:
        """What the CLI (and so every hook it runs) sees: the private bus, the fake, a refused proxy."""
        proxy = f"http://127.0.0.1:{self.refused.getsockname()[1]}"  # type: ignore[attr-defined]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "ANTHROPIC_BASE_URL": self.fake.url,
            "ANTHROPIC_API_KEY": API_KEY,
            **QUIET_ENV,
            **dict.fromkeys(("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY"), proxy),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def _accept_interactive_start(self) -> None:
        """``~/.claude.json`` as after onboarding, with the key approved and the workdir trusted."""
        state = {
            "hasCompletedOnboarding": True,
            "hasSeenAutoDefaultNudge": True,
            "theme": "dark",
            "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
            "projects": {str(self.workdir): {"hasTrustDialogAccepted": True}},
        }
        (self.home / ".claude.json").write_text(json.dumps(state))

    @property
    def settings_path(self) -> Path:
        return self.home / ".claude" / "settings.json"

    def install_hooks(self, *options: str) -> dict[str, object]:
        """Run the real ``agent-console install-hooks`` for this home; return the settings it wrote.

        PATH starts with the checkout's ``hooks/``, so ``--shell`` registers
        that ``agent-console-hook`` (the code under test) rather than a copy
        an earlier ``pip install`` left in the venv.
        """
        path = os.pathsep.join((str(HOOKS_DIR), self.env["PATH"]))
        done = subprocess.run([AGENT_CONSOLE, "install-hooks", *options], env={**self.env, "PATH": path},
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(self.settings_path.read_text())

    def write_settings(self, settings: dict[str, object]) -> None:
        """``settings``, and the permission mode this home asks for (``dialogs``)."""
        if self.dialogs:
            settings = {**settings, "permissions": {"defaultMode": "default"}}
        self.settings_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings_path.write_text(json.dumps(settings, indent=2))

    def print_turn(self, prompt: str, *options: str) -> subprocess.CompletedProcess[str]:
        """One ``claude -p`` turn in the workdir (SessionStart … Stop, SessionEnd)."""
        return subprocess.run([claude_executable(self.version), "-p", prompt, *options], env=self.env, cwd=self.workdir,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)

    def stop(self) -> None:
        self.fake.stop()
        self.refused.close()  # type: ignore[attr-defined]


@dataclass
class TmuxPane:
    """One pane of a private tmux server, running a command as a terminal would."""

    socket: Path
    env: dict[str, str]
    width: int = 160
    height: int = 50

    def __post_init__(self) -> None:
        self.tmux = Tmux(self.socket, self.env)

    def start(self, command: list[str], cwd: Path) -> int:
        """Start the server with ``command`` in its only pane (exec'd: the pane's pid is the command's)."""
        self.tmux("new-session", "-d", "-x", str(self.width), "-y", str(self.height), "-c", str(cwd),
                  "exec " + shlex.join(command))
        return self.pid()

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "#{pane_pid}"))

    def type(self, text: str) -> None:
        """Type ``text`` and press Enter, as a person would.

        Claude Code takes keys that arrive in one burst as a paste, and an
        Enter right behind it is sometimes swallowed (seen with a first
        prompt holding a ``?``).  So Enter goes once the text shows, and again
        (``SUBMIT_TRIES`` in all) while the prompt line still holds the text:
        had an Enter been taken, the line would have been cleared at once.
        """
        self.tmux("send-keys", "-l", text)
        self.wait_for(text)
        typed = f"{PROMPT_MARK} {text}"
        for _ in range(SUBMIT_TRIES):
            self.keys("Enter")
            deadline = time.monotonic() + SUBMIT_CHECK_S
            while time.monotonic() < deadline:
                if self.prompt_line() != typed:
                    return
                time.sleep(POLL_S)
        raise AssertionError(f"{text!r} was not submitted after {SUBMIT_TRIES} Enters:\n{self.screen()}")

    def wait_ready(self, timeout_s: float = COMMAND_TIMEOUT_S) -> None:
        """Until Claude's input line shows, empty, and no dialog: what a person sees before typing.
        Read from the input line itself, not the footer (whose text each release changes)."""
        deadline_wait(lambda: self.prompt_line() == PROMPT_MARK and not self.options(), timeout_s,
                      lambda: f"Claude's empty input line never showed:\n{self.screen()}")

    def options(self) -> dict[str, bool]:
        """The options of the dialog on screen, by text, each with whether it is marked."""
        found = {}
        for line in self.screen().splitlines():
            match = OPTION.match(line)
            if match is not None:
                found[match.group(3)] = match.group(1) is not None
        return found if any(found.values()) else {}

    def choose(self, option: str, timeout_s: float = COMMAND_TIMEOUT_S) -> None:
        """Move the dialog's mark down to the option whose text starts with ``option``, and take it.

        By the screen's text, never by a digit: a digit's meaning moves between releases.
        A dialog just shown may not take keys yet (2.1.332 drops an Enter that comes at
        once), so each key is pressed again until the screen shows it was taken.
        """
        def marked() -> str:
            return next((text for text, chosen in self.options().items() if chosen), "")

        deadline_wait(marked, timeout_s, lambda: f"no dialog showed:\n{self.screen()}")
        for _ in range(MAX_OPTIONS):
            current = self.options()
            if marked().startswith(option):
                self.press_until("Enter", lambda before=current: self.options() != before)
                return
            self.press_until("Down", lambda before=current: marked() not in ("", next(t for t, c in before.items() if c)))
        raise AssertionError(f"no option {option!r} in the dialog:\n{self.screen()}")

    def press_until(self, key: str, taken: Callable[[], bool]) -> None:
        """Press ``key`` until ``taken`` holds, at most ``SUBMIT_TRIES`` times, ``SUBMIT_CHECK_S`` apart."""
        for _ in range(SUBMIT_TRIES):
            self.keys(key)
            deadline = time.monotonic() + SUBMIT_CHECK_S
            while time.monotonic() < deadline:
                if taken():
                    return
                time.sleep(POLL_S)
        raise AssertionError(f"{key} was not taken after {SUBMIT_TRIES} presses:\n{self.screen()}")

    def prompt_line(self) -> str:
        """The last line that starts with Claude's prompt mark: the input line, or a dialog's chosen option."""
        marked = [line.strip() for line in self.screen().splitlines() if line.startswith(PROMPT_MARK)]
        return marked[-1] if marked else ""

    def keys(self, *names: str) -> None:
        self.tmux("send-keys", *names)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J")

    def wait_for(self, text: str, timeout_s: float = COMMAND_TIMEOUT_S) -> str:
        """The screen once it shows ``text``; fails with the screen as it was."""
        def showing() -> str:
            screen = self.screen()
            return screen if text in screen else ""

        return deadline_wait(showing, timeout_s, lambda: f"the screen never showed {text!r}:\n{self.screen()}")  # type: ignore[return-value]

    def kill(self) -> None:
        self.tmux.kill()


@dataclass
class Change:
    """One session as ``watch --format json`` printed it, and when the recorder read it."""

    at: float
    session: dict[str, object]

    @property
    def status(self) -> str:
        return str(self.session["status"])


class Timeline:
    """Every change the daemon signals, recorded by a real subscriber: ``agent-console watch --format json``.

    A thread reads its lines as they come; tests poll ``changes`` with a
    deadline.  The watcher subscribes before it prints its first snapshot, so
    once that is seen no later change can be missed.
    """

    def __init__(self, address: str) -> None:
        self.changes: list[Change] = []
        self.removed: list[str] = []
        self._snapshot = threading.Event()
        self._process = subprocess.Popen([AGENT_CONSOLE, "watch", "--format", "json", "--address", address],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, name="timeline", daemon=True).start()
        if not self._snapshot.wait(COMMAND_TIMEOUT_S):
            self.stop()
            raise AssertionError("agent-console watch printed no snapshot")

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            event = json.loads(line)
            if event["event"] == "snapshot":
                self._snapshot.set()
            elif event["event"] == "changed":
                self.changes.append(Change(time.monotonic(), event["session"]))
            elif event["event"] == "removed":
                self.removed.append(event["id"])

    def session_ids(self) -> list[str]:
        """Sessions in the order they first appeared."""
        return list(dict.fromkeys(str(change.session["id"]) for change in list(self.changes)))

    def of(self, session_id: str) -> list[Change]:
        return [change for change in list(self.changes) if change.session["id"] == session_id]

    def statuses(self, session_id: str) -> list[str]:
        """The session's statuses in order, a repeat of the same status dropped."""
        shown: list[str] = []
        for change in self.of(session_id):
            if not shown or shown[-1] != change.status:
                shown.append(change.status)
        return shown

    def latest(self, session_id: str) -> dict[str, object]:
        changes = self.of(session_id)
        assert changes, f"no change recorded for {session_id}; {self.describe()}"
        return changes[-1].session

    def wait_for(self, what: str, ready: Callable[[], object], timeout_s: float = COMMAND_TIMEOUT_S) -> object:
        """What ``ready`` returns once it is truthy; fails naming ``what`` and dumping the timeline."""
        return deadline_wait(ready, timeout_s, lambda: f"{what}; {self.describe()}")

    def mark(self) -> int:
        """A place in the timeline: pass it as ``since`` to wait for a change after an action."""
        return len(self.changes)

    def wait_status(self, session_id: str, status: str, timeout_s: float = COMMAND_TIMEOUT_S,
                    since: int | None = None) -> Change:
        """The first change from ``since`` on that shows ``session_id`` with ``status``.

        Without ``since``: the session's latest change, once it shows ``status``.
        With it, a change that a later one already replaced still counts.
        """
        def reached() -> Change | None:
            if since is None:
                changes = self.of(session_id)[-1:]
            else:
                changes = [c for c in self.changes[since:] if c.session["id"] == session_id]
            return next((c for c in changes if c.status == status), None)

        return self.wait_for(f"{session_id} did not read {status}", reached, timeout_s)  # type: ignore[return-value]

    def describe(self) -> str:
        lines = [f"{c.at:.3f} {c.session['id']} {c.status} {c.session.get('detail', '')!r} "
                 f"{c.session.get('close_reason', '')}" for c in list(self.changes)]
        return "timeline:\n" + "\n".join(lines)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=COMMAND_TIMEOUT_S)
