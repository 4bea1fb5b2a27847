"""What the Plasma applet's once-a-second poll costs (the GNOME indicator polls nothing).

Plasma's QML cannot subscribe to D-Bus signals, so the applet asks every second
(``pollMs`` in agent_console/widgets/plasma/main5.qml and main6.qml) and takes a
Snapshot only when something moved.  This prints, on a private bus with the real daemon:

- Plasma 5.27's poll: the shell line its executable engine runs (sh and two busctl), CPU per poll;
- the daemon's CPU per poll, for one ``Properties.Get Sequence`` (Plasma 6 sends only that, in-process);
- a Snapshot through busctl, as both versions take it after a change, at 10 and 100 sessions.

Run: python benchmarks/widget_poll.py [--polls N]
"""

import argparse
import json
import os
import resource
import shlex
import subprocess
import time

from harness import private_daemon

from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

BASE = ["busctl", "--user", "--auto-start=no", "--json=short"]
OWNER = [*BASE, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", "s",
         BUS_NAME]
SEQUENCE = [*BASE, "get-property", BUS_NAME, OBJECT_PATH, INTERFACE, "Sequence"]
SNAPSHOT = [*BASE, "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Snapshot"]
"""The commands busctl.js builds (stampLine, snapshotArgv)."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def per_run_ms(argv: list[str], runs: int, env: dict[str, str], daemon_pid: int) -> tuple[float, float, float]:
    """Wall ms, children's CPU ms and the daemon's CPU ms, per run of ``argv``."""
    before_children, before_daemon, start = children_cpu_s(), process_cpu_s(daemon_pid), time.perf_counter()
    for _ in range(runs):
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return (1000 * wall / runs, 1000 * (children_cpu_s() - before_children) / runs,
            1000 * (process_cpu_s(daemon_pid) - before_daemon) / runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polls", type=int, default=300)
    args = parser.parse_args()
    with private_daemon() as daemon:
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": daemon.address}
        pid = daemon.process.pid
        stamp_line = ["sh", "-c", f"{shlex.join(OWNER)} && {shlex.join(SEQUENCE)}"]
        wall, cpu, served = per_run_ms(stamp_line, args.polls, env, pid)
        print(f"Plasma 5.27 poll (sh + 2 busctl): {wall:.2f} ms wall, {cpu:.2f} ms CPU per poll "
              f"= {cpu / 10:.2f} % of a core at 1 poll/s; daemon {served:.3f} ms CPU per poll")
        wall, cpu, served = per_run_ms(SEQUENCE, args.polls, env, pid)
        print(f"Plasma 6 poll (Properties.Get Sequence): daemon {served:.3f} ms CPU per poll "
              f"= {served / 10:.3f} % of a core at 1 poll/s (busctl here only to send it: {cpu:.2f} ms)")
        for count in (10, 100):
            for i in range(count):
                subprocess.run(["agent-console", "set", f"bench-{count}-{i}", "working", "--detail", "Bash: npm test"],
                               env=env, check=True, stdout=subprocess.DEVNULL)
            wall, cpu, served = per_run_ms(SNAPSHOT, 50, env, pid)
            total = json.loads(subprocess.run(SEQUENCE, env=env, capture_output=True, text=True).stdout)["data"]
            print(f"Snapshot through busctl at {count if count == 10 else 110} sessions (Sequence {total}): "
                  f"{wall:.2f} ms wall, busctl {cpu:.2f} ms CPU, daemon {served:.3f} ms CPU, once per change")


if __name__ == "__main__":
    main()
