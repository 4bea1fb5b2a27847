"""The bars' examples as people run them, read back in pixels.

- i3 and i3bar on Xvfb, i3blocks (Debian 12's 1.4) running ``agent-console watch --format
  i3blocks`` from ``packaging/widgets/i3blocks.conf``, the bar read from Xvfb's frame buffer:
  the real i3blocks must hand the ``urgent`` flag on, and i3bar draw the block in its urgent
  colours while a wait is unseen, and stop once it is seen.
- waybar in a headless sway, read back through grim: the text with each glyph once, the
  colours from ``waybar.css`` by the ``class`` the watch sends.  sway will not run as root
  (the tests may): as root, sway, waybar and grim run as ``nobody`` in a scratch directory of
  their own, and read the watch's lines from a FIFO that the watch, running as the tests'
  user on the tests' bus, writes; the module's ``exec`` is the one thing changed in the example.

How each runs here: ../shared/desktop-for-real.md.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon
from dunst_support import start_xvfb
from processes import env_with_bus, stop
from tmux_support import wait_for
from xwd import count_near, read_pixels, read_png_rows, xwd_to_png

from agent_console.presentation import QUIET_COLOR, STATUS_COLORS

pytestmark = pytest.mark.desktop

WIDGETS = Path(__file__).resolve().parent.parent / "packaging" / "widgets"


def needs(*programs: str) -> pytest.MarkDecorator:
    """Skip, in one line, where a program is missing; never under CI, where install-deps put them."""
    missing = [program for program in programs if shutil.which(program) is None]
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CI"),
                              reason=f"needs {', '.join(missing)} (packaging/install-deps --test)")


def cli(daemon: RunningDaemon, *args: str) -> None:
    subprocess.run([AGENT_CONSOLE, *args, "--address", daemon.address], check=True, timeout=READY_TIMEOUT_S)


# --- i3bar and i3blocks ----------------------------------------------------------------------------

SCREEN = (800, 60)
BAR_HEIGHT = 24
I3BAR_URGENT = "#900000"
"""i3bar's default background for an urgent block (its ``urgent_workspace`` colours)."""
I3_ENOUGH_PIXELS = 50
"""More than a few stray pixels: a block's background, or a short word's text ("idle" in grey is about 175)."""
I3_CONFIG = """\
# i3 config file (v4)
font pango:DejaVu Sans 11
bar {{
    status_command i3blocks -c {blocks}
    position top
    colors {{
        background #000000
    }}
}}
"""


@dataclass
class I3Bar:
    fbdir: Path

    def pixels(self) -> list[bytes]:
        _, _, rows = read_pixels(self.fbdir / "Xvfb_screen0")
        return rows[:BAR_HEIGHT]

    def wait_for(self, color: str, present: bool) -> None:
        wait_for(lambda: (count_near(self.pixels(), color) >= I3_ENOUGH_PIXELS) == present,
                 lambda: f"{color} {'on' if present else 'gone from'} the bar: {count_near(self.pixels(), color)} px")


