"""Facts about a process, read from the OS: who owns a session, whether it
still runs, and how old and how big the daemon is.

Shared by the hook (which names its owner) and the daemon (which checks it),
so both read the start time the same way.  Standard library only, because
the hook imports it on every Claude Code event.

A pid alone is not an identity: the kernel reuses pids.  A (pid, start time)
pair is: on Linux the start time is field 22 of ``/proc/PID/stat``, in clock
ticks since boot, read without starting a subprocess; on macOS it is
``ps -o lstart=`` as seconds since the epoch.
"""

import os
import sys
import time

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "fish", "ksh", "mksh", "busybox", "env", "timeout", "nice"})
"""Wrappers between Claude Code and its hook; the owner is the first ancestor not named here."""

PS_TIMEOUT_S = 1.0
"""``ps`` (where there is no /proc, as on macOS) answers in milliseconds; past this the fact is unknown."""
MAX_ANCESTORS = 64
"""Ancestors followed at most: far deeper than any real tree, and a bound should /proc change under us."""
BYTES_PER_KIB = 1024


def _linux_stat(pid: int) -> tuple[str, str, int, int, int] | None:
    """(command name, state, parent pid, start time, tty_nr) from /proc, None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            raw = stat.read().decode(errors="replace")
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, fields[0], int(fields[1]), int(fields[19]), int(fields[4])


def _ps(pid: int, column: str) -> str | None:
    """macOS only; imported here because subprocess costs the hook ~2 ms on every Linux event.

    The C locale keeps ``lstart`` in the one format ``start_time`` parses,
    whatever language the user's session speaks.
    """
    import subprocess

    try:
        shown = subprocess.run(
            ["ps", "-o", f"{column}=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=PS_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shown.stdout.strip() if shown.returncode == 0 and shown.stdout.strip() else None


def start_time(pid: int) -> int | None:
    """When ``pid`` started, or None if it does not run (a zombie has stopped running)."""
    if sys.platform == "linux":
        stat = _linux_stat(pid)
        return None if stat is None or stat[1] in ("Z", "X") else stat[3]
    started = _ps(pid, "lstart")
    try:
        return int(time.mktime(time.strptime(started, "%a %b %d %H:%M:%S %Y"))) if started else None
    except ValueError:
        return None


def is_running(pid: int, started: int) -> bool:
    """True while the very process that was seen at ``started`` still runs."""
    return start_time(pid) == started


def _parent_and_name(pid: int) -> tuple[int, str] | None:
    if sys.platform == "linux":
        stat = _linux_stat(pid)
        return (stat[2], stat[0]) if stat else None
    shown = _ps(pid, "ppid,comm")
    if shown is None:
        return None
    parent, _, command = shown.partition(" ")
    return int(parent), os.path.basename(command.strip())


def owner_process(pid: int | None = None) -> tuple[int, int] | None:
    """(pid, start time) of the first ancestor of ``pid`` (default: our parent) that is not a shell."""
    current = os.getppid() if pid is None else pid
    while current > 1:
        found = _parent_and_name(current)
        if found is None:
            return None
        parent, name = found
        if name not in SHELLS:
            started = start_time(current)
            return (current, started) if started is not None else None
        current = parent
    return None


PTY_MAJORS = range(136, 144)
"""Linux's Unix98 pseudo-terminal slaves, /dev/pts/N: 256 minors per major."""


def controlling_tty(pid: int) -> str | None:
    """The controlling terminal of ``pid`` as a path (``/dev/pts/3``); None without one, or off Linux.

    Decoded from ``tty_nr`` in /proc/PID/stat rather than read from a file
    descriptor: the agent's stdin may be redirected, its controlling tty is
    what the terminal window holds.  Other terminals are named by sysfs.
    """
    stat = _linux_stat(pid) if sys.platform == "linux" else None
    if not stat or not stat[4]:
        return None
    device = stat[4]
    major, minor = (device >> 8) & 0xFFF, (device & 0xFF) | ((device >> 12) & 0xFFF00)
    if major in PTY_MAJORS:
        return f"/dev/pts/{(major - PTY_MAJORS.start) * 256 + minor}"
    try:
        with open(f"/sys/dev/char/{major}:{minor}/uevent") as uevent:
            name = next((line[8:].strip() for line in uevent if line.startswith("DEVNAME=")), None)
    except OSError:
        return None
    return f"/dev/{name}" if name else None


def ancestors(pid: int) -> list[int]:
    """``pid`` and its ancestors up to (not including) init, nearest first; empty if it does not run."""
    chain: list[int] = []
    current = pid
    while current > 1 and len(chain) < MAX_ANCESTORS:
        found = _parent_and_name(current)
        if found is None:
            break
        chain.append(current)
        current = found[0]
    return chain


def uptime_s(pid: int) -> float | None:
    """Seconds since ``pid`` started, or None if it does not run."""
    started = start_time(pid)
    if started is None:
        return None
    if sys.platform != "linux":
        return max(0.0, time.time() - started)
    try:
        with open("/proc/uptime") as uptime:
            system_uptime_s = float(uptime.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, system_uptime_s - started / os.sysconf("SC_CLK_TCK"))


def rss_bytes(pid: int) -> int | None:
    """Resident memory of ``pid`` (what the kernel charges it now), or None if unknown."""
    kib = _linux_rss_kib(pid) if sys.platform == "linux" else _ps(pid, "rss")
    try:
        return None if kib is None else int(kib) * BYTES_PER_KIB
    except ValueError:
        return None


def _linux_rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), None)
    except OSError:
        return None


MAX_ENVIRON_BYTES = 1 << 20
"""Of a process's environment block, what is read: the kernel allows a few MiB."""


def children(pid: int) -> frozenset[int]:
    """The pids of ``pid``'s children now, from each thread's list in /proc (Linux; empty elsewhere)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return frozenset()
    found: set[int] = set()
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found.update(int(child) for child in listed.read().split())
        except (OSError, ValueError):
            continue
    return frozenset(found)


def environment_names(pid: int) -> frozenset[str]:
    """The names in ``pid``'s environment as it was started (Linux; empty if unreadable)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            block = environ.read(MAX_ENVIRON_BYTES)
    except OSError:
        return frozenset()
    return frozenset(entry.partition(b"=")[0].decode(errors="replace") for entry in block.split(b"\0") if entry)
