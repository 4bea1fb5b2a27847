"""What our hooks cost Claude Code, as Claude sees it: the time of a whole ``claude -p`` turn.

Run as ``python benchmarks/claude_hooks.py [RUNS] [VERSION]`` (default ``RUNS``, and the
tests' Claude Code) after ``packaging/install-deps --test``, which caches each version
under ~/.cache/agent-console/npm/claude-code@VERSION.  One turn (SessionStart, UserPromptSubmit, a
Bash tool call, Stop, SessionEnd) against the fake Messages API of the tests,
with the daemon on a private bus, timed four ways in rounds: each round runs
every variant once, in an order that rotates from round to round, so that
machine noise hits all alike:

- no hooks at all;
- ``/bin/true`` registered exactly where install-hooks registers ours (same
  events, matchers and options): the floor any hook pays;
- the Python handler and the shell handler, as ``agent-console install-hooks``
  (with and without ``--shell``) registers them.

It prints the median and p90 of each and, per hook event, what a handler costs
beyond ``/bin/true``: the median of the per-round differences (a slow round
slows both, and cancels out), with a 95 % confidence interval for it (order
statistics, no assumption on the distribution).  A turn varies by tens of ms
from round to round, so resolving 2 ms per event (10 ms per turn) takes some
forty rounds.  Target: at most 2 ms per hook event.

Two figures per event that need no turn follow, each the median of
``EVENT_RUNS`` interleaved runs with a Stop payload: what Claude waits for
(its ``/bin/sh -c`` of the registered line, against ``/bin/sh -c /bin/true``),
and the CPU time the handler itself then takes in the background (run in the
foreground here, so that its rusage is ours), which is what competes with
Claude on a busy machine; beside them, the CPU time of a bare ``busctl call`` of
``Set`` to the same daemon, the least any handler that calls the bus can cost (target:
at most twice that).  The
Python handler is the ``agent-console`` beside this interpreter, so its start-up
depends on how it was installed (an editable install adds an import hook): the
table says which one it measured.  It only reports.
"""

import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import distribution
from pathlib import Path

from harness import private_daemon
from real_claude import CACHE, COMMAND_TIMEOUT_S, OfflineClaude

from agent_console.agents.settings_file import BACKGROUND_HEAD, BACKGROUND_TAIL

PROMPT = "@@bash true@@"
OPTIONS = ("--allowedTools", "Bash")
RUNS = 40
EVENT_RUNS = 100
BETWEEN_EVENTS_S = 0.1
"""A pause after each registered line, so that the handler it left in the background
(some 30 ms for the Python one) is done before the next is timed."""
WARM_UP_RUNS = 2
Z_95 = 1.96
"""The normal quantile of a two-sided 95 % interval, for the binomial ranks of the median's interval."""
TARGET_MS_PER_EVENT = 2.0
FLOOR = "/bin/true"
BETWEEN_TURNS_S = 0.5
"""A pause after each turn, so that its hooks still running in the background (a Python
handler's SessionEnd: some 30 ms of CPU) do not slow the next variant's turn instead."""
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
    chosen["python"].install_hooks("--agent", "claude-code")
    chosen["shell"].install_hooks("--shell", "--agent", "claude-code")
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
    """Lines in ``path`` once ``SETTLE_S`` passes without a new one: hooks in the background may outlive the turn."""
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
    """Seconds per turn by variant, index ``n`` of each list from round ``n``."""
    timings: dict[str, list[float]] = {name: [] for name in chosen}
    names = list(chosen)
    for run in range(WARM_UP_RUNS + runs):
        for name in names[run % len(names):] + names[: run % len(names)]:
            elapsed = turn(chosen[name])
            time.sleep(BETWEEN_TURNS_S)
            if run >= WARM_UP_RUNS:
                timings[name].append(elapsed)
        progress(run)
    return timings


def median_interval(values: list[float]) -> tuple[float, float, float]:
    """The median of ``values`` and a 95 % confidence interval for it, from the ranks a
    binomial(n, 1/2) count puts around the middle (exact for any distribution)."""
    ordered = sorted(values)
    n = len(ordered)
    low = max(0, int((n - Z_95 * n**0.5) / 2) - 1)
    return statistics.median(ordered), ordered[low], ordered[n - 1 - low]


