"""Memory held by the store: 100 sessions with 10 transitions each (target < 1 MB).

    python benchmarks/store_memory.py
"""

import tracemalloc

from agent_console.daemon.store import SessionStore

SESSIONS = 100
TRANSITIONS = 10
STATUSES = ("working", "attention")


def fill(store: SessionStore, sessions: int) -> None:
    for n in range(sessions):
        session_id = f"{n:08x}-5d3c-4a7e-9f1b-2c8d7e6f5a4b"
        store.set(session_id, "question", working_dir=f"/home/someone/src/project-{n}")
        for t in range(TRANSITIONS):
            store.set(session_id, STATUSES[t % 2])


def measure(sessions: int) -> int:
    store = SessionStore()
    store.set("warm-up", "working", working_dir="/w")
    store.remove("warm-up")
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    fill(store, sessions)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    assert len(store) == sessions
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))


def main() -> None:
    for sessions in (SESSIONS, 10_000):
        size = measure(sessions)
        print(
            f"store memory, {sessions} sessions x {TRANSITIONS} transitions: "
            f"{size / 1024:.1f} KiB ({size / sessions:.0f} bytes per session)"
        )


if __name__ == "__main__":
    main()
