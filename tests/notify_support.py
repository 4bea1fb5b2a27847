"""What the notifier's tests share: a notification server the test controls, and a running notifier.

The minimal server speaks the protocol of the Desktop Notifications spec
(Notify with replaces_id, CloseNotification, GetCapabilities, the two
signals, and KDE's ``Inhibited`` property) and records every call, so a test
can see what dunst cannot show: the ids, the hints, the actions offered.
No pytest here, so ``benchmarks/notify_latency.py`` uses them too.
"""

import asyncio
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal
from processes import AGENT_CONSOLE, READY_TIMEOUT_S

from agent_console.wire.connection import connect

SERVER_NAME = "org.freedesktop.Notifications"
SERVER_PATH = "/org/freedesktop/Notifications"
CLOSED_BY_CALL = 3
"""NotificationClosed's reason for a bubble closed by CloseNotification."""
DISMISSED = 2
BASIC = ["body", "actions"]
"""Capabilities of a plain server: text and buttons."""
READY_LINES = ("following ", "daemon is not running")


@dataclass
class Notification:
    id: int
    replaces_id: int
    app_name: str
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    """When the server was called, for the latency benchmark."""


@dataclass
class Calls:
    notified: list[Notification] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self) -> None:
        self.changed.set()


class FakeNotifications(ServiceInterface):
    def __init__(self, capabilities: list[str], inhibited: bool = False, close_at_once: bool = False) -> None:
        """``close_at_once``: every bubble is closed before ``Notify`` returns, as by a person faster than
        the bus: the signal reaches the client ahead of the reply."""
        super().__init__(SERVER_NAME)
        self.capabilities = capabilities
        self.inhibited = inhibited
        self.close_at_once = close_at_once
        self.calls = Calls()
        self._next_id = 1

    @dbus_method()
    def GetCapabilities(self) -> Annotated[list[str], DBusSignature("as")]:
        return self.capabilities

    @dbus_method()
    def GetServerInformation(self) -> Annotated[list[str], DBusSignature("ssss")]:
        return ["fake", "agent-console tests", "1", "1.2"]

    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: Annotated[list[str], DBusSignature("as")],
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        notification_id = replaces_id or self._next_id
        self._next_id += not replaces_id
        hints = {key: value.value for key, value in hints.items()}
        self.calls.notified.append(
            Notification(notification_id, replaces_id, app_name, app_icon, summary, body, actions, hints)
        )
        self.calls.record()
        if self.close_at_once:
            self.NotificationClosed(notification_id, DISMISSED)
        return notification_id

    @dbus_method()
    def CloseNotification(self, notification_id: DBusUInt32) -> None:
        self.calls.closed.append(notification_id)
        self.calls.record()
        self.NotificationClosed(notification_id, CLOSED_BY_CALL)

    @dbus_signal()
    def NotificationClosed(self, notification_id: int, reason: int) -> Annotated[list[int], DBusSignature("uu")]:
        return [notification_id, reason]

    @dbus_signal()
    def ActionInvoked(self, notification_id: int, action_key: str) -> Annotated[list[object], DBusSignature("us")]:
        return [notification_id, action_key]

    @dbus_property(access=PropertyAccess.READ)
    def Inhibited(self) -> DBusBool:
        return self.inhibited


async def serve_notifications(address: str, server: FakeNotifications) -> MessageBus:
    bus = await connect(address)
    bus.export(SERVER_PATH, server)
    await bus.request_name(SERVER_NAME)
    return bus


async def wait_until(predicate: Any, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll ``predicate`` on the test's loop (the fake server answers meanwhile); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@dataclass
class RunningNotifier:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_for_log(self, text: str, count: int = 1) -> None:
        await wait_until(lambda: self.log.count(text) >= count or self.process.poll() is not None)
        assert self.log.count(text) >= count, self.log

    async def wait_until_following(self) -> None:
        """The notifier has subscribed and listed the sessions, or found no daemon to list."""
        await wait_until(lambda: any(line in self.log for line in READY_LINES) or self.process.poll() is not None)
        assert self.process.poll() is None, self.log

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=READY_TIMEOUT_S)


async def start_notifier(
    address: str, tmp_path: Path, config: str = "", env: dict[str, str] | None = None
) -> RunningNotifier:
    """``agent-console notify`` with ``config`` as its [notify] table; returns once it follows the sessions."""
    config_path = tmp_path / "notify.toml"
    config_path.write_text(f"[notify]\n{config}\n")
    log_path = tmp_path / "notify.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [AGENT_CONSOLE, "notify", "--verbose", "--address", address, "--config", str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )
    notifier = RunningNotifier(process, log_path)
    await notifier.wait_until_following()
    return notifier


def quick(config: str = "") -> str:
    """Settings without the time rules, for tests about the protocol rather than the timing."""
    return f"min_working = 0\ncoalesce = 0\n{config}"

