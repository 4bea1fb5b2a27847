"""Make docs/notify-bubble.png, the README's picture of agent-console notify on dunst.

Run as ``python docs/notify-bubble.py`` (needs ImageMagick's ``import`` beside
what the tests install).  Everything is private: a bus, the daemon, dunst on
an Xvfb display, the real ``agent-console notify``; three sessions start to
need their person (a question, a permission, a finished turn), and the
corner of the screen where dunst shows its bubbles is saved.  The bodies are
the sessions' ``detail``.
"""

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from dunst_support import running_dunst
from harness import private_daemon
from notify_support import start_notifier, wait_until

from agent_console.client.async_client import SessionsClient

OUTPUT = Path(__file__).resolve().parent / "notify-bubble.png"
CORNER = "470x256+554+0"
"""Where dunst puts its bubbles on the 1024-pixel-wide display (top right, 420 wide, 16 from the edge)."""


async def main() -> None:
    with private_daemon() as daemon, tempfile.TemporaryDirectory() as scratch:
        with running_dunst(daemon.address, Path(scratch)) as dunst:
            notifier = await start_notifier(daemon.address, Path(scratch), "min_working = 0")
            client = await SessionsClient.connect(daemon.address)
            await client.set("a1", "working", working_dir="/home/dev/projects/shop")
            await client.set("a1", "question", detail="Which database should the cart use: Postgres or SQLite?")
            await client.set("b2", "working", working_dir="/home/dev/projects/blog")
            await client.set("b2", "attention", detail="Bash: npm run deploy -- --prod")
            await client.set("c3", "working", working_dir="/home/dev/projects/api")
            await client.set("c3", "attention", detail="All 42 tests pass; totals are now kept in cents.")
            await wait_until(lambda: dunst.displayed() == 3)
            await asyncio.sleep(0.5)
            subprocess.run(
                ["import", "-display", dunst.display, "-window", "root", "-crop", CORNER, str(OUTPUT)],
                check=True,
                timeout=30,
            )
            client.close()
            notifier.stop()
    print(OUTPUT)


if __name__ == "__main__":
    asyncio.run(main())
