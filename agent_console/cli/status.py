"""``agent-console status``: is the daemon up, which version, for how long, how big, how busy.

It asks the bus, not the daemon, whether the daemon runs: that question does
not start an activatable daemon, so "not running" stays a truthful answer.
A daemon that owns its name but does not answer within the client's call
deadline (stopped, wedged) is reported as not responding, with its pid.
``--json`` prints the same report as one object in every case, also when
there is no bus at all, so a script never has to parse an error line.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING, Any, TypedDict, cast

from agent_console.cli.render import table
from agent_console.cli.runner import (
    EXIT_UNAVAILABLE,
    Commands,
    add_address_option,
    add_command,
    add_json_option,
    emit,
    fail,
)
from agent_console.errors import INSTALL_HINT, NotResponding, Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S
from agent_console.presentation import escape, human_duration, json_text
from agent_console.vocabulary import URGENCY

if TYPE_CHECKING:
    from agent_console.client.blocking_client import BlockingSessionsClient
    from agent_console.presentation import SessionDict

BYTES_PER_MIB = 1024 * 1024


class DaemonStatus(TypedDict):
    """``status --json``, a plain dict (a dataclass would cost the command its import);
    fields the bus or the system would not tell are null."""

    running: bool
    responding: bool
    """Whether the daemon answered; false while running means stopped or wedged."""
    activatable: bool
    """Whether the bus starts the daemon on the first call (a D-Bus service file is installed)."""
    pid: int | None
    version: str | None
    uptime_s: int | None
    rss_bytes: int | None
    sessions: dict[str, int]
    """Sessions by status, most urgent first."""
    notification_server: str | None
    """The running notification server's name (``dunst``), null when none runs."""
    notification_server_activatable: bool
    """Whether the bus starts one on the first bubble; with neither, ``notify`` shows nothing."""
    error: str | None
    """Why the bus could not be asked at all (no session bus, unreachable), else null."""
    start_failed: str | None
    """Not running because its unit failed (systemd), with the fix; else null."""


def _report(running: bool, **known: Any) -> DaemonStatus:
    """A report with what is known; everything else null (or no sessions)."""
    unknown = dict.fromkeys(("pid", "version", "uptime_s", "rss_bytes", "error", "start_failed", "notification_server"))
    defaults = {"responding": False, "activatable": False, "sessions": {}, "notification_server_activatable": False}
    return cast(DaemonStatus, {"running": running, **defaults, **unknown, **known})


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "status",
        _status,
        "Tell whether the daemon runs, and its version, uptime, memory and sessions.",
        "Asking does not start the daemon.",
        "0 running, 5 not running, not responding or bus unreachable,\n1 any other error.",
        ["agent-console status", "agent-console status --json | jq .sessions"],
    )
    add_json_option(parser, "Print the report as a JSON object, whatever the outcome")
    add_address_option(parser)


def _status(args: argparse.Namespace) -> None:
    from agent_console.client.blocking_client import BlockingSessionsClient

    try:
        with BlockingSessionsClient.connect(args.address) as client:
            report = _collect(client)
    except Unavailable as error:
        if not args.json:
            fail(error)
        report = _report(False, error=str(error))
    emit([json_text(report, indent=2)] if args.json else _describe(report))
    if not report["responding"]:
        raise SystemExit(EXIT_UNAVAILABLE)


def _collect(client: BlockingSessionsClient) -> DaemonStatus:
    from agent_console.system.process_info import rss_bytes, uptime_s
    from agent_console.wire.names import NOTIFICATIONS_NAME

    activatable = client.daemon_activatable()
    notifications = {
        "notification_server": client.notification_server(),
        "notification_server_activatable": client.name_activatable(NOTIFICATIONS_NAME),
    }
    if not client.daemon_running():
        failed = client.failed_start() if activatable else None
        return _report(False, activatable=activatable, start_failed=str(failed) if failed else None, **notifications)
    pid = client.daemon_pid()
    try:
        version = client.version()
        sessions = client.list_all()
    except NotResponding:
        return _report(True, activatable=activatable, pid=pid, **notifications)
    uptime = uptime_s(pid) if pid is not None else None
    return _report(
        True,
        **notifications,
        responding=True,
        activatable=activatable,
        pid=pid,
        version=version,
        uptime_s=int(uptime) if uptime is not None else None,
        rss_bytes=rss_bytes(pid) if pid is not None else None,
        sessions=count_by_status(sessions),
    )


def count_by_status(sessions: list[SessionDict]) -> dict[str, int]:
    """Known statuses in urgency order, then any a newer daemon reports."""
    counts = Counter(str(session.get("status")) for session in sessions)
    order = [*URGENCY, *sorted(set(counts) - set(URGENCY))]
    return {status: counts[status] for status in order if counts[status]}


def _describe(report: DaemonStatus) -> list[str]:
    from agent_console.notify.presence import describe

    server = describe(report["notification_server"], report["notification_server_activatable"])
    notifications = ["notifications:", escape(server)]
    if not report["running"]:
        if report["start_failed"]:
            return table([["daemon:", f"not running: {escape(report['start_failed'])}"], notifications])
        how = "D-Bus starts it on first use" if report["activatable"] else f"nothing starts it: {INSTALL_HINT}"
        return table([["daemon:", f"not running ({how})"], notifications])
    if not report["responding"]:
        pid = f"pid {report['pid']}" if report["pid"] is not None else "pid unknown"
        late = f"not responding ({pid}; no reply within {CLIENT_CALL_TIMEOUT_S:g} s)"
        return table([["daemon:", late], notifications])
    unknown = "unknown"
    total = sum(report["sessions"].values())
    counts = ", ".join(f"{count} {escape(status)}" for status, count in report["sessions"].items())
    rows = [
        ["daemon:", "running"],
        ["version:", escape(report["version"] or unknown)],
        ["pid:", str(report["pid"]) if report["pid"] is not None else unknown],
        ["uptime:", human_duration(report["uptime_s"]) if report["uptime_s"] is not None else unknown],
        ["memory:", f"{report['rss_bytes'] / BYTES_PER_MIB:.1f} MiB" if report["rss_bytes"] is not None else unknown],
        ["sessions:", f"{total} ({counts})" if total else "0"],
        notifications,
    ]
    return table(rows)
