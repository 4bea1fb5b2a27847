"""What every command shares: its parser, the exit codes, the client, the output.

Commands are argparse sub-parsers.  typer was the first choice, but importing
it alone costs 4.5-5.5x the interpreter's start (``python -X importtime``),
more than the whole budget of ``agent-console --help`` (6x) and most of that
of ``list`` (8x); argparse is in the standard library and costs a few
milliseconds.  A command module therefore imports only the standard library
and this module at its top, and anything heavy inside the function that runs.

Any ``AgentConsoleError`` becomes one escaped line on stderr and a documented
exit code, and so does a usage error, so no command can end in a traceback
and no two commands disagree on what a code means or how an error reads.
"""

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

from agent_console.errors import AgentConsoleError, InvalidArgs, NotFound, Unavailable
from agent_console.presentation import escape
from agent_console.vocabulary import URGENCY

if TYPE_CHECKING:
    from agent_console.client.async_client import SessionsClient
    from agent_console.client.blocking_client import BlockingSessionsClient

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
"""A usage error; a value the daemon refuses is one too."""
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5
"""3 is left out: ``agent-console daemon`` uses it for "another instance runs"."""
EXIT_INTERRUPTED = 130

EXIT_STATUS_HELP = (
    "Exit status: 0 done, 1 error, 2 usage or invalid value, 3 another daemon\n"
    "owns the name (daemon only), 4 no such session, 5 daemon not running, not\n"
    "responding or bus unreachable, 6 cannot focus (focus only), 130 interrupted."
)
"""The table for the top-level ``--help``; each command's help lists the codes it uses."""

_EXIT_CODES: dict[type[AgentConsoleError], int] = {
    InvalidArgs: EXIT_USAGE,
    NotFound: EXIT_NOT_FOUND,
    Unavailable: EXIT_UNAVAILABLE,
}

HELP_COLUMN = 20
"""Where help texts start: after the longest command name, ``uninstall-widget``."""
HELP_WIDTH = 100
"""Help is laid out at least this wide, so that every summary fits on its line."""

T = TypeVar("T")
Commands: TypeAlias = "argparse._SubParsersAction[Parser]"
"""What a command module's ``register`` adds its parser to."""
Command = Callable[[argparse.Namespace], None]
Completer = Callable[[str, argparse.Namespace], list[str]]
"""Candidates for the word being completed, given the words parsed so far."""


class Parser(argparse.ArgumentParser):
    """argparse with the CLI's one error style: a line on stderr naming the help to read, exit 2."""

    def error(self, message: str) -> NoReturn:
        fail_with(f"{message} (see '{self.prog} -h')", EXIT_USAGE)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples keep their lines; commands are listed one a line with their
    summary, as ``git`` and ``gh`` list them, without argparse's ``{a,b,c}`` heading."""

    def __init__(self, prog: str) -> None:
        import shutil  # here: only help and errors are laid out, and argparse imports it then anyway

        super().__init__(prog, max_help_position=HELP_COLUMN, width=max(HELP_WIDTH, shutil.get_terminal_size().columns))

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(command) for command in action._get_subactions())
        return super()._format_action(action)


def new_parser(prog: str, description: str, epilog: str | None = None) -> Parser:
    return Parser(prog=prog, description=description, epilog=epilog, formatter_class=HelpFormatter)


def add_command(
    commands: Commands,
    name: str,
    run: Command,
    summary: str,
    details: str,
    exit_status: str,
    examples: Iterable[str],
) -> Parser:
    """A command with its help laid out alike everywhere: summary, details, options, exit status, examples."""
    description = f"{summary}\n\n{details}" if details else summary
    example_lines = "\n".join(f"    {example}" for example in examples)
    parser: Parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"Exit status: {exit_status}\n\nExample:\n{example_lines}",
        formatter_class=HelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def with_completer(action: argparse.Action, completer: Completer) -> argparse.Action:
    """Shell completion asks ``completer`` for this argument's values (see ``cli.completion``)."""
    action.completer = completer  # type: ignore[attr-defined]
    return action


def add_address_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address", metavar="ADDR", help="D-Bus address of the bus to use [default: the session bus]"
    )


def add_json_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--json", action="store_true", help=help_text)


def status_value(text: str) -> str:
    """A status as given to ``set`` or ``list --status``: one check and one message for both."""
    if text.lower() not in URGENCY:
        raise argparse.ArgumentTypeError(f"unknown status {text!r}: use {', '.join(URGENCY[:-1])} or {URGENCY[-1]}")
    return text.lower()


def complete_status(incomplete: str, _: argparse.Namespace) -> list[str]:
    return [status for status in URGENCY if status.startswith(incomplete.lower())]


def exit_code(error: AgentConsoleError) -> int:
    return next((code for kind, code in _EXIT_CODES.items() if isinstance(error, kind)), EXIT_ERROR)


def fail(error: AgentConsoleError) -> NoReturn:
    fail_with(str(error), exit_code(error))


def fail_with(message: str, code: int) -> NoReturn:
    note(message)
    raise SystemExit(code)


def note(message: str) -> None:
    """One line on stderr, escaped: messages quote ids, paths and settings keys that came from outside."""
    sys.stderr.write(f"agent-console: {escape(message)}\n")
    sys.stderr.flush()


def run_with_client(address: str | None, action: "Callable[[BlockingSessionsClient], T]") -> T:
    """Connect to ``address`` (else the session bus) with the blocking client, run ``action``, disconnect."""
    from agent_console.client.blocking_client import BlockingSessionsClient

    try:
        with BlockingSessionsClient.connect(address) as client:
            return action(client)
    except AgentConsoleError as error:
        fail(error)


def run_with_async_client(address: str | None, action: "Callable[[SessionsClient], Any]") -> Any:
    """For commands that stay (watch): the asyncio client, its subscriptions, until ``action`` ends."""
    import asyncio

    from agent_console.client.async_client import SessionsClient

    async def connected() -> Any:
        client = await SessionsClient.connect(address)
        try:
            return await action(client)
        finally:
            client.close()

    try:
        return asyncio.run(connected())
    except AgentConsoleError as error:
        fail(error)


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
        raise SystemExit(EXIT_OK) from None
