"""The command line: one place that lists every command.

Each command lives in a module of its own beside this one and adds its
parser here, in the order a person reaches for them (what the sessions are
doing first, the plumbing last), so ``--help`` reads like a table of
contents.  Building the parser imports no command's dependencies: each
command imports those when it runs.
"""

import argparse

from agent_console import __version__
from agent_console.cli import (
    completion,
    dashboard_command,
    focus_command,
    hook_settings,
    notify_command,
    remote_command,
    service_command,
    sessions,
    status,
    watch,
    widget_command,
)
from agent_console.cli.runner import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STATUS_HELP,
    Parser,
    emit,
    new_parser,
)

DAEMON_SUMMARY = "Run the session store on the D-Bus session bus until stopped."
"""The first line of the daemon's own help: ``agent-console daemon`` is handed to
``agent_console.daemon.main`` before this parser is built, so it is listed here only."""


def parser() -> Parser:
    top = new_parser(
        "agent-console",
        "See at a glance which coding-agent sessions are working, need attention,\nask a question, or have closed.",
        f"{EXIT_STATUS_HELP}\n\nRun 'agent-console COMMAND -h' for a command's options and examples.",
    )
    top.add_argument("--version", action="version", version=f"agent-console {__version__}")
    commands = top.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    sessions.register(commands)
    watch.register(commands)
    dashboard_command.register(commands)
    focus_command.register(commands)
    status.register(commands)
    notify_command.register(commands)
    remote_command.register(commands)
    hook_settings.register(commands)
    service_command.register(commands)
    widget_command.register(commands)
    commands.add_parser("daemon", help=DAEMON_SUMMARY, add_help=False)
    completion.register(commands)
    return top


def run(argv: list[str]) -> int:
    """Parse ``argv`` (the words after ``agent-console``) and run the command; the exit status."""
    top = parser()
    if argv[:1] == [completion.COMPLETE]:
        emit(completion.complete(top, argv[1:]))
        return EXIT_OK
    if not argv:
        top.print_help()
        return EXIT_OK
    args: argparse.Namespace = top.parse_args(argv)
    try:
        args.run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK
