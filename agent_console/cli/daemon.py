"""``agent-console daemon``: the command a service manager runs."""

from typing import Annotated, Optional

import typer

from agent_console.bus import daemon


def run_daemon(
    address: Annotated[
        Optional[str],
        typer.Option(help="D-Bus address to serve on, instead of the session bus.", metavar="ADDR"),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Take the bus name over from a running instance.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every call.")] = False,
) -> None:
    """Run the session store on the D-Bus session bus until stopped.

    \b
    Normally started by systemd, launchd or D-Bus activation. Where no session
    bus exists it starts a private one and prints the address to export.
    Exit status: 0 stopped or replaced, 1 bus unreachable or lost,
    3 another instance owns io.github.AgentConsole1.

    \b
    Example:
      agent-console daemon --replace
    """
    daemon.configure_logging(verbose)
    raise typer.Exit(daemon.run(address, replace))
