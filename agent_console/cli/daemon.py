"""``agent-console daemon``: the command a service manager runs."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from agent_console.cli.runner import fail
from agent_console.config import load_config
from agent_console.errors import InvalidArgs


def run_daemon(
    address: Annotated[
        Optional[str],
        typer.Option(help="D-Bus address to serve on, instead of the session bus.", metavar="ADDR"),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Take the bus name over from a running instance.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every call.")] = False,
    config: Annotated[
        Optional[Path],
        typer.Option(help="Settings file [default: $XDG_CONFIG_HOME/agent-console/config.toml].", metavar="PATH"),
    ] = None,
    check_interval: Annotated[
        Optional[float], typer.Option(metavar="SECONDS", help="How often owners and quiet time are checked [5].")
    ] = None,
    stale_after: Annotated[
        Optional[float], typer.Option(metavar="SECONDS", help="Flag a working session quiet this long as stale [600].")
    ] = None,
    retention: Annotated[
        Optional[float], typer.Option(metavar="SECONDS", help="Keep closed sessions visible this long [900].")
    ] = None,
) -> None:
    """Run the session store on the D-Bus session bus until stopped.

    \b
    Normally started by systemd, launchd or D-Bus activation. Where no session
    bus exists it starts a private one and prints the address to export.
    Exit status: 0 stopped or replaced, 1 bus unreachable or lost,
    2 invalid options or settings, 3 another instance owns
    io.github.AgentConsole1.

    \b
    Example:
      agent-console daemon --replace
    """
    from agent_console.bus import daemon  # here, so that no other command loads the service

    daemon.configure_logging(verbose)
    overrides = {"check_interval": check_interval, "stale_after": stale_after, "retention": retention}
    try:
        settings = load_config(config, overrides)
    except InvalidArgs as error:
        fail(error)
    raise typer.Exit(daemon.run(address, replace, settings))
