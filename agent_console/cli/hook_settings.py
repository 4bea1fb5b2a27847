"""``agent-console install-hooks`` and ``uninstall-hooks``: register the handler with each agent.

Where and how each agent registers hooks lives in its module under
:mod:`agent_console.agents`; the editing in
:mod:`agent_console.agents.settings_file`.  This module picks the agents,
builds the handler's command line and turns each outcome into one line for a
person.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from agent_console.agents import agent_named, agent_names, all_agents
from agent_console.cli.runner import Commands, add_command, fail
from agent_console.vocabulary import DEFAULT_AGENT

if TYPE_CHECKING:
    from agent_console.agents.settings_file import Change

CHECKOUT_HOOKS = Path(__file__).resolve().parents[2] / "hooks"
"""Where the shell handler sits in a source checkout (and an editable install).

The editing (``agents.settings_file``) and the executable's path
(``service_manager.files``) are imported by the functions that use them: the
parser of every command imports this module, and those two cost ``--help``
more than it may spend.
"""

AGENT_NAMES = ", ".join(agent_names())



def register(commands: Commands) -> None:
    install = add_command(
        commands,
        "install-hooks",
        lambda args: install_hooks(args.agent, args.settings, args.shell, args.dry_run),
        "Register the agent-console hook handler with your coding agents.",
        "Claude Code, Gemini CLI, Codex: one entry per status event in the agent's\n"
        "settings (~/.claude/settings.json, ~/.gemini/settings.json,\n"
        "$CODEX_HOME/hooks.json), everything else in the file left as it was; the\n"
        "first change saves the original as FILE.bak.  opencode: a plugin file in\n"
        "~/.config/opencode/plugin/.  Installing again changes nothing.\n"
        "Without --agent, every agent installed here (on PATH or by its config\n"
        "folder), and none that is not.  Sessions started afterwards report\n"
        "their status.",
        "0 installed or already installed, 1 refused or failed.",
        [
            "agent-console install-hooks",
            "agent-console install-hooks --agent gemini-cli",
            "agent-console install-hooks --settings .claude/settings.json --dry-run",
        ],
    )
    _add_options(install)
    install.add_argument(
        "--shell",
        action="store_true",
        help="Register the shell script agent-console-hook instead of 'agent-console hook' (no Python start per event)",
    )
    uninstall = add_command(
        commands,
        "uninstall-hooks",
        lambda args: uninstall_hooks(args.agent, args.settings, args.dry_run),
        "Remove the agent-console hooks from your coding agents.",
        "Removes only what install-hooks added (entries recognised by their\n"
        "command, opencode's plugin file), never your own hooks, and drops the\n"
        "lists it had to create: a file install-hooks created goes, one it\n"
        "changed gets its original text back (FILE.bak) unless you changed it\n"
        "since.  Without --agent, every agent found here.",
        "0 removed or nothing to remove, 1 refused or failed.",
        ["agent-console uninstall-hooks", "agent-console uninstall-hooks --agent codex --dry-run"],
    )
    _add_options(uninstall)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent",
        metavar="NAME",
        help=f"The agent: {AGENT_NAMES} [default: every one installed here; {DEFAULT_AGENT} with --settings]",
    )
    parser.add_argument(
        "--settings",
        metavar="PATH",
        type=Path,
        help="File to edit, e.g. a project's .claude/settings.json "
        "[default: the agent's user-level file, e.g. ~/.claude/settings.json]",
    )
    parser.add_argument("--dry-run", action="store_true", help="Print the change as a unified diff; write nothing")


def install_hooks(agent: str | None, settings: Path | None, shell: bool, dry_run: bool) -> None:
    """Register the handler with the agent named, else with every agent found here."""
    from agent_console.agents.settings_file import SettingsError

    agents = _chosen(agent, settings)
    if not agents:
        fail(SettingsError(f"no coding agent is installed here ({_how_found()}): nothing written; "
                           "install one first, or name it with --agent NAME"))
    for chosen in agents:
        path = settings or Path(chosen.hooks_path())
        absent = settings is None and not is_installed(chosen)
        try:
            command = [*shell_handler_command(), *_handler_arguments(chosen, shell=True)] if shell else python_handler_command(chosen)
            change = install(chosen, command, path, dry_run)
        except SettingsError as error:
            fail(error)
        _report(chosen, change, dry_run, done="Installed the agent-console hooks in", unchanged="already installed in")
        if change.changed and not dry_run and chosen.INSTALL_NOTE:
            print(chosen.INSTALL_NOTE)
        if absent:
            print(f"{chosen.TITLE} is not installed here ({_how_found(chosen)}): the hooks take effect once it is.")
    if not dry_run:
        _replace_outdated_daemon()
    if agent is None:
        _summary(agents, "Done")


def _replace_outdated_daemon() -> None:
    """The hooks forward to whatever daemon runs: it must be the one just installed."""
    from agent_console.client.installed_daemon import replace_outdated_daemon

    line = replace_outdated_daemon()
    if line is not None:
        print(f"agent-console: {line}")


def uninstall_hooks(agent: str | None, settings: Path | None, dry_run: bool) -> None:
    """Remove what install_hooks added, from the agent named or every agent found here."""
    from agent_console.agents.settings_file import SettingsError

    agents = _chosen(agent, settings) or all_agents()[:1]
    for chosen in agents:
        try:
            change = uninstall(chosen, settings or Path(chosen.hooks_path()), dry_run)
        except SettingsError as error:
            fail(error)
        _report(chosen, change, dry_run, done="Removed the agent-console hooks from", unchanged="not in")
    if agent is None:
        _summary(agents, "Done")


def install(agent: ModuleType, command: list[str], path: Path, dry_run: bool) -> Change:
    """Register ``command`` with ``agent``: a file of ours, or groups merged into its settings."""
    from agent_console.agents import settings_file

    marker = getattr(agent, "PLUGIN_MARKER", None)
    if marker is not None:
        return settings_file.install_file(path, agent.registration(command), marker, dry_run)
    return settings_file.install(path, agent.registration(command), dry_run)


def uninstall(agent: ModuleType, path: Path, dry_run: bool) -> Change:
    """Remove what ``install`` added for ``agent``."""
    from agent_console.agents import settings_file

    marker = getattr(agent, "PLUGIN_MARKER", None)
    if marker is not None:
        return settings_file.uninstall_file(path, marker, dry_run)
    return settings_file.uninstall(path, dry_run)


def _handler_arguments(agent: ModuleType, shell: bool) -> list[str]:
    """What follows the handler's path: ``hook`` for the Python one, and ``--agent NAME`` but
    for Claude Code, whose registration keeps the short form so earlier installs stay as they are."""
    words = [] if shell else ["hook"]
    return words if agent.NAME == DEFAULT_AGENT else [*words, "--agent", agent.NAME]


def python_handler_command(agent: ModuleType) -> list[str]:
    """``agent-console hook [--agent NAME]`` by the absolute path of the ``agent-console`` running now.

    An agent may be started from a desktop launcher whose PATH lacks the
    user's bin directories, so a bare name could fail where a path does not;
    and it is the same path ``service install`` writes into the unit.
    """
    from agent_console.system.executable import running_executable

    return [running_executable(), *_handler_arguments(agent, shell=False)]


def shell_handler_command(search_path: str | None = None, checkout: Path | None = None) -> list[str]:
    """The absolute path of the shell handler: from PATH, else from the checkout (``CHECKOUT_HOOKS``)."""
    from agent_console.agents.settings_file import SHELL_HANDLER, SettingsError

    checkout = checkout or CHECKOUT_HOOKS / SHELL_HANDLER
    found = shutil.which(SHELL_HANDLER, path=search_path)
    if found:
        return [os.path.abspath(found)]
    if not checkout.is_file():
        raise SettingsError(
            f"cannot find the shell hook {SHELL_HANDLER}: it is not on PATH nor at "
            f"{checkout}; put it on PATH, or drop --shell to use the Python handler"
        )
    if not os.access(checkout, os.X_OK):
        raise SettingsError(f"the shell hook {checkout} is not executable: chmod +x {checkout}")
    return [str(checkout)]


def _chosen(name: str | None, settings: Path | None) -> list[ModuleType]:
    """The agent named; else, for a file named, Claude Code (the default); else every one installed here."""
    from agent_console.agents.settings_file import SettingsError

    if name is not None:
        agent = agent_named(name)
        if agent is None:
            fail(SettingsError(f"unknown agent {name!r}: the agents are {AGENT_NAMES}"))
        return [agent]
    if settings is not None:
        return all_agents()[:1]
    return [agent for agent in all_agents() if is_installed(agent)]


def _summary(chosen: list[ModuleType], verb: str) -> None:
    """Which agents were handled, when it was more than the default alone."""
    if [agent.NAME for agent in chosen] == [DEFAULT_AGENT]:
        return
    missing = [agent.TITLE for agent in all_agents() if agent not in chosen]
    print(
        f"{verb} for {', '.join(agent.TITLE for agent in chosen)}"
        + (f"; not found here: {', '.join(missing)} (--agent NAME sets one up anyway)." if missing else ".")
    )


def is_installed(agent: ModuleType) -> bool:
    """On PATH, or used here before (its config folder exists)."""
    return any(shutil.which(program) for program in agent.PROGRAMS) or os.path.isdir(agent.config_dir())


def _how_found(agent: ModuleType | None = None) -> str:
    """What was looked for: the agent's programs on PATH and its config folder (every agent's, without one)."""
    agents = [agent] if agent is not None else all_agents()
    programs = " or ".join(program for each in agents for program in each.PROGRAMS)
    folders = ", ".join(_home_relative(each.config_dir()) for each in agents)
    return f"no {programs} on PATH, no {folders}"


def _home_relative(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def _report(agent: ModuleType, change: Change, dry_run: bool, done: str, unchanged: str) -> None:
    """One line for a person (or, in a dry run, the diff that would apply)."""
    if not change.changed:
        print(f"{agent.TITLE}: the agent-console hooks are {unchanged} {change.path}; nothing changed.")
    elif dry_run:
        print(change.diff(), end="")
    else:
        backup = f" (original saved as {change.backup})" if change.backup else ""
        print(f"{agent.TITLE}: {done} {change.path}{backup}. New {agent.TITLE} sessions pick this up.")
