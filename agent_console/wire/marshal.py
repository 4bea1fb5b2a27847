"""D-Bus wire format: marshalling and unmarshalling of message bodies.

The hook cannot afford ``dbus_fast`` (with asyncio about 45 ms to import, on
every tool call), so this is the smallest marshaller that speaks the spec faithfully:
every basic type except unix fds, arrays, structs, dict entries and variants,
in either byte order.  Alignment is relative to the start of the buffer, so a
``Writer`` or ``Reader`` must start at an 8-aligned offset of the message: the
header and the body both do.

Variants are written from a ``Variant``, because a Python value alone does
not say which D-Bus type it should become; they are read back as the bare
value, which is all a caller of a method needs.  An ``a{sv}`` whose keys have
fixed types (a session) can be written from plain values and a table of those
types, a ``TypedValues``, and an array from any iterator: the daemon streams
10,000 sessions into one reply that way, building one session's values at a
time instead of a tree of variant objects for all of them.
"""

import functools
import struct
from collections.abc import Iterator, Mapping

_FIXED = {
    "y": "B",
    "b": "I",
    "n": "h",
    "q": "H",
    "i": "i",
    "u": "I",
    "x": "q",
    "t": "Q",
    "d": "d",
}
_ALIGNMENT = {"y": 1, "g": 1, "v": 1, "n": 2, "q": 2, "x": 8, "t": 8, "d": 8, "(": 8, "{": 8}
_CLOSING = {"(": ")", "{": "}"}
_ZEROS = tuple(bytes(n) for n in range(8))
"""The padding of each length, made once: a listing of 10,000 sessions pads 440,000 times."""


class WireError(ValueError):
    """A signature, a value or a received message does not follow the D-Bus spec."""


class Variant:
    """A value to be sent as ``v``, with the signature it is to be sent as."""

    __slots__ = ("signature", "value")

    def __init__(self, signature: str, value: object) -> None:
        self.signature = signature
        self.value = value


class TypedValues:
    """An ``a{sv}`` as plain values, each sent as a variant of the type ``types`` gives its key."""

    __slots__ = ("types", "values")

    def __init__(self, types: Mapping[str, str], values: Mapping[str, object]) -> None:
        self.types = types
        self.values = values


def alignment_of(type_code: str) -> int:
    """Every type not listed aligns to 4 (b, i, u, s, o, a)."""
    return _ALIGNMENT.get(type_code[0], 4)


def complete_types(signature: str) -> Iterator[str]:
    """Split a signature into its single complete types: ``ssa{sv}`` gives s, s, a{sv}."""
    position = 0
    while position < len(signature):
        end = _end_of_type(signature, position)
        yield signature[position:end]
        position = end


def _end_of_type(signature: str, start: int) -> int:
    code = signature[start]
    if code == "a":
        if start + 1 >= len(signature):
            raise WireError(f"array without element type in {signature!r}")
        return _end_of_type(signature, start + 1)
    if code in _CLOSING:
        position = start + 1
        while position < len(signature) and signature[position] != _CLOSING[code]:
            position = _end_of_type(signature, position)
        if position >= len(signature):
            raise WireError(f"unclosed {code!r} in {signature!r}")
        return position + 1
    if code in _FIXED or code in "sogv":
        return start + 1
    raise WireError(f"unsupported type {code!r} in {signature!r}")


class Writer:
    """Appends values to a little-endian buffer, padding each to its alignment."""

    def __init__(self, written: bytes = b"") -> None:
        """``written``: what the buffer starts with, of a length that keeps alignment (a message's header)."""
        self.buffer = bytearray(written)

    def pad(self, alignment: int) -> None:
        self.buffer.extend(_ZEROS[-len(self.buffer) % alignment])

    def write(self, signature: str, values: list[object] | tuple[object, ...]) -> None:
        types = list(complete_types(signature))
        if len(types) != len(values):
            raise WireError(f"signature {signature!r} needs {len(types)} values, got {len(values)}")
        for type_code, value in zip(types, values, strict=True):
            self.write_value(type_code, value)

    def write_value(self, type_code: str, value: object) -> None:
        code = type_code[0]
        self.pad(alignment_of(type_code))
        if code in _FIXED:
            self.buffer.extend(struct.pack("<" + _FIXED[code], value))
        elif code in "so":
            encoded = _utf8(value)
            self.buffer.extend(struct.pack("<I", len(encoded)) + encoded + b"\0")
        elif code == "g":
            encoded = _utf8(value)
            self.buffer.extend(struct.pack("<B", len(encoded)) + encoded + b"\0")
        elif code == "v":
            if not isinstance(value, Variant):
                raise WireError(f"a variant needs a Variant, got {value!r}")
            self.write_value("g", value.signature)
            self.write_value(value.signature, value.value)
        elif type_code == "ay" and isinstance(value, (bytes, bytearray)):
            self.buffer.extend(struct.pack("<I", len(value)) + value)
        elif type_code == "a{sv}" and isinstance(value, TypedValues):
            self._write_typed_values(value)
        elif code == "a":
            self._write_array(type_code[1:], value)
        else:
            self.write(type_code[1:-1], _sequence(value))

    def _write_array(self, element_type: str, value: object) -> None:
        array = self.begin_array(element_type)
        items = value.items() if isinstance(value, dict) else value if isinstance(value, Iterator) else _sequence(value)
        for item in items:
            self.write_value(element_type, item)
        self.end_array(array)

    def begin_array(self, element_type: str) -> tuple[int, int]:
        """Starts an array whose elements the caller writes (``write_value``), possibly over
        several turns of the event loop; returns where its length and its elements go, for ``end_array``."""
        self.pad(4)
        length_at = len(self.buffer)
        self.buffer.extend(b"\0\0\0\0")
        self.pad(alignment_of(element_type))
        return length_at, len(self.buffer)

    def end_array(self, array: tuple[int, int]) -> None:
        """The length excludes the padding before the first element, present even when empty."""
        length_at, start = array
        struct.pack_into("<I", self.buffer, length_at, len(self.buffer) - start)

    def _write_typed_values(self, value: TypedValues) -> None:
        """The bytes of ``a{sv}`` from variants, without making one: each entry is the key,
        the signature as a variant writes it, then the value."""
        array = self.begin_array("{sv}")
        for key, item in value.values.items():
            signature = value.types[key]
            self.pad(8)
            self.buffer.extend(_entry_head(key, signature))
            self.write_value(signature, item)
        self.end_array(array)


