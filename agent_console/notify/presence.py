"""What to say about the notification server: the one line when none answers, and ``status``'s row.

Shared by the notifier and ``agent-console status``, which must not load
dbus-fast to say it.
"""

SERVER_INSTALL_HINT = "install one (dunst or mako; GNOME and KDE Plasma have their own)"
"""The fix, named in the one line that says no server answers."""

NO_SERVER = f"no notification server on the session bus: {SERVER_INSTALL_HINT}"


def describe(running: str | None, activatable: bool) -> str:
    """``running`` is the server's "name version" when one owns the name, else None."""
    if running is not None:
        return running
    if activatable:
        return "none running; the bus starts one on the first bubble"
    return f"none: {SERVER_INSTALL_HINT}"
