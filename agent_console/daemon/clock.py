"""Time as the store sees it: wall clock for display, monotonic for durations.

Durations come from the monotonic clock so that an NTP step or a suspend does
not make a status appear to have lasted a negative or absurd time.  The store
takes a clock as a parameter so tests can move time without sleeping.
"""

import time
from typing import Protocol


class Clock(Protocol):
    def wall_us(self) -> int:
        """Microseconds since the Unix epoch, for people and other programs."""
        ...

    def monotonic_us(self) -> int:
        """Microseconds on a clock that never goes back, for durations."""
        ...


class SystemClock:
    def wall_us(self) -> int:
        return time.time_ns() // 1000

    def monotonic_us(self) -> int:
        return time.monotonic_ns() // 1000
