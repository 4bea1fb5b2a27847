"""``agent-console set``, ``get``, ``rm`` and ``list``: one call each, for people and scripts."""

import os
from typing import Annotated

import typer

from agent_console.cli.render import session_details, session_table
from agent_console.cli.runner import AddressOption, emit, run_with_client
from agent_console.client import SessionsClient
from agent_console.errors import NotFound
from agent_console.presentation import URGENCY, json_text, now_us


def complete_status(incomplete: str) -> list[str]:
    """Shell completion for status arguments."""
    return [status for status in URGENCY if status.startswith(incomplete.lower())]


def _known_status(value: str | None) -> str | None:
    if value is not None and value.lower() not in URGENCY:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(URGENCY)}")
    return value.lower() if value else None


SessionIdArgument = Annotated[str, typer.Argument(metavar="ID", help="The session id, e.g. Claude Code's session UUID.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON: session dictionaries as the daemon sends them.")]


def set_status(
    session_id: SessionIdArgument,
    status: Annotated[
        str,
        typer.Argument(metavar="STATUS", help="working, attention, question or closed.", autocompletion=complete_status),
    ],
    cwd: Annotated[
        str | None,
        typer.Option("--cwd", metavar="DIR", help="The session's working directory (made absolute).", show_default=False),
    ] = None,
    agent: Annotated[
        str | None,
        typer.Option("--agent", metavar="TYPE", help="The kind of agent [default: claude-code].", show_default=False),
    ] = None,
    address: AddressOption = None,
) -> None:
    """Create a session or change its status; prints nothing on success.

    \b
    A new id creates a session; DIR and TYPE are kept when not given again.
    Exit status: 0 done, 1 error (e.g. the store is full), 2 unknown status
    or a value past a limit, 5 daemon not running or bus unreachable.

    \b
    Example:
      agent-console set 4f1c2a question --cwd ~/src/api
    """
    attributes = {"working_dir": os.path.abspath(cwd) if cwd is not None else None, "agent_type": agent}
    given = {name: value for name, value in attributes.items() if value is not None}
    run_with_client(address, lambda client: client.set(session_id, status, **given))


def get_session(session_id: SessionIdArgument, json: JsonOption = False, address: AddressOption = None) -> None:
    """Show one session with its history of status changes.

    \b
    Exit status: 0 shown, 4 no such session, 5 daemon not running or bus
    unreachable, 1 any other error.

    \b
    Example:
      agent-console get 4f1c2a --json
    """
    session = run_with_client(address, lambda client: client.get(session_id))
    emit([json_text(session, indent=2)] if json else session_details(session, now_us()))


def remove_session(session_id: SessionIdArgument, address: AddressOption = None) -> None:
    """Forget a session, such as one whose agent will never report again.

    \b
    Prints nothing. Exit status: 0 removed, 4 no such session, 5 daemon not running or bus
    unreachable, 1 any other error.

    \b
    Example:
      agent-console rm 4f1c2a
    """
    run_with_client(address, lambda client: _remove(client, session_id))


async def _remove(client: SessionsClient, session_id: str) -> None:
    if not await client.remove(session_id):
        raise NotFound(f"no session with id {session_id!r}")


def list_sessions(
    json: JsonOption = False,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="S",
            help="Only sessions with this status.",
            autocompletion=complete_status,
            callback=_known_status,
            show_default=False,
        ),
    ] = None,
    address: AddressOption = None,
) -> None:
    """List the sessions, those that need you first.

    \b
    Order: question, attention, working, closed; within each, the one that
    has waited longest first. FOR is the time spent in the current status.
    Exit status: 0 listed (also when empty), 2 unknown status, 5 daemon not
    running or bus unreachable, 1 any other error.

    \b
    Example:
      agent-console list --status question
      agent-console list --json | jq -r '.[].working_dir'
    """
    sessions = run_with_client(address, lambda client: client.list_all())
    if status is not None:
        sessions = [session for session in sessions if session.get("status") == status]
    if json:
        emit([json_text(sessions, indent=2)])
    else:
        emit(session_table(sessions, now_us()) or ["no sessions"])
