"""Make docs/waybar.png and docs/i3blocks.png, the pictures of the bar examples in packaging/widgets/.

Run as ``python docs/bar-screenshots.py [waybar|i3blocks]`` with what
``packaging/install-deps --test`` installs.  A private bus and daemon get the
sessions of docs/screenshots.py before a bar starts, so its first line is the
one pictured; then each bar runs for real with its example exactly as
tests/test_bars_for_real.py runs it (its fixtures, entered here as plain
context managers): i3 + i3bar + i3blocks on Xvfb, waybar in a headless sway.
The bar's right end, where the module is, is saved.
"""

import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_bars_for_real as bars
from processes import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon, start_daemon
from screenshots import set_sessions
from xwd import write_png

from agent_console.presentation import STATUS_COLORS
from agent_console.wire.private_bus import start_private_bus

DOCS = Path(__file__).resolve().parent
T = TypeVar("T")
MARGIN = 40
"""Pixels of empty bar kept left of the module, so the picture reads as a bar."""


def fixture(definition: object, _yields: type[T]) -> Callable[..., AbstractContextManager[T]]:
    """A test fixture's own generator function as a context manager (pytest keeps it as ``__wrapped__``)."""
    return contextmanager(definition.__wrapped__)  # type: ignore[attr-defined]


def bar_strip(rows: list[bytes]) -> list[bytes]:
    """The module at the bar's right end and a little empty bar: without the desktop under the bar
    (trailing rows of one colour), and left of the module's first column (right of the last one all
    of the bar's background, which is the colour most such columns have)."""
    while len({rows[-1][i : i + 3] for i in range(0, len(rows[-1]), 3)}) == 1:
        rows = rows[:-1]
    columns = [{row[i : i + 3] for row in rows} for i in range(0, len(rows[0]), 3)]
    plain = [(x, colour.pop()) for x, colour in enumerate(columns) if len(colour) == 1]
    background = Counter(colour for _, colour in plain).most_common(1)[0][0]
    module = 1 + max(x for x, colour in plain if colour == background)
    return [row[3 * max(0, module - MARGIN) :] for row in rows]


def i3blocks(daemon: RunningDaemon, scratch: Path) -> None:
    with fixture(bars.i3bar, bars.I3Bar)(daemon, scratch) as bar:
        bar.wait_for(bars.I3BAR_URGENT, present=True)
        rows = bar.pixels()
    save("i3blocks.png", rows)


def waybar(daemon: RunningDaemon, scratch: Path) -> None:
    with fixture(bars.waybar, bars.Waybar)(daemon) as bar:
        bar.wait_for(STATUS_COLORS["question"], present=True)
        rows = bar.pixels()
    save("waybar.png", rows)


def save(name: str, rows: list[bytes]) -> None:
    kept = bar_strip(rows)
    write_png(DOCS / name, len(kept[0]) // 3, len(kept), kept)
    print(DOCS / name)


def picture(bar: Callable[[RunningDaemon, Path], None], root: Path) -> None:
    bus = start_private_bus(root)
    daemon = start_daemon(bus.address, root / "daemon.log")
    try:
        set_sessions(lambda *args: subprocess.run(
            [AGENT_CONSOLE, *args, "--address", daemon.address],
            capture_output=True, text=True, check=False, timeout=READY_TIMEOUT_S,
        ))
        bar(daemon, root)
    finally:
        daemon.stop()
        bus.stop()


def main() -> None:
    for name in sys.argv[1:] or ["waybar", "i3blocks"]:
        with tempfile.TemporaryDirectory(prefix="agent-console-shot.") as scratch:
            picture({"waybar": waybar, "i3blocks": i3blocks}[name], Path(scratch))


if __name__ == "__main__":
    main()
