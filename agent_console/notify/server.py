"""Talking to the desktop's notification server (``org.freedesktop.Notifications``).

The server is a separate program that a desktop may start late, restart or
replace (a user switching from dunst to mako), and that the bus may start on
the first call (D-Bus activation).  So nothing is asked at start: the
capabilities are asked before the first bubble of each server instance, and
the ids of our bubbles are forgotten when the instance that issued them goes
away, since a new one would not know them.  When there is no server at all a
bubble is dropped with one log line per outage, not one per bubble.

Signals (``NotificationClosed``, ``ActionInvoked``) are believed only from the
unique name that owns ``org.freedesktop.Notifications`` now: any client on
the bus may send a signal with that interface.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape as markup_escape

from dbus_fast import Message, MessageType, Variant
from dbus_fast.errors import DBusError

from agent_console.notify.presence import NO_SERVER
from agent_console.notify.rules import Bubble
from agent_console.wire.connection import ResilientMessageBus
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, PROPERTIES_INTERFACE
from agent_console.wire.names import NOTIFICATIONS_NAME as SERVER_NAME
from agent_console.wire.names import NOTIFICATIONS_PATH as SERVER_PATH

APP_NAME = "agent-console"
APP_ICON = "utilities-terminal"
"""An icon every freedesktop icon theme has; the bubble's sender is a terminal program."""

SERVER_CALL_TIMEOUT_S = 5.0
"""A server that takes longer to answer is treated as absent for that bubble.  Generous: the
first call may start the server by D-Bus activation."""

DEFAULT_EXPIRY = -1
"""``expire_timeout`` that leaves the bubble's lifetime to the server's settings."""

CLOSED_UNKNOWN_KEPT = 32
"""Ids of bubbles closed before their ``Notify`` reply was read, kept for the reply to find (see
``_dispatch``); the signal is sent for every program's bubbles, so the memory is a short ring."""

DISMISSED_BY_USER = 2
"""The ``reason`` of ``NotificationClosed`` when the person closed the bubble (the spec's
"dismissed by the user"), as opposed to 1 expired, 3 closed by ``CloseNotification``, 4 other."""

SHOW_ACTIONS = ["default", "Show", "show", "Show"]
"""The default action (a click on the bubble) and a "Show" button: both jump to the session."""

log = logging.getLogger("agent_console")


