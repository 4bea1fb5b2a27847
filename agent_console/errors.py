"""The errors a caller can act on.

The class names are also the last part of the D-Bus error names
(``io.github.AgentConsole1.Error.NotFound``), so the service and the client
translate in both directions without a table.
"""


class AgentConsoleError(Exception):
    """Base of every error meant for a person: its message is shown as is."""


class InvalidArgs(AgentConsoleError):
    """An argument is malformed, unknown, or past a documented bound."""


class NotFound(AgentConsoleError):
    """No session has the given id."""


class LimitExceeded(AgentConsoleError):
    """The store is full; nothing was dropped to make room."""


class Unavailable(AgentConsoleError):
    """The daemon or the bus cannot be reached."""


ERRORS_BY_NAME: dict[str, type[AgentConsoleError]] = {
    cls.__name__: cls for cls in (InvalidArgs, NotFound, LimitExceeded, Unavailable)
}
