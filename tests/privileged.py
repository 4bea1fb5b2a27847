"""Commands that need root, for the container tier: run as they are by root, through ``sudo -n`` otherwise.

CI runs the tests as root; a person runs them as themselves, with sudo. The
tier's privileged steps (debootstrap, chroot, mount, systemd-nspawn, nsenter)
then go through ``sudo -n``, which never asks for a password: where sudo would
ask, the tier is skipped with one line saying so (never under ``CI=true``).
Those tools live in /usr/sbin, which an ordinary user's PATH on Debian lacks,
so each is found with the system directories added and passed to sudo by its
absolute path. Standard library only: tests/systemd_rootfs.py uses it before
any venv exists.
"""

import os
import shutil
import subprocess

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""Where root's tools are, whatever PATH the user has."""
SUDO_CHECK_TIMEOUT_S = 10.0
"""For ``sudo -n true``: it answers at once, or asks for a password and, with -n, refuses at once."""


def is_root() -> bool:
    return os.geteuid() == 0


def tool(name: str) -> str | None:
    """The absolute path of ``name``, looked up on PATH and then in the system directories."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}")


def command(*words: str) -> list[str]:
    """``words`` as root runs them: the tool by its absolute path, behind ``sudo -n`` for anyone else."""
    found = tool(words[0])
    if found is None:
        raise FileNotFoundError(f"{words[0]} is not installed (looked on PATH and in {SYSTEM_PATH})")
    return [found, *words[1:]] if is_root() else ["sudo", "-n", found, *words[1:]]


def unavailable() -> str | None:
    """Why privileged commands cannot run here, in one line; None when they can."""
    if is_root():
        return None
    if shutil.which("sudo") is None:
        return "needs root, or sudo to become root: neither is available"
    try:
        checked = subprocess.run(
            ["sudo", "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=SUDO_CHECK_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired:
        return "needs root: sudo -n true did not answer"
    if checked.returncode != 0:
        reason = checked.stderr.strip().splitlines()[-1] if checked.stderr.strip() else f"exit {checked.returncode}"
        return f"needs root or sudo without a password prompt (sudo -n true: {reason}); run 'sudo -v' first"
    return None
