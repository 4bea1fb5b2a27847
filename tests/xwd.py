"""Xvfb's screen as pixels and as a PNG, read from the frame buffer file ``Xvfb -fbdir`` keeps.

The file is an XWD image (X Window Dump, version 7) that Xvfb updates as it
draws, so a test reads the screen without ImageMagick or an X client.  Only
what Xvfb writes at depth 24 is read: 32 bits a pixel, true colour.
"""

import struct
import zlib
from pathlib import Path

XWD_HEADER_FIELDS = 25
LSB_FIRST = 0


def read_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of the screen, each row ``width * 3`` bytes of RGB."""
    data = path.read_bytes()
    header = struct.unpack(">25I", data[: 4 * XWD_HEADER_FIELDS])
    header_size, _version, _format, _depth, width, height = header[:6]
    byte_order, bits_per_pixel, bytes_per_line = header[7], header[11], header[12]
    red_mask, green_mask, blue_mask, ncolors = header[14], header[15], header[16], header[19]
    if bits_per_pixel != 32:
        raise ValueError(f"{path}: {bits_per_pixel} bits a pixel; only Xvfb's 24-bit depth (32 bits) is read")
    start = header_size + 12 * ncolors
    order = "<" if byte_order == LSB_FIRST else ">"
    shifts = [(mask, (mask & -mask).bit_length() - 1) for mask in (red_mask, green_mask, blue_mask)]
    rows = []
    for y in range(height):
        line = data[start + y * bytes_per_line : start + y * bytes_per_line + 4 * width]
        pixels = struct.unpack(f"{order}{width}I", line)
        rows.append(bytes(((p & mask) >> shift) for p in pixels for mask, shift in shifts))
    return width, height, rows


def write_png(path: Path, width: int, height: int, rows: list[bytes]) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\0" + row for row in rows)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def xwd_to_png(source: Path, target: Path, box: tuple[int, int, int, int] | None = None) -> None:
    """``box``: x, y, width, height of the part to keep."""
    width, height, rows = read_pixels(source)
    if box is not None:
        x, y, width, height = box
        rows = [row[3 * x : 3 * (x + width)] for row in rows[y : y + height]]
    write_png(target, width, height, rows)


def count_near(rows: list[bytes], color: str, tolerance: int = 24) -> int:
    """Pixels within ``tolerance`` of ``#rrggbb`` on every channel."""
    want = bytes.fromhex(color.lstrip("#"))
    return sum(
        1
        for row in rows
        for i in range(0, len(row), 3)
        if all(abs(row[i + c] - want[c]) <= tolerance for c in range(3))
    )


def read_png_rows(path: Path) -> list[bytes]:
    """The RGB rows of an 8-bit RGB or RGBA PNG (what gnome-shell's screenshots are), alpha dropped."""
    data = path.read_bytes()
    pos, idat, width, height, channels = 8, b"", 0, 0, 3
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color_type not in (2, 6):
                raise ValueError(f"{path}: only 8-bit RGB or RGBA is read")
            channels = 4 if color_type == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        previous = line
        rows.append(bytes(b for i, b in enumerate(line) if channels == 3 or i % 4 != 3))
    return rows
