"""Claude Code: command hooks in ``~/.claude/settings.json``.

Claude Code runs one session per process at a time; /clear, /compact and
/resume start a new id in the same process, which replaces the old one.
It waits for each hook and reads stdout as instructions, so the hook prints
nothing there; its stderr only reaches Claude's debug log.
"""

import os
import shlex

from agent_console.agents import Groups, command_hook_reader, hook_event_name
from agent_console.hook.events import REGISTRATIONS, status_for

NAME = "claude-code"
TITLE = "Claude Code"
SHARED_PROCESS = False
HOOK_STDOUT = ""
HOOK_STDERR = True
PROGRAMS = ("claude",)
INSTALL_NOTE = ""

HOOK_TIMEOUT_SECONDS = 5
"""Per-hook timeout: the handler itself gives up on the bus after about 1 s,
so 5 s covers a cold Python start and still bounds what a hung handler costs
Claude (whose own default is 10 minutes)."""


read = command_hook_reader(status_for)
event_name = hook_event_name


def config_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".claude")


def hooks_path() -> str:
    """The user-level settings file, which every Claude Code session reads."""
    return os.path.join(config_dir(), "settings.json")


def registration(command: list[str]) -> Groups:
    """The matcher groups we register, by event, in the order we add them.

    Each group holds only our hook, so uninstalling can drop it whole.  No
    ``async``: Claude then waits for each hook (at most about 1 s, bounded by
    the timeout), which keeps events reaching the service in the order they
    happened; async hooks run concurrently, so a late PostToolUse ("working")
    could land after Stop ("attention"), and one fired at SessionEnd could be
    cut off when Claude exits.  We print nothing, so async would gain no more
    than that latency.
    """
    hook = {"type": "command", "command": shlex.join(command), "timeout": HOOK_TIMEOUT_SECONDS}
    groups: Groups = {}
    for event, matcher in REGISTRATIONS:
        group: dict[str, object] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [dict(hook)]
        groups.setdefault(event, []).append(group)
    return groups
