"""Make docs/dashboard.svg, the README's picture, from the real dashboard.

    python docs/dashboard-svg.py

A private bus with the real daemon, a few sessions set as agents would set
them (one of each status, with their details, and one attention marked
seen), then ``agent-console dashboard`` itself, headless at 132 x 12, with
the second row selected, saved by Textual as SVG once every row is on screen.  Times in the picture are those of the moment it was taken.
"""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from harness import private_daemon

from agent_console.client.async_client import SessionsClient
from agent_console.dashboard.textual_app import DashboardApp

OUTPUT = Path(__file__).resolve().parent / "dashboard.svg"
SIZE = (132, 12)
SEEN = "1fb54840-cc"
"""The attention marked seen (``agent-console ack``), shown apart from the unseen waits."""
SETTLE_S = 1.5
"""For the list to arrive and the durations to tick once before the picture is taken."""
SESSIONS = [
    ("5d0fa7d1-aa", "question", "/home/you/src/shop", "claude-code", "Which database should the orders table use?"),
    ("96a46cc2-bb", "attention", "/home/you/src/blog", "claude-code", "Bash: npm run deploy"),
    ("1fb54840-cc", "attention", "/home/you/src/api", "codex", "All 214 tests pass; the migration is ready."),
    ("e4902430-dd", "working", "/home/you/src/infra", "gemini-cli", ""),
    ("7cd46923-ee", "working", "/home/you/src/docs", "opencode", ""),
    ("f88dda34-ff", "closed", "/home/you/src/scratch", "claude-code", ""),
]


async def take(address: str) -> None:
    client = await SessionsClient.connect(address)
    try:
        for session_id, status, directory, agent, detail in SESSIONS:
            attributes = {"working_dir": directory, "agent_type": agent, **({"detail": detail} if detail else {})}
            await client.set(session_id, status, **attributes)
        await client.ack(SEEN)
    finally:
        client.close()
    app = DashboardApp(address)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(SETTLE_S)
        await pilot.press("j")
        await pilot.pause()
        OUTPUT.write_text(app.export_screenshot(title="agent-console dashboard"))


def main() -> None:
    with private_daemon() as daemon:
        asyncio.run(take(daemon.address))
    print(OUTPUT)


if __name__ == "__main__":
    main()
