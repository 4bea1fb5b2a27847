"""The ``agent-console`` command line.

``main`` hands two commands over before anything else is imported: ``hook``,
which Claude Code runs on every tool call and so must not pay even for the
command-line parser, and ``daemon``, whose own entry point
(``agent_console.daemon.main``) parses its options, so that a service manager
starting it loads nothing of the CLI.  Every other command goes through
``agent_console.cli.commands``.
"""

import sys


def main() -> None:
    command, arguments = sys.argv[1:2], sys.argv[2:]
    if command == ["hook"]:
        from agent_console.hook import main as hook_main

        sys.exit(hook_main(arguments))
    if command == ["daemon"]:
        from agent_console.daemon.main import main as daemon_main

        sys.exit(daemon_main(arguments, prog="agent-console daemon"))
    from agent_console.cli.commands import run

    sys.exit(run(sys.argv[1:]))
