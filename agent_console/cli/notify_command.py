"""``agent-console notify``: desktop notifications, for a user unit or a launchd agent to run.

The notifier, dbus-fast and pydantic are imported when the command runs:
the command line is parsed, and its help shown, without them.
"""

import argparse
from pathlib import Path

from agent_console.cli.runner import (
    Commands,
    add_address_option,
    add_command,
    fail,
    run_with_async_client,
)


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "notify",
        _run,
        "Post a desktop notification when a session starts to need you.",
        "A bubble when a session enters question or attention, naming the session\n"
        "and saying why; withdrawn when it goes back to working or closes. Posts\n"
        "through org.freedesktop.Notifications (osascript on macOS); settings in\n"
        "the [notify] table of config.toml. Runs until stopped, waiting for the\n"
        "daemon when it is not running.",
        "0 stopped (SIGTERM, Ctrl-C), 2 invalid settings, 5 bus unreachable\nor lost.",
        ["agent-console notify --verbose"],
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="Settings file [default: $XDG_CONFIG_HOME/agent-console/config.toml]",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="Log every decision")
    add_address_option(parser)


def _run(args: argparse.Namespace) -> None:
    from agent_console.config import load_notify_config
    from agent_console.errors import InvalidArgs
    from agent_console.notify.notifier import Notifier
    from agent_console.system.logs import configure_logging

    configure_logging(args.verbose, "agent-console-notify")
    try:
        settings = load_notify_config(args.config)
    except InvalidArgs as error:
        fail(error)
    run_with_async_client(args.address, lambda client: Notifier(client, settings).run())
