"""``agent-console install-hooks`` and ``uninstall-hooks``: edit Claude Code's settings.

The editing itself lives in :mod:`agent_console.claude_settings`; this module
only turns options into a call and the outcome into one line for a person.
"""

from pathlib import Path
from typing import Annotated

import typer

from agent_console import claude_settings
from agent_console.claude_settings import Change, SettingsError
from agent_console.cli.runner import fail

SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        metavar="PATH",
        help="Settings file to edit, e.g. a project's .claude/settings.json "
        "[default: ~/.claude/settings.json].",
        show_default=False,
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print the change as a unified diff; write nothing.")
]


def install_hooks(
    settings: SettingsOption = None,
    shell: Annotated[
        bool,
        typer.Option(
            "--shell",
            help="Register the shell script agent-console-hook instead of 'agent-console hook'.",
        ),
    ] = False,
    dry_run: DryRunOption = False,
) -> None:
    """Register the agent-console hook handler in Claude Code's settings.

    \b
    Adds one entry per status event (SessionStart, UserPromptSubmit, Stop, ...)
    and leaves everything else in the file as it was. Installing again changes
    nothing. The first change saves the original as settings.json.bak.
    Claude Code sessions started afterwards report their status.
    Exit status: 0 installed or already installed, 1 refused or failed.

    \b
    Example:
      agent-console install-hooks
      agent-console install-hooks --settings .claude/settings.json --dry-run
    """
    path = settings or claude_settings.default_settings_path()
    try:
        command = (
            claude_settings.shell_handler_command()
            if shell
            else claude_settings.python_handler_command()
        )
        change = claude_settings.install(path, command, dry_run)
    except SettingsError as error:
        fail(error)
    _report(
        change,
        dry_run,
        done="Installed the agent-console hooks in",
        unchanged="already installed in",
    )


def uninstall_hooks(settings: SettingsOption = None, dry_run: DryRunOption = False) -> None:
    """Remove the agent-console hook entries from Claude Code's settings.

    \b
    Removes only the entries install-hooks added (recognised by their command),
    never your own hooks, and drops the lists it had to create.
    Exit status: 0 removed or nothing to remove, 1 refused or failed.

    \b
    Example:
      agent-console uninstall-hooks
      agent-console uninstall-hooks --settings .claude/settings.json --dry-run
    """
    path = settings or claude_settings.default_settings_path()
    try:
        change = claude_settings.uninstall(path, dry_run)
    except SettingsError as error:
        fail(error)
    _report(change, dry_run, done="Removed the agent-console hooks from", unchanged="not in")


def _report(change: Change, dry_run: bool, done: str, unchanged: str) -> None:
    """One line for a person (or, in a dry run, the diff that would apply)."""
    if not change.changed:
        typer.echo(f"The agent-console hooks are {unchanged} {change.path}; nothing changed.")
    elif dry_run:
        typer.echo(change.diff(), nl=False)
    else:
        backup = f" (original saved as {change.backup})" if change.backup else ""
        typer.echo(f"{done} {change.path}{backup}. New Claude Code sessions pick this up.")
