"""A tiny grouped-bar chart written as PNG with the standard library only (zlib + struct): matplotlib is
not in the environment. Labels use a built-in 3x5 pixel font (upper case, digits, a few signs)."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

_FONT = {  # 3x5, rows top to bottom, bits left to right
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011", "D": "110101101101110",
    "E": "111100110100111", "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "010101101101010", "P": "110101110100100",
    "Q": "010101101110011", "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101", "X": "101101010101101",
    "Y": "101101010010010", "Z": "111001010100111", "0": "111101101101111", "1": "010110010010111",
    "2": "110001010100111", "3": "110001010001110", "4": "101101111001001", "5": "111100110001110",
    "6": "011100111101111", "7": "111001010010010", "8": "111101111101111", "9": "111101111001110",
    ":": "000010000010000", ".": "000000000000010", "_": "000000000000111", "-": "000000111000000",
    "/": "001001010100100", "(": "010100100100010", ")": "010001001001010", " ": "000000000000000",
    "+": "000010111010000", "=": "000111000111000",
}


class Canvas:
    def __init__(self, w: int, h: int, bg=(255, 255, 255)):
        self.w, self.h = w, h
        self.px = [bytearray(bytes(bg) * w) for _ in range(h)]

    def rect(self, x0, y0, x1, y1, c):
        x0, x1 = max(0, int(x0)), min(self.w, int(x1))
        for y in range(max(0, int(y0)), min(self.h, int(y1))):
            row = self.px[y]
            row[x0 * 3:x1 * 3] = bytes(c) * max(0, x1 - x0)

    def text(self, x, y, s, c=(0, 0, 0), scale=2, vertical=False):
        for ch in s.upper():
            g = _FONT.get(ch, _FONT[" "])
            for i, bit in enumerate(g):
                if bit == "1":
                    r, col = divmod(i, 3)
                    if vertical:  # rotated 90° counter-clockwise, reading bottom to top
                        self.rect(x + r * scale, y - col * scale - scale, x + r * scale + scale, y - col * scale, c)
                    else:
                        self.rect(x + col * scale, y + r * scale, x + col * scale + scale, y + r * scale + scale, c)
            if vertical:
                y -= 4 * scale
            else:
                x += 4 * scale

    def save(self, path: Path):
        raw = b"".join(b"\x00" + bytes(r) for r in self.px)

        def chunk(tag, data):
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
        png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        Path(path).write_bytes(png)


def grouped_bars(path, groups, series, colors, log=True, title=""):
    """groups: [(label, [value or None per series])]."""
    bar, gap = 10, 16
    left, top = 70, 40
    bottom = 20 + 8 * max((len(g[0]) for g in groups), default=10)
    w = max(left + len(groups) * (len(series) * bar + gap) + 40, left + 8 * len(title) + 20)
    h = 350 + bottom
    cv = Canvas(w, h)
    vals = [v for _, vs in groups for v in vs if v]
    lo = min(vals) if vals else 0.01
    hi = max(vals) if vals else 1
    if log:
        lo_e, hi_e = math.floor(math.log10(max(lo, 1e-3))), math.ceil(math.log10(hi))
        hi_e = max(hi_e, lo_e + 1)

        def yof(v):
            return h - bottom - (math.log10(v) - lo_e) / (hi_e - lo_e) * (h - bottom - top)
        ticks = [(10 ** e, f"{10 ** e:g}") for e in range(lo_e, hi_e + 1)]
    else:
        def yof(v):
            return h - bottom - v / hi * (h - bottom - top)
        ticks = [(hi * i / 4, f"{hi * i / 4:.0f}") for i in range(5)]
    for v, lab in ticks:
        y = yof(v)
        cv.rect(left, y, cv.w - 20, y + 1, (220, 220, 220))
        cv.text(4, y - 5, lab, scale=2)
    cv.rect(left, top, left + 1, h - bottom, (0, 0, 0))
    cv.rect(left, h - bottom, cv.w - 20, h - bottom + 1, (0, 0, 0))
    x = left + gap // 2
    for label, vs in groups:
        for v, c in zip(vs, colors):
            if v:
                cv.rect(x, yof(v), x + bar - 1, h - bottom, c)
            else:  # not measured / stopped: a grey stub
                cv.rect(x, h - bottom - 4, x + bar - 1, h - bottom, (160, 160, 160))
            x += bar
        cv.text(x - len(series) * bar // 2 - 4, h - bottom + 10 + len(label) * 8, label, scale=2, vertical=True)
        x += gap
    cv.text(left, 8, title, scale=2)
    lx = left + 10
    for s, c in zip(series, colors):
        cv.rect(lx, 26, lx + 10, 36, c)
        cv.text(lx + 14, 26, s, scale=2)
        lx += 14 + len(s) * 8 + 20
    cv.save(path)
