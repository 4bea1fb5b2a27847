"""What our hooks cost Claude Code, as Claude sees it: the time of a whole ``claude -p`` turn.

Run as ``python benchmarks/claude_hooks.py [RUNS]`` (default 10) after
``packaging/install-deps --test``.  One turn (SessionStart, UserPromptSubmit, a
Bash tool call, Stop, SessionEnd) against the fake Messages API of the tests,
with the daemon on a private bus, timed four ways, interleaved so that machine
noise hits all alike:

- no hooks at all;
- ``/bin/true`` registered exactly where install-hooks registers ours (same
  events, matchers and options): the floor any hook pays;
- the Python handler and the shell handler, as ``agent-console install-hooks``
  (with and without ``--shell``) registers them.

It prints the median and p90 of each and, per hook event, what a handler costs
beyond ``/bin/true``.  Target (issue 8): at most 2 ms per hook event.  The
Python handler is the ``agent-console`` beside this interpreter, so its start-up
depends on how it was installed (an editable install adds an import hook): the
table says which one it measured.  It only reports.
"""

import json
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import distribution
from pathlib import Path

from harness import private_daemon
from real_claude import COMMAND_TIMEOUT_S, OfflineClaude

PROMPT = "@@bash true@@"
OPTIONS = ("--allowedTools", "Bash")
WARM_UP_RUNS = 2
TARGET_MS_PER_EVENT = 2.0
FLOOR = "/bin/true"
SETTLE_S = 1.0
"""A hook counter that has not grown for this long is done: longer than a hook's 1 s bus deadline."""


def install_kind() -> str:
    """``editable`` or ``regular``: how the agent-console package this interpreter runs was installed."""
    direct = distribution("agent-console").read_text("direct_url.json")
    editable = bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))
    return "editable" if editable else "regular"


def with_command(settings: dict, command: str) -> dict:
    """``settings`` with every registered hook running ``command`` instead, all else kept."""
    hooks = {event: [{**group, "hooks": [{**hook, "command": command} for hook in group["hooks"]]}
                     for group in groups] for event, groups in settings["hooks"].items()}
    return {**settings, "hooks": hooks}


def variants(scratch: Path, address: str) -> dict[str, OfflineClaude]:
    """One home per variant, each with its own settings.json."""
    def home(name: str) -> OfflineClaude:
        return OfflineClaude(scratch / name / "home", scratch / name / "work", address)

    chosen = {"no hooks": home("none"), FLOOR: home("true"), "python": home("python"), "shell": home("shell")}
    chosen["python"].install_hooks()
    chosen["shell"].install_hooks("--shell")
    chosen[FLOOR].write_settings(with_command(json.loads(chosen["python"].settings_path.read_text()), FLOOR))
    return chosen


def events_per_turn(settings: dict, scratch: Path, address: str) -> int:
    """How many hook runs one turn makes with ``settings``: counted by a hook that appends a line."""
    counter = scratch / "counted"
    claude = OfflineClaude(scratch / "count" / "home", scratch / "count" / "work", address)
    try:
        claude.write_settings(with_command(settings, f"echo >> {shlex.quote(str(counter))}"))
        turn(claude)
        return settled_line_count(counter)
    finally:
        claude.stop()


def settled_line_count(path: Path) -> int:
    """Lines in ``path`` once ``SETTLE_S`` passes without a new one: async hooks may outlive the turn."""
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    seen = -1
    while True:
        count = len(path.read_text().splitlines()) if path.exists() else 0
        if count == seen:
            return count
        if time.monotonic() > deadline:
            raise SystemExit(f"hook runs still being added to {path} after {COMMAND_TIMEOUT_S} s")
        seen = count
        time.sleep(SETTLE_S)


def turn(claude: OfflineClaude) -> float:
    started = time.perf_counter()
    done = claude.print_turn(PROMPT, *OPTIONS)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"claude -p failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return elapsed


def time_turns(chosen: dict[str, OfflineClaude], runs: int, progress: Callable[[int], None]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in chosen}
    for run in range(WARM_UP_RUNS + runs):
        for name, claude in chosen.items():
            elapsed = turn(claude)
            if run >= WARM_UP_RUNS:
                timings[name].append(elapsed)
        progress(run)
    return timings


def report(timings: dict[str, list[float]], events: int, runs: int) -> None:
    floor = statistics.median(timings[FLOOR]) * 1000
    print(f"\nclaude -p turn ({PROMPT!r}: {events} hook events), {runs} runs, "
          f"Python handler: {install_kind()} install, {sys.executable}")
    print(f"  {'variant':<10} {'median ms':>10} {'p90 ms':>8} {'vs /bin/true':>13} {'per event':>10}")
    for name, seconds in timings.items():
        median = statistics.median(seconds) * 1000
        p90 = statistics.quantiles(seconds, n=10)[-1] * 1000
        extra = median - floor
        per_event = f"{extra / events:+.1f} ms" if name not in ("no hooks", FLOOR) else ""
        print(f"  {name:<10} {median:>10.0f} {p90:>8.0f} {extra:>+10.0f} ms {per_event:>10}")
    print(f"  target: a handler costs at most {TARGET_MS_PER_EVENT:.0f} ms per hook event beyond {FLOOR}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with private_daemon() as daemon, tempfile.TemporaryDirectory(prefix="agent-console-claude-bench-") as scratch:
        chosen = variants(Path(scratch), daemon.address)
        try:
            ours = json.loads(chosen["python"].settings_path.read_text())
            events = events_per_turn(ours, Path(scratch), daemon.address)
            timings = time_turns(chosen, runs, lambda run: print(".", end="", flush=True))
            report(timings, events, runs)
        finally:
            for claude in chosen.values():
                claude.stop()


if __name__ == "__main__":
    main()
