"""The static checks run with the tests, so `.ci/run` (the README's one test command) keeps
the code to them: ruff with the rule set in pyproject.toml, on the package, the tests and the
benchmarks, and mypy --strict on the package; and every test module names its tier."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

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


def test_every_test_module_names_its_tier() -> None:
    """``-m "pure or bus"`` (docs/design.md) selects by these: a module without a tier would
    silently drop out of every selection but the whole run."""
    tiers = {line.split(":")[0].strip().strip('"') for line in _registered_markers()}
    untiered = [
        module.name
        for module in sorted((ROOT / "tests").glob("test_*.py"))
        if not any(f"pytest.mark.{tier}" in _pytestmark(module) for tier in tiers)
    ]
    assert untiered == []


def _registered_markers() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]


def _pytestmark(module: Path) -> str:
    """The source of the module's ``pytestmark = ...`` statement, "" if it has none."""
    source = module.read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "pytestmark" for target in node.targets):
            return ast.get_source_segment(source, node) or ""
    return ""
