"""``agent-console dashboard``: Textual is imported only when this command runs."""

from agent_console.cli.runner import AddressOption


def dashboard(address: AddressOption = None) -> None:
    """Follow the sessions in a live table; Enter jumps to the selected one.

    \b
    Keys: up/down or j/k move, Enter focuses the session's terminal (as
    agent-console focus), i shows its full record and history, / filters
    by text (Esc clears), d removes a closed session or closes an open one
    (after asking), q quits; a click selects. Waits for the daemon when it
    is not running and picks up again when it comes back.
    Exit status: 0 quit.

    \b
    Example:
      agent-console dashboard
    """
    from agent_console.dashboard.app import DashboardApp

    DashboardApp(address).run()
