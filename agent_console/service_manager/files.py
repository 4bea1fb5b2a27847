"""The files ``agent-console service install`` writes, and how each is rendered.

The repository's copies (``systemd/``, ``packaging/``; ``templates/`` here
links to them) are complete, valid files that name the executable where a
package puts it (``/usr/bin`` on Linux, Homebrew's ``/usr/local/bin`` on
macOS).  Rendering swaps that one path, on its one line, for the executable
the user actually runs, quoted the way that file format reads it.
Comments stay as they are, so an installed file still explains itself.
"""

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from agent_console.wire.names import BUS_NAME

UNIT_NAME = "agent-console.service"
NOTIFY_UNIT_NAME = "agent-console-notify.service"
REMOTE_UNIT_NAME = "agent-console-remote.service"
ACTIVATION_NAME = f"{BUS_NAME}.service"
LAUNCHD_LABEL = BUS_NAME
PLIST_NAME = f"{LAUNCHD_LABEL}.plist"
NOTIFY_LAUNCHD_LABEL = f"{LAUNCHD_LABEL}.Notify"
NOTIFY_PLIST_NAME = f"{NOTIFY_LAUNCHD_LABEL}.plist"

DISTRO_EXECUTABLE = "/usr/bin/agent-console"
HOMEBREW_EXECUTABLE = "/usr/local/bin/agent-console"

UNSAFE_PATH_CHARACTERS = frozenset("\"'\\$%`")


class UnsupportedPath(ValueError):
    """The executable's path holds a character that some file format would misread."""


def _systemd_quoted(path: str) -> str:
    """systemd splits ExecStart= at whitespace unless the word is double-quoted."""
    return f'"{path}"' if " " in path else path


def _dbus_quoted(path: str) -> str:
    """dbus-daemon splits Exec= with shell rules."""
    return shlex.quote(path)


def _xml_text(path: str) -> str:
    """The plist passes the path as an argument of its own: no splitting, only XML."""
    return xml_escape(path)


@dataclass(frozen=True)
class ServiceFile:
    """One file to install: its template, its target, and the line that names the executable.

    ``managed`` marks the file the service manager itself reads (the unit, the
    plist), as opposed to the bus's activation file.
    """

    role: str
    managed: bool
    template: str
    target: Path
    default_executable: str
    prefix: str
    suffix: str
    quote: Callable[[str], str]

    def template_text(self) -> str:
        return resources.files(__package__).joinpath("templates", self.template).read_text()

    def render(self, executable: str) -> str:
        """The template with its executable line pointing at ``executable``."""
        check_executable_path(executable)
        text = self.template_text()
        line = f"{self.prefix}{self.default_executable}{self.suffix}"
        if text.count(line) != 1:
            raise RuntimeError(f"{self.template}: expected exactly one {line!r}")
        return text.replace(line, f"{self.prefix}{self.quote(executable)}{self.suffix}")


def check_executable_path(executable: str) -> None:
    """Refuse quotes, backslashes, ``$``, ``%`` and control characters: each format escapes them differently."""
    bad = sorted({c for c in executable if c in UNSAFE_PATH_CHARACTERS or not c.isprintable()})
    if bad or not os.path.isabs(executable):
        reason = f"it contains {''.join(bad)!r}" if bad else "it is not absolute"
        raise UnsupportedPath(f"cannot write service files for {executable!r}: {reason}")


PRIVATE_TMP_DIRS = (Path("/tmp"), Path("/var/tmp"))
"""What ``PrivateTmp=yes`` replaces with empty directories for the unit's processes."""


def hidden_by_private_tmp(executable: str) -> str | None:
    """One line when the hardened unit could not see ``executable``, else None.

    Under ``PrivateTmp=yes`` the unit sees an empty /tmp and /var/tmp, so a
    venv there fails with 203/EXEC.  The link's own path and its target both
    count: a link in ~/.local/bin to a venv under /tmp is just as invisible.
    """
    for path in (Path(executable), Path(os.path.realpath(executable))):
        hidden = next((d for d in PRIVATE_TMP_DIRS if path.is_relative_to(d)), None)
        if hidden is not None:
            return (
                f"{path} is under {hidden}, which the systemd unit cannot see (PrivateTmp=yes): "
                "it would fail to start; install agent-console outside /tmp and /var/tmp, then install again"
            )
    return None


