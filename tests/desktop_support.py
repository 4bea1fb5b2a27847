"""Real desktops for the widget tests and docs/screenshots.py: GNOME Shell headless, plasmoidviewer on Xvfb.

Each runs in a home of its own (``HOME``, ``XDG_*``), with nothing of the
machine's desktop inherited, on a session bus of its own where the real
``agent-console daemon`` runs too.  How each program was made to run here is
in ../shared/desktop-for-real.md.  No pytest here, so the docs script can use it.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from processes import AGENT_CONSOLE, RunningDaemon, start_daemon

from agent_console.widgets.install import GNOME_UUID, PLASMOID_ID
from agent_console.wire.private_bus import STANDARD_SERVICE_DIRS, session_config

START_TIMEOUT_S = 60.0
"""gnome-shell starts in about 2 s and plasmoidviewer in 1.5 s here; a loaded CI machine gets room."""
SETTLE_TIMEOUT_S = 15.0
"""How long a widget may take to show a change: it takes well under a second (signals, or a 1 s poll)."""
STOP_TIMEOUT_S = 15.0
SHELL_SIZE = (1280, 720)
XVFB_SIZE = (1000, 700)
"""plasmoidviewer's desktop containment puts an applet at 320,240: the window must be at least this big."""
SYSTEM_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""
"""gnome-shell exits without a system bus (its login-manager code); a private, allow-all one is enough."""
SCREENSHOT_JS = """
const Gio = imports.gi.Gio;
const GLib = imports.gi.GLib;
const [out, x, y, w, h] = ARGV;
const bus = Gio.DBus.session;
bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
    new GLib.Variant('(su)', ['org.gnome.Screenshot', 4]), null, Gio.DBusCallFlags.NONE, -1, null);
bus.call_sync('org.gnome.Shell.Screenshot', '/org/gnome/Shell/Screenshot', 'org.gnome.Shell.Screenshot',
    'ScreenshotArea', new GLib.Variant('(iiiibs)', [+x, +y, +w, +h, false, out]), null,
    Gio.DBusCallFlags.NONE, -1, null);
"""
"""GNOME answers org.gnome.Shell.Screenshot only to a caller that owns org.gnome.Screenshot; gdbus cannot own a name."""

REQUIRED_GNOME = ("gnome-shell", "gjs", "dbus-run-session", "dbus-daemon", "busctl")
REQUIRED_PLASMA = ("plasmoidviewer", "kpackagetool6|kpackagetool5", "Xvfb", "dbus-run-session", "busctl")


def session_bus_config(root: Path) -> Path:
    """session.conf with its usual service directories (the shell and plasmoidviewer activate helpers
    from them) listening in ``root``, so the socket goes with the scratch directory."""
    config = root / "session.conf"
    text = session_config(STANDARD_SERVICE_DIRS)
    config.write_text(re.sub(r"<listen>[^<]*</listen>", f"<listen>unix:dir={root}</listen>", text))
    return config


def missing(programs: tuple[str, ...]) -> list[str]:
    """Those of ``programs`` not on PATH; ``a|b`` is there when either is."""
    return [wanted for wanted in programs if not any(shutil.which(program) for program in wanted.split("|"))]


@dataclass
class Home:
    """A person's home and runtime directories, and the environment that points at them."""

    root: Path

    @classmethod
    def create(cls, root: Path) -> "Home":
        for name in ("home", "data", "config", "cache", "run"):
            (root / name).mkdir(parents=True, exist_ok=True)
        (root / "run").chmod(0o700)
        return cls(root)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.root / "home"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "XDG_RUNTIME_DIR": str(self.root / "run"),
            **extra,
        }

    def run(self, argv: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, env=self.env(**extra), capture_output=True, text=True, check=False,
                              timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL)


def wait_for(condition: Callable[[], object], timeout_s: float, what: str) -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


