"""A booted Debian 12 container with a real systemd user manager, for tests/test_systemd_real.py.

This machine's PID 1 is not systemd, so a user manager can only run in a
container whose PID 1 is.  The commands are the ones
../shared/systemd-for-real.md records as working: ``systemd-nspawn
--register=no --keep-unit -b`` (the host has no system bus to register on),
then ``nsenter`` into the container's PID 1 and ``su - alice``.  The cached
root (tests/systemd_rootfs.py) is the lower layer of an overlay mount, so a
run writes only to its own upper layer and the cache never changes.
``--private-network`` keeps everything inside off the network.

Every wait is bounded, and ``stop`` always ends the container: SIGTERM (nspawn
halts it), then SIGKILL after ``HALT_TIMEOUT_S``.  Mounting, booting, entering
and copying files in need root: CI has it, anyone else goes through ``sudo -n``
(tests/privileged.py), so nspawn may run below a sudo process or two.
"""

import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from privileged import command
from systemd_rootfs import UID, USER, ensure_root

BOOT_TIMEOUT_S = 60.0
"""From starting nspawn to a running user manager; about 3 s here."""
HALT_TIMEOUT_S = 15.0
"""For the container to halt after SIGTERM before it is killed; about 1 s here."""
COMMAND_TIMEOUT_S = 60.0
"""For any one command run inside; the slowest, a venv with the wheel installed, takes about 16 s."""
POLL_S = 0.1

RUNTIME_DIR = f"/run/user/{UID}"
USER_ENV = {
    "XDG_RUNTIME_DIR": RUNTIME_DIR,
    "DBUS_SESSION_BUS_ADDRESS": f"unix:path={RUNTIME_DIR}/bus",
    "SYSTEMD_PAGER": "",
    "SYSTEMD_COLORS": "0",
}
"""What a login would give the user: her runtime directory and the user bus there."""


@dataclass
class Container:
    root: Path
    """The merged overlay the container runs on; files written here appear inside."""
    nspawn: subprocess.Popen[bytes]
    """What was started: nspawn itself for root, the sudo in front of it for anyone else."""
    pid1: int
    mounted: Path
    log: Path
    """nspawn's own output."""

    def as_user(self, script: str, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        """Run ``script`` (sh) as the user in a login shell with her bus; never raises on its exit status."""
        exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in USER_ENV.items())
        return subprocess.run(
            command("nsenter", "-t", str(self.pid1), "-a", "--", "su", "-", USER, "-s", "/bin/sh", "-c",
                    f"export {exports}; {script}"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def put(self, source: Path, name: str) -> None:
        """Copy the directory ``source`` into the user's home as ``name``, owned by her."""
        target = self.root / "home" / USER / name
        subprocess.run(command("cp", "-r", str(source), str(target)), check=True, timeout=COMMAND_TIMEOUT_S)
        subprocess.run(command("chown", "-R", f"{UID}:{UID}", str(target)), check=True, timeout=COMMAND_TIMEOUT_S)

    def stop(self) -> None:
        """SIGTERM halts the container; a second signal (here SIGKILL, after a bound) ends it at once.
        Then the overlay is unmounted and what the container wrote (root's files) removed."""
        if self.nspawn.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout=HALT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.nspawn.wait(timeout=HALT_TIMEOUT_S)
        subprocess.run(command("umount", "--lazy", str(self.mounted)), check=False, timeout=HALT_TIMEOUT_S)
        scratch = self.mounted.parent
        subprocess.run(command("rm", "-rf", "--one-file-system", str(scratch / "upper"), str(scratch / "work")),
                       check=False, timeout=HALT_TIMEOUT_S)

    def _signal(self, number: int) -> None:
        """To nspawn itself, which may run as root below sudo: through kill(1) as root then."""
        target = _nspawn_pid(self.nspawn.pid) or self.nspawn.pid
        subprocess.run(command("kill", f"-{number}", str(target)), check=False, timeout=HALT_TIMEOUT_S)


def _child_of(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _nspawn_pid(started: int) -> int | None:
    """nspawn's pid: ``started`` itself, or a descendant of the sudo (and sudo's monitor) in front of it."""
    pid: int | None = started
    while pid is not None:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd-nspawn":
                return pid
        except OSError:
            return None
        pid = _child_of(pid)
    return None


def boot(scratch: Path) -> Container:
    """Overlay the cached root in ``scratch``, boot it, and return once the user manager runs.

    On any failure the container is stopped before the error propagates.
    """
    lower = ensure_root()
    upper, work, merged = scratch / "upper", scratch / "work", scratch / "merged"
    for directory in (upper, work, merged):
        directory.mkdir()
    subprocess.run(
        command("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={lower},upperdir={upper},workdir={work}",
                str(merged)),
        check=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    with (scratch / "nspawn.log").open("wb") as log:
        nspawn = subprocess.Popen(
            command("systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
                    f"--machine=agent-console-{os.getpid()}", "-D", str(merged), "-b", "--console=passive"),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    container = Container(root=merged, nspawn=nspawn, pid1=0, mounted=merged, log=scratch / "nspawn.log")
    try:
        _wait_for_user_manager(container)
    except BaseException:
        container.stop()
        raise
    return container


def _wait_for_user_manager(container: Container) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while True:
        if container.nspawn.poll() is not None:
            raise RuntimeError(f"systemd-nspawn exited: {container.log.read_text(errors='replace')}")
        nspawn = _nspawn_pid(container.nspawn.pid)
        container.pid1 = container.pid1 or (nspawn and _child_of(nspawn)) or 0
        if container.pid1:
            left = max(deadline - time.monotonic(), POLL_S)
            ready = container.as_user("systemctl --user is-system-running --wait", timeout=left)
            if ready.stdout.strip() in ("running", "degraded"):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no user manager within {BOOT_TIMEOUT_S:g} s")
        time.sleep(POLL_S)
