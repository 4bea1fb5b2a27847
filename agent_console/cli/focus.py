"""``agent-console focus ID``: bring the terminal of a session in front."""

import asyncio

from agent_console.cli.runner import AddressOption, fail_with, run_with_client
from agent_console.cli.sessions import SessionIdArgument
from agent_console.client import SessionsClient
from agent_console.focus import FocusError, focus

EXIT_CANNOT_FOCUS = 6
"""Nothing recorded, a tool missing, the pane or window gone."""


def focus_session(session_id: SessionIdArgument, address: AddressOption = None) -> None:
    """Bring the session's terminal in front: its tmux pane, kitty window or WezTerm pane, and its window.

    \b
    Supported: tmux (the pane's window and pane are selected and the most
    recently active client is switched to it), kitty (remote control on),
    WezTerm, and the window itself on sway, Hyprland, i3 and X11 (xdotool
    or wmctrl). Needs the hooks to have recorded where the session lives.
    Exit status: 0 focused, 4 no such session, 5 daemon not running or bus
    unreachable, 6 cannot focus it (nothing recorded, a tool missing, the
    pane gone).

    \b
    Example:
      agent-console focus 4f1c2a
    """

    async def look_up_and_focus(client: SessionsClient) -> None:
        session = await client.get(session_id)
        try:
            await asyncio.to_thread(focus, session)
        except FocusError as error:
            fail_with(str(error), EXIT_CANNOT_FOCUS)

    run_with_client(address, look_up_and_focus)
