"""Where a session lives: the keys of the ``terminal`` attribute.

A hook runs inside the agent's terminal, so its environment names the tmux
pane, kitty window or WezTerm pane, and its owner process has a controlling
tty.  Both handlers send what they find as ``terminal`` (``a{ss}``), and
``agent-console focus`` reads it back to bring that terminal in front.
Standard library only: the hook imports this on every event.
"""

from collections.abc import Mapping

from agent_console.limits import MAX_TERMINAL_VALUE_BYTES

TERMINAL_ENVIRONMENT = {
    "TMUX": "tmux",
    "TMUX_PANE": "tmux_pane",
    "KITTY_WINDOW_ID": "kitty_window_id",
    "KITTY_LISTEN_ON": "kitty_listen_on",
    "WEZTERM_PANE": "wezterm_pane",
    "TERM_PROGRAM": "term_program",
    "WINDOWID": "window_id",
}
"""Environment variable -> key; hooks/agent-console-hook sends the same set."""

TERMINAL_KEYS = ("tty", *TERMINAL_ENVIRONMENT.values())
"""Every key ``terminal`` may hold; ``tty`` is the owner's controlling terminal, e.g. ``/dev/pts/3``."""


def fits(value: str) -> bool:
    """Whether the daemon accepts ``value``: a hook leaves out what it would refuse, so one odd
    variable cannot cost the whole status update."""
    try:
        size = len(value.encode())
    except UnicodeEncodeError:
        return False
    return 0 < size <= MAX_TERMINAL_VALUE_BYTES


def terminal_from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The terminal's own identifiers found in ``environ``; empty and over-long values are left out."""
    return {key: environ[name] for name, key in TERMINAL_ENVIRONMENT.items() if fits(environ.get(name, ""))}
