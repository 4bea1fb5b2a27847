"""Bubbles on macOS: Notification Center through ``osascript``.

macOS has no ``org.freedesktop.Notifications``; ``display notification``
is what a program without an app bundle can use.  Notification Center
offers no way to replace or take back such a notification, and no actions,
so each bubble stands alone and ``withdraw`` does nothing; the rules that
decide when to post are the same as on Linux.
"""

import asyncio
import logging

from agent_console.notify.rules import Bubble

OSASCRIPT_TIMEOUT_S = 5.0
"""``osascript`` gets this long to hand a notification over before it is stopped."""

log = logging.getLogger("agent_console")


def applescript_string(text: str) -> str:
    """A double-quoted AppleScript literal: backslashes and quotes escaped, one line."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def display_notification(bubble: Bubble, sound: str) -> str:
    script = (
        f"display notification {applescript_string(bubble.body)} with title \"agent-console\""
        f" subtitle {applescript_string(bubble.summary)}"
    )
    if bubble.loud and sound:
        script += f" sound name {applescript_string(sound)}"
    return script


class OsascriptPoster:
    async def start(self) -> None:
        """Nothing to subscribe to: Notification Center tells the sender nothing back."""

    async def post(self, session_id: str, bubble: Bubble, sound: str) -> bool:
        try:
            process = await asyncio.create_subprocess_exec(
                "osascript", "-e", display_notification(bubble, sound), stdin=asyncio.subprocess.DEVNULL
            )
        except OSError as error:
            log.warning("cannot run osascript: %s", error)
            return False
        try:
            code = await asyncio.wait_for(process.wait(), OSASCRIPT_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            code = await process.wait()
        if code != 0:
            log.warning("osascript failed with exit status %d", code)
        return code == 0

    async def withdraw(self, session_id: str) -> None:
        """Notification Center keeps what was posted; nothing to do."""
