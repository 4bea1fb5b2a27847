"""``agent-console install-widget`` / ``uninstall-widget``: what lands where, and that uninstall takes exactly that.

GNOME's extension is plain files; Plasma's applet goes through the real
kpackagetool (5 here, 6 where it is installed).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from processes import AGENT_CONSOLE

from agent_console.widgets.install import GNOME_FILES, GNOME_UUID, PLASMOID_ID

pytestmark = pytest.mark.desktop
KPACKAGETOOL = shutil.which("kpackagetool6") or shutil.which("kpackagetool5")


def run(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run([AGENT_CONSOLE, *arguments], env=env, capture_output=True, text=True, check=False,
                          timeout=60, stdin=subprocess.DEVNULL)


def extension_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "gnome-shell" / "extensions" / GNOME_UUID


@pytest.mark.parametrize(("version", "form"), [(43, "function init("), (44, "function init("),
                                               (45, "export default class"), (48, "export default class"),
                                               (52, "export default class")])
def test_gnome_gets_the_form_its_version_loads(tmp_path: Path, version: int, form: str) -> None:
    done = run(tmp_path, "install-widget", "gnome-shell", "--shell-version", str(version), "--json")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["widget_id"] == GNOME_UUID and outcome["path"] == str(extension_dir(tmp_path))
    assert f"gnome-extensions enable {GNOME_UUID}" in outcome["next_step"]
    assert sorted(p.name for p in extension_dir(tmp_path).iterdir()) == sorted(GNOME_FILES)
    extension = (extension_dir(tmp_path) / "extension.js").read_text()
    assert form in extension and "//@@BODY@@" not in extension
    assert f"var AGENT_CONSOLE = {json.dumps(AGENT_CONSOLE)};" in extension
    metadata = json.loads((extension_dir(tmp_path) / "metadata.json").read_text())
    assert str(version) in metadata["shell-version"] and metadata["uuid"] == GNOME_UUID


@pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("CI"), reason="needs node (install-deps --test)")
def test_the_es_module_form_parses(tmp_path: Path) -> None:
    """GNOME 45+ cannot run here (Debian 12 has 43): node checks that the module form is valid JavaScript."""
    run(tmp_path, "install-widget", "gnome-shell", "--shell-version", "46")
    module = tmp_path / "extension.mjs"
    shutil.copy(extension_dir(tmp_path) / "extension.js", module)
    checked = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_gnome_uninstall_removes_exactly_what_install_wrote(tmp_path: Path) -> None:
    run(tmp_path, "install-widget", "gnome-shell", "--shell-version", "43")
    (extension_dir(tmp_path) / "notes.txt").write_text("mine")
    done = run(tmp_path, "uninstall-widget", "gnome-shell")
    assert done.returncode == 0, done.stderr
    assert [p.name for p in extension_dir(tmp_path).iterdir()] == ["notes.txt"]
    assert "notes.txt" in done.stdout
    (extension_dir(tmp_path) / "notes.txt").unlink()
    run(tmp_path, "install-widget", "gnome-shell", "--shell-version", "43")
    assert run(tmp_path, "uninstall-widget", "gnome-shell").returncode == 0
    assert not extension_dir(tmp_path).exists()
    assert run(tmp_path, "uninstall-widget", "gnome-shell").returncode == 0


def test_errors_are_one_line_naming_the_fix(tmp_path: Path) -> None:
    old = run(tmp_path, "install-widget", "gnome-shell", "--shell-version", "42")
    assert old.returncode == 1 and old.stderr.count("\n") == 1 and "oldest" in old.stderr
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    for desktop, fix in [("gnome-shell", "--shell-version N"), ("plasma", "kpackagetool")]:
        missing = subprocess.run([AGENT_CONSOLE, "install-widget", desktop], env=env, capture_output=True,
                                 text=True, check=False, timeout=60)
        assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and fix in missing.stderr, missing.stderr
    usage = run(tmp_path, "install-widget", "kde")
    assert usage.returncode == 2 and "install-widget -h" in usage.stderr


@pytest.mark.skipif(KPACKAGETOOL is None and not os.environ.get("CI"), reason="needs kpackagetool5 or 6 (install-deps --test)")
def test_plasma_installs_upgrades_and_uninstalls_with_kpackagetool(tmp_path: Path) -> None:
    package = tmp_path / "data" / "plasma" / "plasmoids" / PLASMOID_ID
    first = run(tmp_path, "install-widget", "plasma", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["action"] == "installed"
    files = sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file())
    assert files == ["contents/ui/SessionsView.qml", "contents/ui/busctl.js", "contents/ui/main.qml",
                     "contents/ui/sessions.js", "metadata.json"]
    assert (package / "contents/ui/sessions.js").read_text().startswith(".pragma library\n")
    again = run(tmp_path, "install-widget", "plasma")
    assert again.returncode == 0 and again.stdout.startswith("upgraded"), again.stderr
    removed = run(tmp_path, "uninstall-widget", "plasma")
    assert removed.returncode == 0, removed.stderr
    assert not package.exists()
