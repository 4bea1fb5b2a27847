"""An agent in a container reports to the host's daemon through the session bus socket mounted into it.

No container engine runs here, so the container is a stand-in made of the
same kernel parts a ``docker run`` uses: a mount namespace with a fresh
``/run`` (nothing of the host's runtime directory shows), a network namespace
with no interface but loopback (``--network none``), and the host user's uid.
Into it, exactly as ``docker run -v $XDG_RUNTIME_DIR/bus:/run/user/$UID/bus``
would, only the bus socket is bind-mounted; ``DBUS_SESSION_BUS_ADDRESS``
names it.  Unlike a real container it shares the host's other files (the
``agent-console`` installed here).  docs/using.md has the docker and
devcontainer steps this stands for.
"""

import json
import os
import shlex
import subprocess
from collections.abc import Iterator

import pytest
from remote_hosts import World, missing

MISSING = missing()
pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(MISSING is not None and os.environ.get("CI") != "true", reason=MISSING or ""),
]


@pytest.fixture(scope="module")
def host() -> Iterator[World]:
    if MISSING is not None:
        pytest.fail(f"CI=true, yet {MISSING}")
    with World(()) as made:
        yield made


def in_container(world: World, mount_bus: bool, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` as the host user in a stand-in container; the bus socket mounted in when ``mount_bus``."""
    side = world.local
    inside = f"/run/user/{side.uid}"
    env = {**side.environment(), "XDG_RUNTIME_DIR": inside, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={inside}/bus"}
    mount = (f"touch {inside}/bus && mount --bind {shlex.quote(str(side.runtime_dir / 'bus'))} {inside}/bus && "
             if mount_bus else "")  # fmt: skip
    script = (
        f"mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -p {inside} && chown {side.uid}:{side.gid} {inside} && "
        f"{mount}exec setpriv --reuid={side.uid} --regid={side.gid} --init-groups env -i "
        + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " " + shlex.join(command)
    )
    return subprocess.run(
        ["unshare", "--mount", "--net", "--fork", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def test_an_agent_in_a_container_reports_through_the_mounted_bus_socket(host: World) -> None:
    done = in_container(host, True, "agent-console", "set", "in-container", "question", "--cwd", "/workspace",
                        "--detail", "Which branch?")  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = json.loads(host.local.agent_console("list", "--json").stdout)
    [session] = [s for s in listed if s["id"] == "in-container"]
    assert (session["status"], session["working_dir"], session["host"]) == ("question", "/workspace", "")
    network = in_container(host, True, "cat", "/proc/net/dev")
    assert [line.split(":")[0].strip() for line in network.stdout.splitlines()[2:]] == ["lo"]


def test_without_the_socket_the_container_says_so_in_one_line(host: World) -> None:
    done = in_container(host, False, "agent-console", "set", "no-socket", "working")
    assert done.returncode == 5
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
