"""The clock events are stamped with: one that every process of the machine shares.

A hook stamps its event when it starts, the daemon stamps what it observes
itself, and the store drops an event older than the last one it applied.
Wall-clock time would not do (NTP steps it), nor a per-process monotonic
origin.  ``CLOCK_BOOTTIME`` counts from boot, suspend included, and is what
``/proc/uptime`` shows, so the shell hook reads the same clock without
starting a process.  Where it does not exist (macOS) the monotonic clock,
also shared machine-wide there, stands in.

Standard library only: the hook imports it on every event.
"""

import time

_CLOCK = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)

US_PER_S = 1_000_000
"""Microseconds in a second: every time the store and the wire carry is in microseconds."""


def now_us() -> int:
    """Microseconds since boot."""
    return time.clock_gettime_ns(_CLOCK) // 1000


def of_wall_us(wall_us: int) -> int:
    """A wall-clock moment (microseconds since the epoch) on this clock: now, less its age;
    0 if before the boot, now if in the future."""
    age = time.time_ns() // 1000 - wall_us
    now = now_us()
    return max(0, now - max(0, age))
