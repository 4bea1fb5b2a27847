"""What every command that talks to the daemon shares: the connection, the exit codes, the output.

A command hands ``run_with_client`` a coroutine; any ``AgentConsoleError``
becomes one escaped line on stderr and a documented exit code, so no command
can end in a traceback and no two commands disagree on what a code means.
"""

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, NoReturn, TypeVar

import typer

from agent_console.client import SessionsClient
from agent_console.errors import AgentConsoleError, InvalidArgs, NotFound, Unavailable
from agent_console.presentation import escape

EXIT_ERROR = 1
EXIT_USAGE = 2
"""Click's code for a usage error; a value the daemon refuses is one too."""
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5
"""3 is left out: ``agent-console daemon`` uses it for "another instance runs"."""
EXIT_INTERRUPTED = 130

EXIT_STATUS_HELP = (
    "Exit status: 0 done, 1 error, 2 usage or invalid value, 3 another daemon "
    "owns the name (daemon only), 4 no such session, 5 daemon not running or bus "
    "unreachable, 6 cannot focus (focus only), 130 interrupted."
)
"""The table for the top-level ``--help``; each command's help lists the codes it uses."""

_EXIT_CODES: dict[type[AgentConsoleError], int] = {
    InvalidArgs: EXIT_USAGE,
    NotFound: EXIT_NOT_FOUND,
    Unavailable: EXIT_UNAVAILABLE,
}

AddressOption = Annotated[
    str | None,
    typer.Option(
        "--address",
        metavar="ADDR",
        help="D-Bus address of the bus to use [default: the session bus].",
        show_default=False,
    ),
]

T = TypeVar("T")


def exit_code(error: AgentConsoleError) -> int:
    return next((code for kind, code in _EXIT_CODES.items() if isinstance(error, kind)), EXIT_ERROR)


def fail(error: AgentConsoleError) -> NoReturn:
    fail_with(str(error), exit_code(error))


def fail_with(message: str, code: int) -> NoReturn:
    """One line on stderr, escaped: messages quote ids, paths and settings keys that came from outside."""
    typer.echo(f"agent-console: {escape(message)}", err=True)
    raise typer.Exit(code)


def run_with_client(address: str | None, action: Callable[[SessionsClient], Awaitable[T]]) -> T:
    """Connect to ``address`` (else the session bus), run ``action``, disconnect."""
    try:
        return asyncio.run(_with_client(address, action))
    except AgentConsoleError as error:
        fail(error)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None


async def _with_client(address: str | None, action: Callable[[SessionsClient], Awaitable[T]]) -> T:
    client = await SessionsClient.connect(address)
    try:
        return await action(client)
    finally:
        client.close()


def emit(lines: Iterable[str]) -> None:
    """Print and flush at once; a reader that went away (``| head``) ends the command quietly.

    stdout is pointed at /dev/null first so that the interpreter's own flush
    at exit does not report the broken pipe either.
    """
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
