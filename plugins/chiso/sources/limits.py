"""Limits checked before a parser reads a file: each one configurable (``chiso.settings``) and each with its
own message, so that one hostile or broken file is refused cheaply and clearly instead of exhausting the
process that reads it and its neighbours.

* the file's size (``CHISO_MAX_FILE_MB``);
* XLSX: the uncompressed size of the zip's members (``CHISO_MAX_UNZIPPED_MB``) and each worksheet's
  dimension as its XML declares it (``CHISO_MAX_SHEET_CELLS``), read from the first kilobytes of the sheet
  before calamine or openpyxl allocate anything for it;
* JSON: the nesting depth (``CHISO_MAX_JSON_DEPTH``), from the file's structure with its strings removed;
* CSV and text: the longest line (``CHISO_MAX_LINE_KB``).

What the checks cannot see (a zip whose members lie about their sizes, a parser's own blow-up) is caught by
the memory limit of the child process the parse step runs each file in (``chiso.ingest.parse``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from chiso import settings
from chiso.sources.base import ParseError

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?[\"']")
_QUOTED = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_CHUNK = 8 << 20


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_size(path: Path) -> None:
    size = path.stat().st_size
    limit = settings.max_file_bytes()
    if size > limit:
        raise ParseError(
            path,
            f"a file of at most {_mb(limit)} (CHISO_MAX_FILE_MB)",
            f"{_mb(size)}",
            message="file too large: refused before reading",
        )


def check_xlsx(path: Path) -> None:
    """Uncompressed size and worksheet dimensions of an XLSX, from its zip directory and sheet headers."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: the workbook reader says so in its own words
    with z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        limit = settings.max_unzipped_bytes()
        if total > limit:
            packed = sum(i.compress_size for i in infos)
            raise ParseError(
                path,
                f"at most {_mb(limit)} uncompressed (CHISO_MAX_UNZIPPED_MB)",
                f"{_mb(total)} uncompressed from {_mb(packed)}",
                message="zip bomb or oversized workbook: refused before unpacking",
            )
        max_cells = settings.max_sheet_cells()
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with z.open(info) as fh:
                head = fh.read(1 << 16)
            m = _DIMENSION.search(head)
            if not m or not m.group(3):
                continue
            rows = int(m.group(4)) - int(m.group(2)) + 1
            cols = _col_number(m.group(3)) - _col_number(m.group(1)) + 1
            if rows * cols > max_cells:
                ref = m.group(0).split(b"ref=")[1].strip(b"\"'").decode()
                raise ParseError(
                    path,
                    f"a worksheet of at most {max_cells:,} cells (CHISO_MAX_SHEET_CELLS)",
                    f"dimension {ref} ({rows:,} rows × {cols:,} columns) in {info.filename}",
                    message="worksheet dimension too large: refused before the workbook is read",
                )


def check_json_depth(path: Path) -> None:
    """Deepest nesting of a JSON file, in chunks (memory: a chunk and the file's quotes and brackets): escapes
    removed, every byte but quotes and brackets dropped (C speed), then the strings, then the brackets counted."""
    import numpy as np

    limit = settings.max_json_depth()
    carry = open_string = b""
    level = depth = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            chunk = carry + chunk
            chunk = chunk.replace(b"\\\\", b"")  # an escaped backslash …
            carry = b""
            if chunk.endswith(b"\\"):  # … or an escape cut by the chunk's end: finished with the next chunk
                chunk, carry = chunk[:-1], b"\\"
            residue = open_string + chunk.replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
            open_string = b""
            if residue.count(b'"') % 2:  # a string runs on into the next chunk
                cut = residue.rindex(b'"')
                residue, open_string = residue[:cut], residue[cut:]
            skeleton = _QUOTED.sub(b"", residue)
            if skeleton:
                a = np.frombuffer(skeleton, dtype=np.uint8)
                steps = np.where((a == ord("[")) | (a == ord("{")), 1, -1)
                running = np.cumsum(steps) + level
                depth = max(depth, int(running.max()))
                level = int(running[-1])
    if depth > limit:
        raise ParseError(
            path,
            f"JSON nested at most {limit} levels deep (CHISO_MAX_JSON_DEPTH)",
            f"{depth} levels",
            message="JSON nested too deeply: refused before parsing",
        )


def _first_long_line(path: Path, limit: int) -> int | None:
    """The number of the first line longer than ``limit`` bytes (None if there is none): the newlines of each
    chunk found by numpy, so a 1 GB export costs about a second and one chunk of memory."""
    import numpy as np

    run, line = 0, 1  # bytes of the line in progress carried from earlier chunks; its number
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            newlines = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 0x0A)
            if newlines.size == 0:
                run += len(chunk)
                if run > limit:
                    return line
                continue
            lengths = np.diff(newlines, prepend=-1) - 1
            lengths[0] += run
            over = np.flatnonzero(lengths > limit)
            if over.size:
                return line + int(over[0])
            line += newlines.size
            run = len(chunk) - int(newlines[-1]) - 1
    return line if run > limit else None


def check_lines(path: Path) -> None:
    """The longest line of a text export, found without reading it into Python."""
    limit = settings.max_line_bytes()
    if path.stat().st_size <= limit:
        return
    line = _first_long_line(path, limit)
    if line is None:
        return
    raise ParseError(
        path,
        f"lines of at most {limit // 1024:,} KB (CHISO_MAX_LINE_KB)",
        f"a line of more than {limit // 1024:,} KB at line {line}",
        row=line,
        message="line too long: a wrong line ending, a binary file or a damaged export",
    )


_WIDE = (
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
)


def check_text_encoding(path: Path) -> None:
    """A text export in UTF-16 or UTF-32 (with a byte-order mark, or NUL bytes between ASCII letters) is named
    as such, not guessed as an 8-bit legacy encoding; NUL bytes in any other text file are binary content."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    for bom, name in _WIDE:
        if head.startswith(bom):
            raise ParseError(
                path,
                "UTF-8 text",
                f"{name} text (byte-order mark {bom.hex(' ').upper()})",
                message=f"the file is {name}, not UTF-8: re-export it as UTF-8",
            )
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        # ASCII letters in UTF-16 have their NUL byte after them (little-endian) or before them (big-endian)
        for order, nuls, letters in (("LE", odd, even), ("BE", even, odd)):
            if nuls.count(0) > len(nuls) * 0.4 and letters.count(0) < len(letters) * 0.1:
                raise ParseError(
                    path,
                    "UTF-8 text",
                    f"UTF-16 {order} text without a byte-order mark",
                    message="the file is UTF-16, not UTF-8: re-export it as UTF-8",
                )
        at = head.index(b"\x00")
        raise ParseError(
            path,
            "UTF-8 text",
            f"a NUL byte at offset {at}",
            row=head[:at].count(b"\n") + 1,
            message="binary content in a text export (a damaged file or not an export)",
        )


def check(path: str | Path) -> None:
    """Every limit that applies to the file, by its extension; a ParseError naming the first one exceeded."""
    path = Path(path)
    check_size(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        check_xlsx(path)
    elif suffix == ".json":
        check_text_encoding(path)
        check_json_depth(path)  # a JSON document may be one line: its depth is what matters
    elif suffix in (".csv", ".txt"):
        check_text_encoding(path)
        check_lines(path)
