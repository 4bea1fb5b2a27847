"""Which new child of Claude Code proves an approved tool runs: told from hooks and
helpers by their environment.  The process facts are given as plain functions here;
tests/test_truth.py runs the same watch in the real daemon with real processes."""

import pytest

from agent_console.agents.claude_code.approvals import ApprovalWatch
from agent_console.daemon.store import SessionStore

pytestmark = pytest.mark.pure

OWNER = {"pid": 4242, "pid_start": 7}
TOOL = frozenset({"PATH", "CLAUDECODE", "CLAUDE_CODE_SESSION_ID"})
HOOK = frozenset({"PATH", "CLAUDECODE", "CLAUDE_PROJECT_DIR"})
HELPER = frozenset({"PATH"})


class Processes:
    """The owner's children and each child's environment names, as the test sets them."""

    def __init__(self) -> None:
        self.children: set[int] = {100}
        self.environments: dict[int, frozenset[str]] = {100: TOOL}

    def watch(self) -> ApprovalWatch:
        return ApprovalWatch(lambda pid: frozenset(self.children), lambda pid: self.environments.get(pid, frozenset()))

    def start(self, pid: int, names: frozenset[str]) -> None:
        self.children.add(pid)
        self.environments[pid] = names


def watched_store(processes: Processes) -> tuple[SessionStore, ApprovalWatch]:
    store = SessionStore()
    watch = processes.watch()
    store.add_listener(watch)
    return store, watch


def test_only_a_new_child_with_a_tools_environment_counts() -> None:
    processes = Processes()
    store, watch = watched_store(processes)
    store.set("s", "attention", event="permission", detail="Bash: make", **OWNER)
    assert watch.started(store.get) == [], "a tool child from before the permission proves nothing"
    processes.start(200, HOOK)
    processes.start(201, HELPER)
    processes.start(202, frozenset())
    assert watch.started(store.get) == [], "hooks, helpers and a fork not yet exec'd are no tool"
    processes.environments[202] = TOOL
    assert [s.id for s in watch.started(store.get)] == ["s"], "looked at anew once it exec'd"


def test_a_reminder_keeps_the_watch_and_anything_else_ends_it() -> None:
    processes = Processes()
    store, watch = watched_store(processes)
    store.set("s", "attention", event="permission", **OWNER)
    store.set("s", "attention", event="reminder", **OWNER)
    processes.start(300, TOOL)
    assert [s.id for s in watch.started(store.get)] == ["s"]
    store.set("s", "working", **OWNER)
    assert watch.started(store.get) == []


def test_without_an_owner_nothing_is_watched() -> None:
    processes = Processes()
    store, watch = watched_store(processes)
    store.set("s", "attention", event="permission")
    processes.start(400, TOOL)
    assert watch.started(store.get) == []


def test_a_look_reads_each_owners_processes_once_however_many_sessions_it_holds() -> None:
    """2,000 sessions awaiting a tool in one process (a shared server, or anyone on the bus):
    one look lists that process's children once and each new child's environment once."""
    processes = Processes()
    reads = {"children": 0, "environments": 0}

    def children(pid: int) -> frozenset[int]:
        reads["children"] += 1
        return frozenset(processes.children)

    def environment_names(pid: int) -> frozenset[str]:
        reads["environments"] += 1
        return processes.environments.get(pid, frozenset())

    store = SessionStore()
    watch = ApprovalWatch(children, environment_names)
    store.add_listener(watch)
    for n in range(2_000):
        store.set(f"s{n}", "attention", event="permission", shared_owner=True, **OWNER)
    processes.start(500, HELPER)
    processes.start(501, TOOL)
    reads.update(children=0, environments=0)
    assert len(watch.started(store.get)) == 2_000
    assert reads == {"children": 1, "environments": 2}
