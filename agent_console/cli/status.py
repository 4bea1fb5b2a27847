"""``agent-console status``: is the daemon up, which version, for how long, how big, how busy.

It asks the bus, not the daemon, whether the daemon runs: that question does
not start an activatable daemon, so "not running" stays a truthful answer.
"""

from collections import Counter
from typing import Annotated

import typer
from pydantic import BaseModel

from agent_console.cli.render import table
from agent_console.cli.runner import (
    EXIT_UNAVAILABLE,
    AddressOption,
    emit,
    run_with_client,
)
from agent_console.client import SessionDict, SessionsClient
from agent_console.presentation import URGENCY, escape, human_duration, json_text
from agent_console.process_info import rss_bytes, uptime_s

BYTES_PER_MIB = 1024 * 1024


class DaemonStatus(BaseModel):
    """``status --json``; fields the bus or the system would not tell are null."""

    running: bool
    activatable: bool
    """Whether the bus starts the daemon on the first call (a D-Bus service file is installed)."""
    pid: int | None = None
    version: str | None = None
    uptime_s: int | None = None
    rss_bytes: int | None = None
    sessions: dict[str, int] = {}
    """Sessions by status, most urgent first."""


def show_status(
    json: Annotated[bool, typer.Option("--json", help="Print the report as a JSON object.")] = False,
    address: AddressOption = None,
) -> None:
    """Tell whether the daemon runs, and its version, uptime, memory and sessions.

    \b
    Asking does not start the daemon. Exit status: 0 running, 5 not running
    or bus unreachable, 1 any other error.

    \b
    Example:
      agent-console status
      agent-console status --json | jq .sessions
    """
    report = run_with_client(address, _collect)
    emit([json_text(report.model_dump(), indent=2)] if json else _describe(report))
    if not report.running:
        raise typer.Exit(EXIT_UNAVAILABLE)


async def _collect(client: SessionsClient) -> DaemonStatus:
    activatable = await client.daemon_activatable()
    if not await client.daemon_running():
        return DaemonStatus(running=False, activatable=activatable)
    pid = await client.daemon_pid()
    version = await client.version()
    sessions = await client.list_all()
    uptime = uptime_s(pid) if pid is not None else None
    return DaemonStatus(
        running=True,
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
    if not report.running:
        how = "D-Bus starts it on first use" if report.activatable else "start it with: agent-console daemon"
        return [f"daemon:  not running ({how})"]
    unknown = "unknown"
    total = sum(report.sessions.values())
    counts = ", ".join(f"{count} {escape(status)}" for status, count in report.sessions.items())
    rows = [
        ["daemon:", "running"],
        ["version:", escape(report.version or unknown)],
        ["pid:", str(report.pid) if report.pid is not None else unknown],
        ["uptime:", human_duration(report.uptime_s) if report.uptime_s is not None else unknown],
        ["memory:", f"{report.rss_bytes / BYTES_PER_MIB:.1f} MiB" if report.rss_bytes is not None else unknown],
        ["sessions:", f"{total} ({counts})" if total else "0"],
    ]
    return table(rows)
