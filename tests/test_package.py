"""What a distribution gets: ``python -m build`` makes an sdist whose own tests
pass once unpacked, and from that sdist a wheel with everything installed
beside the code (hook script, service templates, interface XML, the desktop widgets' sources)."""

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_S = 300.0
"""An isolated build installs setuptools into a fresh environment first."""
SDIST_TESTS_TIMEOUT_S = 120.0

SDIST_TESTS = ["tests/test_readme.py", "tests/test_docs.py", "tests/test_render.py", "tests/test_config.py", "tests/test_interface_xml.py"]
"""A few quick tests that need the files beside the package (README, docs/, .ci, packaging/, the daemon)."""

WHEEL_DATA = {
    "agent_console-{version}.data/scripts/agent-console-hook",
    "agent_console-{version}.data/data/share/dbus-1/interfaces/io.github.AgentConsole1.Sessions.xml",
    "agent_console-{version}.data/data/share/man/man1/agent-console.1",
    "agent_console-{version}.data/data/share/dbus-1/interfaces/io.github.AgentConsole1.Hooks.xml",
    "agent_console/service_manager/templates/agent-console.service",
    "agent_console/service_manager/templates/io.github.AgentConsole1.service",
    "agent_console/service_manager/templates/io.github.AgentConsole1.plist",
    "agent_console/service_manager/templates/agent-console-notify.service",
    "agent_console/service_manager/templates/io.github.AgentConsole1.Notify.plist",
    "agent_console/widgets/sessions.js",
    "agent_console/widgets/gnome_shell/indicator.js",
    "agent_console/widgets/gnome_shell/legacy_entry.js",
    "agent_console/widgets/gnome_shell/module_entry.js",
    "agent_console/widgets/gnome_shell/stylesheet.css",
    "agent_console/widgets/plasma/SessionsView.qml",
    "agent_console/widgets/plasma/busctl.js",
    "agent_console/widgets/plasma/main5.qml",
    "agent_console/widgets/plasma/main6.qml",
}


def extract(archive: tarfile.TarFile, into: Path) -> None:
    """With the "data" filter where there is one: it came in Python 3.11.4, and Debian 12 has 3.11.2.
    Without it, the archive is our own sdist, built a moment ago."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(into, filter="data")
    else:
        archive.extractall(into)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` builds the sdist, then the wheel from that sdist: a file missing
    from the sdist would be missing from the wheel too."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


def test_the_wheel_carries_the_hook_the_templates_and_the_interface(built: Path) -> None:
    from agent_console import __version__

    [wheel] = built.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.format(version=__version__) for name in WHEEL_DATA} <= names
    assert any(name.endswith("licenses/LICENSE") for name in names)
    assert not any("/tests/" in name or name.startswith("tests/") for name in names)


def test_the_sdist_tests_pass_unpacked(built: Path, tmp_path: Path) -> None:
    [sdist] = built.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        extract(archive, tmp_path)
    [unpacked] = tmp_path.iterdir()
    for needed in ("LICENSE", "systemd", "packaging", "benchmarks", "hooks", "tests/conftest.py", ".ci/run"):
        assert (unpacked / needed).exists(), needed
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SDIST_TESTS],
        cwd=unpacked, capture_output=True, text=True, timeout=SDIST_TESTS_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