def report(timings: dict[str, list[float]], events: int, runs: int) -> None:
    load = os.getloadavg()[0]
    print(f"\nclaude -p turn ({PROMPT!r}: {events} hook events), {runs} rounds, load {load:.2f} at the end, "
          f"Python handler: {install_kind()} install, {sys.executable}")
    print(f"  {'variant':<10} {'median ms':>10} {'p90 ms':>8} {'vs /bin/true (95% CI)':>26} {'per event (95% CI)':>24}")
    for name, seconds in timings.items():
        median = statistics.median(seconds) * 1000
        p90 = statistics.quantiles(seconds, n=10)[-1] * 1000
        extra = versus = ""
        if name != FLOOR:
            middle, low, high = (1000 * x for x in median_interval([a - b for a, b in zip(seconds, timings[FLOOR], strict=True)]))
            versus = f"{middle:+.0f} ms ({low:+.0f}..{high:+.0f})"
            if name != "no hooks":
                extra = f"{middle / events:+.1f} ms ({low / events:+.1f}..{high / events:+.1f})"
        print(f"  {name:<10} {median:>10.0f} {p90:>8.0f} {versus:>26} {extra:>24}")
    print(f"  target: a handler costs at most {TARGET_MS_PER_EVENT:.0f} ms per hook event beyond {FLOOR}")


def per_event(settings: dict[str, dict], address: str) -> None:
    """What Claude waits for per event, and the handler's CPU time behind it, by handler."""
    lines = {FLOOR: FLOOR, **{name: our_line(settings[name]) for name in ("python", "shell")}}
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    payload = json.dumps({"session_id": "bench", "hook_event_name": "Stop", "cwd": "/"}).encode()
    waits: dict[str, list[float]] = {name: [] for name in lines}
    cpu: dict[str, list[float]] = {name: [] for name in lines}
    for _ in range(EVENT_RUNS):
        for name, line in lines.items():
            started = time.perf_counter()
            subprocess.run(["/bin/sh", "-c", line], input=payload, env=env, check=True, timeout=COMMAND_TIMEOUT_S)
            waits[name].append(time.perf_counter() - started)
            time.sleep(BETWEEN_EVENTS_S)
    for _ in range(EVENT_RUNS):
        for name, line in lines.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(foreground(line), input=payload, env=env, check=True, timeout=COMMAND_TIMEOUT_S)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    bare = [*BARE_BUSCTL]
    for _ in range(EVENT_RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(bare, env=env, check=True, timeout=COMMAND_TIMEOUT_S, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.setdefault("busctl", []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"\nper event (Stop), {EVENT_RUNS} runs, load {os.getloadavg()[0]:.2f}: "
          "what Claude waits for, and the handler's CPU time in the background")
    floor = statistics.median(waits[FLOOR]) * 1000
    least = statistics.median(cpu["busctl"]) * 1000
    for name in lines:
        wait = statistics.median(waits[name]) * 1000
        spent = statistics.median(cpu[name]) * 1000
        print(f"  {name:<10} waits {wait:5.1f} ms ({wait - floor:+.1f} vs {FLOOR}), "
              f"CPU {spent:5.1f} ms ({spent / least:.1f}x a bare busctl call)")
    print(f"  {'busctl':<10} a bare 'busctl call ... Set' of its own: CPU {least:5.1f} ms "
          f"(target: a handler's at most {CPU_TARGET_RATIO:.0f}x that)")


BARE_BUSCTL = ("busctl", "--user", "--quiet", "call", "io.github.AgentConsole1", "/io/github/AgentConsole1",
               "io.github.AgentConsole1.Sessions", "Set", "ssa{sv}", "bench-busctl", "attention", "0")
"""The least a handler that calls the bus does: one call, as a process of its own."""
CPU_TARGET_RATIO = 2.0


def our_line(settings: dict) -> str:
    """The command line install-hooks registered (the same for every event)."""
    return settings["hooks"]["Stop"][0]["hooks"][0]["command"]


def foreground(line: str) -> list[str]:
    """The handler of a registered line, run in the foreground (with its ``nice``)."""
    inner = line.removeprefix(BACKGROUND_HEAD).removesuffix(BACKGROUND_TAIL)
    return shlex.split(inner) if inner != line else [line]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    if len(sys.argv) > 2:
        tests_module = sys.modules[OfflineClaude.__module__]
        tests_module.CLAUDE = CACHE / "npm" / f"claude-code@{sys.argv[2]}" / "node_modules" / ".bin" / "claude"
    print(f"Claude Code: {sys.modules[OfflineClaude.__module__].CLAUDE}")
    with private_daemon() as daemon, tempfile.TemporaryDirectory(prefix="agent-console-claude-bench-") as scratch:
        chosen = variants(Path(scratch), daemon.address)
        try:
            ours = json.loads(chosen["python"].settings_path.read_text())
            events = events_per_turn(ours, Path(scratch), daemon.address)
            timings = time_turns(chosen, runs, lambda run: print(".", end="", flush=True))
            report(timings, events, runs)
            per_event({name: json.loads(chosen[name].settings_path.read_text()) for name in ("python", "shell")},
                      daemon.address)
        finally:
            for claude in chosen.values():
                claude.stop()


if __name__ == "__main__":
    main()