@pytest.fixture
def i3bar(daemon: RunningDaemon, tmp_path: Path) -> Iterator[I3Bar]:
    """i3 with the example's block, its agent-console written with this checkout's absolute path
    as the example says to; everything on the daemon's bus."""
    blocks = tmp_path / "i3blocks.conf"
    blocks.write_text((WIDGETS / "i3blocks.conf").read_text().replace("$HOME/.local/bin/agent-console", AGENT_CONSOLE))
    config = tmp_path / "i3.conf"
    config.write_text(I3_CONFIG.format(blocks=blocks))
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    fbdir = tmp_path / "fb"
    fbdir.mkdir()
    xvfb, display = start_xvfb(f"{SCREEN[0]}x{SCREEN[1]}", fbdir)
    env = {**env_with_bus(daemon.address), "DISPLAY": display, "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(runtime)}
    i3 = subprocess.Popen(["i3", "-c", str(config)], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield I3Bar(fbdir)
    finally:
        stop(i3, xvfb)


@needs("i3", "i3bar", "i3blocks", "Xvfb")
def test_i3bar_draws_an_unseen_wait_urgent_and_a_seen_one_grey(
    daemon: RunningDaemon, i3bar: I3Bar, tmp_path: Path
) -> None:
    i3bar.wait_for(QUIET_COLOR, present=True)  # "agents: idle", in grey
    cli(daemon, "set", "q1", "question", "--cwd", "/src/shop")
    cli(daemon, "set", "q2", "question", "--cwd", "/src/blog")
    i3bar.wait_for(I3BAR_URGENT, present=True)
    xwd_to_png(i3bar.fbdir / "Xvfb_screen0", tmp_path / "urgent.png", (0, 0, SCREEN[0], BAR_HEIGHT))
    cli(daemon, "ack", "q1")
    cli(daemon, "ack", "q2")
    i3bar.wait_for(I3BAR_URGENT, present=False)
    i3bar.wait_for(QUIET_COLOR, present=True)  # "agents: 2 seen"
    cli(daemon, "set", "q2", "attention")
    i3bar.wait_for(I3BAR_URGENT, present=True)


# --- waybar in sway ---------------------------------------------------------------------------------

UNPRIVILEGED = 65534
"""nobody and nogroup: whom sway runs as when the tests run as root."""
BAR = "0,0 800x30"
"""The part of the 800x200 output grim reads: waybar's bar at the top."""
WAYBAR_ENOUGH_PIXELS = 300
"""A module's background: more than the few pixels of antialiased text in another colour."""
SWAY_CONFIG = "xwayland disable\noutput HEADLESS-1 resolution 800x200\n"
WAYBAR_BASE_CSS = '* { font-family: "DejaVu Sans"; font-size: 14px; }\nwindow#waybar { background: #1e1e2e; }\n'


@dataclass
class Waybar:
    scratch: Path
    env: dict[str, str]
    as_user: list[str]

    def pixels(self) -> list[bytes]:
        shot = self.scratch / "bar.png"
        shot.unlink(missing_ok=True)
        subprocess.run([*self.as_user, "grim", "-g", BAR, str(shot)], env=self.env, check=True,
                       timeout=READY_TIMEOUT_S, capture_output=True)
        return read_png_rows(shot)

    def wait_for(self, color: str, present: bool) -> None:
        wait_for(lambda: (count_near(self.pixels(), color) >= WAYBAR_ENOUGH_PIXELS) == present,
                 lambda: f"{color} {'on' if present else 'gone from'} the bar")


def _owned_by_user(path: Path) -> None:
    if os.geteuid() == 0:
        for item in (path, *path.rglob("*")):
            os.chown(item, UNPRIVILEGED, UNPRIVILEGED)


@pytest.fixture
def waybar(daemon: RunningDaemon) -> Iterator[Waybar]:
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-waybar."))
    os.chmod(scratch, 0o755)
    home, runtime = scratch / "home", scratch / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    fifo = scratch / "watch.fifo"
    os.mkfifo(fifo, 0o644)
    config = scratch / "config.jsonc"
    example = (WIDGETS / "waybar.jsonc").read_text()
    config.write_text(example.replace("$HOME/.local/bin/agent-console watch --format waybar", f"cat {fifo}"))
    style = scratch / "style.css"
    style.write_text(WAYBAR_BASE_CSS + (WIDGETS / "waybar.css").read_text())
    (scratch / "sway.conf").write_text(SWAY_CONFIG)
    _owned_by_user(scratch)
    as_user = (["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups"]
               if os.geteuid() == 0 else [])
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
           "WAYLAND_DISPLAY": "wayland-1"}
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    watch = subprocess.Popen(["sh", "-c", f'exec "$0" watch --format waybar --address "$1" > {fifo}',
                              AGENT_CONSOLE, daemon.address], **quiet)
    sway = subprocess.Popen([*as_user, "sway", "-c", str(scratch / "sway.conf")], env=env, **quiet)
    started = [watch, sway]
    try:
        wait_for((runtime / "wayland-1").exists, "sway's Wayland socket")
        started.append(subprocess.Popen([*as_user, "waybar", "-c", str(config), "-s", str(style)], env=env, **quiet))
        yield Waybar(scratch, env, as_user)
    finally:
        stop(*reversed(started))
        shutil.rmtree(scratch)


@needs("sway", "waybar", "grim", "setpriv")
def test_waybar_colours_the_module_by_the_most_urgent_unseen_wait(daemon: RunningDaemon, waybar: Waybar) -> None:
    cli(daemon, "set", "q1", "question", "--cwd", "/src/shop")
    cli(daemon, "set", "a1", "attention", "--cwd", "/src/blog")
    waybar.wait_for(STATUS_COLORS["question"], present=True)
    cli(daemon, "ack", "q1")
    waybar.wait_for(STATUS_COLORS["attention"], present=True)
    waybar.wait_for(STATUS_COLORS["question"], present=False)
    cli(daemon, "ack", "a1")
    waybar.wait_for(STATUS_COLORS["attention"], present=False)
