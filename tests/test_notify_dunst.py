"""A person's view, on a real notification server: dunst under Xvfb, read back through dunstctl."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, RunningDaemon
from dunst_support import Dunst, running_dunst
from notify_support import quick, start_notifier, wait_until

from agent_console.client.async_client import SessionsClient

pytestmark = pytest.mark.desktop


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


async def test_dismissing_a_bubble_marks_its_wait_seen_and_it_stays_quiet(
    daemon: RunningDaemon, client: SessionsClient, dunst: Dunst, tmp_path: Path
) -> None:
    notifier = await start_notifier(daemon.address, tmp_path, quick())
    await client.set("s1", "working", working_dir="/srv/shop")
    await client.set("s1", "question", detail="Which database?")
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.ctl("close")  # as a person's click on the close button: NotificationClosed, reason 2
    await notifier.wait_for_log("the bubble of s1 was dismissed: marked seen")
    assert (await client.get("s1"))["seen"] is True
    await client.set("s1", "question", detail="Postgres or SQLite?")
    await client.set("s2", "question", working_dir="/srv/blog")
    await wait_until(lambda: dunst.displayed() == 1)
    assert dunst.given() == ["shop asks a question", "blog asks a question"], "the seen wait posted nothing"
    await client.set("s1", "attention")
    await wait_until(lambda: len(dunst.given()) == 3)
    assert dunst.given()[-1] == "shop needs you", "a new wait is unseen and posts again"
    assert notifier.stop() == 0


async def test_ack_elsewhere_withdraws_the_bubble(
    daemon: RunningDaemon, client: SessionsClient, dunst: Dunst, tmp_path: Path
) -> None:
    notifier = await start_notifier(daemon.address, tmp_path, quick())
    await client.set("s1", "working", working_dir="/srv/shop")
    await client.set("s1", "attention", detail="Bash: npm test")
    await wait_until(lambda: dunst.displayed() == 1)
    await client.ack("s1")
    await wait_until(lambda: dunst.displayed() == 0)
    assert dunst.history() == ["shop needs you"]
    assert "marked seen" not in notifier.log, "withdrawn by the notifier, not dismissed by the person"
    assert notifier.stop() == 0


def test_status_names_the_notification_server_that_answers(daemon: RunningDaemon, dunst: Dunst) -> None:
    done = subprocess.run(
        [AGENT_CONSOLE, "status", "--address", daemon.address], capture_output=True, text=True, check=True
    )
    assert "notifications:  dunst" in done.stdout.splitlines()[-1]
    report = json.loads(
        subprocess.run(
            [AGENT_CONSOLE, "status", "--json", "--address", daemon.address], capture_output=True, text=True, check=True
        ).stdout
    )
    assert report["notification_server"] == "dunst"
