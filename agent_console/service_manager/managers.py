"""Asking the user's service manager: ``systemctl --user`` or ``launchctl``.

Every change is a list of ``Step`` values before anything runs, so that
``--dry-run`` prints exactly the commands a real run would run.  Nothing here
starts a manager: where none answers, the caller says so and relies on D-Bus
activation, which needs none.
"""

import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent_console.service_manager.files import (
    LAUNCHD_LABEL,
    NOTIFY_LAUNCHD_LABEL,
    NOTIFY_UNIT_NAME,
    REMOTE_UNIT_NAME,
    UNIT_NAME,
)
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH

BUS_DRIVER_CALL = (BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER)
"""Destination, object and interface of the bus itself."""

COMMAND_TIMEOUT_S = 30.0
"""A manager that takes longer than this to answer is as good as absent."""


@dataclass(frozen=True)
class Step:
    """One command; ``may_fail`` for those whose failure only means "nothing to do"."""

    argv: tuple[str, ...]
    may_fail: bool = False

    def __str__(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.output.splitlines() if line.strip()), "")


def run(argv: Sequence[str]) -> Outcome:
    """Run without a shell; a missing program is an outcome, not an exception."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        return Outcome(127, f"{argv[0]} not found")
    except subprocess.TimeoutExpired:
        return Outcome(124, f"{shlex.join(argv)} did not answer within {COMMAND_TIMEOUT_S:.0f} s")
    return Outcome(done.returncode, done.stdout + done.stderr)


@dataclass(frozen=True)
class ServiceState:
    running: bool
    detail: str


class Manager(Protocol):
    name: str

    def unreachable_reason(self) -> str | None:
        """None when the manager answers, else one line saying why not."""

    def after_install(self, changed: bool, managed_changed: bool, start: bool) -> list[Step]:
        """``changed``: install wrote a file; ``managed_changed``: it wrote the one the manager runs."""

    def before_uninstall(self) -> list[Step]: ...

    def after_uninstall(self) -> list[Step]: ...

    def state(self) -> ServiceState: ...


class Systemd:
    name = "systemd"
    _reload_bus = Step(("busctl", "--user", "call", *BUS_DRIVER_CALL, "ReloadConfig"), may_fail=True)
    """dbus-daemon notices new activation files by itself, dbus-broker only when told."""

    def unreachable_reason(self) -> str | None:
        outcome = run(["systemctl", "--user", "show-environment"])
        return None if outcome.ok else outcome.first_line or f"systemctl exited with {outcome.returncode}"

    def after_install(self, changed: bool, managed_changed: bool, start: bool) -> list[Step]:
        """Reload when a file changed, or when systemd has not loaded the unit as it is on disk
        (an earlier install ran while the manager was away): installing again reloads nothing."""
        steps = []
        if changed or self._unit_outdated():
            steps += [Step(("systemctl", "--user", "daemon-reload")), self._reload_bus]
        if managed_changed:
            steps.append(Step(("systemctl", "--user", "try-restart", UNIT_NAME), may_fail=True))
        if start:
            steps.append(Step(("systemctl", "--user", "start", UNIT_NAME)))
        if changed:
            # The follower of [remotes] runs whenever the person is logged in (it idles without remotes).
            steps.append(Step(("systemctl", "--user", "enable", "--now", REMOTE_UNIT_NAME), may_fail=True))
            steps.append(Step(("systemctl", "--user", "try-restart", REMOTE_UNIT_NAME), may_fail=True))
        return steps

    def before_uninstall(self) -> list[Step]:
        """disable, not just stop: a user who enabled a unit would keep a dangling wants/ link."""
        return [
            Step(("systemctl", "--user", "disable", "--now", unit), may_fail=True)
            for unit in (UNIT_NAME, NOTIFY_UNIT_NAME, REMOTE_UNIT_NAME)
        ]

    def after_uninstall(self) -> list[Step]:
        return [Step(("systemctl", "--user", "daemon-reload")), self._reload_bus]

    def _unit_outdated(self) -> bool:
        """Not loaded, or loaded from an older file: what only a daemon-reload fixes."""
        props = self._show("LoadState", "NeedDaemonReload")
        return props.get("LoadState") != "loaded" or props.get("NeedDaemonReload") != "no"

    def _show(self, *properties: str) -> dict[str, str]:
        """The unit's properties as systemd reports them; empty when it does not answer."""
        outcome = run(["systemctl", "--user", "show", UNIT_NAME, f"--property={','.join(properties)}"])
        if not outcome.ok:
            return {}
        return dict(line.partition("=")[::2] for line in outcome.output.splitlines() if "=" in line)

    def state(self) -> ServiceState:
        props = self._show("LoadState", "ActiveState", "SubState", "MainPID")
        if props.get("LoadState") in (None, "not-found"):
            return ServiceState(False, "not loaded")
        detail = f"{props.get('ActiveState')} ({props.get('SubState')})"
        if props.get("MainPID", "0") != "0":
            detail += f", pid {props['MainPID']}"
        return ServiceState(props.get("ActiveState") == "active", detail)


class Launchd:
    name = "launchd"

    def __init__(self, plist: Path) -> None:
        self.plist = plist
        self.domain = f"gui/{os.getuid()}"
        self.target = f"{self.domain}/{LAUNCHD_LABEL}"
        self.notify_target = f"{self.domain}/{NOTIFY_LAUNCHD_LABEL}"

    def unreachable_reason(self) -> str | None:
        outcome = run(["launchctl", "print", self.domain])
        return None if outcome.ok else outcome.first_line or f"launchctl exited with {outcome.returncode}"

    def after_install(self, changed: bool, managed_changed: bool, start: bool) -> list[Step]:
        """launchd reads a plist only when it is bootstrapped: a changed one is booted out and in again,
        an unchanged one that is loaded is left alone."""
        loaded = run(["launchctl", "print", self.target]).ok
        steps = []
        if loaded and managed_changed:
            steps.append(Step(("launchctl", "bootout", self.target), may_fail=True))
        if managed_changed or not loaded:
            steps.append(Step(("launchctl", "bootstrap", self.domain, str(self.plist))))
        if start:
            steps.append(Step(("launchctl", "kickstart", self.target)))
        return steps

    def before_uninstall(self) -> list[Step]:
        return [Step(("launchctl", "bootout", target), may_fail=True) for target in (self.target, self.notify_target)]

    def after_uninstall(self) -> list[Step]:
        return []

    def state(self) -> ServiceState:
        outcome = run(["launchctl", "print", self.target])
        if not outcome.ok:
            return ServiceState(False, "not loaded")
        fields: dict[str, str] = {}
        for key, _, value in (line.partition(" = ") for line in outcome.output.splitlines()):
            if value:
                fields.setdefault(key.strip(), value.strip())
        detail = fields.get("state", "loaded")
        if "pid" in fields:
            detail += f", pid {fields['pid']}"
        return ServiceState(fields.get("state") == "running", detail)


def manager_for(platform: str, managed_file: Path | None) -> Manager | None:
    """``managed_file`` is the unit or plist that install writes for this platform's manager."""
    if managed_file is None:
        return None
    if platform.startswith("linux"):
        return Systemd()
    if platform == "darwin":
        return Launchd(managed_file)
    return None
