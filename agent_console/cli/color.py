"""Colour on a terminal, as people expect it: statuses in the widgets' colours, never in a pipe.

``--color auto`` (the default) colours only when stdout is a terminal, the
``NO_COLOR`` convention (https://no-color.org: set and not empty) is not in
force and ``TERM`` is not ``dumb``; ``always`` and ``never`` decide outright.
The colours are the status bars' (``presentation.STATUS_COLORS``), so a
status looks the same in ``list`` as in waybar.
"""

import argparse
import os
import sys
from collections.abc import Callable

from agent_console.presentation import STATUS_COLORS

WHEN = ("auto", "always", "never")
RESET = "\x1b[0m"

Paint = Callable[[str, str], str]
"""(status, text already laid out) -> the text as the terminal shows it."""


def add_color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        metavar="WHEN",
        choices=WHEN,
        default="auto",
        help="Colour the statuses: auto (on a terminal, unless NO_COLOR is set), always or never",
    )


def wanted(when: str) -> bool:
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _sgr(hex_color: str) -> str:
    """A 24-bit foreground colour: what the widgets use, without a palette's approximation."""
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"\x1b[38;2;{red};{green};{blue}m"


def painter(when: str) -> Paint:
    """Colours a status's text when colour is wanted; statuses a newer daemon adds stay plain."""
    if not wanted(when):
        return lambda status, text: text
    codes = {status: _sgr(color) for status, color in STATUS_COLORS.items()}
    return lambda status, text: f"{codes[status]}{text}{RESET}" if status in codes else text