ENTRY_HEADS_KEPT = 64
"""Entry heads kept made: a session has 19 keys, and no other ``TypedValues`` exists."""


@functools.lru_cache(maxsize=ENTRY_HEADS_KEPT)
def _entry_head(key: str, signature: str) -> bytes:
    """An ``{sv}`` entry up to its value, the same for every session: made once per key."""
    encoded, encoded_signature = _utf8(key), _utf8(signature)
    return struct.pack("<I", len(encoded)) + encoded + bytes((0, len(encoded_signature))) + encoded_signature + b"\0"


def _utf8(value: object) -> bytes:
    """Strict, so that a number never goes out as its decimal spelling by accident, and a
    lone surrogate (valid in JSON, not in UTF-8) or a NUL fails as a ``WireError``: the bus
    would drop the whole connection for either."""
    if not isinstance(value, str):
        raise WireError(f"a string type needs a str, got {value!r}")
    try:
        encoded = value.encode()
    except UnicodeEncodeError as error:
        raise WireError(f"a D-Bus string must be valid UTF-8: {error}") from None
    if b"\0" in encoded:
        raise WireError("a D-Bus string cannot hold NUL")
    return encoded


def _sequence(value: object) -> list[object] | tuple[object, ...]:
    if not isinstance(value, (list, tuple)):
        raise WireError(f"an array or struct needs a list or tuple, got {value!r}")
    return value


class Reader:
    """Reads values from a buffer in the byte order the sender chose."""

    def __init__(self, buffer: bytes, little_endian: bool = True, offset: int = 0) -> None:
        self.buffer = buffer
        self.order = "<" if little_endian else ">"
        self.offset = offset

    def read(self, signature: str) -> list[object]:
        return [self.read_value(type_code) for type_code in complete_types(signature)]

    def read_value(self, type_code: str) -> object:
        code = type_code[0]
        self._align(alignment_of(type_code))
        if code in _FIXED:
            value = self._unpack(_FIXED[code])
            return bool(value) if code == "b" else value
        if code in "so":
            return self._read_text(self._unpack("I"))
        if code == "g":
            return self._read_text(self._unpack("B"))
        if code == "v":
            return self.read_value(str(self.read_value("g")))
        if code == "a":
            return self._read_array(type_code[1:])
        return tuple(self.read(type_code[1:-1]))

    def _align(self, alignment: int) -> None:
        self.offset += -self.offset % alignment

    def _unpack(self, fmt: str) -> int:
        """Annotated ``int`` for the lengths; ``d`` gives a float, which callers pass on as is."""
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.buffer):
            raise WireError("message ends inside a value")
        value: int = struct.unpack_from(self.order + fmt, self.buffer, self.offset)[0]
        self.offset += size
        return value

    def _read_text(self, length: int) -> str:
        end = self.offset + length
        if end >= len(self.buffer) or self.buffer[end] != 0:
            raise WireError("string not within the message or not NUL-terminated")
        text = bytes(self.buffer[self.offset : end]).decode()
        self.offset = end + 1
        return text

    def _read_array(self, element_type: str) -> object:
        length = self._unpack("I")
        self._align(alignment_of(element_type))
        end = self.offset + length
        if end > len(self.buffer):
            raise WireError("message ends inside an array")
        if element_type[0] == "{":
            return dict(self._read_entries(element_type[1:-1], end))
        items = []
        while self.offset < end:
            items.append(self.read_value(element_type))
        return items

    def _read_entries(self, key_and_value: str, end: int) -> Iterator[tuple[object, object]]:
        while self.offset < end:
            self._align(8)
            key, value = self.read(key_and_value)
            yield key, value
