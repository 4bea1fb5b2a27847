"""``agent-console daemon`` (also ``agent-console-daemon``): own the bus name and serve the store until told to stop.

It has an entry point of its own, as ``sshd`` and ``dockerd`` do: what a
service manager starts loads the store, the bus and the config reader, not
the command line of the person's commands, so it starts sooner and stays
smaller for as long as it runs.

Housekeeping (owners gone, quiet sessions, expired closed ones) and the
observations no hook makes (transcripts, approved tools starting) run on the
same event loop as the D-Bus handlers, so they need no lock either.  Neither
can end the daemon: a failure is contained to the session it concerns, or
logged and the next round goes on (``observers.Failures``).  Both sleep while
there is nothing to do: no timer runs while the store is empty.

Exit codes are chosen for a supervisor: 0 when stopped by a signal (SIGTERM,
SIGINT, SIGHUP) or
replaced by another instance, 1 when the bus is unreachable or lost (a restart
helps), 3 when another instance already owns the name (a restart would not
help: the systemd unit lists it in ``RestartPreventExitStatus=``).
"""

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.constants import NameFlag, RequestNameReply
from dbus_fast.errors import DBusError

from agent_console.config import DaemonConfig, load_config
from agent_console.daemon.interface import HooksInterface, SessionsInterface
from agent_console.daemon.model import Session
from agent_console.daemon.observers import Failures, Observers
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs, Unavailable
from agent_console.system import process_info
from agent_console.system.boottime import US_PER_S
from agent_console.system.inotify import open_watch
from agent_console.system.logs import configure_logging
from agent_console.wire.connection import connect, name_owner_pid, session_bus_address
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, BUS_NAME, OBJECT_PATH

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NAME_TAKEN = 3

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""Each stops the daemon cleanly (name released, stop line logged, exit 0).  SIGHUP comes
when the terminal it was started from closes; its default action would kill the daemon
without a word."""


log = logging.getLogger("agent_console")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the session store on the D-Bus session bus until stopped.\n\n"
        "Normally started by systemd, launchd or D-Bus activation. Where no session\n"
        "bus exists it starts a private one and prints the address to export.",
        epilog="Exit status: 0 stopped or replaced, 1 bus unreachable or lost,\n"
        "2 invalid options or settings, 3 another instance owns\nio.github.AgentConsole1.\n\n"
        "Example:\n    agent-console daemon --replace",
    )
    parser.add_argument("--address", metavar="ADDR", help="D-Bus address to serve on, instead of the session bus")
    parser.add_argument("--replace", action="store_true", help="Take the bus name over from a running instance")
    parser.add_argument("--verbose", "-v", action="store_true", help="Log every call")
    parser.add_argument(
        "--config", metavar="PATH", type=Path, help="Settings file [default: $XDG_CONFIG_HOME/agent-console/config.toml]"
    )
    parser.add_argument("--check-interval", metavar="SECONDS", type=float, help="How often owners and quiet time are checked [5]")
    parser.add_argument("--stale-after", metavar="SECONDS", type=float, help="Flag a working session quiet this long as stale [600]")
    parser.add_argument("--retention", metavar="SECONDS", type=float, help="Keep closed sessions visible this long [900]")
    return parser


def main(argv: list[str] | None = None, prog: str = "agent-console-daemon") -> int:
    """The daemon's entry point: options, settings, logging, then ``run``."""
    args = _parser(prog).parse_args(argv)
    configure_logging(args.verbose)
    overrides = {"check_interval": args.check_interval, "stale_after": args.stale_after, "retention": args.retention}
    try:
        settings = load_config(args.config, overrides)
    except InvalidArgs as error:
        # One line, whatever the path or the TOML error holds: controls and non-ASCII as escapes.
        print(f"agent-console: {str(error).encode('unicode_escape').decode()}", file=sys.stderr)
        return EXIT_USAGE
    return run(args.address, args.replace, settings)


def run(address: str | None, replace: bool, config: DaemonConfig) -> int:
    """Serve on ``address``, the session bus, or, where there is none, a bus of our own."""
    if address is None and session_bus_address() is None:
        return _run_with_private_bus(replace, config)
    return asyncio.run(_serve(address, replace, config))


def _run_with_private_bus(replace: bool, config: DaemonConfig) -> int:
    """Imported here: a daemon on a session bus (the usual case) never needs them."""
    import tempfile

    from agent_console.wire.private_bus import STANDARD_SERVICE_DIRS, start_private_bus

    with tempfile.TemporaryDirectory(prefix="agent-console-bus-") as config_dir:
        try:
            bus = start_private_bus(Path(config_dir), STANDARD_SERVICE_DIRS)
        except Unavailable as error:
            log.error("%s", error)
            return EXIT_FAILURE
        log.info("no session bus here: started a private one")
        print(f"DBUS_SESSION_BUS_ADDRESS='{bus.address}'; export DBUS_SESSION_BUS_ADDRESS;", flush=True)
        try:
            return asyncio.run(_serve(bus.address, replace, config))
        finally:
            bus.stop()


