"""The selected row as a terminal shows it: the real dashboard in tmux, read back with
``capture-pane -e`` (the text with its SGR escapes), in several themes, colour depths and NO_COLOR.

A row is plainly selected when every cell of it has a background that no
other row has in that column; reverse video counts as the foreground made
background, which is how a terminal draws it.
"""

import re
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, RunningDaemon
from tmux_support import Tmux, wait_for

from agent_console.client.async_client import SessionsClient

pytestmark = pytest.mark.desktop

SGR = re.compile(r"\x1b\[([0-9;]*)m")
Look = tuple[str, str, bool]
"""(foreground, background, reverse) of one cell, the colours as the SGR parameters said them."""


def looks(capture: str) -> list[list[Look]]:
    """Each line's cells with the SGR state in force; the state runs on across lines, as tmux writes it."""
    fg, bg, reverse = "default", "default", False
    lines = []
    for line in capture.split("\n"):
        cells: list[Look] = []
        position = 0
        for match in [*SGR.finditer(line), None]:
            end = match.start() if match else len(line)
            cells += [(fg, bg, reverse)] * (end - position)
            if match is None:
                break
            position = match.end()
            fg, bg, reverse = _apply(match.group(1), fg, bg, reverse)
        lines.append(cells)
    return lines


def _apply(parameters: str, fg: str, bg: str, reverse: bool) -> tuple[str, str, bool]:
    codes = [int(code) if code else 0 for code in parameters.split(";")]
    while codes:
        code = codes.pop(0)
        if code == 0:
            fg, bg, reverse = "default", "default", False
        elif code == 7:
            reverse = True
        elif code == 27:
            reverse = False
        elif code in (38, 48):
            count = 2 if codes[0] == 5 else 4
            colour = ";".join(map(str, codes[:count]))
            del codes[:count]
            fg, bg = (colour, bg) if code == 38 else (fg, colour)
        elif 30 <= code <= 37 or 90 <= code <= 97 or code == 39:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107 or code == 49:
            bg = str(code)
    return fg, bg, reverse


def background(look: Look) -> str:
    fg, bg, reverse = look
    return fg if reverse else bg


def plainly_selected(capture: str, selected: int, others: list[int]) -> bool:
    lines = looks(capture)
    row = lines[selected]
    return bool(row) and all(
        background(cell) != background(lines[other][column])
        for column, cell in enumerate(row)
        for other in others
        if column < len(lines[other])
    )


async def seed(client: SessionsClient) -> None:
    await client.set("q1", "question", working_dir="/src/beta", detail="Which database?")
    await client.set("w1", "working", working_dir="/src/alpha")
    await client.set("c1", "closed", working_dir="/src/old")
    await client.set("s1", "attention", working_dir="/src/seen")
    await client.ack("s1")


@pytest.mark.parametrize(
    "env",
    [
        "COLORTERM=truecolor",
        "COLORTERM=truecolor TEXTUAL_THEME=textual-light",
        "COLORTERM=truecolor TEXTUAL_THEME=solarized-light",
        "COLORTERM=truecolor TEXTUAL_THEME=ansi-dark",
        "TERM=screen",
        "COLORTERM=truecolor NO_COLOR=1",
    ],
)
async def test_the_selected_row_has_a_background_of_its_own(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path, env: str
) -> None:
    """Down the four rows (an unseen question, a seen attention, work, a closed one), each in turn."""
    await seed(client)
    tmux = Tmux(tmp_path / "tmux.sock")
    try:
        tmux("new-session", "-d", "-s", "d", "-x", "120", "-y", "14",
             f"env {env} {AGENT_CONSOLE} dashboard --address '{daemon.address}'")
        wait_for(lambda: "/src/old" in tmux.screen("d"), lambda: tmux.screen("d"))
        first = next(n for n, line in enumerate(tmux.screen("d").splitlines()) if "/src/beta" in line)
        rows = range(first, first + 4)
        for selected in rows:
            wait_for(
                lambda selected=selected: plainly_selected(capture(tmux), selected, [r for r in rows if r != selected]),
                lambda selected=selected: f"row {selected - first} plainly selected with {env}: {capture(tmux)!r}",
            )
            tmux("send-keys", "-t", "d", "j")
    finally:
        tmux.kill()


def capture(tmux: Tmux) -> str:
    return tmux("capture-pane", "-p", "-e", "-t", "d")
