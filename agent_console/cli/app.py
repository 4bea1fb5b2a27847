"""The typer application: one place that lists every command.

Each command lives in a module of its own beside this one; this file only
registers them, in the order a person reaches for them (what the sessions
are doing first, the plumbing last), so ``--help`` reads like a table of
contents.
"""

from typing import Annotated

import typer

from agent_console import __version__

app = typer.Typer(
    name="agent-console",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"agent-console {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """See at a glance which coding-agent sessions are working, need attention,
    ask a question, or have closed."""


from agent_console.cli import daemon, dashboard, focus, hook_settings, runner, service, sessions, status, watch  # noqa: E402

app.command("list")(sessions.list_sessions)
app.command("get")(sessions.get_session)
app.command("set")(sessions.set_status)
app.command("rm")(sessions.remove_session)
app.command("watch")(watch.watch)
app.command("dashboard")(dashboard.dashboard)
app.command("focus")(focus.focus_session)
app.command("status")(status.show_status)
app.command("install-hooks")(hook_settings.install_hooks)
app.command("uninstall-hooks")(hook_settings.uninstall_hooks)
app.add_typer(service.app, name="service", help="Run the daemon as a service: systemd, D-Bus activation, launchd.")
app.command("daemon")(daemon.run_daemon)
app.info.epilog = runner.EXIT_STATUS_HELP
