"""The i3blocks example as a person runs it: i3 and i3bar on Xvfb, i3blocks (Debian 12's 1.4)
running ``agent-console watch --format i3blocks`` from ``packaging/widgets/i3blocks.conf``, the
bar read back in pixels from Xvfb's frame buffer.

What is checked here that the output tests cannot: that the real i3blocks hands the
``urgent`` flag on and i3bar draws the block in its urgent colours while a wait is unseen,
and stops once it is seen.  waybar was checked by hand under headless sway (see
docs/using.md): sway will not run as root, and the tests do.  ../shared/desktop-for-real.md.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon
from dunst_support import start_xvfb
from processes import env_with_bus, stop
from tmux_support import wait_for
from xwd import count_near, read_pixels, xwd_to_png

from agent_console.presentation import QUIET_COLOR

REQUIRED = ("i3", "i3bar", "i3blocks", "Xvfb")
MISSING = [program for program in REQUIRED if shutil.which(program) is None]
pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                       reason=f"needs {', '.join(MISSING)} (packaging/install-deps --test)"),
]

EXAMPLE = Path(__file__).resolve().parent.parent / "packaging" / "widgets" / "i3blocks.conf"
SCREEN = (800, 60)
BAR_HEIGHT = 24
I3BAR_URGENT = "#900000"
"""i3bar's default background for an urgent block (its ``urgent_workspace`` colours)."""
ENOUGH_PIXELS = 50
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
        wait_for(lambda: (count_near(self.pixels(), color) >= ENOUGH_PIXELS) == present,
                 lambda: f"{color} {'on' if present else 'gone from'} the bar: {count_near(self.pixels(), color)} px")


@pytest.fixture
def i3bar(daemon: RunningDaemon, tmp_path: Path) -> Iterator[I3Bar]:
    """i3 with the example's block, its agent-console written with this checkout's absolute path
    as the example says to; everything on the daemon's bus."""
    blocks = tmp_path / "i3blocks.conf"
    blocks.write_text(EXAMPLE.read_text().replace("$HOME/.local/bin/agent-console", AGENT_CONSOLE))
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


def cli(daemon: RunningDaemon, *args: str) -> None:
    subprocess.run([AGENT_CONSOLE, *args, "--address", daemon.address], check=True, timeout=READY_TIMEOUT_S)


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
