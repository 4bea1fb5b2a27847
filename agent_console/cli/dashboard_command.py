"""``agent-console dashboard``: Textual is imported only when this command runs."""

import argparse

from agent_console.cli.runner import Commands, add_address_option, add_command


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "dashboard",
        _run,
        "Follow the sessions in a live table; Enter jumps to the selected one.",
        "Keys: up/down or j/k move, Enter focuses the session's terminal (as\n"
        "agent-console focus), a marks its wait seen (as agent-console ack), i\n"
        "shows its record and history, / filters by text (Esc clears), d removes\n"
        "a closed session or closes an open one (after asking), q quits; a click\n"
        "selects. Waits for the daemon when it is not running and picks up again\n"
        "when it comes back.",
        "0 quit.",
        ["agent-console dashboard"],
    )
    add_address_option(parser)


def _run(args: argparse.Namespace) -> None:
    from agent_console.dashboard.textual_app import DashboardApp

    DashboardApp(args.address).run()
