"""The README's two commands, word for word, on a fresh Debian 12 as an ordinary user with sudo.

    sudo python3 tests/fresh_debian.py [--no-cache] [--keep-log PATH]

What a newcomer does, in a booted container: a Debian 12 root (the one the
systemd tier debootstraps, tests/systemd_rootfs.py, with the host's apt
sources and ``sudo``), a user ``bob`` in group sudo, this repository cloned
into his home (its committed HEAD), then, in a login shell with his user
manager and user bus:

1. the README's install command, then its "see it work" lines (the first
   call starts the service by D-Bus activation through systemd);
2. the README's test command: the whole suite, the systemd tier included,
   which then boots a container of its own inside this one through ``sudo -n``.

bob's sudo asks no password (``NOPASSWD``): nobody is at a tty to type it, and
the tests' privileged steps run through ``sudo -n``. By default the big
downloads are seeded from this machine's caches, as a CI cache would: the
systemd tier's root (bound read-only where tests/systemd_rootfs.py looks) and
the npm packages under ``~/.cache/agent-console/npm``; ``--no-cache`` makes the
container fetch everything itself. The network is the host's (apt, PyPI, npm),
and so are the CAs it adds (``/usr/local/share/ca-certificates``, ``/etc/npmrc``).

Each step prints one line: its exit status and time; the full output goes to a
log (``--keep-log``, else a file named at the end). Exit status 0 when both
commands and the demo succeeded. Needs root, systemd-nspawn and debootstrap
(``packaging/install-deps --test``). Standard library only.
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from privileged import command, unavailable
from systemd_rootfs import ensure_root, root_name

REPO = Path(__file__).resolve().parent.parent
USER = "bob"
UID = 1001
"""The rootfs already holds the systemd tier's user at 1000."""
CLONE = "agent-console"
HOSTNAME = "fresh-debian"
RUNTIME_DIR = f"/run/user/{UID}"
BOOT_TIMEOUT_S = 120.0
SETUP_TIMEOUT_S = 600.0
"""apt-get update and install of sudo and ca-certificates from the mirror."""
INSTALL_TIMEOUT_S = 1200.0
"""The README's install command: apt (dbus, pipx), then pipx fetching the dependencies."""
DEMO_TIMEOUT_S = 60.0
"""The README promises a session on screen within a minute."""
TESTS_TIMEOUT_S = 5400.0
"""The whole suite on a fresh machine: about 15 minutes when the issue was filed, far more with downloads."""
HALT_TIMEOUT_S = 30.0
POLL_S = 0.5
SYSTEM_CACHE_ROOTFS = "/var/cache/agent-console-tests/rootfs"
HOST_NPM_CACHE = Path(os.environ.get("AGENT_CONSOLE_CACHE") or Path.home() / ".cache" / "agent-console") / "npm"


def readme_commands() -> tuple[str, str, list[str]]:
    """The install command, the test command and the "see it work" lines, as the README prints them."""
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    first = blocks[0].splitlines()
    install = next(line for line in first if not line.startswith("#") and "agent-console" in line)
    test = first[first.index("# Run the tests:") + 1]
    demo = next(block for block in blocks if block.startswith("agent-console set ")).splitlines()
    return install, test, demo


def log_to(log: Path, text: str) -> None:
    with log.open("a") as out:
        out.write(text)


