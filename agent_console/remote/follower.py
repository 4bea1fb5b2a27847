"""``agent-console remote``: follow every host of ``[remotes]`` into the local daemon.

It runs outside the daemon, as one more client of it (the daemon's unit has
no network, and should not need one): one ``HostLink`` per host, each over
the person's own ssh.  The ``[remotes]`` table is read again when the file
changes (``system.file_changes``: inotify, no polling on Linux), so ``remote
add`` and ``remote rm`` take effect at once without a restart.  Whenever the
table names a host, hosts the daemon still holds that it no longer names are
forgotten; at stop, every host is marked unreachable (``agent-console remote``
stopped), since nobody follows it any more.

While the table names no host the follower makes no call to the daemon, whose
first call would start it by D-Bus activation: the daemon stays stopped until a
face or a hook needs it ("started on first use"), and the follower, waiting on
the bus and on inotify only, is never woken.  It only follows the daemon's name
(NameOwnerChanged, from the bus itself, which starts nothing).

When the daemon restarts (a new owner of its name), its store is empty:
every connected link sends its host's sessions again.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from pathlib import Path

from agent_console.client.async_client import SessionsClient
from agent_console.config import RemoteConfig, default_path, load_remotes
from agent_console.errors import AgentConsoleError, InvalidArgs, Unavailable
from agent_console.remote.link import HostLink
from agent_console.remote.outbox import Call, ChangesCall, ForgetCall, NoteCall, SnapshotCall, StateCall
from agent_console.system.file_changes import FileChanges
from agent_console.vocabulary import HostState
from agent_console.wire.session_form import with_variants

log = logging.getLogger("agent_console")

STOPPED_DETAIL = "agent-console remote is not running"


class RemoteFollower:
    def __init__(self, client: SessionsClient, config_path: Path | None) -> None:
        self._client = client
        self._config_path = config_path
        self._links: dict[str, tuple[RemoteConfig, HostLink, asyncio.Task[None]]] = {}
        self._stopped = asyncio.Event()
        self._calls: asyncio.Queue[tuple[str, Call, asyncio.Future[None]]] = asyncio.Queue()
        """Every host's calls, made one at a time in arrival order (``_make_calls``), whatever
        the number of hosts: the daemon handles a call of 1,000 sessions in about 0.2 s, and a
        hook's Set waits behind one such call at most, not behind one per host."""

    async def run(self) -> None:
        """Until SIGTERM or SIGINT (then returns), or until the bus is lost (Unavailable)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._stopped.set)
        await self._client.watch_daemon(self._daemon_changed)
        changes = FileChanges(self._config_path or default_path())
        disconnected = asyncio.ensure_future(self._client.wait_disconnected())
        calls = asyncio.ensure_future(self._make_calls())
        try:
            await self._apply_changes(self._read_config() or {})
            how = "polling it, inotify is unavailable" if changes.polls else "inotify"
            log.info("following %d hosts; config.toml read again when it changes (%s)", len(self._links), how)
            await self._watch_config(changes, disconnected)
        finally:
            changes.close()
            disconnected.cancel()
            await self._stop_all()
            calls.cancel()
        if disconnected.done() and not disconnected.cancelled():
            raise Unavailable("lost the connection to the D-Bus bus")

    async def _watch_config(self, changes: FileChanges, disconnected: "asyncio.Future[None]") -> None:
        """Until stopped or the bus is lost: the table read again each time the file may have changed."""
        stopped = asyncio.ensure_future(self._stopped.wait())
        changed: asyncio.Future[None] = asyncio.ensure_future(changes.changed())
        try:
            while True:
                await asyncio.wait((stopped, disconnected, changed), return_when=asyncio.FIRST_COMPLETED)
                if stopped.done() or disconnected.done():
                    return
                changed = asyncio.ensure_future(changes.changed())
                remotes = self._read_config()
                if remotes is not None:
                    await self._apply_changes(remotes)
        finally:
            stopped.cancel()
            changed.cancel()

    def _read_config(self) -> dict[str, RemoteConfig] | None:
        """The remotes, or None (logged) when the file does not read: the links stay as they are."""
        try:
            return load_remotes(self._config_path)
        except InvalidArgs as error:
            log.error("%s; following the hosts as before", error)
            return None

    def _apply(self, remotes: dict[str, RemoteConfig]) -> None:
        for name, remote in remotes.items():
            if name not in self._links:
                link = HostLink(name, remote.destination, remote.command, self._send)
                self._links[name] = (remote, link, asyncio.ensure_future(link.run()))
                log.info("following %s at %s", name, remote.destination)

    async def _apply_changes(self, remotes: dict[str, RemoteConfig]) -> None:
        for name, (remote, _, _) in list(self._links.items()):
            if remotes.get(name) != remote:
                await self._stop_link(name)
                await self._call(self._send(name, ForgetCall()))  # behind the link's last calls
                log.info("no longer following %s", name)
        if remotes:
            await self._forget_unconfigured(remotes)
        self._apply(remotes)

    async def _forget_unconfigured(self, remotes: dict[str, RemoteConfig]) -> None:
        """What a previous run followed and the table no longer names (an edit while it was
        stopped; ``remote rm`` forgets its host itself).  Asked only while the table names a
        host, whose link calls the daemon anyway: with none, nothing may start the daemon."""
        try:
            hosts = await self._client.hosts()
        except AgentConsoleError as error:
            log.warning("%s", error)
            return
        for host in hosts:
            if host.get("name") not in remotes:
                await self._call(self._client.forget_host(host["name"]))

    async def _stop_link(self, name: str) -> None:
        _, link, task = self._links.pop(name)
        link.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _stop_all(self) -> None:
        for name in list(self._links):
            await self._stop_link(name)
            await self._call(self._client.set_host_state(name, HostState.UNREACHABLE.value, STOPPED_DETAIL))

    def _daemon_changed(self, old_owner: str, new_owner: str) -> None:
        if new_owner:
            log.info("the daemon (re)started: sending every host's sessions again")
            for _, link, _ in self._links.values():
                link.outbox.resend()

    async def _send(self, host: str, call: Call) -> None:
        """Queue the call behind every host's earlier ones; return (or raise) once it was made."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._calls.put_nowait((host, call, done))
        await done

    async def _make_calls(self) -> None:
        while True:
            host, call, done = await self._calls.get()
            try:
                await self._send_now(host, call)
            except AgentConsoleError as error:
                if not done.cancelled():
                    done.set_exception(error)
            else:
                if not done.cancelled():
                    done.set_result(None)

    async def _send_now(self, host: str, call: Call) -> None:
        client = self._client
        if isinstance(call, StateCall):
            await client.set_host_state(host, call.state.value, call.detail)
        elif isinstance(call, SnapshotCall):
            held = await client.mirror_host(host, [with_variants(session) for session in call.sessions])
            log.info("%s: connected, %d sessions", host, held)
        elif isinstance(call, ChangesCall):
            await client.mirror_changes(host, [with_variants(session) for session in call.changed], call.removed)
        elif isinstance(call, NoteCall):
            await client.set_host_state(host, HostState.CONNECTED.value, call.detail)
        elif client.followed_owner:
            await client.forget_host(host)  # a daemon that is not running holds no host to forget

    async def _call(self, pending: Awaitable[object]) -> None:
        """A call whose failure is only logged: the follower keeps following."""
        try:
            await pending
        except AgentConsoleError as error:
            log.warning("%s", error)
