"""The static checks run with the tests, so `.ci/run` (the README's one test command) keeps
the code to them: ruff with the rule set in pyproject.toml, on the package, the tests and the
benchmarks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK_TIMEOUT_S = 120.0
"""Ruff takes about a second on this code; the bound is for a loaded two-core machine."""


def test_ruff_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "agent_console", "tests", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
