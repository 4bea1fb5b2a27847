"""The package's layers, as docs/design.md draws them, checked on every import statement.

Data flows one way: the faces use the clients, the clients and the daemon use
the wire, and the shared bottom (vocabulary, limits, errors, presentation, the
configuration file's reader and its checks, system/) uses nothing above it.  An import that reaches up a layer compiles and
runs, so nothing else would say that it crept in; an import under
``TYPE_CHECKING`` or inside a function counts too, since it is as much a
dependency of the code's meaning.  The hook runs on every tool call of every
agent, so it may use only the standard library and the few modules it names.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import agent_console

pytestmark = pytest.mark.pure

PACKAGE = Path(agent_console.__file__).parent

FACES = ("cli", "dashboard", "notify", "focus", "remote", "widgets")
BOTTOM = ("vocabulary", "limits", "errors", "presentation", "config", "validation", "system")

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "wire": ("daemon", "client", "agents", "hook", "service_manager", *FACES),
    "client": ("daemon", "agents", "hook", "service_manager", *FACES),
    "daemon": ("client", "hook", "service_manager", *FACES),
    "agents": ("daemon", "client", "hook", "service_manager", *FACES),
    **dict.fromkeys(FACES, ("daemon",)),
    **dict.fromkeys(BOTTOM, ("wire", "client", "daemon", "agents", "hook", "service_manager", *FACES)),
}
"""Top-level parts of ``agent_console`` that the modules of a part (a folder, or a module
below all) must not import."""

ENTRY_POINT = "cli/__init__.py"
"""``agent-console``'s dispatcher, above every layer: it hands ``hook`` and ``daemon`` to their
own entry points before the CLI is loaded."""

HOOK_USES = ("hook", "vocabulary", "limits", "system", "wire")
"""The parts of ``agent_console`` the hook may import; all else it imports is the standard library."""

HOOK_FALLBACK_USES = (*HOOK_USES, "errors", "agents")
"""``hook/fallback.py`` reads the payload with the agents' own code, for a daemon older than
``Report``: imported only then, never on the usual path."""


def test_no_module_imports_a_layer_above_it() -> None:
    reaching_up = [
        f"{module}:{line} imports {imported}"
        for module, line, imported in _imports()
        if module != ENTRY_POINT and _part(imported) in FORBIDDEN.get(_part_of(module), ())
    ]
    assert reaching_up == []


def test_the_hook_imports_the_standard_library_and_its_few_modules_only() -> None:
    outside = []
    for module, line, imported in _imports():
        if _part_of(module) != "hook":
            continue
        allowed = HOOK_FALLBACK_USES if module == "hook/fallback.py" else HOOK_USES
        top = imported.partition(".")[0]
        if top == "agent_console" and _part(imported) not in allowed or top not in ("agent_console", *sys.stdlib_module_names):
            outside.append(f"{module}:{line} imports {imported}")
    assert outside == []


def _imports() -> Iterator[tuple[str, int, str]]:
    """(module's path in the package, line, module it imports) for every import statement,
    relative ones resolved."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        package = ["agent_console", *path.relative_to(PACKAGE).parent.parts]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                yield from ((module, node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                yield module, node.lineno, ".".join([*base, *([node.module] if node.module else [])])


def _part_of(module: str) -> str:
    """The layer a module's path in the package is in: its folder, or its own name at the top."""
    return module.partition("/")[0].removesuffix(".py")


def _part(imported: str) -> str:
    """The layer of ``agent_console`` an imported module is in; "" for one outside the package."""
    parts = imported.split(".")
    return parts[1] if parts[0] == "agent_console" and len(parts) > 1 else ""
