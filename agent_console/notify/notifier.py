"""``agent-console notify`` put together: follow the sessions, decide, post.

The follower hands over each change in order; the policy says what to post
or withdraw; before a bubble goes up, the quiet rules get their say (the
session's tmux pane is on screen); the poster talks to the desktop.  All of
it runs on one event loop, one step at a time, so the policy needs no lock,
and a bubble closed by the person is queued behind the change being handled.
"""

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass

from agent_console.client.async_client import SessionsClient
from agent_console.client.follow import SessionFollower
from agent_console.client.mirror import NotRunning, SessionMirror, Snapshot, WatchEvent
from agent_console.config import NotifyConfig
from agent_console.errors import AgentConsoleError
from agent_console.notify.onscreen import on_screen
from agent_console.notify.osascript import OsascriptPoster
from agent_console.notify.poster import Poster
from agent_console.notify.rules import Policy, Post
from agent_console.notify.server import NotificationServer
from agent_console.presentation import escape
from agent_console.system.executable import running_executable

FOCUS_TIMEOUT_S = 10.0
"""``agent-console focus`` gets this long to bring a session forward before it is stopped."""

log = logging.getLogger("agent_console")


@dataclass
class Notifier:
    client: SessionsClient
    config: NotifyConfig

    async def run(self) -> None:
        """Until SIGTERM or SIGINT (then returns), or until the bus is lost (Unavailable)."""
        self._policy = Policy(self.config)
        self._follower = SessionFollower(self.client, self._on_event)
        self._focusing: set[asyncio.Task[None]] = set()
        self._poster: Poster = self._make_poster()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._follower.stop)
        await self._poster.start()
        await self._follower.run()

    def _make_poster(self) -> Poster:
        if sys.platform == "darwin":
            return OsascriptPoster()
        return NotificationServer(
            self.client.bus,
            on_gone=lambda session_id: self._follower.queue(lambda: self._gone(session_id)),
            on_show=self._show,
            on_dismissed=lambda session_id: self._follower.queue(lambda: self._dismissed(session_id)),
        )

    async def _on_event(self, event: WatchEvent, mirror: SessionMirror) -> None:
        if isinstance(event, Snapshot):
            log.info("following %d sessions", len(event.sessions))
        elif isinstance(event, NotRunning):
            log.info("the agent-console daemon is not running; waiting for it")
        else:
            log.debug("%s", escape(repr(event)))
        for action in self._policy.on_event(event):
            if isinstance(action, Post):
                await self._post(action)
            else:
                await self._poster.withdraw(action.session_id)
                log.info("withdrew the bubble of %s", escape(action.session_id))

    async def _post(self, post: Post) -> None:
        # A remote session's terminal names a tmux on its host: this machine's screen says nothing of it.
        local = not post.session.get("host")
        if self.config.quiet_when_visible and local and await on_screen(post.session.get("terminal")):
            log.info("no bubble for %s: its tmux pane is on screen", escape(post.session_id))
            self._policy.gone(post.session_id)
            return
        if not await self._poster.post(post.session_id, post.bubble, self.config.sound):
            self._policy.gone(post.session_id)
            return
        log.info("bubble for %s: %s", escape(post.session_id), escape(post.bubble.summary))

    async def _gone(self, session_id: str) -> bool:
        log.info("the bubble of %s was closed by the notification server", escape(session_id))
        self._policy.gone(session_id)
        return True

    async def _dismissed(self, session_id: str) -> bool:
        """The person closed the bubble: they saw the wait, so every face may stop nagging."""
        self._policy.gone(session_id)
        try:
            await self.client.ack(session_id)
        except AgentConsoleError as error:
            log.info("the bubble of %s was dismissed; not marked seen: %s", escape(session_id), escape(str(error)))
        else:
            log.info("the bubble of %s was dismissed: marked seen", escape(session_id))
        return True

    def _show(self, session_id: str) -> None:
        task = asyncio.ensure_future(_focus(session_id))
        self._focusing.add(task)
        task.add_done_callback(self._focusing.discard)


async def _focus(session_id: str) -> None:
    """Run ``agent-console focus ID``; its own stderr line says why, when it cannot."""
    process = await asyncio.create_subprocess_exec(
        running_executable(), "focus", session_id, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        code = await asyncio.wait_for(process.wait(), FOCUS_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        code = await process.wait()
    log.info("focus %s: exit status %d", escape(session_id), code)
