"""The ``agent-console`` command line.

``main`` dispatches ``agent-console hook`` before anything else is imported:
Claude Code runs the hook on every tool call, so that path must not pay for
typer or pydantic.  Every other command goes through the typer app.
"""

import sys


def main() -> None:
    if sys.argv[1:2] == ["hook"]:
        from agent_console.hook import main as hook_main

        sys.exit(hook_main(sys.argv[2:]))
    from agent_console.cli.app import app

    app()
