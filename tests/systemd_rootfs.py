"""The Debian 12 root filesystem that tests/test_systemd_real.py boots, built once and cached.

A real systemd user manager needs systemd as PID 1, which this machine's PID 1
is not; so the tier boots one in a container (``systemd-nspawn``), from a
root built here with ``debootstrap`` from the mirror apt already uses (the
recipe is the one ../shared/systemd-for-real.md records as working).  It
holds a user ``alice`` (uid 1000) with lingering, so logind starts her
``user@1000.service`` and ``dbus-user-session`` gives her a real user bus.

The root lives under ``/var/cache/agent-console-tests/rootfs/`` (or
``$AGENT_CONSOLE_CACHE/rootfs/`` where that is set) in a directory named by a
hash of the recipe, so whoever builds it (root in CI, ``sudo`` from
``packaging/install-deps --test`` for a person) the tests find it; a root built
by an older version in the user's own cache is used too.  It is built in a
temporary directory beside it and renamed into place, so a half-built root is
never used and a changed recipe builds a new one.  Tests never write to it:
each run overlays it.  ``packaging/install-deps --test`` runs this file (as
root), so CI pays the build before the tests start; run by hand it prints the
root's path.  Building needs root: anyone else builds it through ``sudo -n``
(tests/privileged.py).
Standard library only: install-deps runs it before any venv exists.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import privileged

SUITE = "bookworm"
PACKAGES = (
    "systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,python3,python3-venv,procps,util-linux"
)
"""What the tier needs inside: a user manager with its bus, and a Python to install the wheel into."""
USER = "alice"
UID = 1000
DEFAULT_MIRROR = "http://deb.debian.org/debian"
BUILD_TIMEOUT_S = 900.0
"""debootstrap took about 2 minutes here; past this bound the mirror is as good as unreachable."""
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


SYSTEM_CACHE = Path("/var/cache/agent-console-tests")
"""Where root keeps the root filesystem for every user of the machine."""


def rootfs_dirs() -> list[Path]:
    """Where a root may be, the one to build into first: $AGENT_CONSOLE_CACHE's, the machine's, the user's."""
    configured = os.environ.get("AGENT_CONSOLE_CACHE")
    candidates = [Path(configured) / "rootfs"] if configured else []
    return [*candidates, SYSTEM_CACHE / "rootfs", Path.home() / ".cache" / "agent-console" / "rootfs"]


def root_name() -> str:
    """The cached root's name for this recipe; a change of packages, suite or user gives a new name."""
    recipe = f"{SUITE}\n{PACKAGES}\n{USER}:{UID}\n".encode()
    return f"{SUITE}-{hashlib.sha256(recipe).hexdigest()[:16]}"


def find_root() -> Path | None:
    """The built root, wherever it was built; None if there is none yet."""
    for directory in rootfs_dirs():
        try:
            if (directory / root_name()).is_dir():
                return directory / root_name()
        except PermissionError:
            continue
    return None


def _source_texts() -> list[str]:
    files: list[Path] = []
    for source in APT_SOURCES:
        files += sorted(source.glob("*")) if source.is_dir() else [source]
    return [f.read_text(errors="replace") for f in files if f.is_file()]


def configured_mirror() -> str:
    """The Debian mirror apt is configured with for this suite, in either sources format."""
    for text in _source_texts():
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^(\w+):[ \t]*(.*)$", stanza, re.MULTILINE))
            if SUITE in fields.get("Suites", "").split() and "main" in fields.get("Components", "").split():
                return fields.get("URIs", DEFAULT_MIRROR).split()[0]
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", "", line).split()
            if len(words) >= 4 and words[0] == "deb" and words[2] == SUITE:
                return words[1]
    return DEFAULT_MIRROR


def _build(target: Path) -> None:
    """debootstrap, then the user with lingering; ``target`` is a fresh directory.  Run as root."""
    subprocess.run(
        [privileged.tool("debootstrap") or "debootstrap", "--variant=minbase", f"--include={PACKAGES}",
         SUITE, str(target), configured_mirror()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=BUILD_TIMEOUT_S,
    )
    subprocess.run(
        [privileged.tool("chroot") or "chroot", str(target), "useradd", "--create-home", "--uid", str(UID), USER],
        check=True,
        timeout=BUILD_TIMEOUT_S,
    )
    (target / "var/lib/systemd/linger").mkdir(parents=True, exist_ok=True)
    (target / "var/lib/systemd/linger" / USER).touch()


def ensure_root() -> Path:
    """The cached root, built first if missing (as root, or through ``sudo -n`` by anyone else)."""
    found = find_root()
    if found is not None:
        return found
    if not privileged.is_root():
        subprocess.run(privileged.command(sys.executable, __file__), stdout=subprocess.DEVNULL, check=True,
                       timeout=BUILD_TIMEOUT_S)
        found = find_root()
        if found is None:
            raise RuntimeError(f"{__file__} run through sudo built no root in {rootfs_dirs()[0]}")
        return found
    return _build_into(rootfs_dirs()[0] / root_name())


def _build_into(root: Path) -> Path:
    """Build aside and rename into place: safe against a concurrent build of the same root."""
    root.parent.mkdir(parents=True, exist_ok=True)
    building = root.with_name(f".{root.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        _build(building)
        try:
            building.rename(root)
        except OSError:
            if not root.is_dir():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return root


if __name__ == "__main__":
    print(ensure_root())
