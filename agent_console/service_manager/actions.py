"""install, uninstall and status: files first, then the manager.

Each action plans first (which file changes, which command runs) and only
then acts, so ``dry_run`` reports the same plan without touching anything.
Files go in atomically, so a manager or bus reading its directory mid-install
sees the old file or the new one, never half of one.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_console.service_manager.files import (
    UNIT_NAME,
    ServiceFile,
    files_for,
    hidden_by_private_tmp,
)
from agent_console.service_manager.managers import Manager, Step, manager_for, run
from agent_console.system.atomic_file import read_text, unified_diff, write_atomically

SERVICE_FILE_MODE = 0o644
"""Readable by the service manager and the bus, which may run as other users."""


class ServiceError(Exception):
    """A step that had to succeed did not; the message is one line for a person."""


@dataclass(frozen=True)
class Context:
    """Where to install and what for; the CLI fills it from the real process."""

    platform: str
    env: Mapping[str, str]
    home: Path
    executable: str
    notify: bool = True
    """Include the notifier's unit or agent; uninstall and status always look at it."""

    @property
    def files(self) -> list[ServiceFile]:
        return files_for(self.platform, self.env, self.home, self.notify)

    @property
    def manager(self) -> Manager | None:
        managed = next((f.target for f in self.files if f.managed), None)
        return manager_for(self.platform, managed)


def install_warning(ctx: Context) -> str | None:
    """What install does not refuse but should tell: a systemd unit that could not see its executable.

    A warning, not a refusal: the activation file alone still works where the
    bus runs the daemon itself, and a move of the venv is the fix.
    """
    if not any(f.target.name == UNIT_NAME for f in ctx.files):
        return None
    return hidden_by_private_tmp(ctx.executable)


def install(ctx: Context, *, start: bool = False, dry_run: bool = False) -> list[str]:
    """What was done (or, for a dry run, would be), one line each."""
    report: list[str] = []
    verb = "would write" if dry_run else "wrote"
    changed = managed_changed = False
    for service_file in ctx.files:
        content = service_file.render(ctx.executable)
        if read_text(service_file.target) == content:
            report.append(f"unchanged {service_file.target}")
            continue
        changed = True
        managed_changed |= service_file.managed
        if not dry_run:
            service_file.target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(service_file.target, content, SERVICE_FILE_MODE)
        report.append(f"{verb} {service_file.target}")
        if dry_run:
            report.append(unified_diff(service_file.target, read_text(service_file.target), content).rstrip("\n"))
    manager = ctx.manager
    if _manager_answers(manager, report, "D-Bus activation starts the daemon on first use"):
        assert manager is not None
        _run_steps(manager.after_install(changed, managed_changed, start), dry_run, report)
    return report


def uninstall(ctx: Context, *, dry_run: bool = False) -> list[str]:
    """What was done (or, for a dry run, would be), one line each."""
    report: list[str] = []
    manager = ctx.manager
    answers = _manager_answers(manager, report, "only the files are removed")
    if answers:
        assert manager is not None
        _run_steps(manager.before_uninstall(), dry_run, report)
    for service_file in ctx.files:
        if not service_file.target.exists():
            report.append(f"absent {service_file.target}")
            continue
        if not dry_run:
            service_file.target.unlink()
        report.append(f"{'would remove' if dry_run else 'removed'} {service_file.target}")
    if answers:
        assert manager is not None
        _run_steps(manager.after_uninstall(), dry_run, report)
    return report


def status(ctx: Context) -> dict[str, Any]:
    """Plain data, for both the text and the ``--json`` form."""
    files = [
        {"role": f.role, "path": str(f.target), "state": _file_state(f, ctx.executable)} for f in ctx.files
    ]
    manager = ctx.manager
    if manager is None:
        return {
            "manager": None,
            "reachable": False,
            "detail": f"no supported service manager on {ctx.platform}",
            "files": files,
            "running": None,
            "state": None,
        }
    reason = manager.unreachable_reason()
    state = manager.state() if reason is None else None
    return {
        "manager": manager.name,
        "reachable": reason is None,
        "detail": reason,
        "files": files,
        "running": state.running if state else None,
        "state": state.detail if state else None,
    }


def _file_state(service_file: ServiceFile, executable: str) -> str:
    """``different`` when the file exists but install would write something else (another executable, an edit)."""
    current = read_text(service_file.target)
    if current is None:
        return "missing"
    return "installed" if current == service_file.render(executable) else "different"


def _manager_answers(manager: Manager | None, report: list[str], consequence: str) -> bool:
    """Say in one line why no manager takes part, and what that means for this action."""
    if manager is None:
        report.append(f"no supported service manager here: {consequence}")
        return False
    reason = manager.unreachable_reason()
    if reason is not None:
        report.append(f"no {manager.name} user manager is reachable ({reason}): {consequence}")
        return False
    return True


def _run_steps(steps: list[Step], dry_run: bool, report: list[str]) -> None:
    for step in steps:
        if dry_run:
            report.append(f"would run {step}")
            continue
        outcome = run(step.argv)
        if not outcome.ok and not step.may_fail:
            raise ServiceError(f"{step} failed: {outcome.first_line or f'exit status {outcome.returncode}'}")
        report.append(f"ran {step}" if outcome.ok else f"ran {step} ({outcome.first_line})")
