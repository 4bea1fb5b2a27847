"""``agent-console install-widget | uninstall-widget gnome-shell|plasma``: the desktop widgets.

The work is in :mod:`agent_console.widgets.install`; this module fills in the
real process (environment, home, this executable's absolute path, which the
widgets run on a click) and turns the outcome into lines or JSON.
"""

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agent_console.cli.runner import EXIT_ERROR, Commands, add_command, add_json_option, emit, fail_with

if TYPE_CHECKING:
    from agent_console.widgets.install import Outcome

DESKTOPS = ("gnome-shell", "plasma")


def register(commands: Commands) -> None:
    install = add_command(
        commands,
        "install-widget",
        _install,
        "Install the GNOME Shell indicator or the KDE Plasma applet for this user.",
        "gnome-shell  writes $XDG_DATA_HOME/gnome-shell/extensions/agent-console@agentconsole.github.io/\n"
        "             for the GNOME Shell found here (43/44: imports. module; 45+: ES module),\n"
        "             then prints the UUID and the line that enables it.\n"
        "plasma       installs the applet io.github.agentconsole.sessions with kpackagetool6\n"
        "             (Plasma 6) or kpackagetool5 (Plasma 5.27) into $XDG_DATA_HOME/plasma/plasmoids/.\n"
        "The widgets run this agent-console by its absolute path when a session is clicked\n"
        "(focus) or marked seen (ack): install again after moving it. Installing again\n"
        "replaces the files; nothing else is touched.",
        "0 installed, 1 failed.",
        [
            "agent-console install-widget gnome-shell",
            "agent-console install-widget plasma",
            "agent-console install-widget gnome-shell --shell-version 46 --json",
        ],
    )
    _add_desktop(install)
    install.add_argument(
        "--shell-version", type=int, metavar="N",
        help="GNOME Shell's major version [default: asked of gnome-shell --version]",
    )
    _add_plasma_option(install)
    add_json_option(install, "Print one JSON object")
    uninstall = add_command(
        commands,
        "uninstall-widget",
        _uninstall,
        "Remove what install-widget installed.",
        "gnome-shell  removes the extension's three files and its directory (a file not\n"
        "             written by install-widget is left, and named). Disable it first\n"
        "             (gnome-extensions disable UUID) or the shell keeps it until restarted.\n"
        "plasma       kpackagetool6/5 --remove io.github.agentconsole.sessions.",
        "0 removed or nothing to remove, 1 failed.",
        ["agent-console uninstall-widget gnome-shell", "agent-console uninstall-widget plasma --json"],
    )
    _add_desktop(uninstall)
    _add_plasma_option(uninstall)
    add_json_option(uninstall, "Print one JSON object")


def _add_desktop(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("desktop", choices=DESKTOPS, help="Which desktop's widget: gnome-shell or plasma")


def _add_plasma_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plasma", type=int, choices=(5, 6), metavar="5|6",
        help="Use kpackagetool5 or kpackagetool6 [default: 6 where it is installed, else 5]",
    )


def _install(args: argparse.Namespace) -> None:
    from agent_console.system.executable import running_executable
    from agent_console.widgets import install

    def act() -> "Outcome":
        if args.desktop == "gnome-shell":
            return install.install_gnome(running_executable(), os.environ, Path.home(), args.shell_version)
        return install.install_plasma(running_executable(), os.environ, Path.home(), args.plasma)

    _report(args, act)


def _uninstall(args: argparse.Namespace) -> None:
    from agent_console.widgets import install

    def act() -> "Outcome":
        if args.desktop == "gnome-shell":
            return install.uninstall_gnome(os.environ, Path.home())
        return install.uninstall_plasma(os.environ, Path.home(), args.plasma)

    _report(args, act)


def _report(args: argparse.Namespace, act: "Callable[[], Outcome]") -> None:
    import dataclasses

    from agent_console.widgets.install import WidgetError

    try:
        outcome = act()
    except (WidgetError, OSError) as error:
        fail_with(str(error), EXIT_ERROR)
    emit([json.dumps(dataclasses.asdict(outcome))] if args.json else outcome.lines())