class NotificationServer:
    """Our bubbles on the current notification server, one per session."""

    def __init__(
        self,
        bus: ResilientMessageBus,
        on_gone: Callable[[str], None],
        on_show: Callable[[str], None],
        on_dismissed: Callable[[str], None],
    ) -> None:
        """``on_gone(session_id)``: a bubble closed by expiry, by another program or with its server.
        ``on_show(session_id)``: the person asked to see the session (a click, or "Show").
        ``on_dismissed(session_id)``: the person closed the bubble: they saw it."""
        self._bus = bus
        self._on_gone = on_gone
        self._on_show = on_show
        self._on_dismissed = on_dismissed
        self._owner = ""
        self._capabilities: set[str] | None = None
        self._ids: dict[str, int] = {}
        self._sessions: dict[int, str] = {}
        self._closed_unknown: deque[int] = deque(maxlen=CLOSED_UNKNOWN_KEPT)
        self._absent_logged = False

    async def start(self) -> None:
        """Subscribe to the server's signals and to its coming and going; returns once subscribed."""
        for rule in (
            (
                f"type='signal',sender='{BUS_DRIVER}',interface='{BUS_DRIVER}',member='NameOwnerChanged',"
                f"arg0='{SERVER_NAME}'"
            ),
            f"type='signal',interface='{SERVER_NAME}',path='{SERVER_PATH}'",
        ):
            await self._call(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "AddMatch", "s", [rule])
        self._bus.add_message_handler(self._dispatch)
        owner = await self._call(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "GetNameOwner", "s", [SERVER_NAME])
        self._owner = owner[0] if owner else ""
        if not self._owner and not await self._activatable():
            self._say_absent()

    async def _activatable(self) -> bool:
        """Whether the bus would start a server on the first bubble (its D-Bus service file is installed)."""
        names = await self._call(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "ListActivatableNames", "", [])
        return names is not None and SERVER_NAME in names[0]

    def _say_absent(self) -> None:
        """Once per outage: at start, or when a bubble finds none (a server that left may be activatable)."""
        if not self._absent_logged:
            log.warning("%s; bubbles start when one appears", NO_SERVER)
        self._absent_logged = True

    async def post(self, session_id: str, bubble: Bubble, sound: str) -> bool:
        """Show ``bubble`` for the session, replacing its bubble if one is up; False if nothing was shown."""
        capabilities = await self._ensure_capabilities()
        if capabilities is None or await self._inhibited(capabilities):
            return False
        body = markup_escape(bubble.body) if "body-markup" in capabilities else bubble.body
        hints: dict[str, Variant] = {"urgency": Variant("y", int(bubble.urgency))}
        if not bubble.loud:
            hints["suppress-sound"] = Variant("b", True)
        elif sound:
            hints["sound-name"] = Variant("s", sound)
        actions = SHOW_ACTIONS if "actions" in capabilities else []
        reply = await self._call(
            SERVER_NAME,
            SERVER_PATH,
            SERVER_NAME,
            "Notify",
            "susssasa{sv}i",
            [APP_NAME, self._ids.get(session_id, 0), APP_ICON, bubble.summary, body, actions, hints, DEFAULT_EXPIRY],
        )
        if reply is None:
            return False
        self._forget(session_id)
        if reply[0] in self._closed_unknown:
            self._on_gone(session_id)
            return True
        self._ids[session_id] = reply[0]
        self._sessions[reply[0]] = session_id
        return True

    async def withdraw(self, session_id: str) -> None:
        notification_id = self._forget(session_id)
        if notification_id is not None:
            await self._call(SERVER_NAME, SERVER_PATH, SERVER_NAME, "CloseNotification", "u", [notification_id])

    def _forget(self, session_id: str) -> int | None:
        notification_id = self._ids.pop(session_id, None)
        if notification_id is not None:
            self._sessions.pop(notification_id, None)
        return notification_id

    async def _ensure_capabilities(self) -> set[str] | None:
        if self._capabilities is None:
            reply = await self._call(SERVER_NAME, SERVER_PATH, SERVER_NAME, "GetCapabilities", "", [])
            if reply is None:
                return None
            self._capabilities = set(reply[0])
            log.info("notification server capabilities: %s", " ".join(sorted(self._capabilities)))
        return self._capabilities

    async def _inhibited(self, capabilities: set[str]) -> bool:
        """Servers with the ``inhibitions`` capability (KDE Plasma) say whether bubbles are unwanted now."""
        if "inhibitions" not in capabilities:
            return False
        reply = await self._call(
            SERVER_NAME, SERVER_PATH, PROPERTIES_INTERFACE, "Get", "ss", [SERVER_NAME, "Inhibited"]
        )
        inhibited = reply is not None and reply[0].value is True
        if inhibited:
            log.info("the notification server is inhibited (do not disturb): no bubble")
        return inhibited

    async def _call(
        self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]
    ) -> list[Any] | None:
        """The reply's body, or None (logged) when the server is absent, refuses, or does not answer in time."""
        message = Message(
            destination=destination, path=path, interface=interface, member=member, signature=signature, body=body
        )
        try:
            reply = await asyncio.wait_for(self._bus.call(message), SERVER_CALL_TIMEOUT_S)
        except TimeoutError:
            log.warning("%s.%s: no answer within %.0f s", interface, member, SERVER_CALL_TIMEOUT_S)
            return None
        except (DBusError, EOFError, OSError):
            return None  # the bus is gone: the follower reports that and ends the program
        assert reply is not None
        if reply.message_type is MessageType.ERROR:
            self._log_error(member, reply)
            return None
        self._absent_logged = False
        return reply.body

    def _log_error(self, member: str, reply: Message) -> None:
        text = reply.body[0] if reply.body else ""
        if reply.error_name == "org.freedesktop.DBus.Error.NameHasNoOwner" and member == "GetNameOwner":
            return
        if reply.error_name == "org.freedesktop.DBus.Error.ServiceUnknown":
            self._say_absent()
            return
        log.warning("%s failed: %s: %s", member, reply.error_name, text)

    def _dispatch(self, msg: Message) -> None:
        """Runs as each message is read, so a signal that came in the same read as a ``Notify``
        reply is seen before ``post`` resumes with that reply: hence ``_closed_unknown``."""
        if msg.message_type is not MessageType.SIGNAL:
            return
        if msg.sender == BUS_DRIVER and msg.member == "NameOwnerChanged" and msg.body[0] == SERVER_NAME:
            self._server_changed(msg.body[2])
        elif msg.interface == SERVER_NAME and msg.sender == self._owner and self._owner:
            if msg.member == "NotificationClosed" and msg.signature == "uu":
                session_id = self._sessions.get(msg.body[0])
                if session_id is None:
                    self._closed_unknown.append(msg.body[0])
                else:
                    self._forget(session_id)
                    (self._on_dismissed if msg.body[1] == DISMISSED_BY_USER else self._on_gone)(session_id)
            elif msg.member == "ActionInvoked" and msg.signature == "us":
                session_id = self._sessions.get(msg.body[0])
                if session_id is not None and msg.body[1] in SHOW_ACTIONS[::2]:
                    self._on_show(session_id)

    def _server_changed(self, new_owner: str) -> None:
        """Another instance (or none): its capabilities may differ, and our ids mean nothing to it."""
        log.info("notification server %s", f"now {new_owner}" if new_owner else "gone")
        self._owner = new_owner
        self._capabilities = None
        for session_id in list(self._ids):
            self._forget(session_id)
            self._on_gone(session_id)
