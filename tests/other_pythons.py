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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OTHER_VERSIONS = ("3.12", "3.13")
"""Besides the oldest supported (3.11, Debian 12's), the versions CI runs the pure and bus tiers on."""
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agent-console" / "venvs"
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
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + str(ROOT).encode() + python.encode()).hexdigest()[:12]
    venv = CACHE / f"py{version}-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"py{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ready").exists():
            _create(python, venv)
    return venv


def _create(python: str, venv: Path) -> None:
    """Made anew, after the venvs of this version that an older pyproject.toml or checkout left."""
    for stale in venv.parent.glob(venv.name.split("-")[0] + "-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for command in (
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    (venv / "ready").touch()
