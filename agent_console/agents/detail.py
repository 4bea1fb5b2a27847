"""A session's ``detail`` made from a longer text: its first line, short enough.

Shared by every agent's reading of a hook's payload (a question, a command,
the last answer), the transcripts (an API error) and Claude's state files
(what it waits for), all in the daemon, so that every detail is cut alike.
"""

from agent_console.limits import MAX_DETAIL_CHARS

ELLIPSIS = "…"

_UNSENDABLE = {0: None, **dict.fromkeys(range(55296, 57344), 65533)}
"""NUL and lone surrogates (valid in JSON) cannot travel in a D-Bus string."""


def first_line(text: str) -> str:
    """The first line that holds anything but white space, without white space around it."""
    return text.lstrip(" \t\r\n").split("\n", 1)[0].split("\r", 1)[0].rstrip(" \t")


def shorten(text: str) -> str:
    """At most ``MAX_DETAIL_CHARS`` bytes of UTF-8, cut at a character and ended with "…".

    Bytes rather than characters: bytes are never fewer than characters, so
    the cut always fits the store's bound, and a detail reads as it did when
    the shell handler, which counts bytes, still cut details itself.
    """
    text = text.translate(_UNSENDABLE)
    encoded = text.encode()
    if len(encoded) <= MAX_DETAIL_CHARS:
        return text
    room = MAX_DETAIL_CHARS - len(ELLIPSIS.encode())
    return encoded[:room].decode(errors="ignore") + ELLIPSIS


def detail_of(text: str) -> str:
    """The detail a text gives: its first line, shortened."""
    return shorten(first_line(text))
