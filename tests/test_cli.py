"""The user commands as a person runs them: the real executable against a private bus."""

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S
from processes import bus_owner_pid

from agent_console.errors import INSTALL_HINT

pytestmark = pytest.mark.bus

HOSTILE_DIR = "/tmp/\x1b]0;pwned\x07/\x1b[31mred"
ESCAPED_DIR = "/tmp/\\x1b]0;pwned\\x07/\\x1b[31mred"
EXIT_USAGE, EXIT_NOT_FOUND, EXIT_UNAVAILABLE = 2, 4, 5
COMMANDS = ["set", "get", "rm", "ack", "list", "status", "watch"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENT_CONSOLE, *args], env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False
    )


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    done = cli(*args, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def failure(code: int, *args: str, env: dict[str, str] | None = None) -> str:
    """The one stderr line of a command that must fail with ``code``."""
    done = cli(*args, env=env)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    return line


def test_set_get_rm_round_trip_through_the_session_bus(daemon, bus_env: dict[str, str]) -> None:
    assert ok("set", "s1", "working", "--cwd", "/srv/api", env=bus_env) == ""
    assert ok("set", "s1", "QUESTION", env=bus_env) == ""
    shown = ok("get", "s1", env=bus_env)
    assert "question for" in shown and "/srv/api" in shown and "working -> question" in shown
    assert ok("rm", "s1", env=bus_env) == ""
    assert "no session with id 's1'" in failure(EXIT_NOT_FOUND, "get", "s1", env=bus_env)
    assert "no session with id 's1'" in failure(EXIT_NOT_FOUND, "rm", "s1", env=bus_env)


def test_address_option_and_a_relative_cwd(daemon) -> None:
    ok("set", "s1", "attention", "--cwd", ".", "--agent", "claude-code", "--address", daemon.address)
    session = json.loads(ok("get", "s1", "--json", "--address", daemon.address))
    assert session["working_dir"] == str(Path.cwd())
    assert session["agent_type"] == "claude-code"


def test_get_json_is_the_wire_dict_with_history(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "s1", "working", env=bus_env)
    ok("set", "s1", "attention", env=bus_env)
    session = json.loads(ok("get", "s1", "--json", env=bus_env))
    assert {"id", "agent_type", "status", "working_dir", "display_name", "since", "last_activity", "closed"} <= set(
        session
    )
    assert isinstance(session["since"], int) and session["status"] == "attention"
    assert [(t["from"], t["to"]) for t in session["history"]] == [("working", "attention")]


def test_list_puts_what_needs_a_person_first(daemon, bus_env: dict[str, str]) -> None:
    for session_id, status in [("w", "working"), ("q-old", "question"), ("c", "closed"), ("a", "attention")]:
        ok("set", session_id, status, "--cwd", f"/src/{session_id}", env=bus_env)
    ok("set", "q-new", "question", "--cwd", "/src/q-new", env=bus_env)
    header, *rows = (re.split(r"\s{2,}", line) for line in ok("list", env=bus_env).splitlines())
    assert header == ["ID", "STATUS", "NAME", "AGENT", "FOR", "DIRECTORY"]
    assert [row[2] for row in rows] == ["q-old", "q-new", "a", "w", "c"]
    assert rows[0][1] == "question" and rows[-1][1] == "closed, user" and rows[-1][5] == "/src/c"
    assert {row[3] for row in rows} == {"claude-code"}


def test_list_json_and_status_filter(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "w", "working", env=bus_env)
    ok("set", "q", "question", env=bus_env)
    listed = json.loads(ok("list", "--json", env=bus_env))
    assert sorted(s["id"] for s in listed) == ["q", "w"]
    assert "history" not in listed[0]
    assert [s["id"] for s in json.loads(ok("list", "--json", "--status", "question", env=bus_env))] == ["q"]
    assert ok("list", "--status", "closed", env=bus_env) == "no sessions\n"
    assert "unknown status 'sleeping'" in failure(EXIT_USAGE, "list", "--status", "sleeping", env=bus_env)


def test_invalid_values_exit_2_with_one_line(daemon, bus_env: dict[str, str]) -> None:
    assert "status" in failure(EXIT_USAGE, "set", "s1", "sleeping", env=bus_env)
    assert "working_dir" in failure(EXIT_USAGE, "set", "s1", "working", "--cwd", "/" + "d" * 5000, env=bus_env)
    assert cli("set", "s1", env=bus_env).returncode == EXIT_USAGE


def test_no_daemon_and_no_service_file_names_the_fix(bus_env: dict[str, str]) -> None:
    """Not the bus's "was not provided by any .service files", but what to run."""
    for args in [("list",), ("set", "s1", "working"), ("get", "s1"), ("rm", "s1")]:
        assert failure(EXIT_UNAVAILABLE, *args, env=bus_env) == (
            f"agent-console: the agent-console daemon is not running, and nothing starts it: {INSTALL_HINT}"
        )


def test_unreachable_bus_exits_5_with_one_line(tmp_path: Path) -> None:
    for args in [("list",), ("status",), ("watch",)]:
        line = failure(EXIT_UNAVAILABLE, *args, "--address", f"unix:path={tmp_path}/nothing")
        assert "cannot connect to the D-Bus bus" in line


def test_text_that_is_not_utf8_is_refused_in_one_line(daemon, bus_env: dict[str, str]) -> None:
    not_utf8 = b"\xff".decode(errors="surrogateescape")
    assert "valid UTF-8" in failure(EXIT_USAGE, "set", not_utf8, "working", env=bus_env)
    assert "valid UTF-8" in failure(EXIT_USAGE, "set", "ok", "working", "--cwd", f"/tmp/{not_utf8}", env=bus_env)


def test_hostile_text_is_escaped_everywhere(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "evil", "question", "--cwd", HOSTILE_DIR, env=bus_env)
    outputs = [
        ok("list", env=bus_env),
        ok("get", "evil", env=bus_env),
        ok("list", "--json", env=bus_env),
        failure(EXIT_NOT_FOUND, "get", "\x1b]0;pwned\x07", env=bus_env),
    ]
    for output in outputs:
        assert "\x1b" not in output and "\x07" not in output, output
    assert ESCAPED_DIR in outputs[0] and ESCAPED_DIR in outputs[1]
    assert json.loads(outputs[2])[0]["working_dir"] == HOSTILE_DIR
    assert "\\x1b]0;pwned\\x07" in outputs[3]


def test_detail_is_shown_escaped_by_list_and_get(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "d", "attention", "--detail", "Bash: \x1b]0;pwned\x07 npm test", env=bus_env)
    listed, shown = ok("list", env=bus_env), ok("get", "d", env=bus_env)
    assert listed.splitlines()[0].split()[-1] == "DETAIL"
    for output in (listed, shown):
        assert "Bash: \\x1b]0;pwned\\x07 npm test" in output and "\x1b" not in output, output
    assert json.loads(ok("get", "d", "--json", env=bus_env))["detail"] == "Bash: \x1b]0;pwned\x07 npm test"
    assert "must be one line" in failure(EXIT_USAGE, "set", "d", "attention", "--detail", "a\nb", env=bus_env)


def test_status_with_the_daemon_up(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "q", "question", env=bus_env)
    ok("set", "w", "working", env=bus_env)
    rows = dict(line.split(None, 1) for line in ok("status", env=bus_env).splitlines())
    assert rows["daemon:"] == "running"
    assert rows["pid:"] == str(daemon.process.pid)
    assert rows["sessions:"] == "2 (1 question, 1 working)"
    assert rows["memory:"].endswith("MiB") and rows["uptime:"][-1] in "smhd"
    report = json.loads(ok("status", "--json", env=bus_env))
    assert report["running"] is True and report["pid"] == daemon.process.pid
    assert report["version"] == rows["version:"]
    assert report["sessions"] == {"question": 1, "working": 1}
    assert report["rss_bytes"] > 0 and report["uptime_s"] >= 0
    assert rows["notifications:"] == "none: install one (dunst or mako; GNOME and KDE Plasma have their own)"
    assert (report["notification_server"], report["notification_server_activatable"]) == (None, False)


def test_status_with_the_daemon_down_exits_5(bus_env: dict[str, str]) -> None:
    done = cli("status", env=bus_env)
    assert done.returncode == EXIT_UNAVAILABLE and done.stderr == ""
    assert done.stdout == (
        f"daemon:         not running (nothing starts it: {INSTALL_HINT})\n"
        "notifications:  none: install one (dunst or mako; GNOME and KDE Plasma have their own)\n"
    )
    done = cli("status", "--json", env=bus_env)
    assert done.returncode == EXIT_UNAVAILABLE
    assert json.loads(done.stdout) == {
        "running": False, "responding": False, "activatable": False, "pid": None, "version": None,
        "uptime_s": None, "rss_bytes": None, "sessions": {}, "error": None, "start_failed": None,
        "notification_server": None, "notification_server_activatable": False,
    }


@pytest.mark.skipif(not shutil.which("busctl"), reason="busctl is needed (Debian: systemd)")
def test_status_does_not_start_an_activatable_daemon(activating_bus: str) -> None:
    done = cli("status", "--address", activating_bus)
    assert done.returncode == EXIT_UNAVAILABLE
    assert "D-Bus starts it on first use" in done.stdout
    assert bus_owner_pid(activating_bus) is None
    assert ok("list", "--address", activating_bus) == "no sessions\n"
    assert bus_owner_pid(activating_bus) is not None


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    shown = ok(command, "--help")
    assert "Example:" in shown and f"agent-console {command}" in shown
    assert "Exit status:" in shown


def test_top_level_help_lists_the_exit_codes() -> None:
    shown = ok("--help")
    assert "4 no such session" in shown and "5 daemon not running" in shown


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["set", "s1", "q"], ["question"]),
        (["list", "--status", ""], ["question", "attention", "working", "closed"]),
        (["watch", "--format", "w"], ["waybar"]),
        (["list", "--color", "a"], ["auto", "always"]),
        (["service", "i"], ["install"]),
        (["li"], ["list"]),
        (["list", "--js"], ["--json"]),
    ],
)
def test_arguments_complete(words: list[str], expected: list[str]) -> None:
    """The protocol the completion scripts speak: the words so far, the last one being completed."""
    assert ok("__complete", *words).split() == expected


