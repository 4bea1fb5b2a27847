"""Claude Code: command hooks in ``~/.claude/settings.json``.

Claude Code runs one session per process at a time; /clear, /compact and
/resume start a new id in the same process, which replaces the old one.
It reads a hook's stdout as instructions, so the hook prints nothing there;
its stderr only reaches Claude's debug log.
"""

import os
import shlex

from agent_console.agents import Groups, hook_event_name
from agent_console.hook.events import REGISTRATIONS, WAITED_FOR, reading_of

NAME = "claude-code"
TITLE = "Claude Code"
SHARED_PROCESS = False
HOOK_STDOUT = ""
HOOK_STDERR = True
BUS_SECONDS = 3.0
"""The bus call's deadline (connect included): its hooks are registered async, or the
call is made by a detached process (``WAITED_FOR``), so Claude waits for none of it, and a
daemon started by that very call through D-Bus activation may take seconds on a loaded machine."""
PROGRAMS = ("claude",)
INSTALL_NOTE = ""

HOOK_TIMEOUT_SECONDS = 5
"""Per-hook timeout: the handler itself gives up on the bus after ``BUS_SECONDS``
(3 s), so 5 s covers a cold Python start and still bounds what a hung handler
costs Claude where it waits (whose own default is 10 minutes)."""

read = reading_of
"""The table in ``hook.events`` says each event's status, detail and meaning."""
event_name = hook_event_name


def config_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".claude")


def hooks_path() -> str:
    """The user-level settings file, which every Claude Code session reads."""
    return os.path.join(config_dir(), "settings.json")


def registration(command: list[str]) -> Groups:
    """The matcher groups we register, by event, in the order we add them.

    Each group holds only our hook, so uninstalling can drop it whole.  Every
    event but those Claude must wait for (``WAITED_FOR``: the last events of a
    turn, see there) is ``async``: we print nothing, so Claude gains the whole
    run of the hook, and the daemon puts events that arrive out of order back
    in order by their ``event_time``.  The timeout still bounds a hook Claude
    waits for.
    """
    groups: Groups = {}
    for event, matcher in REGISTRATIONS:
        hook: dict[str, object] = {"type": "command", "command": shlex.join(command), "timeout": HOOK_TIMEOUT_SECONDS}
        if event not in WAITED_FOR:
            hook["async"] = True
        group: dict[str, object] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [hook]
        groups.setdefault(event, []).append(group)
    return groups