def run(argv: list[str], log: Path, timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    log_to(log, f"\n===== {what}\n$ {shlex.join(argv)}\n")
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as expired:
        log_to(log, f"{expired.stdout or ''}{expired.stderr or ''}\n----- timed out after {timeout:g} s\n")
        print(f"{what}: timed out after {timeout:g} s", flush=True)
        return subprocess.CompletedProcess(argv, 124, "", "")
    seconds = time.monotonic() - started
    log_to(log, f"{done.stdout}{done.stderr}\n----- exit {done.returncode} in {seconds:.0f} s\n")
    print(f"{what}: exit {done.returncode} in {seconds:.0f} s", flush=True)
    return done


class Machine:
    """The booted container: ``as_root`` and ``as_user`` run a shell script inside, like a login would."""

    def __init__(self, scratch: Path, log: Path, seed_caches: bool) -> None:
        self.scratch, self.log = scratch, log
        lower = ensure_root()
        upper, work, self.root = scratch / "upper", scratch / "work", scratch / "merged"
        for directory in (upper, work, self.root):
            directory.mkdir()
        subprocess.run(command("mount", "-t", "overlay", "overlay", "-o",
                               f"lowerdir={lower},upperdir={upper},workdir={work}", str(self.root)), check=True)
        self._prepare(seed_caches)
        binds = [f"--bind-ro={lower}:{SYSTEM_CACHE_ROOTFS}/{root_name()}"] if seed_caches else []
        with (scratch / "nspawn.log").open("wb") as out:
            self.nspawn = subprocess.Popen(
                command("systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--capability=all",
                        "--resolv-conf=copy-host", f"--machine=fresh-debian-{os.getpid()}", *binds,
                        "-D", str(self.root), "-b", "--console=passive"),
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )
        self.pid1 = 0

    def _prepare(self, seed_caches: bool) -> None:
        """Before boot: the host's apt sources, the user with lingering, the clone, the seeded npm cache."""
        sources = self.root / "etc" / "apt"
        (sources / "sources.list").unlink(missing_ok=True)
        for source in Path("/etc/apt/sources.list.d").glob("*.sources"):
            shutil.copy(source, sources / "sources.list.d" / source.name)
        if Path("/etc/apt/sources.list").is_file():
            shutil.copy("/etc/apt/sources.list", sources / "sources.list")
        for name in ("usr/local/share/ca-certificates", "etc/npmrc"):
            # This machine reaches the network through its own CAs: the container must trust them too.
            if (Path("/") / name).is_dir():
                shutil.copytree(Path("/") / name, self.root / name, dirs_exist_ok=True)
            elif (Path("/") / name).is_file():
                shutil.copy(Path("/") / name, self.root / name)
        # As the installer leaves it: a host name that resolves (sudo warns on stderr otherwise).
        (self.root / "etc" / "hostname").write_text(f"{HOSTNAME}\n")
        with (self.root / "etc" / "hosts").open("a") as hosts:
            hosts.write(f"127.0.1.1\t{HOSTNAME}\n")
        subprocess.run(["chroot", str(self.root), "useradd", "--create-home", "--shell", "/bin/bash",
                        "--uid", str(UID), USER], check=True)
        (self.root / "var/lib/systemd/linger").mkdir(parents=True, exist_ok=True)
        (self.root / "var/lib/systemd/linger" / USER).touch()
        home = self.root / "home" / USER
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(home / CLONE)], check=True)
        if seed_caches and HOST_NPM_CACHE.is_dir():
            target = home / ".cache" / "agent-console" / "npm"
            target.parent.mkdir(parents=True)
            shutil.copytree(HOST_NPM_CACHE, target, symlinks=True,
                            ignore=shutil.ignore_patterns(".*.partial", ".*.lock"))
        subprocess.run(["chown", "-R", f"{UID}:{UID}", str(home)], check=True)

    def boot(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        state = subprocess.CompletedProcess([], 0, "", "")
        while time.monotonic() < deadline:
            if self.nspawn.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited: {(self.scratch / 'nspawn.log').read_text()}")
            self.pid1 = self.pid1 or _child_of(self.nspawn.pid) or 0
            if self.pid1:
                state = subprocess.run(["nsenter", "-t", str(self.pid1), "-a", "--", "systemctl",
                                        "is-system-running", "--wait"], capture_output=True, text=True,
                                       timeout=BOOT_TIMEOUT_S, check=False)
                if state.stdout.strip() in ("running", "degraded"):
                    return
            time.sleep(POLL_S)
        log = (self.scratch / "nspawn.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"not booted within {BOOT_TIMEOUT_S:g} s: {state.stdout.strip()!r} {state.stderr.strip()!r}; {log}")

    def as_root(self, script: str) -> list[str]:
        return ["nsenter", "-t", str(self.pid1), "-a", "--", "sh", "-c", script]

    def as_user(self, script: str) -> list[str]:
        """A login shell of the user's, with what a desktop or SSH login gives: her runtime dir and user bus."""
        exports = f"export XDG_RUNTIME_DIR={RUNTIME_DIR} DBUS_SESSION_BUS_ADDRESS=unix:path={RUNTIME_DIR}/bus"
        return ["nsenter", "-t", str(self.pid1), "-a", "--", "su", "-", USER, "-c",
                f"{exports}; cd {CLONE} && {script}"]

    def stop(self) -> None:
        if self.nspawn.poll() is None:
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout=HALT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait(timeout=HALT_TIMEOUT_S)
        subprocess.run(["umount", "--lazy", str(self.root)], check=False)


def _child_of(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def check(seed_caches: bool, log: Path, pytest_args: str = "") -> int:
    install, test, demo = readme_commands()
    test = f"{test} {pytest_args}".rstrip()
    scratch = Path(tempfile.mkdtemp(prefix="fresh-debian-", dir="/var/tmp"))
    machine = Machine(scratch, log, seed_caches)
    try:
        machine.boot()
        print(f"booted a fresh Debian 12; log: {log}", flush=True)
        setup = run(machine.as_root(
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends"
            f" sudo ca-certificates >/dev/null && usermod -aG sudo {USER}"
            f" && echo '{USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/{USER} && chmod 440 /etc/sudoers.d/{USER}"
            f" && systemctl start user@{UID}.service"), log, SETUP_TIMEOUT_S, f"setup: sudo, and {USER} in group sudo")
        if setup.returncode != 0:
            return 1
        installed = run(machine.as_user(install), log, INSTALL_TIMEOUT_S, f"README install: {install}")
        if installed.returncode != 0:
            return 1
        shown = run(machine.as_user(" && ".join(demo)), log, DEMO_TIMEOUT_S, "README demo: " + "; ".join(demo))
        print(shown.stdout, end="", flush=True)
        tested = run(machine.as_user(test), log, TESTS_TIMEOUT_S, f"README tests: {test}")
        summary = [line for line in tested.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
        print(summary[-1] if summary else tested.stdout[-2000:], flush=True)
        return 0 if shown.returncode == 0 and tested.returncode == 0 else 1
    finally:
        machine.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-cache", action="store_true", help="Fetch everything inside the container")
    parser.add_argument("--keep-log", metavar="PATH", type=Path, help="Write the full output here")
    parser.add_argument("--pytest-args", metavar="ARGS", default="",
                        help="Appended to the test command's pytest, to look at one tier (not the README's words then)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print(f"fresh_debian: run as root (sudo python3 {sys.argv[0]}): {unavailable() or 'it mounts and boots'}",
              file=sys.stderr)
        return 2
    log = args.keep_log or Path(tempfile.mkstemp(prefix="fresh-debian-", suffix=".log")[1])
    log.write_text("")
    return check(not args.no_cache, log, args.pytest_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