async def _serve(address: str | None, replace: bool, config: DaemonConfig) -> int:
    stopped = _stopped_by_signals()
    try:
        bus = await connect(address)
    except Unavailable as error:
        log.error("%s", error)
        return EXIT_FAILURE
    store = SessionStore()
    bus.export(OBJECT_PATH, SessionsInterface(store))
    bus.export(OBJECT_PATH, HooksInterface(store))
    if not await _own_name(bus, replace):
        bus.disconnect()
        return EXIT_NAME_TAKEN
    log.info("serving %s on %s", BUS_NAME, address or "the session bus")
    failures = Failures()
    watch = open_watch()
    observers = Observers(store, watch, failures)
    housekeeping = asyncio.ensure_future(_keep_house(store, config, failures))
    try:
        return await _wait_until_done(bus, stopped)
    finally:
        housekeeping.cancel()
        await asyncio.wait({housekeeping})
        observers.close()
        if watch is not None:
            watch.close()


async def _keep_house(store: SessionStore, config: DaemonConfig, failures: Failures) -> None:
    """Every ``check_interval`` while a session is open; with only closed ones, when the
    first expires; with none, not at all until one is set."""
    woken = _SessionSet(store)
    retention_us = int(config.retention * US_PER_S)
    while True:
        sessions = store.list_all()
        if not any(not session.closed for session in sessions):
            first_expiry_us = min((session.since_monotonic + retention_us for session in sessions), default=None)
            await woken.wait(
                None if first_expiry_us is None
                else (first_expiry_us - store.monotonic_us()) / US_PER_S - config.check_interval
            )
        await asyncio.sleep(config.check_interval)
        with failures.contained("housekeeping"):
            store.sweep(
                stale_after_us=int(config.stale_after * US_PER_S),
                retention_us=retention_us,
                owner_alive=process_info.is_running,
            )


class _SessionSet:
    """A store listener that wakes housekeeping, asleep while no session is open, when one is set."""

    def __init__(self, store: SessionStore) -> None:
        self._event = asyncio.Event()
        store.add_listener(self)

    def session_changed(self, session: Session, created: bool) -> None:
        if created or not session.closed:
            self._event.set()

    def session_removed(self, session: Session) -> None:
        """A removal gives housekeeping nothing new to do."""

    async def wait(self, timeout_s: float | None) -> None:
        """Until a session is set, or ``timeout_s`` passed."""
        self._event.clear()
        if timeout_s is not None and timeout_s <= 0:
            return
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return


async def _own_name(bus: MessageBus, replace: bool) -> bool:
    flags = NameFlag.DO_NOT_QUEUE | NameFlag.ALLOW_REPLACEMENT
    if replace:
        flags |= NameFlag.REPLACE_EXISTING
    reply = await bus.request_name(BUS_NAME, flags)
    if reply in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
        return True
    pid = await name_owner_pid(bus)
    owner = f" (pid {pid})" if pid is not None else ""
    hint = "it does not allow replacement" if replace else "stop it, or pass --replace"
    log.error("%s is already owned by another process%s; %s", BUS_NAME, owner, hint)
    return False


def _stopped_by_signals() -> "asyncio.Future[str]":
    """Resolved with the name of the first stop signal, or ``replaced``.

    Set up before the name is asked for: a stop that comes as soon as the name
    is owned (a service manager's stop right after activation) must still stop
    the daemon cleanly, not by the signal's default action.
    """
    loop = asyncio.get_running_loop()
    stopped: asyncio.Future[str] = loop.create_future()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, _settle, stopped, signal.Signals(signum).name)
    return stopped


def _settle(stopped: "asyncio.Future[str]", reason: str) -> None:
    if not stopped.done():
        stopped.set_result(reason)


async def _wait_until_done(bus: MessageBus, stopped: "asyncio.Future[str]") -> int:
    bus.add_message_handler(lambda msg: _on_name_lost(msg, stopped))
    disconnected = asyncio.ensure_future(bus.wait_for_disconnect())
    await asyncio.wait({stopped, disconnected}, return_when=asyncio.FIRST_COMPLETED)
    if not stopped.done():
        error = disconnected.exception() if not disconnected.cancelled() else None
        detail = f": {str(error) or type(error).__name__}" if error else ""
        log.error("lost the bus connection%s; exiting so a supervisor can restart", detail)
        return EXIT_FAILURE
    disconnected.cancel()
    reason = stopped.result()
    if reason != "replaced" and bus.connected:
        await _release_name(bus)
    bus.disconnect()
    log.info("stopped (%s)", reason)
    return EXIT_OK


async def _release_name(bus: MessageBus) -> None:
    """A courtesy to whoever waits for the name; a bus that just went away has dropped it anyway."""
    try:
        await bus.release_name(BUS_NAME)
    except DBusError as error:
        log.info("could not release %s: %s", BUS_NAME, error.text)


def _on_name_lost(msg: Message, stopped: "asyncio.Future[str]") -> bool:
    """Another instance took the name with --replace: step aside cleanly.

    Only the bus driver can say so.  Any client may send a unicast signal
    named ``NameLost`` to the daemon; believing it would let anyone stop the
    daemon (and with exit 0, which a supervisor does not restart).
    """
    if (
        msg.message_type is MessageType.SIGNAL
        and msg.sender == BUS_DRIVER
        and msg.path == BUS_DRIVER_PATH
        and msg.interface == BUS_DRIVER
        and msg.member == "NameLost"
        and msg.body == [BUS_NAME]
    ):
        _settle(stopped, "replaced")
    return False


if __name__ == "__main__":
    sys.exit(main(prog="python -m agent_console.daemon.composition"))
