"""``agent-console service install | uninstall | status``: run the daemon as a service.

The work is in :mod:`agent_console.service_manager`; this module fills in the
real process (platform, environment, home, the executable's own path), turns
the outcome into lines for a person, and adds the one question the service
manager cannot answer: whether the bus name is owned right now.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_console.cli.runner import (
    EXIT_ERROR,
    EXIT_UNAVAILABLE,
    Commands,
    HelpFormatter,
    Parser,
    add_address_option,
    add_command,
    fail_with,
)
from agent_console.presentation import escape
from agent_console.wire.names import BUS_NAME

if TYPE_CHECKING:
    from agent_console.service_manager.actions import Context


def register(commands: Commands) -> None:
    summary = "Run the daemon as a service: systemd user unit, D-Bus activation, launchd agent."
    parser = commands.add_parser("service", help=summary, description=summary, formatter_class=HelpFormatter)
    parser.set_defaults(run=lambda args: parser.print_help())
    actions = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    install = add_command(
        actions,
        "install",
        _install,
        "Write the service files and reload the service manager.",
        "Writes, pointing at this agent-console's absolute path:\n"
        "  Linux  $XDG_CONFIG_HOME/systemd/user/agent-console.service\n"
        "         $XDG_CONFIG_HOME/systemd/user/agent-console-notify.service\n"
        "         $XDG_CONFIG_HOME/systemd/user/agent-console-remote.service\n"
        "  macOS  ~/Library/LaunchAgents/io.github.AgentConsole1.plist\n"
        "         ~/Library/LaunchAgents/io.github.AgentConsole1.Notify.plist\n"
        "  both   $XDG_DATA_HOME/dbus-1/services/io.github.AgentConsole1.service\n"
        "then reloads systemd (systemctl --user daemon-reload) or bootstraps the\n"
        "launchd agent. D-Bus activation then starts the daemon on the first call,\n"
        "also where no user manager is reachable. The notifier's unit is written,\n"
        "not enabled: systemctl --user enable --now agent-console-notify.service\n"
        "(--no-notify leaves it out). The remote hosts' follower's unit is\n"
        "enabled and started (agent-console remote). Installing again rewrites only what\n"
        "changed. Warns (and still installs) when this agent-console lies under\n"
        "/tmp or /var/tmp, which the hardened unit cannot see.",
        "0 installed, 1 failed.",
        ["agent-console service install --now", "agent-console service install --dry-run"],
    )
    install.add_argument("--now", action="store_true", help="Also start the service now")
    install.add_argument(
        "--no-notify",
        dest="notify",
        action="store_false",
        help="Leave out the unit (or agent) of agent-console notify",
    )
    _add_dry_run(install)
    uninstall = add_command(
        actions,
        "uninstall",
        _uninstall,
        "Stop the service and remove the files install wrote.",
        "Stops the unit (systemctl --user stop) or boots out the launchd agent,\n"
        "removes the unit or plist and the D-Bus activation file, and reloads the\n"
        "manager. Nothing else is touched.",
        "0 removed or nothing to remove, 1 failed.",
        ["agent-console service uninstall", "agent-console service uninstall --dry-run"],
    )
    _add_dry_run(uninstall)
    status = add_command(
        actions,
        "status",
        _status,
        "Say what is installed, where, and whether it runs.",
        'A file is "installed" when it is exactly what install would write now,\n'
        '"different" when it exists but points elsewhere or was edited, "missing"\n'
        "otherwise.",
        "0 the daemon runs, 5 it does not.",
        ["agent-console service status", "agent-console service status --json"],
    )
    status.add_argument("--json", action="store_true", help="Print one JSON object")
    add_address_option(status)


def _add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="Print what would be done; change nothing")


def _context(notify: bool = True) -> "Context":
    from agent_console.service_manager.actions import Context
    from agent_console.system.executable import running_executable

    return Context(
        platform=sys.platform, env=os.environ, home=Path.home(), executable=running_executable(), notify=notify
    )


def _install(args: argparse.Namespace) -> None:
    from agent_console.service_manager.actions import (
        ServiceError,
        install,
        install_warning,
    )
    from agent_console.service_manager.files import UnsupportedPath

    ctx = _context(args.notify)
    warning = install_warning(ctx)
    if warning is not None:
        print(f"agent-console: warning: {escape(warning)}", file=sys.stderr)
    try:
        report = install(ctx, start=args.now, dry_run=args.dry_run)
    except (ServiceError, UnsupportedPath, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    print("\n".join(report))
    if not args.dry_run:
        from agent_console.client.installed_daemon import replace_outdated_daemon

        line = replace_outdated_daemon()
        if line is not None:
            print(line)


def _uninstall(args: argparse.Namespace) -> None:
    from agent_console.service_manager.actions import ServiceError, uninstall

    try:
        report = uninstall(_context(), dry_run=args.dry_run)
    except (ServiceError, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    print("\n".join(report))


def _status(args: argparse.Namespace) -> None:
    import asyncio

    from agent_console.service_manager.actions import status
    from agent_console.service_manager.files import UnsupportedPath

    try:
        report = status(_context())
    except (UnsupportedPath, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    report["bus"] = asyncio.run(_bus_owner(args.address))
    running = bool(report["running"]) or report["bus"]["owner_pid"] is not None
    print(json.dumps(report, indent=2) if args.json else _status_text(report))
    if not running:
        raise SystemExit(EXIT_UNAVAILABLE)


def _status_text(report: dict[str, Any]) -> str:
    if report["manager"] is None:
        lines = [f"manager: none ({report['detail']})"]
    elif report["reachable"]:
        lines = [f"manager: {report['manager']}", f"service: {report['state']}"]
    else:
        lines = [f"manager: {report['manager']}, not reachable ({report['detail']})"]
    lines += [f"{f['role']}: {f['state']} {f['path']}" for f in report["files"]]
    bus = report["bus"]
    if bus["owner_pid"] is not None:
        lines.append(f"bus: {BUS_NAME} is served by pid {bus['owner_pid']}")
    else:
        lines.append(f"bus: {bus['detail']}")
    return "\n".join(lines)


async def _bus_owner(address: str | None) -> dict[str, Any]:
    """Who owns the name, asked without activating it: status must not start what it reports on."""
    from agent_console.client.async_client import SessionsClient
    from agent_console.errors import Unavailable
    from agent_console.wire.connection import session_bus_address

    address = address or session_bus_address()
    try:
        client = await SessionsClient.connect(address)
    except Unavailable as error:
        return {"address": address, "owner_pid": None, "detail": str(error)}
    try:
        pid = await client.daemon_pid()
    finally:
        client.close()
    return {"address": address, "owner_pid": pid, "detail": None if pid else f"{BUS_NAME} has no owner"}
