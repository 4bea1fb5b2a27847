"""A dbus-daemon of our own, for machines without a session bus and for tests.

The configuration is the distribution's ``session.conf`` with only the
service directories replaced: its limits are what a real desktop session
has, and they matter (dbus-daemon's built-in ``max_replies_per_connection``
of 128 refuses a burst that any real session bus accepts).
"""

import html
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_console.errors import Unavailable

SESSION_CONF_CANDIDATES = (
    Path("/usr/share/dbus-1/session.conf"),
    Path("/etc/dbus-1/session.conf"),
    Path("/opt/homebrew/share/dbus-1/session.conf"),
    Path("/usr/local/share/dbus-1/session.conf"),
)
STARTUP_TIMEOUT_S = 10.0
"""How long a private dbus-daemon may take to exit, once stopped or once it failed to listen."""


@dataclass
class PrivateBus:
    address: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STARTUP_TIMEOUT_S)


STANDARD_SERVICE_DIRS = None
"""``service_dirs`` value for dbus-daemon's own list: ``$XDG_DATA_HOME/dbus-1/services``
(where ``agent-console service install`` writes the activation file), then
``dbus-1/services`` under each of ``$XDG_DATA_DIRS`` (where packages put it)."""


def session_config(service_dirs: Sequence[Path] | None = (), limits: Mapping[str, int] | None = None) -> str:
    """session.conf with its standard service directories swapped for ``service_dirs``,
    and ``limits`` (e.g. ``max_outgoing_bytes``, for a test) put in place of its own.

    ``STANDARD_SERVICE_DIRS`` keeps them, as a real session bus has them.
    """
    template = next((path for path in SESSION_CONF_CANDIDATES if path.is_file()), None)
    if template is None:
        raise Unavailable("no session.conf found: is dbus-daemon installed?")
    config = template.read_text()
    if service_dirs is not STANDARD_SERVICE_DIRS:
        dirs = "".join(f"<servicedir>{html.escape(str(d))}</servicedir>" for d in service_dirs)
        config = re.sub(r"<standard_session_servicedirs\s*/>", dirs, config)
    for name, value in (limits or {}).items():
        config = re.sub(rf'(<limit name="{name}">)\d+(</limit>)', rf"\g<1>{value}\g<2>", config)
    return config


def start_private_bus(
    config_dir: Path, service_dirs: Sequence[Path] | None = (), limits: Mapping[str, int] | None = None
) -> PrivateBus:
    """Start dbus-daemon with a config written to ``config_dir``; returns once it listens.

    Tests give it no service directories (nothing is activatable) or their
    own; the daemon gives it ``STANDARD_SERVICE_DIRS``.

    It gets a session of its own, so a Ctrl-C in the terminal reaches only
    its owner, which then releases its name and stops the bus in that order.
    """
    config = config_dir / "session.conf"
    config.write_text(session_config(service_dirs, limits))
    try:
        process = subprocess.Popen(
            ["dbus-daemon", "--nofork", "--print-address=1", f"--config-file={config}"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise Unavailable("dbus-daemon is not installed (Debian: apt install dbus)") from None
    assert process.stdout is not None
    address = process.stdout.readline().decode().strip()
    if not address:
        process.wait(timeout=STARTUP_TIMEOUT_S)
        raise Unavailable(f"dbus-daemon exited with status {process.returncode} before listening")
    return PrivateBus(address=address, process=process)
