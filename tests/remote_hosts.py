"""SSH hosts made on this machine: network namespaces joined by veth pairs.

A ``World`` is the person's machine (``local``) and a few hosts, each a
network namespace with a Unix user of its own, a private ``dbus-daemon``
and an ``agent-console daemon`` on it; every host also runs Debian's
``sshd`` on its own address with a host key made here, and the local user
holds a key (made here too) that each host's ``authorized_keys`` lists.  The
local namespace reaches each host over its own veth pair and nothing else:
no default route, so nothing leaves the machine.  ``ssh HOST agent-console
...`` from the local user reaches that host's daemon, exactly as on a real
network.  (The recipe, and why each step: ``shared/remote-hosts-for-real.md``.)

Everything made is recorded before it is made, and ``close`` (also on
SIGTERM, and at interpreter exit) kills the processes of every namespace and
every made user by pid, deletes the namespaces (and with them the veth ends),
the users, their groups and the directories.  Needs root, ``ip``, ``sshd``,
``ssh``, ``ssh-keygen``, ``nsenter``, ``setpriv`` and ``dbus-daemon``:
``missing()`` says which are not there.

No pytest here, so ``benchmarks/`` can use it as well.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from processes import AGENT_CONSOLE

from agent_console.wire.private_bus import session_config

SSHD = "/usr/sbin/sshd"
TOOLS = ("ip", "ssh", "ssh-keygen", "nsenter", "setpriv", "dbus-daemon", "useradd", "userdel")

SUBNET = "10.231"
"""Private addresses nothing else here uses: host N is ``10.231.N.2``, its peer ``10.231.N.1``."""

READY_TIMEOUT_S = 15.0
"""A bus, an sshd or a daemon that has not started by then will not start."""

SERVING = "serving io.github.AgentConsole1"
"""What the daemon logs once it owns its name."""

SSH_OPTIONS = ("-o", "BatchMode=yes", "-o", "ConnectTimeout=5")

TOOL_TIMEOUT_S = 30.0
"""``ip``, ``useradd`` and the like answer in well under a second; a wedged one is not waited for."""


def missing() -> str | None:
    """Why a world cannot be made here, in one line, or None."""
    if os.geteuid() != 0:
        return "remote hosts are network namespaces and need root"
    if not os.access(SSHD, os.X_OK):
        return f"{SSHD} is not installed (Debian: apt install openssh-server)"
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    return f"not installed: {', '.join(absent)}" if absent else None


def _readable_by_all(path: Path) -> bool:
    """Whether any user may reach ``path`` (every directory above it searchable by others)."""
    real = Path(os.path.realpath(path))
    return all(os.stat(parent).st_mode & 0o001 for parent in real.parents)


RUNTIME_MODULES = ("agent_console", "dbus_fast", "pydantic_core", "typing_extensions")
"""What ``agent-console daemon``, ``watch``, ``set``, ``list`` and ``remote`` import beyond the
standard library (the dashboard's textual is not among them)."""


def _tools_for_everyone(base: Path) -> Path:
    """A directory with an ``agent-console`` the made users can run.

    Usually the test's own.  Where the test's interpreter or packages lie
    where others cannot read them (pyenv in /root, a clone under /root), a
    venv of the system's python3 of the same version is made in ``base``
    with a copy of ``RUNTIME_MODULES``: same ABI, nothing downloaded.
    """
    modules = [Path(importlib.import_module(name).__file__ or "") for name in RUNTIME_MODULES]
    if all(_readable_by_all(path) for path in (Path(sys.executable), Path(AGENT_CONSOLE), *modules)):
        return Path(AGENT_CONSOLE).parent
    system = Path("/usr/bin/python3")
    probe = [str(system), "-c", "import sys; print(sys.version_info[:2])"]
    if subprocess.run(probe, capture_output=True, text=True, check=False).stdout.strip() != str(sys.version_info[:2]):
        raise RuntimeError(f"{sys.executable} is not readable by other users and {system} is another version")
    venv = base / "venv"
    _run(str(system), "-m", "venv", "--without-pip", str(venv))
    site = next((venv / "lib").glob("python3*/site-packages"))
    for module in modules:
        if module.name == "__init__.py":
            shutil.copytree(module.parent, site / module.parent.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(module, site / module.name)
    script = venv / "bin" / "agent-console"
    script.write_text(f"#!{venv}/bin/python3\nimport sys\nfrom agent_console.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return script.parent


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=TOOL_TIMEOUT_S, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: exit {done.returncode}: {done.stderr.strip()}")
    return done


def _wait_for(what: str, ready: Callable[[], bool], process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {READY_TIMEOUT_S:g} s")
        time.sleep(0.02)


@dataclass
class Side:
    """One namespace and the user whose bus and daemon live in it."""

    name: str
    """The short name tests use: ``local``, ``h1``, ``h2``."""
    namespace: str
    user: str
    home: Path
    address: str = ""
    """This side's address on its veth: the host's end for a host; empty for ``local``."""
    uid: int = 0
    gid: int = 0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def runtime_dir(self) -> Path:
        return self.home / "run"

    @property
    def bus_address(self) -> str:
        return f"unix:path={self.runtime_dir}/bus"

    @property
    def bin_dir(self) -> Path:
        """First on this side's PATH: where a test puts a stand-in ``agent-console``."""
        return self.home / "bin"

    tools_dir: Path = Path(AGENT_CONSOLE).parent
    """Where this side's ``agent-console`` is (see ``_tools_for_everyone``)."""

    @property
    def path(self) -> str:
        return f"{self.bin_dir}:{self.tools_dir}:/usr/local/bin:/usr/bin:/bin"

    def environment(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "USER": self.user,
            "LOGNAME": self.user,
            "PATH": self.path,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "TMUX_TMPDIR": str(self.runtime_dir),
            "LANG": "C.UTF-8",
        }

    def command(self, *argv: str) -> list[str]:
        """``argv`` run in this side's namespace, as its user, with its environment only."""
        env = [f"{key}={value}" for key, value in self.environment().items()]
        return [
            "nsenter", f"--net=/run/netns/{self.namespace}",
            "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups",
            "env", "-i", *env, *argv,
        ]  # fmt: skip

    def run(self, *argv: str, timeout: float = TOOL_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*argv), capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )

    def start(self, key: str, *argv: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        """Start a long-running ``argv`` here, known by ``key`` (one at a time per key)."""
        log_path = log or self.home / f"{key}.log"
        with log_path.open("ab") as out:
            process = subprocess.Popen(
                self.command(*argv), stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
            )
        self.processes[key] = process
        return process

    def stop(self, key: str, signum: int = signal.SIGTERM) -> int | None:
        process = self.processes.pop(key, None)
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signum)
            try:
                return process.wait(timeout=READY_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def log(self, key: str) -> str:
        path = self.home / f"{key}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_bus(self) -> None:
        """A private session bus at ``run/bus``; root may connect too, so tests can call it directly."""
        config = self.home / "session.conf"
        text = session_config(())
        text = text.replace("</busconfig>", '<policy context="default"><allow user="root"/></policy></busconfig>')
        text = re.sub(r"<listen>[^<]*</listen>", f"<listen>unix:path={self.runtime_dir}/bus</listen>", text)
        config.write_text(text)
        os.chmod(config, 0o644)
        process = self.start("bus", "dbus-daemon", "--nofork", "--nopidfile", f"--config-file={config}")
        _wait_for(f"{self.name}'s bus", (self.runtime_dir / "bus").exists, process)

    def start_daemon(self, *extra: str) -> None:
        """Returns once this start (not an earlier one in the same log) owns the name."""
        started = self.log("daemon").count(SERVING)
        process = self.start("daemon", "agent-console", "daemon", "--address", self.bus_address, *extra)
        _wait_for(f"{self.name}'s daemon", lambda: self.log("daemon").count(SERVING) > started, process)

    def restart_daemon(self) -> None:
        self.stop("daemon")
        self.start_daemon()

    def agent_console(self, *args: str, timeout: float = TOOL_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return self.run("agent-console", *args, timeout=timeout)


class World:
    """``local`` and hosts ``h1``… made by ``open`` and removed, without a trace, by ``close``."""

    def __init__(self, hosts: Sequence[str] = ("h1", "h2"), *, daemons: bool = True) -> None:
        tag = f"acr{os.getpid() % 100000}"
        self.tag = tag
        self.base = Path(tempfile.mkdtemp(prefix="agent-console-remote-"))
        os.chmod(self.base, 0o755)  # each user must reach its own home below it
        self.local = Side("local", f"{tag}-local", f"{tag}l", self.base / "local")
        self.hosts = {
            name: Side(name, f"{tag}-{name}", f"{tag}{name}", self.base / name, f"{SUBNET}.{index}.2")
            for index, name in enumerate(hosts, start=1)
        }
        self._daemons = daemons
        self._namespaces: list[str] = []
        self._users: list[str] = []
        self._closed = False

    @property
    def sides(self) -> list[Side]:
        return [self.local, *self.hosts.values()]

    def open(self) -> World:
        atexit.register(self.close)
        previous = signal.getsignal(signal.SIGTERM)

        def on_term(signum: int, frame: object) -> None:
            self.close()
            signal.signal(signal.SIGTERM, previous)
            os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_term)
        try:
            self._make()
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self) -> World:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _make(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        tools = _tools_for_everyone(self.base)
        for side in self.sides:
            side.tools_dir = tools
        for side in self.sides:
            self._make_namespace(side)
            self._make_user(side)
        for index, host in enumerate(self.hosts.values(), start=1):
            self._join(host, index)
        self._make_keys()
        for side in self.sides:
            side.start_bus()
            if self._daemons:
                side.start_daemon()
        for host in self.hosts.values():
            self._start_sshd(host)

    def _make_namespace(self, side: Side) -> None:
        self._namespaces.append(side.namespace)
        _run("ip", "netns", "add", side.namespace)
        _run("ip", "-n", side.namespace, "link", "set", "lo", "up")

    def _make_user(self, side: Side) -> None:
        self._users.append(side.user)
        _run("useradd", "--system", "-M", "-d", str(side.home), "-s", "/bin/bash", "-U", side.user)
        _run("usermod", "-p", "*", side.user)  # sshd without PAM refuses a locked ("!") account
        entry = pwd.getpwnam(side.user)
        side.uid, side.gid = entry.pw_uid, entry.pw_gid
        for directory in (side.home, side.runtime_dir, side.home / ".ssh", side.bin_dir, side.home / ".config"):
            directory.mkdir(mode=0o700, exist_ok=True)
            os.chown(directory, side.uid, side.gid)

    def _join(self, host: Side, index: int) -> None:
        """One veth pair: ``vN`` in local, ``v0`` in the host, a /30 between them."""
        near = f"v{index}"
        _run("ip", "link", "add", near, "netns", self.local.namespace, "type", "veth", "peer", "name", "v0",
             "netns", host.namespace)  # fmt: skip
        _run("ip", "-n", self.local.namespace, "addr", "add", f"{SUBNET}.{index}.1/30", "dev", near)
        _run("ip", "-n", host.namespace, "addr", "add", f"{host.address}/30", "dev", "v0")
        _run("ip", "-n", self.local.namespace, "link", "set", near, "up")
        _run("ip", "-n", host.namespace, "link", "set", "v0", "up")

    def _make_keys(self) -> None:
        """The person's key, every host's host key, ``authorized_keys``, and an ssh config naming each host."""
        ssh_dir = self.local.home / ".ssh"
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "agent-console-test", "-f", str(ssh_dir / "id_ed25519"))
        public = (ssh_dir / "id_ed25519.pub").read_text()
        stanzas = [
            f"Host {name}\n    HostName {host.address}\n    User {host.user}\n" for name, host in self.hosts.items()
        ]
        (ssh_dir / "config").write_text(
            "".join(stanzas) + "Host *\n    StrictHostKeyChecking accept-new\n    IdentityFile ~/.ssh/id_ed25519\n"
        )
        for host in self.hosts.values():
            (host.home / ".ssh" / "authorized_keys").write_text(public)
            keys = host.home / "hostkeys"
            keys.mkdir(mode=0o700)
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "ssh_host_ed25519_key"))
        for side in self.sides:
            for path in (side.home / ".ssh").iterdir():
                os.chown(path, side.uid, side.gid)
                os.chmod(path, 0o600)

    def _start_sshd(self, host: Side) -> None:
        env = host.environment()
        config = host.home / "sshd_config"
        config.write_text(
            f"ListenAddress {host.address}:22\n"
            f"HostKey {host.home}/hostkeys/ssh_host_ed25519_key\n"
            "PidFile none\nUsePAM no\n"
            f"AllowUsers {host.user}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "AuthorizedKeysFile .ssh/authorized_keys\n"
            "ClientAliveInterval 5\nClientAliveCountMax 3\n"
            f"SetEnv PATH={env['PATH']} DBUS_SESSION_BUS_ADDRESS={env['DBUS_SESSION_BUS_ADDRESS']} "
            f"XDG_RUNTIME_DIR={env['XDG_RUNTIME_DIR']} XDG_CONFIG_HOME={env['XDG_CONFIG_HOME']} "
            f"TMUX_TMPDIR={env['TMUX_TMPDIR']}\n"
        )
        _run(SSHD, "-t", "-f", str(config))
        log = host.home / "sshd.log"
        log.touch()
        process = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{host.namespace}", SSHD, "-D", "-f", str(config), "-E", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        host.processes["sshd"] = process
        _wait_for(f"{host.name}'s sshd", lambda: "Server listening" in log.read_text(errors="replace"), process)

    def ssh(self, host: str, *remote: str, timeout: float = TOOL_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        """Run ``remote`` on ``host`` from the local user, with the local user's ssh."""
        return self.local.run("ssh", *SSH_OPTIONS, host, *remote, timeout=timeout)

    def cut(self, host: str) -> None:
        """The link down at the host's end: packets are lost, nothing says so (no RST, no ICMP)."""
        _run("ip", "-n", self.hosts[host].namespace, "link", "set", "v0", "down")

    def restore(self, host: str) -> None:
        _run("ip", "-n", self.hosts[host].namespace, "link", "set", "v0", "up")

    def close(self) -> None:
        """Kill, by pid, every process in the namespaces and of the made users; remove everything made."""
        if self._closed:
            return
        self._closed = True
        for side in self.sides:
            for key in list(side.processes):
                side.stop(key)
        for _ in range(3):
            pids = self._leftover_pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        for namespace in self._namespaces:
            _run("ip", "netns", "del", namespace, check=False)
        for user in self._users:
            _run("userdel", user, check=False)
            _run("groupdel", user, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def _leftover_pids(self) -> set[int]:
        pids: set[int] = set()
        for namespace in self._namespaces:
            listed = _run("ip", "netns", "pids", namespace, check=False).stdout.split()
            pids.update(int(pid) for pid in listed if pid.isdigit())
        for user in self._users:
            listed = _run("pgrep", "-u", user, check=False).stdout.split()
            pids.update(int(pid) for pid in listed if pid.isdigit())
        pids.discard(os.getpid())
        return pids
