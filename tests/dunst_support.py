"""A real notification server for the tests: dunst on a private X server (Xvfb) and the test's bus.

What dunst shows is read back two ways: ``dunstctl`` (how many bubbles are
displayed; the history of the closed ones, as JSON) and dunst's own
``-print`` log on stdout, one block per bubble it was given.  Used by the
tests and by ``benchmarks/notify_latency.py`` and the README's screenshot.
"""

import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from processes import READY_TIMEOUT_S, bus_owner_pid, env_with_bus, stop

DUNSTRC = """\
[global]
    font = DejaVu Sans 11
    width = 420
    offset = 16x16
    origin = top-right
    frame_width = 2
    gap_size = 6
    padding = 10
    horizontal_padding = 12
    format = "<b>%s</b>\\n%b"
    icon_position = off
[urgency_low]
    timeout = 0
[urgency_normal]
    background = "#285577"
    foreground = "#ffffff"
    timeout = 0
[urgency_critical]
    background = "#900000"
    foreground = "#ffffff"
    frame_color = "#ff0000"
    timeout = 0
"""
"""Bubbles stay until closed (timeout 0), so what a test reads is what the notifier did, not a timer."""


@dataclass
class Dunst:
    address: str
    display: str
    process: subprocess.Popen[bytes]
    print_log: Path

    @property
    def env(self) -> dict[str, str]:
        return {**env_with_bus(self.address), "DISPLAY": self.display}

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, check=True, timeout=READY_TIMEOUT_S
        )
        return done.stdout

    def displayed(self) -> int:
        return int(self.ctl("count", "displayed"))

    def history(self) -> list[str]:
        """Summaries of the closed bubbles, newest first."""
        return [entry["summary"]["data"] for entry in json.loads(self.ctl("history"))["data"][0]]

    def given(self) -> list[str]:
        """Summaries of every bubble dunst was given, in order (a replacement counts again)."""
        return [
            line.strip().removeprefix("summary: '").removesuffix("'")
            for line in self.print_log.read_text(errors="replace").splitlines()
            if line.strip().startswith("summary: '")
        ]


def start_xvfb(size: str = "1024x600", fbdir: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A private X server; it writes its display number and a newline to the pipe once it accepts clients.

    The whole line is read before the pipe is closed: Xvfb writes the number
    and the newline apart, and the newline into a closed pipe kills it.
    ``fbdir``: where Xvfb keeps its screen as a file (``tests/xwd.py`` reads it).
    """
    read_end, write_end = os.pipe()
    frame_buffer = ["-fbdir", str(fbdir)] if fbdir is not None else []
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp", *frame_buffer],
        pass_fds=(write_end,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    written = b""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not written.endswith(b"\n") and select.select([read_end], [], [], max(0, deadline - time.monotonic()))[0]:
        chunk = os.read(read_end, 64)
        if not chunk:
            break
        written += chunk
    os.close(read_end)
    if not written.endswith(b"\n"):
        xvfb.kill()
        xvfb.wait()
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{written.decode().strip()}"


@contextmanager
def running_dunst(address: str, directory: Path) -> Iterator[Dunst]:
    """dunst owning org.freedesktop.Notifications on the bus at ``address``; everything stopped after."""
    xvfb, display = start_xvfb()
    config = directory / "dunstrc"
    config.write_text(DUNSTRC)
    print_log = directory / "dunst.out"
    with print_log.open("wb") as out:
        process = subprocess.Popen(
            ["dunst", "-config", str(config), "-print"],
            env={**env_with_bus(address), "DISPLAY": display},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    dunst = Dunst(address, display, process, print_log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while bus_owner_pid(address, "org.freedesktop.Notifications") != process.pid:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("dunst did not take org.freedesktop.Notifications")
            time.sleep(0.05)
        yield dunst
    finally:
        stop(process, xvfb)
