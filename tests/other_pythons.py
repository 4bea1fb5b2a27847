"""Virtual environments for the Python versions the package supports besides the one running
the tests, so a test can run the daemon, or the quick tiers, under each of them.

Each is made once and kept under ``~/.cache/agent-console/venvs``, keyed by the project's
dependencies and by where the checkout is (the project is installed editable, so the code
under test is always this checkout's).  No pytest here, so a script can use it too.
"""

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OTHER_VERSIONS = ("3.12", "3.13")
"""Besides the oldest supported (3.11, Debian 12's), the versions CI runs the pure and bus tiers on."""
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agent-console" / "venvs"
UNUSED_FOR_S = 2 * 24 * 3600.0
"""Another checkout's venv left this long unused is removed (its ``ready`` file is touched at every use)."""
INSTALL_TIMEOUT_S = 900.0
"""Creating one and installing the project with its test extra: about a minute here from a warm
pip cache, more on a cold one."""


def interpreter(version: str) -> str | None:
    """pyenv's newest of that version, else ``pythonX.Y`` on the PATH (Debian's or deadsnakes'
    packages); a pyenv shim is no interpreter: it answers only for the versions pyenv has selected."""
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    if candidates:
        return candidates[-1]
    found = shutil.which(f"python{version}")
    return found if found and "/shims/" not in found else None


def venv_for(version: str) -> Path | None:
    """A venv of ``version`` with this checkout installed editable with its test extra; None when
    there is no such interpreter here.  Safe to call from parallel test workers."""
    python = interpreter(version)
    if python is None:
        return None
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    dependencies = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + python.encode()).hexdigest()[:8]
    venv = CACHE / f"py{version}-{checkout}-{dependencies}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"py{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _forget_stale(venv, f"py{version}-", f"py{version}-{checkout}-")
        if not (venv / "ready").exists():
            _create(python, venv)
        (venv / "ready").touch()
    return venv


def _forget_stale(keep: Path, this_version: str, this_checkout: str) -> None:
    """The venvs this checkout made for an older pyproject.toml, and any other checkout's not used
    for ``UNUSED_FOR_S`` (CI's clones come and go); another checkout's venv in use is left alone."""
    for other in keep.parent.glob(f"{this_version}*"):
        if other == keep or not other.is_dir():
            continue
        ready = other / "ready"
        unused = not ready.exists() or time.time() - ready.stat().st_mtime > UNUSED_FOR_S
        if other.name.startswith(this_checkout) or unused:
            shutil.rmtree(other, ignore_errors=True)


def _create(python: str, venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    for command in (
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    (venv / "ready").touch()
