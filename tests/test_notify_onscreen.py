"""The quiet rule against a real tmux server: a pane is on screen only when an attached client shows it."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import READY_TIMEOUT_S

from agent_console.notify.onscreen import on_screen, tmux_command


def tmux(socket: Path, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, check=True, timeout=READY_TIMEOUT_S
    )
    return done.stdout.strip()


@pytest.fixture
def sockets(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The session's tmux server, and an outer one whose pane runs the client that attaches to it."""
    inner, outer = tmp_path / "inner", tmp_path / "outer"
    yield inner, outer
    for socket in (outer, inner):
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, timeout=READY_TIMEOUT_S)


def terminal_of(socket: Path, pane: str) -> dict[str, str]:
    """What the hook sends from inside that pane: $TMUX (socket, server pid, session) and $TMUX_PANE."""
    return {"tmux": f"{socket},{tmux(socket, 'display-message', '-p', '#{pid}')},0", "tmux_pane": pane}


async def test_only_the_active_pane_of_an_attached_client_is_on_screen(sockets: tuple[Path, Path]) -> None:
    inner, outer = sockets
    tmux(inner, "new-session", "-d", "-s", "work", "-x", "80", "-y", "24")
    first = tmux(inner, "display-message", "-p", "-t", "work", "#{pane_id}")
    tmux(inner, "new-window", "-t", "work")
    second = tmux(inner, "display-message", "-p", "-t", "work", "#{pane_id}")
    assert not await on_screen(terminal_of(inner, second)), "no client attached"

    tmux(outer, "new-session", "-d", "-x", "80", "-y", "24", f"env -u TMUX tmux -S {inner} attach -t work")
    deadline = time.monotonic() + READY_TIMEOUT_S
    while tmux(inner, "display-message", "-p", "-t", "work", "#{session_attached}") == "0":
        assert time.monotonic() < deadline, "the client did not attach"
        time.sleep(0.05)
    assert await on_screen(terminal_of(inner, second))
    assert not await on_screen(terminal_of(inner, first)), "its window is not the current one"

    tmux(inner, "select-window", "-t", "work:0")
    assert await on_screen(terminal_of(inner, first))
    assert not await on_screen(terminal_of(inner, second))


async def test_outside_tmux_or_with_odd_values_nothing_is_asked(tmp_path: Path) -> None:
    assert tmux_command({}) is None
    assert tmux_command({"tmux": "/tmp/t,1,0", "tmux_pane": "-t%1"}) is None
    assert tmux_command({"tmux": "relative,1,0", "tmux_pane": "%1"}) is None
    assert not await on_screen(None)
    assert not await on_screen({"tmux": f"{tmp_path}/no-server,1,0", "tmux_pane": "%0"})
