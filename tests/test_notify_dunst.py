"""A person's view, on a real notification server: dunst under Xvfb, read back through dunstctl."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunningDaemon
from dunst_support import Dunst, running_dunst
from notify_support import quick, start_notifier, wait_until

from agent_console.client.async_client import SessionsClient


@pytest.fixture
def dunst(bus_address: str, tmp_path: Path) -> Iterator[Dunst]:
    directory = tmp_path / "dunst"
    directory.mkdir()
    with running_dunst(bus_address, directory) as running:
        yield running


async def test_question_working_attention_closed(
    daemon: RunningDaemon, client: SessionsClient, dunst: Dunst, tmp_path: Path
) -> None:
    """Exactly the right bubbles appear and disappear, one per session."""
    notifier = await start_notifier(daemon.address, tmp_path, quick())
    await client.set("s1", "working", working_dir="/srv/shop")
    await client.set("s1", "question")
    await wait_until(lambda: dunst.displayed() == 1)
    assert dunst.given() == ["shop asks a question"]

    await client.set("s1", "working")
    await wait_until(lambda: dunst.displayed() == 0)
    assert dunst.history() == ["shop asks a question"]

    await client.set("s2", "working", working_dir="/srv/blog")
    await client.set("s2", "question")
    await client.set("s1", "attention")
    await wait_until(lambda: dunst.displayed() == 2)
    assert dunst.given()[1:] == ["blog asks a question", "shop needs you"]

    await client.set("s1", "attention")
    await client.set("s1", "closed")
    await wait_until(lambda: dunst.displayed() == 1)
    assert dunst.history() == ["shop needs you", "shop asks a question"]
    assert len(dunst.given()) == 3, "a repeated status posts nothing"
    assert notifier.stop() == 0


async def test_a_short_turn_stays_quiet_and_a_question_replaces_its_bubble(
    daemon: RunningDaemon, client: SessionsClient, dunst: Dunst, tmp_path: Path
) -> None:
    notifier = await start_notifier(daemon.address, tmp_path, "min_working = 600")
    await client.set("s1", "working", working_dir="/srv/shop")
    await client.set("s1", "attention")
    await client.set("s1", "question")
    await wait_until(lambda: dunst.displayed() == 1)
    await client.set("s1", "attention")
    await wait_until(lambda: len(dunst.given()) == 2)
    assert dunst.given() == ["shop asks a question", "shop needs you"]
    assert dunst.displayed() == 1 and dunst.history() == [], "replaced in place, not a second bubble"
    notifier.stop()
