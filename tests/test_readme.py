"""The README's commands are the ones CI runs, so they cannot drift apart."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    test_command = first_block.splitlines()[first_block.splitlines().index("# Run the tests:") + 1]
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
