"""The dashboard as a person sees it: the real ``agent-console dashboard`` in a tmux
pane, read back with ``capture-pane``.

    python benchmarks/dashboard.py
    python benchmarks/dashboard.py --idle


- start: from starting the command to the sessions on screen (target < 0.5 s);
- change to screen: from a ``Set`` returning to its new status on screen
  (target < 50 ms);
- 1,000 sessions: the time to show them, and from a Page Down key to the next
  page on screen, down the whole list.

``--idle`` measures only what the dashboard costs while nothing changes:
``IDLE_SESSIONS`` sessions on screen in an unattached pane, then for
``IDLE_S`` seconds its CPU time (``/proc/PID/stat``) and the writes it makes
(``/proc/PID/io`` ``syscw``: each redraw is a write to the terminal; an idle
dashboard has nothing else to write).  The sessions are younger than two
minutes, so every duration changes every second: the worst case of the tick.

Every figure includes a ``capture-pane`` round trip (about 2 ms here), so it
is a slight overestimate.  Against a private bus and the real daemon.  The
same run measures two floors the same way, so figures from a busy machine
can still be read: ``python -c`` printing a line, and a Textual app that
shows one line and does nothing else.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness import describe_ms, private_daemon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from processes import AGENT_CONSOLE
from tmux_support import Tmux

from agent_console.client.async_client import SessionsClient

IDLE_SESSIONS = 500
IDLE_SETTLE_S = 3.0
"""After the first page shows: the start's own drawing is not idle time."""
IDLE_S = 20.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTS = 10
CHANGES = 40
MANY = 1_000
SIZE = ("-x", "140", "-y", "40")
DEADLINE_S = 30.0
"""Any single wait; far above every target, so a hang ends the benchmark instead of blocking it."""
# A session named "keep" holds the tmux server up between dashboards: a server whose last session
# ended exits, and the next start would race its shutdown.


def time_until(tmux: Tmux, condition: Callable[[str], bool]) -> float:
    """Seconds from now until the pane's text satisfies ``condition``."""
    started = time.perf_counter()
    while not condition(tmux.screen("bench")):
        if time.perf_counter() - started > DEADLINE_S:
            raise TimeoutError(tmux.screen("bench"))
    return time.perf_counter() - started


def start_dashboard(tmux: Tmux, address: str) -> None:
    tmux("new-session", "-d", "-s", "bench", *SIZE, f"{AGENT_CONSOLE} dashboard --address '{address}'")


async def seed(address: str, count: int) -> None:
    client = await SessionsClient.connect(address)
    await asyncio.gather(*(client.set(f"bench-{n:04d}", "working", working_dir=f"/src/p{n:04d}") for n in range(count)))
    client.close()


MINIMAL_TEXTUAL_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Minimal(App):\n"
    "    def compose(self):\n"
    "        yield Static('p0000')\n"
    "Minimal().run()\n"
)


def measure_start(tmux: Tmux, command: str) -> list[float]:
    """Start ``command`` in a fresh pane until ``p0000`` shows, ``STARTS`` times."""
    samples = []
    for _ in range(STARTS):
        started = time.perf_counter()
        tmux("new-session", "-d", "-s", "bench", *SIZE, command)
        time_until(tmux, lambda screen: "p0000" in screen)
        samples.append(time.perf_counter() - started)
        tmux("kill-session", "-t", "bench")
    return samples


def report_starts(what: str, samples: list[float]) -> None:
    print(f"{what}: median {statistics.median(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms ({STARTS} starts)")


async def measure_changes(tmux: Tmux, client: SessionsClient) -> list[float]:
    samples = []
    for n in range(CHANGES):
        status = ("question", "working")[n % 2]
        await client.set("bench-0000", status)
        samples.append(time_until(tmux, lambda screen: f"{'?' if n % 2 == 0 else '~'} {status}" in screen.splitlines()[2]))  # noqa: B023 (waited for within this round)
    return samples


def measure_paging(tmux: Tmux) -> list[float]:
    """Page Down until the last row shows; each sample is one key to the new page on screen."""
    samples = []
    while "p0999" not in (before := tmux.screen("bench")):
        tmux("send-keys", "-t", "bench", "PageDown")
        samples.append(time_until(tmux, lambda screen: screen != before))
    return samples


def cpu_and_writes(pid: int) -> tuple[float, int]:
    """CPU seconds (user and system) and write calls of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    io = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return cpu, int(io["syscw"])


def measure_idle() -> None:
    with private_daemon() as daemon, tempfile.TemporaryDirectory(prefix="agent-console-bench-") as scratch:
        tmux = Tmux(Path(scratch) / "tmux.sock")
        try:
            asyncio.run(seed(daemon.address, IDLE_SESSIONS))
            start_dashboard(tmux, daemon.address)
            time_until(tmux, lambda screen: "p0000" in screen)
            pid = int(tmux("display-message", "-p", "-t", "bench", "#{pane_pid}"))
            time.sleep(IDLE_SETTLE_S)
            cpu_before, writes_before = cpu_and_writes(pid)
            time.sleep(IDLE_S)
            cpu_after, writes_after = cpu_and_writes(pid)
            print(
                f"{IDLE_SESSIONS} sessions, idle {IDLE_S:.0f} s in an unattached 140x40 pane: "
                f"{(writes_after - writes_before) / IDLE_S:.1f} writes/s, "
                f"CPU {100 * (cpu_after - cpu_before) / IDLE_S:.2f} %"
            )
        finally:
            tmux.kill()


def main() -> None:
    if sys.argv[1:] == ["--idle"]:
        measure_idle()
        return
    with private_daemon() as daemon, tempfile.TemporaryDirectory(prefix="agent-console-bench-") as scratch:
        tmux = Tmux(Path(scratch) / "tmux.sock")
        tmux("new-session", "-d", "-s", "keep", f"sleep {DEADLINE_S * 100:.0f}")
        try:
            asyncio.run(seed(daemon.address, 1))
            script = Path(scratch) / "minimal.py"
            script.write_text(MINIMAL_TEXTUAL_APP)
            floor = f"{sys.executable} -c \"print('p0000'); import time; time.sleep(60)\""
            report_starts("floor: python -c print", measure_start(tmux, floor))
            report_starts("floor: a one-line Textual app", measure_start(tmux, f"{sys.executable} {script}"))
            report_starts("agent-console dashboard, start to the session on screen",
                          measure_start(tmux, f"{AGENT_CONSOLE} dashboard --address '{daemon.address}'"))
            start_dashboard(tmux, daemon.address)
            time_until(tmux, lambda screen: "p0000" in screen)

            async def changes() -> list[float]:
                changer = await SessionsClient.connect(daemon.address)
                try:
                    return await measure_changes(tmux, changer)
                finally:
                    changer.close()

            print(f"Set to the new status on screen: {describe_ms(asyncio.run(changes()))}")
            tmux("kill-session", "-t", "bench")

            asyncio.run(seed(daemon.address, MANY))
            started = time.perf_counter()
            start_dashboard(tmux, daemon.address)
            time_until(tmux, lambda screen: f"~ {MANY} working" in screen and "p0000" in screen)
            print(f"{MANY} sessions: start to the first page {(time.perf_counter() - started) * 1000:.0f} ms")
            print(f"{MANY} sessions: Page Down to the next page on screen: {describe_ms(measure_paging(tmux))}")
        finally:
            tmux.kill()


if __name__ == "__main__":
    main()
