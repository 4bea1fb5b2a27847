"""The quiet rule against a real tmux: a pane is on screen only when an attached client shows it."""

from pathlib import Path

import pytest
from conftest import RunningDaemon
from notify_support import (
    BASIC,
    FakeNotifications,
    quick,
    serve_notifications,
    start_notifier,
)
from tmux_support import Tmux, start_desk, wait_for

from agent_console.client.async_client import SessionsClient
from agent_console.notify.onscreen import on_screen, tmux_command

pytestmark = pytest.mark.desktop


def terminal_of(tmux: Tmux, pane: str) -> dict[str, str]:
    """What the hook sends from inside that pane: $TMUX (socket, server pid, session) and $TMUX_PANE."""
    return {"tmux": f"{tmux.socket},{tmux('display-message', '-p', '#{pid}')},0", "tmux_pane": pane}


async def test_only_the_active_pane_of_an_attached_client_is_on_screen(tmp_path: Path, bus_address: str) -> None:
    inner, outer = start_desk(tmp_path, bus_address)
    try:
        agent, other_window, work = inner.pane("agents:0"), inner.pane("agents:1"), inner.pane("work")
        assert await on_screen(terminal_of(inner, work))
        assert not await on_screen(terminal_of(inner, agent)), "its session has no client"

        inner("switch-client", "-t", "agents")
        wait_for(lambda: inner("list-clients", "-F", "#{client_session}") == "agents", "the client to switch")
        assert await on_screen(terminal_of(inner, agent))
        assert not await on_screen(terminal_of(inner, other_window)), "its window is not the current one"
        assert not await on_screen(terminal_of(inner, work))
    finally:
        outer.kill()
        inner.kill()


async def test_no_bubble_for_a_session_on_screen(
    tmp_path: Path, daemon: RunningDaemon, client: SessionsClient
) -> None:
    inner, outer = start_desk(tmp_path, daemon.address)
    server = FakeNotifications(BASIC)
    server_bus = await serve_notifications(daemon.address, server)
    notifier = await start_notifier(daemon.address, tmp_path, quick())
    try:
        seen, hidden = terminal_of(inner, inner.pane("work")), terminal_of(inner, inner.pane("agents:1"))
        await client.set("seen", "working", terminal=seen)
        await client.set("seen", "question")
        await notifier.wait_for_log("no bubble for seen: its tmux pane is on screen")
        await client.set("hidden", "working", terminal=hidden)
        await client.set("hidden", "question")
        await notifier.wait_for_log("bubble for hidden")
        assert [n.summary for n in server.calls.notified] == ["hidden asks a question"]
    finally:
        notifier.stop()
        server_bus.disconnect()
        outer.kill()
        inner.kill()


async def test_outside_tmux_or_with_odd_values_nothing_is_asked(tmp_path: Path) -> None:
    assert tmux_command({}) is None
    assert tmux_command({"tmux": "/tmp/t,1,0", "tmux_pane": "-t%1"}) is None
    assert tmux_command({"tmux": "relative,1,0", "tmux_pane": "%1"}) is None
    assert not await on_screen(None)
    assert not await on_screen({"tmux": f"{tmp_path}/no-server,1,0", "tmux_pane": "%0"})
