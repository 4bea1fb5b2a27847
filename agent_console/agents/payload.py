"""The top-level fields of a hook's JSON input, even when only its head was read.

A status needs ``session_id``, ``cwd``, ``hook_event_name`` and at most one of
``tool_name`` or ``notification_type``.  Claude Code puts the common fields
first and the bulky ones (``tool_input``, ``tool_response``, ``prompt``) last,
so the head of a 10 MB ``PostToolUse`` still holds everything needed.  Hence
members are decoded one at a time and, when the input was cut short, the ones
decoded before the cut are kept: the event is still recorded instead of being
lost to a size bound.  Complete input gets no such leniency: it must be one
JSON object and nothing else.
"""

import json
import re
from collections.abc import Iterator

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[][{}]')
"""Strings are matched whole so that brackets inside them do not count."""
_TOO_DEEP = object()


class MalformedPayload(ValueError):
    """Complete input that is not a single JSON object."""


def top_level_fields(data: bytes, complete: bool) -> dict[str, object]:
    """The object's members, or those before the cut when ``complete`` is false.

    Bytes that are not UTF-8 become U+FFFD rather than failing the whole
    event: a cut may fall inside a character.
    """
    if complete and not data.strip():
        raise MalformedPayload("stdin is empty")
    fields: dict[str, object] = {}
    try:
        for key, value in _members(data.decode("utf-8", "replace")):
            fields[key] = value
    except (ValueError, IndexError) as error:
        if complete:
            raise MalformedPayload(f"stdin is not a JSON object ({error})") from None
    return fields


def _members(text: str) -> Iterator[tuple[str, object]]:
    position = _skip_whitespace(text, _expect(text, _skip_whitespace(text, 0), "{"))
    if text[position] != "}":
        while True:
            _expect(text, position, '"')
            key, position = _DECODER.raw_decode(text, position)
            position = _skip_whitespace(text, _expect(text, _skip_whitespace(text, position), ":"))
            value, position = _decode_value(text, position)
            if value is not _TOO_DEEP:
                yield key, value
            position = _skip_whitespace(text, position)
            if text[position] != ",":
                break
            position = _skip_whitespace(text, position + 1)
    position = _expect(text, position, "}")
    if _skip_whitespace(text, position) != len(text):
        raise ValueError(f"extra data after the object at {position}")


def _decode_value(text: str, position: int) -> tuple[object, int]:
    """The value at ``position`` and the position after it; ``_TOO_DEEP`` for one nested past
    what the decoder's recursion allows, skipped (its contents unchecked) without recursion:
    such a value (a deep ``tool_response``) is never one of the fields needed, and must not
    lose the event."""
    try:
        return _DECODER.raw_decode(text, position)
    except RecursionError:
        return _TOO_DEEP, _end_of_nested(text, position)


def _end_of_nested(text: str, position: int) -> int:
    """The position after the array or object starting at ``position``, found by counting brackets."""
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text, position):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
        elif bracket in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    raise ValueError(f"unterminated value at {position}")


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _expect(text: str, position: int, character: str) -> int:
    """The position after ``character``, which must be at ``position``."""
    if text[position] != character:
        raise ValueError(f"expected {character!r} at {position}")
    return position + 1
