"""``agent-console service install | uninstall | status``: run the daemon as a service.

The work is in :mod:`agent_console.service_manager`; this module fills in the
real process (platform, environment, home, the executable's own path), turns
the outcome into lines for a person, and adds the one question the service
manager cannot answer: whether the bus name is owned right now.
"""

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from agent_console.bus.connection import session_bus_address
from agent_console.bus.names import BUS_NAME
from agent_console.cli.runner import EXIT_ERROR, EXIT_UNAVAILABLE, AddressOption, fail_with
from agent_console.client import SessionsClient
from agent_console.errors import Unavailable
from agent_console.presentation import escape
from agent_console.service_manager.actions import (
    Context,
    ServiceError,
    install,
    install_warning,
    status,
    uninstall,
)
from agent_console.service_manager.files import UnsupportedPath, running_executable

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Run the daemon as a service: systemd user unit, D-Bus activation, launchd agent.",
)

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print what would be done; change nothing.")]


def _context() -> Context:
    return Context(platform=sys.platform, env=os.environ, home=Path.home(), executable=running_executable())


@app.command("install")
def install_command(
    now: Annotated[bool, typer.Option("--now", help="Also start the service now.")] = False,
    dry_run: DryRunOption = False,
) -> None:
    """Write the service files and reload the service manager.

    \b
    Writes, pointing at this agent-console's absolute path:
      Linux  $XDG_CONFIG_HOME/systemd/user/agent-console.service
      macOS  ~/Library/LaunchAgents/io.github.AgentConsole1.plist
      both   $XDG_DATA_HOME/dbus-1/services/io.github.AgentConsole1.service
    then reloads systemd (systemctl --user daemon-reload) or bootstraps the
    launchd agent. D-Bus activation then starts the daemon on the first call,
    also where no user manager is reachable. Installing again rewrites only
    what changed. Warns (and still installs) when this agent-console lies
    under /tmp or /var/tmp, which the hardened unit cannot see.
    Exit status: 0 installed, 1 failed.

    \b
    Example:
      agent-console service install --now
      agent-console service install --dry-run
    """
    ctx = _context()
    warning = install_warning(ctx)
    if warning is not None:
        typer.echo(f"agent-console: warning: {escape(warning)}", err=True)
    try:
        report = install(ctx, start=now, dry_run=dry_run)
    except (ServiceError, UnsupportedPath, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    typer.echo("\n".join(report))


@app.command("uninstall")
def uninstall_command(dry_run: DryRunOption = False) -> None:
    """Stop the service and remove the files install wrote.

    \b
    Stops the unit (systemctl --user stop) or boots out the launchd agent,
    removes the unit or plist and the D-Bus activation file, and reloads the
    manager. Nothing else is touched. Exit status: 0 removed or nothing to
    remove, 1 failed.

    \b
    Example:
      agent-console service uninstall
      agent-console service uninstall --dry-run
    """
    try:
        report = uninstall(_context(), dry_run=dry_run)
    except (ServiceError, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    typer.echo("\n".join(report))


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    address: AddressOption = None,
) -> None:
    """Say what is installed, where, and whether it runs.

    \b
    A file is "installed" when it is exactly what install would write now,
    "different" when it exists but points elsewhere or was edited, "missing"
    otherwise. Exit status: 0 the daemon runs, 5 it does not.

    \b
    Example:
      agent-console service status
      agent-console service status --json
    """
    try:
        report = status(_context())
    except (UnsupportedPath, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    report["bus"] = asyncio.run(_bus_owner(address))
    running = bool(report["running"]) or report["bus"]["owner_pid"] is not None
    typer.echo(json.dumps(report, indent=2) if as_json else _status_text(report))
    if not running:
        raise typer.Exit(EXIT_UNAVAILABLE)


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
