"""Making sure the daemon that runs is the one installed.

A daemon keeps running across an upgrade of the package: D-Bus activation or
the service manager started it once, and nothing restarts it.  Since the
hooks only forward and the daemon reads every payload, an old daemon keeps
old readings (and lacks ``Hooks.Report`` when older still) until it stops.
``install-hooks`` and ``service install`` therefore compare its ``Version``
with this package's and stop one that differs; the next call (a hook's, or
the one made here) starts the installed one by activation.
"""

import os
import signal
import time

from agent_console import __version__
from agent_console.client.blocking_client import BlockingSessionsClient
from agent_console.errors import AgentConsoleError

STOP_WAIT_S = 3.0
"""How long a stopped daemon may take to give up its name (it releases it at once on SIGTERM)."""
POLL_S = 0.05
"""How often, while waiting for the stopped daemon to go, its name is asked after."""


def replace_outdated_daemon(address: str | None = None) -> str | None:
    """One line saying what was done, or None when no daemon runs or it is this version."""
    try:
        client = BlockingSessionsClient.connect(address)
    except AgentConsoleError:
        return None
    with client:
        if not client.daemon_running():
            return None
        try:
            running = client.version()
        except AgentConsoleError:
            running = "an unknown version"
        if running == __version__:
            return None
        pid = client.daemon_pid()
        if pid is None:
            return f"the agent-console service running is {running}, this is {__version__}: restart it"
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S
        while client.daemon_running() and time.monotonic() < deadline:
            time.sleep(POLL_S)
        started = ""
        if client.daemon_activatable():
            try:
                started = f"; started {client.version()}"
            except AgentConsoleError as error:
                started = f"; starting the installed one failed: {error}"
    return f"stopped the agent-console service {running} (pid {pid}), this is {__version__}{started}"
