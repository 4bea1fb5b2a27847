"""The static checks run with the tests, so `.ci/run` (the README's one test command) keeps
the code to them: ruff with the rule set in pyproject.toml, on the package, the tests and the
benchmarks, and mypy --strict on the package."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK_TIMEOUT_S = 300.0
"""Ruff takes about a second on this code and mypy 30 s without its cache; the bound is for a
loaded two-core machine."""


def test_ruff_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "agent_console", "tests", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_finds_nothing_in_the_package() -> None:
    """The settings are pyproject.toml's [tool.mypy]: strict, on agent_console."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "agent_console"],
        cwd=ROOT, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
