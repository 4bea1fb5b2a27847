"""Shell completion for bash, zsh and fish: commands, options, their values, and session ids.

``agent-console completion SHELL`` prints a small script (as ``gh completion``
does) that asks ``agent-console __complete WORD...`` for the candidates of the
last word.  The answers come from the very parser the commands run with, so
completion cannot drift from the options: subcommand names, option names,
an option's choices, and for arguments that carry a completer its values
(statuses; the ids of the sessions now, asked without starting the daemon).
"""

import argparse

from agent_console.cli.runner import Commands, add_command
from agent_console.errors import AgentConsoleError

COMPLETE = "__complete"
"""The hidden command the scripts call; not a subparser, so it never shows in help or errors."""

SCRIPTS = {
    "bash": """\
_agent_console_complete() {
    local IFS=$'\\n'
    COMPREPLY=($(agent-console __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _agent_console_complete agent-console
""",
    "zsh": """\
#compdef agent-console
_agent_console_complete() {
    local -a candidates
    candidates=("${(@f)$(agent-console __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ -n ${candidates[1]} ]]; then compadd -a candidates; else _files; fi
}
compdef _agent_console_complete agent-console
""",
    "fish": """\
complete -c agent-console -f -a '(agent-console __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
""",
}


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "completion",
        _print_script,
        "Print the shell completion script for bash, zsh or fish.",
        "It completes commands, options, statuses and the ids of the sessions\n"
        "the daemon holds (without starting it). Load it from your shell's start-up:\n"
        '  bash  ~/.bashrc:  eval "$(agent-console completion bash)"\n'
        '  zsh   ~/.zshrc, after compinit:  eval "$(agent-console completion zsh)"\n'
        "  fish  agent-console completion fish > ~/.config/fish/completions/agent-console.fish",
        "0 printed, 2 unknown shell.",
        ["agent-console completion bash >> ~/.bashrc"],
    )
    parser.add_argument("shell", metavar="SHELL", choices=sorted(SCRIPTS), help="bash, zsh or fish")


def _print_script(args: argparse.Namespace) -> None:
    print(SCRIPTS[args.shell], end="")


def complete(top: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """Candidates for the last of ``words`` (the word under the cursor, maybe empty)."""
    *before, current = words or [""]
    parser, pending, positionals, seen = top, None, 0, argparse.Namespace()
    for word in before:
        if pending is not None:
            setattr(seen, pending.dest, word)
            pending = None
        elif word.startswith("-"):
            action = parser._option_string_actions.get(word)
            pending = action if action is not None and action.nargs != 0 else None
        elif (sub := _subcommands(parser).get(word)) is not None:
            parser, positionals = sub, 0
        else:
            positionals += 1
    if pending is not None:
        return _values(pending, current, seen)
    if current.startswith("-"):
        return sorted(o for o in parser._option_string_actions if o.startswith(current))
    if subcommands := _subcommands(parser):
        return [name for name in subcommands if name.startswith(current)]
    arguments = [a for a in parser._actions if not a.option_strings and a.dest != argparse.SUPPRESS]
    return _values(arguments[positionals], current, seen) if positionals < len(arguments) else []


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _values(action: argparse.Action, current: str, seen: argparse.Namespace) -> list[str]:
    """An argument's choices, else what its completer finds; nothing when the bus cannot tell."""
    if action.choices is not None:
        return [str(choice) for choice in action.choices if str(choice).startswith(current)]
    completer = getattr(action, "completer", None)
    if completer is None:
        return []
    try:
        return list(completer(current, seen))
    except AgentConsoleError:
        return []