def _xdg_dir(env: Mapping[str, str], name: str, home: Path, default: str) -> Path:
    """The XDG base directory spec says to ignore a relative value."""
    value = env.get(name, "")
    return Path(value) if os.path.isabs(value) else home / default


def _freedesktop_file(
    role: str, managed: bool, name: str, directory: Path, key: str, quote: Callable[[str], str], command: str = "daemon"
) -> ServiceFile:
    """The units and the activation file: each names /usr/bin/agent-console on a ``Key=... COMMAND`` line."""
    return ServiceFile(
        role=role,
        managed=managed,
        template=name,
        target=directory / name,
        default_executable=DISTRO_EXECUTABLE,
        prefix=f"{key}=",
        suffix=f" {command}",
        quote=quote,
    )


def _unit_directory(env: Mapping[str, str], home: Path) -> Path:
    return _xdg_dir(env, "XDG_CONFIG_HOME", home, ".config") / "systemd" / "user"


def unit_file(env: Mapping[str, str], home: Path) -> ServiceFile:
    return _freedesktop_file("systemd unit", True, UNIT_NAME, _unit_directory(env, home), "ExecStart", _systemd_quoted)


def notify_unit_file(env: Mapping[str, str], home: Path) -> ServiceFile:
    """Not ``managed``: install writes it and the person enables it (it belongs to the graphical session)."""
    return _freedesktop_file(
        "notify unit", False, NOTIFY_UNIT_NAME, _unit_directory(env, home), "ExecStart", _systemd_quoted, "notify"
    )


def remote_unit_file(env: Mapping[str, str], home: Path) -> ServiceFile:
    """Not ``managed`` (the daemon's unit is): install enables and starts it itself (``Systemd.after_install``)."""
    return _freedesktop_file(
        "remote unit", False, REMOTE_UNIT_NAME, _unit_directory(env, home), "ExecStart", _systemd_quoted, "remote"
    )


def activation_file(env: Mapping[str, str], home: Path) -> ServiceFile:
    directory = _xdg_dir(env, "XDG_DATA_HOME", home, ".local/share") / "dbus-1" / "services"
    return _freedesktop_file("D-Bus activation file", False, ACTIVATION_NAME, directory, "Exec", _dbus_quoted)


def launchd_file(home: Path, name: str = PLIST_NAME, role: str = "launchd agent", managed: bool = True) -> ServiceFile:
    """The daemon's agent, or (``NOTIFY_PLIST_NAME``, not managed) the notifier's: both pass the path as an argument."""
    return ServiceFile(
        role=role,
        managed=managed,
        template=name,
        target=home / "Library" / "LaunchAgents" / name,
        default_executable=HOMEBREW_EXECUTABLE,
        prefix="<string>",
        suffix="</string>",
        quote=_xml_text,
    )


def files_for(platform: str, env: Mapping[str, str], home: Path, notify: bool = True) -> list[ServiceFile]:
    """The unit on Linux even while no user manager runs: a bus that systemd
    starts later hands activation to ``SystemdService=``, which must then exist.
    ``notify``: also the notifier's unit or agent (last, so the daemon's stays first)."""
    files = [activation_file(env, home)]
    if platform.startswith("linux"):
        files.insert(0, unit_file(env, home))
        if notify:
            files.append(notify_unit_file(env, home))
        files.append(remote_unit_file(env, home))
    elif platform == "darwin":
        files.insert(0, launchd_file(home))
        if notify:
            files.append(launchd_file(home, NOTIFY_PLIST_NAME, "notify launchd agent", managed=False))
    return files
