"""What the notifier needs from a desktop: a bubble per session, shown and taken back."""

from typing import Protocol

from agent_console.notify.rules import Bubble


class Poster(Protocol):
    async def start(self) -> None:
        """Get ready (subscribe to the desktop's signals); returns once ready."""

    async def post(self, session_id: str, bubble: Bubble, sound: str) -> bool:
        """Show ``bubble`` for the session, replacing its bubble if one is up; False if nothing was shown.
        ``sound``: a freedesktop sound name for a loud bubble, or ""."""

    async def withdraw(self, session_id: str) -> None:
        """Take the session's bubble back, if one is up."""
