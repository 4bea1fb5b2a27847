"""How soon after a ``Set`` each desktop widget shows the change.

A real gnome-shell 43 headless and plasmoidviewer on Xvfb (tests/desktop_support.py),
each with the real daemon on its session bus.  One session is flipped between
question and working with ``Set`` (in-process blocking client, so no CLI start is
counted); the time until the widget logs its new bar (the indicator with
AGENT_CONSOLE_WIDGET_LOG=1, the applet always) is read by watching its log every
millisecond.  The indicator follows signals; the applet polls once a second, so
expect about half a second on average there.

Run: python benchmarks/widget_latency.py [--rounds N] [gnome-shell|plasma ...]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from desktop_support import Home, daemon_on, running_gnome_shell, running_plasmoidviewer
from harness import describe_ms
from processes import AGENT_CONSOLE, start_daemon

from agent_console.client.blocking_client import BlockingSessionsClient
from agent_console.widgets.install import GNOME_UUID

MARKER = "agent-console-widget: bar "
GAP_S = 1.3
"""Between rounds: longer than the applet's poll, so each round starts from a settled widget."""
LOG_POLL_S = 0.001


def measure(address: str, log: Callable[[], str], rounds: int) -> list[float]:
    samples = []
    with BlockingSessionsClient.connect(address) as client:
        for i in range(rounds):
            status = "question" if i % 2 == 0 else "working"
            seen = log().count(MARKER)
            start = time.perf_counter()
            client.set("bench", status)
            while log().count(MARKER) == seen:
                time.sleep(LOG_POLL_S)
            samples.append(time.perf_counter() - start)
            time.sleep(GAP_S)
    return samples


def gnome_shell(rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="agent-console-bench.") as scratch:
        root = Path(scratch)
        Home.create(root).run([AGENT_CONSOLE, "install-widget", "gnome-shell"])
        with running_gnome_shell(root, enabled=(GNOME_UUID,)) as shell, daemon_on(shell.address, root / "d.log"):
            shell.wait_for_bar("idle")
            return measure(shell.address, lambda: shell.log, rounds)


def plasma(rounds: int) -> list[float]:
    daemons = []

    def prepare(home: Home, address: str) -> None:
        home.run([AGENT_CONSOLE, "install-widget", "plasma"])
        daemons.append(start_daemon(address, home.root / "daemon.log"))

    with tempfile.TemporaryDirectory(prefix="agent-console-bench.") as scratch:
        try:
            with running_plasmoidviewer(Path(scratch), prepare) as viewer:
                viewer.wait_for_bar("idle")
                return measure(viewer.address, lambda: viewer.log, rounds)
        finally:
            for daemon in daemons:
                daemon.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("desktops", nargs="*", default=["gnome-shell", "plasma"])
    args = parser.parse_args()
    for desktop in args.desktops:
        samples = {"gnome-shell": gnome_shell, "plasma": plasma}[desktop](args.rounds)
        print(f"{desktop}: Set to bar {describe_ms(samples)}, mean {1000 * statistics.mean(samples):.0f} ms")


if __name__ == "__main__":
    main()