def _end(process: subprocess.Popen[bytes], pid: int | None = None) -> None:
    """End ``pid`` (else the process) and wait for ``process``: dbus-run-session outlives a bus it did not end."""
    with suppress(ProcessLookupError):
        os.kill(pid or process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.kill(pid or process.pid, signal.SIGKILL)
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


# --- GNOME Shell ---------------------------------------------------------------------------------


@dataclass
class GnomeShell:
    home: Home
    address: str
    """The shell's session bus: the daemon, the CLI and the screenshots use it."""
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def busctl(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self.home.run(["busctl", f"--address={self.address}", *arguments])

    def agent_console(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self.home.run([AGENT_CONSOLE, *arguments], DBUS_SESSION_BUS_ADDRESS=self.address)

    def indicator(self) -> dict[str, object] | None:
        """What the indicator shows (its State property, JSON), or None while it is not there."""
        done = self.busctl("--json=short", "get-property", "org.gnome.Shell", "/io/github/AgentConsole1/GnomeShellIndicator",
                           "io.github.AgentConsole1.GnomeShellIndicator", "State")
        return json.loads(json.loads(done.stdout)["data"]) if done.returncode == 0 else None

    def wait_for_bar(self, text: str) -> dict[str, object]:
        def shown() -> dict[str, object] | None:
            state = self.indicator()
            return state if state is not None and state["text"] == text else None

        try:
            return wait_for(shown, SETTLE_TIMEOUT_S, f"the top bar to read {text!r}")  # type: ignore[return-value]
        except TimeoutError as error:
            raise AssertionError(f"{error}; it shows {self.indicator()}\n{self.log[-3000:]}") from None

    def extension_state(self) -> str:
        done = self.home.run(["gdbus", "call", "--session", "--dest", "org.gnome.Shell", "--object-path",
                              "/org/gnome/Shell", "--method", "org.gnome.Shell.Extensions.GetExtensionInfo",
                              GNOME_UUID], DBUS_SESSION_BUS_ADDRESS=self.address)
        return done.stdout

    def screenshot(self, path: Path, x: int, y: int, width: int, height: int) -> None:
        script = self.home.root / "shot.js"
        script.write_text(SCREENSHOT_JS)
        done = self.home.run(["gjs", str(script), str(path), str(x), str(y), str(width), str(height)],
                             DBUS_SESSION_BUS_ADDRESS=self.address)
        if done.returncode != 0 or not path.is_file():
            raise AssertionError(f"screenshot failed: {done.stderr}")


@contextmanager
def running_gnome_shell(root: Path, enabled: tuple[str, ...] = ()) -> Iterator[GnomeShell]:
    """gnome-shell 43+ headless (Wayland, a virtual monitor, no GPU) with a private system bus.

    ``enabled``: extensions enabled before it starts.  Ends the shell by its pid (ending
    dbus-run-session leaves it running), which ends its session bus; then the system bus.
    """
    home = Home.create(root)
    socket = root / "system_bus_socket"
    (root / "system.conf").write_text(SYSTEM_BUS_CONFIG.format(socket=socket))
    system_bus = subprocess.Popen(["dbus-daemon", "--nofork", f"--config-file={root / 'system.conf'}"],
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    shell: subprocess.Popen[bytes] | None = None
    pid_file, address_file, log_path = root / "shell.pid", root / "session_bus_address", root / "shell.log"
    settings = "".join(
        f"gsettings set org.gnome.shell {key} {value!r}; "
        for key, value in (("enabled-extensions", json.dumps(list(enabled))), ("disable-user-extensions", "false"))
    )
    script = (f'echo "$DBUS_SESSION_BUS_ADDRESS" > {address_file}; {settings}echo $$ > {pid_file}; '
              f"exec gnome-shell --headless --wayland --no-x11 --virtual-monitor {SHELL_SIZE[0]}x{SHELL_SIZE[1]} "
              "--wayland-display agent-console-test")
    try:
        wait_for(socket.exists, START_TIMEOUT_S, "the private system bus")
        with log_path.open("wb") as log:
            shell = subprocess.Popen(
                ["dbus-run-session", f"--config-file={session_bus_config(root)}", "--", "sh", "-c", script],
                env=home.env(DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={socket}", AGENT_CONSOLE_WIDGET_LOG="1"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        running = GnomeShell(home, "", log_path)
        wait_for(lambda: "GNOME Shell started" in running.log or shell.poll() is not None, START_TIMEOUT_S,
                 "GNOME Shell to start")
        if shell.poll() is not None:
            raise RuntimeError(f"gnome-shell exited:\n{running.log[-3000:]}")
        running.address = address_file.read_text().strip()
        yield running
    finally:
        if shell is not None:
            _end(shell, int(pid_file.read_text()) if pid_file.is_file() else None)
        _end(system_bus)


@contextmanager
def daemon_on(address: str, log_path: Path) -> Iterator[RunningDaemon]:
    running = start_daemon(address, log_path)
    try:
        yield running
    finally:
        running.stop()


# --- Plasma --------------------------------------------------------------------------------------


@dataclass
class Plasmoidviewer:
    home: Home
    address: str
    display: str
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def agent_console(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self.home.run([AGENT_CONSOLE, *arguments], DBUS_SESSION_BUS_ADDRESS=self.address)

    def bars(self) -> list[str]:
        """Every text the applet's bar has shown, oldest first (its console.log lines)."""
        marker = "agent-console-widget: bar "
        return [line.split(marker, 1)[1].strip() for line in self.log.splitlines() if marker in line]

    def wait_for_bar(self, text: str) -> None:
        try:
            wait_for(lambda: self.bars()[-1:] == [text], SETTLE_TIMEOUT_S, f"the applet to read {text!r}")
        except TimeoutError as error:
            raise AssertionError(f"{error}; it shows {self.bars()[-1:]}\n{self.log[-3000:]}") from None

    def screenshot(self, path: Path) -> None:
        """The whole X screen, from Xvfb's own frame buffer file (no ImageMagick needed)."""
        from xwd import xwd_to_png

        xwd_to_png(self.home.root / "fb" / "Xvfb_screen0", path)


@contextmanager
def running_plasmoidviewer(root: Path, before: Callable[[Home, str], None]) -> Iterator[Plasmoidviewer]:
    """Xvfb, a session bus of its own, and plasmoidviewer showing the installed applet.

    ``before(home, address)`` runs once the bus is up and before plasmoidviewer starts: it starts
    the daemon and installs the applet.  Ends plasmoidviewer (its dbus-run-session goes with it),
    the kactivitymanagerd and kglobalaccel5 it activated, then Xvfb.
    """
    home = Home.create(root)
    (root / "fb").mkdir()
    chosen, told = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(told), "-screen", "0", f"{XVFB_SIZE[0]}x{XVFB_SIZE[1]}x24", "-nolisten", "tcp",
         "-fbdir", str(root / "fb")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        pass_fds=(told,),
    )
    os.close(told)
    session: subprocess.Popen[bytes] | None = None
    address_file, pid_file, log_path = root / "session_bus_address", root / "viewer.pid", root / "viewer.log"
    try:
        display = _read_display(chosen)
        script = (f'echo "$DBUS_SESSION_BUS_ADDRESS" > {address_file}; '
                  f'while [ ! -e {root}/go ]; do sleep 0.05; done; echo $$ > {pid_file}; '
                  f"exec plasmoidviewer -a {PLASMOID_ID} -s {XVFB_SIZE[0]}x{XVFB_SIZE[1]}")
        with log_path.open("wb") as log:
            session = subprocess.Popen(
                ["dbus-run-session", f"--config-file={session_bus_config(root)}", "--", "sh", "-c", script],
                env=home.env(DISPLAY=f":{display}", QT_QUICK_BACKEND="software"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(address_file.exists, START_TIMEOUT_S, "the session bus")
        address = address_file.read_text().strip()
        before(home, address)
        (root / "go").touch()
        viewer = Plasmoidviewer(home, address, f":{display}", log_path)
        wait_for(viewer.bars, START_TIMEOUT_S, "the applet's first bar")
        yield viewer
    finally:
        if session is not None:
            _end(session, int(pid_file.read_text()) if pid_file.is_file() else session.pid)
        _end_activated(root)
        _end(xvfb)


def _read_display(chosen: int) -> int:
    """The display number Xvfb picked (``-displayfd``: a free one, so tests running beside others never collide)."""
    with os.fdopen(chosen) as told:
        number = told.readline().strip()
    if not number.isdigit():
        raise RuntimeError("Xvfb did not start (no display number on -displayfd)")
    return int(number)


def _end_activated(root: Path) -> None:
    """kactivitymanagerd and kglobalaccel5 outlive the bus that started them: find them by their HOME."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with suppress(OSError):
            environ = (proc / "environ").read_bytes().split(b"\0")
            if f"XDG_RUNTIME_DIR={root / 'run'}".encode() in environ:
                os.kill(int(proc.name), signal.SIGTERM)