def test_completion_scripts_complete_session_ids_in_bash(daemon, bus_env: dict[str, str]) -> None:
    """The real bash script, sourced by bash, asks the running daemon; it never starts one."""
    ok("set", "4f1c2a9e-aaaa", "working", env=bus_env)
    ok("set", "4f1c77", "question", env=bus_env)
    ok("set", "9d00", "question", env=bus_env)
    script = (
        'eval "$(agent-console completion bash)"\n'
        "COMP_WORDS=(agent-console get 4f1c); COMP_CWORD=2; _agent_console_complete\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**bus_env, "PATH": f"{Path(AGENT_CONSOLE).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False)
    assert done.stdout.split() == ["4f1c2a9e-aaaa", "4f1c77"], done.stderr
    for shell in ("zsh", "fish"):
        assert "agent-console __complete" in ok("completion", shell)


def test_completing_ids_does_not_start_the_daemon(activating_bus: str) -> None:
    assert ok("__complete", "get", "--address", activating_bus, "") == ""
    assert bus_owner_pid(activating_bus) is None


ALL_COMMANDS = [
    [], ["list"], ["get"], ["set"], ["rm"], ["watch"], ["status"], ["install-hooks"], ["uninstall-hooks"],
    ["service"], ["service", "install"], ["service", "uninstall"], ["service", "status"], ["daemon"], ["completion"],
]


@pytest.mark.parametrize("words", ALL_COMMANDS, ids=lambda words: " ".join(words) or "top")
def test_minus_h_works_wherever_help_does_and_usage_has_no_braces(words: list[str]) -> None:
    shown = ok(*words, "-h")
    assert shown == ok(*words, "--help")
    usage = shown.split("\n\n")[0]
    assert usage.startswith("usage: agent-console") and "{" not in usage


def test_top_level_help_shows_each_summary_whole_on_one_line() -> None:
    lines = [" ".join(line.split()) for line in ok("--help").splitlines()]
    for [command] in (words for words in ALL_COMMANDS if len(words) == 1):
        summary = " ".join(ok(command, "-h").split("\n\n")[1].splitlines()[0].split())
        assert f"{command} {summary}" in lines and summary.endswith("."), summary


def on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """stdout of the real executable on a pseudo-terminal, as a person at a shell sees it."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([AGENT_CONSOLE, *args], env=env, stdout=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    while select.select([leader], [], [], READY_TIMEOUT_S)[0]:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=READY_TIMEOUT_S) == 0
    return output.decode()


QUESTION_RED = "\x1b[38;2;255;85;85m"
"""The widgets' colour for question (presentation.STATUS_COLORS) as a 24-bit terminal colour."""


def test_colour_on_a_terminal_only_and_never_under_no_color(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "q1", "question", env=bus_env)
    terminal_env = {**bus_env, "TERM": "xterm-256color"}
    terminal_env.pop("NO_COLOR", None)
    assert QUESTION_RED in on_a_terminal(["list"], terminal_env)
    assert "\x1b" not in on_a_terminal(["list"], {**terminal_env, "NO_COLOR": "1"})
    assert "\x1b" not in on_a_terminal(["list", "--color", "never"], terminal_env)
    assert "\x1b" not in ok("list", env=terminal_env), "piped: no colour"
    assert QUESTION_RED in ok("list", "--color", "always", env={**terminal_env, "NO_COLOR": "1"})
    assert QUESTION_RED in ok("get", "q1", "--color", "always", env=bus_env)
    assert "invalid choice: 'sometimes'" in failure(EXIT_USAGE, "list", "--color", "sometimes", env=bus_env)


def test_get_and_rm_take_a_unique_start_of_an_id(daemon, bus_env: dict[str, str]) -> None:
    ok("set", "4f1c2a9e-1111", "working", "--cwd", "/src/one", env=bus_env)
    ok("set", "4f1c77ab-2222", "question", "--cwd", "/src/one", env=bus_env)
    rows = [line.split() for line in ok("list", env=bus_env).splitlines()[1:]]
    assert [row[0] for row in rows] == ["4f1c77ab", "4f1c2a9e"], "two sessions of one name told apart"
    line = failure(EXIT_USAGE, "get", "4f1c", env=bus_env)
    assert "'4f1c' is the start of 2 session ids (4f1c2a9e-1111, 4f1c77ab-2222): give more of it" in line
    assert json.loads(ok("get", "4f1c2", "--json", env=bus_env))["id"] == "4f1c2a9e-1111"
    assert ok("rm", "4f1c7", env=bus_env) == ""
    assert "no session with id '4f1c7'" in failure(EXIT_NOT_FOUND, "rm", "4f1c7", env=bus_env)
    assert "no session with id '4f1c7'" in failure(EXIT_NOT_FOUND, "get", "4f1c7", env=bus_env)


def test_a_bad_status_reads_the_same_in_set_and_list(bus_env: dict[str, str]) -> None:
    pattern = (
        r"agent-console: argument (STATUS|--status): unknown status '[sS]leeping': "
        r"use question, attention, working or closed \(see 'agent-console (set|list) -h'\)"
    )
    assert re.fullmatch(pattern, failure(EXIT_USAGE, "set", "s1", "sleeping", env=bus_env))
    assert re.fullmatch(pattern, failure(EXIT_USAGE, "list", "--status", "Sleeping", env=bus_env))


def test_without_any_bus_the_message_says_how_to_get_one() -> None:
    unset = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "DBUS_LAUNCHD_SESSION_BUS_SOCKET")
    env = {name: value for name, value in os.environ.items() if name not in unset}
    for args in [("list",), ("status",), ("get", "s1"), ("watch",)]:
        line = failure(EXIT_UNAVAILABLE, *args, env=env)
        assert "agent-console daemon" in line and "agent-console service install" in line, line
    done = cli("status", "--json", env=env)
    assert done.returncode == EXIT_UNAVAILABLE and done.stderr == ""
    report = json.loads(done.stdout)
    assert report["running"] is False and "agent-console daemon" in report["error"]


def test_agent_names_are_known_without_importing_the_agents() -> None:
    from agent_console.agents import agent_named, agent_names

    assert [agent_named(name).NAME for name in agent_names()] == agent_names()


@pytest.mark.parametrize("words", [["--help"], ["list"], ["status", "--json"]], ids=" ".join)
def test_one_shot_commands_import_nothing_heavy(words: list[str], tmp_path: Path) -> None:
    """What keeps --help within 6x and list within 8x of python -c pass (benchmarks/targets.py
    measures the times): no asyncio, dbus-fast, pydantic, Textual or dataclasses on their path."""
    script = (
        "import sys\n"
        f"sys.argv = ['agent-console', *{words!r}, *(['--address', sys.argv[1]] if {words!r} != ['--help'] else [])]\n"
        "from agent_console.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, f"unix:path={tmp_path}/nothing"],
        capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False,
    )
    loaded = {name.partition(".")[0] for name in done.stderr.splitlines()[-1].split()}
    assert {"argparse", "agent_console"} <= loaded, done.stderr
    assert loaded & {"asyncio", "dbus_fast", "pydantic", "textual", "typer", "click", "dataclasses"} == set()
