"""Following the daemon's sessions for as long as a face runs: ``watch``, ``notify``.

Such a face starts at login, possibly before the daemon, and keeps running
for the whole session, so it must outlive the daemon: it follows the owner
of ``io.github.AgentConsole1`` and lists the sessions again whenever a new
daemon takes the name, instead of going stale.  It subscribes to both before
the first list, so no change can fall between the two.

Every notice from the bus (a signal, an owner change, a face's own notices
such as Ctrl-C) is queued as a step and the steps run one at a time in
arrival order; that keeps the copy of the sessions consistent without a lock.
When the copy notices a signal went missing (a jump in the daemon's sequence
numbers: the bus drops signals to a subscriber that was stopped or too
slow), it takes a new snapshot and hands it on, as after a daemon restart.
"""

import asyncio
from collections.abc import Awaitable, Callable

from agent_console.client.async_client import SessionsClient
from agent_console.client.mirror import SessionMirror, WatchEvent
from agent_console.errors import Unavailable
from agent_console.presentation import SessionDict

Step = Callable[[], Awaitable[bool]]
"""A queued notice; returns False to end the follow."""
OnEvent = Callable[[WatchEvent, SessionMirror], Awaitable[None]]
"""What a face does with an event, given the copy of the sessions after it."""


class SessionFollower:
    """The sessions now, then every change, handed to ``on_event`` one at a time."""

    def __init__(self, client: SessionsClient, on_event: OnEvent) -> None:
        self._client = client
        self._on_event = on_event
        self.mirror = SessionMirror()
        self._steps: asyncio.Queue[Step] = asyncio.Queue()

    def queue(self, step: Step) -> None:
        """Run ``step`` after everything queued before it (safe from signal handlers and callbacks)."""
        self._steps.put_nowait(step)

    def stop(self) -> None:
        """End ``run`` normally once the steps queued so far have run."""
        self.queue(_stop)

    async def run(self) -> None:
        """Follow until ``stop``; Unavailable when the bus connection is lost."""
        await self._client.subscribe(
            lambda session: self.queue(lambda: self._changed(session)),
            lambda session_id: self.queue(lambda: self._removed(session_id)),
            lambda sequence: self.queue(lambda: self._announced(sequence)),
        )
        await self._client.watch_daemon(lambda old, new: self.queue(lambda: self._owner_changed(old, new)))
        disconnection = asyncio.ensure_future(self._queue_disconnection())
        try:
            await self._resync()
            while await (await self._steps.get())():
                pass
        finally:
            disconnection.cancel()

    async def _show(self, event: WatchEvent | None) -> None:
        if event is not None:
            await self._on_event(event, self.mirror)

    async def _resync(self) -> None:
        try:
            sequence, sessions = await self._client.snapshot()
        except Unavailable:
            await self._show(self.mirror.lose())
            return
        await self._show(self.mirror.replace(sessions, sequence))

    async def _changed(self, session: SessionDict) -> bool:
        return await self._apply(self.mirror.change(session))

    async def _removed(self, session_id: str) -> bool:
        return await self._apply(self.mirror.remove(session_id))

    async def _announced(self, sequence: int) -> bool:
        return await self._apply(self.mirror.announce(sequence))

    async def _apply(self, event: WatchEvent | None) -> bool:
        """Hand on the event; if the mirror saw a signal go missing, take a new snapshot."""
        await self._show(event)
        if self.mirror.missed:
            await self._resync()
        return True

    async def _owner_changed(self, old_owner: str, new_owner: str) -> bool:
        """A new owner means a new, empty-at-start store: list again.

        Skipped when the daemon appeared from nothing while a list is already
        in hand: that list can only have come from this very daemon (the
        call that found it running, or that started it by activation).
        """
        if not new_owner:
            await self._show(self.mirror.lose())
        elif old_owner or not self.mirror.running:
            await self._resync()
        return True

    async def _queue_disconnection(self) -> None:
        await self._client.wait_disconnected()
        self.queue(_disconnected)


async def _stop() -> bool:
    return False


async def _disconnected() -> bool:
    raise Unavailable("lost the connection to the D-Bus bus")
