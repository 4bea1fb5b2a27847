"""Whether a session is already in front of its person, so that a bubble would only repeat it.

Known for tmux: the hook sends ``$TMUX`` (socket path, server pid, session)
and ``$TMUX_PANE`` in the session's ``terminal``, and tmux answers, for that
pane, whether it is the active pane of the active window of a session that
has a client attached.  Whether the terminal window around that client has
the focus is not known here (no portable way to ask a Wayland compositor),
so a pane that is current in an attached but hidden terminal counts as on
screen: a missed bubble is cheaper than a bubble per keystroke.
"""

import asyncio
import re
from collections.abc import Mapping
from typing import Any

TMUX_QUERY_TIMEOUT_S = 1.0
"""A tmux server that takes longer to answer is treated as not showing the pane."""

TMUX_PANE = re.compile(r"^%[0-9]+$")
"""tmux's pane ids; anything else could be read by tmux as another kind of target."""

ON_SCREEN_FORMAT = "#{pane_active} #{window_active} #{session_attached}"


def tmux_command(terminal: Mapping[str, Any]) -> list[str] | None:
    """The tmux call that tells whether the session's pane is on screen; None where tmux is not involved."""
    tmux, pane = terminal.get("tmux"), terminal.get("tmux_pane")
    if not isinstance(tmux, str) or not isinstance(pane, str) or not TMUX_PANE.match(pane):
        return None
    socket = tmux.split(",", 1)[0]
    if not socket.startswith("/"):
        return None
    return ["tmux", "-S", socket, "display-message", "-p", "-t", pane, ON_SCREEN_FORMAT]


async def on_screen(terminal: Any) -> bool:
    """True when the session's tmux pane is the active pane of an attached client's window."""
    command = tmux_command(terminal) if isinstance(terminal, Mapping) else None
    if command is None:
        return False
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return False
    try:
        output, _ = await asyncio.wait_for(process.communicate(), TMUX_QUERY_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        return False
    fields = output.decode(errors="replace").split()
    return process.returncode == 0 and len(fields) == 3 and fields[:2] == ["1", "1"] and fields[2] != "0"
