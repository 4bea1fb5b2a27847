"""The shell hook's constants are the Python side's, written again in sh: this keeps the two
from drifting apart, since the shell cannot import them and nothing else compares them."""

import re

import pytest
from hook_support import HOOK_SCRIPT

from agent_console import hook
from agent_console.limits import MAX_PAYLOAD_BYTES, MAX_TERMINAL_VALUE_BYTES
from agent_console.system.terminal import TERMINAL_ENVIRONMENT
from agent_console.wire.names import BUS_NAME, HOOKS_INTERFACE, OBJECT_PATH

pytestmark = pytest.mark.pure


def shell_constants() -> dict[str, str]:
    """The script's top-level ``NAME=value`` assignments, quotes and line breaks removed."""
    text = HOOK_SCRIPT.read_text()
    return {
        match["name"]: " ".join(match["value"].strip("'").split())
        for match in re.finditer(r"^(?P<name>[A-Z_]+)=(?P<value>'[^']*'|\S*)", text, re.MULTILINE)
    }


def test_the_shell_hook_names_the_bus_as_the_python_side_does() -> None:
    constants = shell_constants()
    assert (constants["BUS_NAME"], constants["OBJECT_PATH"], constants["INTERFACE"]) == (BUS_NAME, OBJECT_PATH, HOOKS_INTERFACE)


def test_the_shell_hook_keeps_the_python_sides_bounds() -> None:
    constants = shell_constants()
    assert int(constants["STDIN_LIMIT"]) == MAX_PAYLOAD_BYTES
    assert int(constants["TERMINAL_VALUE_LIMIT"]) == MAX_TERMINAL_VALUE_BYTES
    assert int(constants["NAME_LIMIT"]) == hook.MAX_NAME_CHARS
    assert (float(constants["BUS_SECONDS"]), float(constants["BACKGROUND_BUS_SECONDS"])) == (
        hook.BUS_SECONDS,
        hook.BACKGROUND_BUS_SECONDS,
    )


def test_the_shell_hook_reads_the_same_terminal_variables() -> None:
    pairs = dict(pair.split(":")[::-1] for pair in shell_constants()["TERMINAL_VARIABLES"].split())
    assert pairs == {"owner_tty": "tty", **TERMINAL_ENVIRONMENT}
