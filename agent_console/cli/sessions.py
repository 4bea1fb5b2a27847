"""``agent-console list``, ``get``, ``set`` and ``rm``: one blocking call or two each, for people and scripts.

``get`` and ``rm`` take an id or any unique start of one, as ``list`` shows
only the first characters (as ``docker ps`` does): the exact id wins, then a
prefix that only one session's id starts with.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from agent_console.cli.color import add_color_option, painter
from agent_console.cli.render import session_details, session_table
from agent_console.cli.runner import (
    Commands,
    add_address_option,
    add_command,
    add_json_option,
    complete_status,
    emit,
    note,
    run_with_client,
    status_value,
    with_completer,
)
from agent_console.errors import InvalidArgs, NotFound
from agent_console.presentation import json_text, name_of, now_us, text_of

if TYPE_CHECKING:
    from agent_console.client.blocking_client import BlockingSessionsClient
    from agent_console.presentation import SessionDict

AMBIGUOUS_SHOWN = 5
"""Ids named in the error for an ambiguous prefix; more would not fit one line."""


def register(commands: Commands) -> None:
    _register_list(commands)
    _register_get(commands)
    _register_set(commands)
    _register_rm(commands)
    _register_ack(commands)


def complete_session_id(incomplete: str, args: argparse.Namespace) -> list[str]:
    """Ids of the sessions now; asks the bus first, so completing never starts the daemon."""
    from agent_console.client.blocking_client import BlockingSessionsClient

    with BlockingSessionsClient.connect(getattr(args, "address", None)) as client:
        if not client.daemon_running():
            return []
        return sorted(str(s.get("id")) for s in client.list_all() if str(s.get("id")).startswith(incomplete))


def add_id_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    with_completer(parser.add_argument("session_id", metavar="ID", help=help_text), complete_session_id)


def _register_list(commands: Commands) -> None:
    parser = add_command(
        commands,
        "list",
        _list,
        "List the sessions, those that need you first.",
        "Order: question, attention, working, closed; within each, the one that\n"
        "has waited longest first. ID is the start of the session id, enough for\n"
        "get and rm. FOR is the time spent in the current status.",
        "0 listed (also when empty), 2 unknown status, 5 daemon not\nrunning or bus unreachable, 1 any other error.",
        ["agent-console list --status question", "agent-console list --json | jq -r '.[].working_dir'"],
    )
    add_json_option(parser, "Print JSON: the session dictionaries as the daemon sends them")
    with_completer(
        parser.add_argument("--status", metavar="STATUS", type=status_value, help="Only sessions with this status"),
        complete_status,
    )
    add_color_option(parser)
    add_address_option(parser)


def _list(args: argparse.Namespace) -> None:
    sessions = run_with_client(args.address, lambda client: client.list_all())
    if args.status is not None:
        sessions = [session for session in sessions if session.get("status") == args.status]
    if args.json:
        emit([json_text(sessions, indent=2)])
    else:
        emit(session_table(sessions, now_us(), painter(args.color)) or ["no sessions"])


def _register_get(commands: Commands) -> None:
    parser = add_command(
        commands,
        "get",
        _get,
        "Show one session with its history of status changes.",
        "ID may be the start of an id, as list shows it, if only one id starts so.",
        "0 shown, 2 ID is the start of several ids, 4 no such session,\n5 daemon not running or bus unreachable, 1 any other error.",
        ["agent-console get 4f1c2a", "agent-console get 4f1c2a --json"],
    )
    add_id_argument(parser, "The session id, or its start")
    add_json_option(parser, "Print JSON: the session dictionary as the daemon sends it, with its history")
    add_color_option(parser)
    add_address_option(parser)


def fetch_session(client: BlockingSessionsClient, given: str) -> SessionDict:
    """The session whose id is ``given``, else the one whose id alone starts with it."""
    try:
        return client.get(given)
    except NotFound:
        return client.get(_unique_id(client, given))


def _get(args: argparse.Namespace) -> None:
    session = run_with_client(args.address, lambda client: fetch_session(client, args.session_id))
    emit([json_text(session, indent=2)] if args.json else session_details(session, now_us(), painter(args.color)))


def _register_set(commands: Commands) -> None:
    parser = add_command(
        commands,
        "set",
        _set,
        "Create a session or change its status; prints nothing on success.",
        "A new id creates a session; DIR and TYPE are kept when not given again,\nTEXT while the status stays.",
        "0 done, 1 error (e.g. the store is full), 2 unknown status\nor a value past a limit, "
        "5 daemon not running or bus unreachable.",
        ["agent-console set 4f1c2a question --cwd ~/src/api --detail 'Which database?'"],
    )
    add_id_argument(parser, "The whole session id: set creates what it does not find")
    with_completer(
        parser.add_argument("status", metavar="STATUS", type=status_value, help="working, attention, question or closed"),
        complete_status,
    )
    parser.add_argument("--cwd", metavar="DIR", help="The session's working directory (made absolute)")
    parser.add_argument("--agent", metavar="TYPE", help="The kind of agent [default: claude-code]")
    parser.add_argument("--detail", metavar="TEXT", help="Why it needs you, one line (at most 200 characters)")
    add_address_option(parser)


def _set(args: argparse.Namespace) -> None:
    attributes = {
        "working_dir": os.path.abspath(args.cwd) if args.cwd is not None else None,
        "agent_type": args.agent,
        "detail": args.detail,
    }
    given = {name: value for name, value in attributes.items() if value is not None}
    run_with_client(args.address, lambda client: client.set(args.session_id, args.status, **given))


def _register_rm(commands: Commands) -> None:
    parser = add_command(
        commands,
        "rm",
        _rm,
        "Forget a session, such as one whose agent will never report again.",
        "Prints nothing. ID may be the start of an id, if only one id starts so.",
        "0 removed, 2 ID is the start of several ids, 4 no such session,\n5 daemon not running or bus unreachable, 1 any other error.",
        ["agent-console rm 4f1c2a"],
    )
    add_id_argument(parser, "The session id, or its start")
    add_address_option(parser)


def _rm(args: argparse.Namespace) -> None:
    def remove(client: BlockingSessionsClient) -> None:
        if not client.remove(args.session_id) and not client.remove(_unique_id(client, args.session_id)):
            raise NotFound(f"no session with id {args.session_id!r}")

    run_with_client(args.address, remove)


def _register_ack(commands: Commands) -> None:
    parser = add_command(
        commands,
        "ack",
        _ack,
        "Mark a waiting session seen: the faces stop nagging until it waits again.",
        "A session in question or attention stays so, counted apart as seen: the\n"
        "bars and the dashboard show it, the notifier withdraws its bubble and\n"
        "posts none for it. Its next wait (the status entering question or\n"
        "attention again) is unseen. Prints nothing; a session that does not wait\n"
        "is left as it is, with a note on stderr. ID may be the start of an id.",
        "0 marked (or not waiting), 2 ID is the start of several ids, 4 no such\nsession, "
        "5 daemon not running or bus unreachable, 1 any other error.",
        ["agent-console ack 4f1c2a"],
    )
    add_id_argument(parser, "The session id, or its start")
    add_address_option(parser)


def _ack(args: argparse.Namespace) -> None:
    def mark(client: BlockingSessionsClient) -> SessionDict:
        try:
            return client.ack(args.session_id)
        except NotFound:
            return client.ack(_unique_id(client, args.session_id))

    session = run_with_client(args.address, mark)
    if session.get("seen") is not True:
        note(f"{name_of(session)} is {text_of(session, 'status')}: only a question or attention can be marked seen")


def _unique_id(client: BlockingSessionsClient, start: str) -> str:
    """The one id that begins with ``start``; NotFound for none, InvalidArgs for several."""
    matches = sorted(str(s.get("id")) for s in client.list_all() if start and str(s.get("id")).startswith(start))
    if not matches:
        raise NotFound(f"no session with id {start!r}")
    if len(matches) > 1:
        shown = ", ".join(matches[:AMBIGUOUS_SHOWN]) + (", ..." if len(matches) > AMBIGUOUS_SHOWN else "")
        raise InvalidArgs(f"{start!r} is the start of {len(matches)} session ids ({shown}): give more of it")
    return matches[0]
