"""``agent-console remote``: follow SSH hosts (the unit's command), and ``remote list|add|rm``.

The follower, asyncio and dbus-fast are imported when it runs: ``list``,
``add`` and ``rm`` are one-shot and use the blocking client, and every
command's help is shown without any of them.
"""

import argparse
from pathlib import Path
from typing import Any

from agent_console.cli.render import table
from agent_console.cli.runner import (
    Commands,
    add_address_option,
    add_command,
    add_json_option,
    emit,
    fail,
    run_with_async_client,
    run_with_client,
)
from agent_console.presentation import clock, escape, json_text

NOT_FOLLOWED = "not followed"
"""The state ``remote list`` shows for a configured host the daemon has not heard of:
``agent-console remote`` is not running (``systemctl --user status agent-console-remote``)."""


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "remote",
        _follow,
        "Follow the sessions of SSH hosts into this machine's daemon.",
        "Without an action: follow every host of config.toml's [remotes] table\n"
        "(what agent-console-remote.service runs) over your own ssh, running\n"
        "'agent-console watch --format json' there. Their sessions show in every\n"
        "face with ids HOST:ID; while a host is out of reach they are marked\n"
        "unreachable, and resynchronised when it is back.\n\n"
        "Actions:\n"
        "  list [--json]            each host: state, since, sessions, detail\n"
        "  add NAME DESTINATION     follow DESTINATION (as ssh takes it) as NAME\n"
        "  rm NAME                  stop following NAME and drop its sessions",
        "0 done or stopped (SIGTERM, Ctrl-C), 2 invalid settings or\narguments, 4 no such remote, "
        "5 bus unreachable or lost.",
        ["agent-console remote add devbox me@devbox.example.org", "agent-console remote list"],
    )
    _add_config_option(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="Log every connection and call")
    add_address_option(parser)
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    listing = actions.add_parser("list", help="Each host's link state and session count")
    add_json_option(listing, "One JSON array of hosts")
    listing.set_defaults(run=_list)
    adding = actions.add_parser("add", help="Follow a host")
    adding.add_argument("name", metavar="NAME", help="A short name: it prefixes the host's session ids")
    adding.add_argument("destination", metavar="DESTINATION", help="As ssh takes it: user@host, a Host alias")
    adding.add_argument("--command", metavar="PATH", help="agent-console on that host, if not on its PATH")
    adding.set_defaults(run=_add)
    removing = actions.add_parser("rm", help="Stop following a host and drop its sessions")
    removing.add_argument("name", metavar="NAME")
    removing.set_defaults(run=_remove)
    for action in (listing, adding, removing):
        _add_config_option(action)
        add_address_option(action)


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="PATH", type=Path, default=argparse.SUPPRESS,
        help="Settings file [default: $XDG_CONFIG_HOME/agent-console/config.toml]",
    )  # fmt: skip


def _follow(args: argparse.Namespace) -> None:
    from agent_console.remote.follower import RemoteFollower
    from agent_console.system.logs import configure_logging

    configure_logging(args.verbose, "agent-console-remote")
    _remotes(args)  # read once here: a bad table stops the follower at start, with exit 2
    run_with_async_client(args.address, lambda client: RemoteFollower(client, _config(args)).run())


def _config(args: argparse.Namespace) -> Path | None:
    config: Path | None = getattr(args, "config", None)
    return config


def _remotes(args: argparse.Namespace) -> "dict[str, Any]":
    from agent_console.config import load_remotes
    from agent_console.errors import InvalidArgs

    try:
        return load_remotes(_config(args))
    except InvalidArgs as error:
        fail(error)


def _list(args: argparse.Namespace) -> None:
    remotes = _remotes(args)
    known = {host["name"]: host for host in run_with_client(args.address, lambda client: client.hosts())}
    rows = [_row(name, remote.destination, known.get(name)) for name, remote in remotes.items()]
    rows += [_row(name, "", host) for name, host in known.items() if name not in remotes]
    if args.json:
        emit([json_text(rows, indent=2)])
    elif rows:
        header = ["NAME", "STATE", "SINCE", "SESSIONS", "DESTINATION", "DETAIL"]
        cells = [
            [escape(r["name"]), r["state"], clock(r["since"]) if r["since"] else "", str(r["sessions"]),
             escape(r["destination"]), escape(r["detail"])]
            for r in rows
        ]  # fmt: skip
        emit(table([header, *cells]))
    else:
        emit(["no remote hosts: agent-console remote add NAME DESTINATION"])


def _row(name: str, destination: str, host: dict[str, Any] | None) -> dict[str, Any]:
    if host is None:
        return {"name": name, "destination": destination, "state": NOT_FOLLOWED, "since": 0, "sessions": 0,
                "skipped": 0, "detail": "agent-console remote is not running"}  # fmt: skip
    return {"name": name, "destination": destination, **{k: host[k] for k in ("state", "since", "sessions",
            "skipped", "detail")}}  # fmt: skip


def _add(args: argparse.Namespace) -> None:
    from agent_console.errors import AgentConsoleError
    from agent_console.remote.remotes_file import add_remote

    try:
        add_remote(_config(args), args.name, args.destination, args.command)
    except AgentConsoleError as error:
        fail(error)
    emit([f"following {escape(args.name)} at {escape(args.destination)} (agent-console remote picks it up)"])


def _remove(args: argparse.Namespace) -> None:
    from agent_console.errors import AgentConsoleError
    from agent_console.remote.remotes_file import remove_remote

    try:
        remove_remote(_config(args), args.name)
    except AgentConsoleError as error:
        fail(error)
    dropped = run_with_client(
        args.address, lambda client: client.forget_host(args.name) if client.daemon_running() else 0
    )
    emit([f"no longer following {escape(args.name)}; {dropped} sessions dropped"])
