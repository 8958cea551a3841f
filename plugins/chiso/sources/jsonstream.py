"""JSON exports read as a stream (ijson, yajl2_c backend), so that a large export never exists as Python objects
as a whole.

``scan(path)`` reads the file once for what must be known before its first row: that it is not blank, that it
is UTF-8 (a BOM is accepted) and well-formed JSON, and the shape of its top levels (the top value's type and
first keys, the keys of ``data``, each page's ``content`` and the number of its elements). Memory: a read
buffer. ``items(path, prefix)`` then yields the elements of the arrays at ``prefix`` one at a time.

The skeleton answers what ``json.loads`` would have answered on the same file. Where a stream cannot tell
the same thing, ``Skeleton.fallback`` names why and the caller reads the file whole, as before: a key
repeated on the paths read (``json.loads`` keeps the last one, a stream would read both), a key with a dot
on those paths (ijson's prefixes could not be told apart), and the numbers ``json.loads`` accepts beyond
strict JSON (NaN, Infinity, integers beyond 64 bits, floats beyond double range).

A file that cannot be read raises a ``JSONProblem``, in the order ``json.loads`` would meet them: ``Empty``
(only whitespace, or only a byte-order mark: ``bom_only``), ``NotUTF8`` (the first bad byte and its offset
in the file), ``Malformed`` (yajl's reason, with the line, column and byte offset where it broke: the end of
the file when it is truncated), ``TooDeep`` (deeper than ``json.loads`` could recurse).
"""

from __future__ import annotations

import codecs
import os
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

_BUF = 256 << 10  # bytes per read: yajl parses a buffer at a time and queues its events
_BOM = codecs.BOM_UTF8
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 continuation bytes: dropped, the rest counts characters
# the keys of ``data`` that ``chiso.sources.detect`` asks about
DATA_KEYS = frozenset({"parent", "children", "overview", "evaluation", "items", "pagination", "content"})
_TOP_KEYS = ("content", "pages", "data")  # the top-level keys whose values are described


# ------------------------------------------------------------------------------------------- problems


class JSONProblem(Exception):
    """The file is not a JSON document ``json.loads`` would read."""


class Empty(JSONProblem):
    def __init__(self, bom_only: bool) -> None:
        super().__init__("only a byte-order mark" if bom_only else "an empty file")
        self.bom_only = bom_only


class NotUTF8(JSONProblem):
    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(f"byte 0x{byte:02X} at offset {offset}")
        self.offset = offset
        self.byte = byte


class Malformed(JSONProblem):
    def __init__(self, reason: str, offset: int, line: int, column: int) -> None:
        super().__init__(f"{reason} at line {line} column {column}")
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column


class TooDeep(JSONProblem):
    def __init__(self, depth: int) -> None:
        super().__init__(f"{depth} levels")
        self.depth = depth


# ------------------------------------------------------------------------------------------- skeleton


@dataclass
class Value:
    """A value as ``json.loads`` would type it: dict, list, str, int, float, bool or NoneType; ``size``: the
    elements of a list, the entries of a dict (repeated keys counted), the characters of a str."""

    type: str
    size: int = 0


@dataclass
class Pages:
    """A list whose elements should be search pages ``{"content": [...], ...}``."""

    count: int = 0
    all_pages: bool = True  # every element a dict with a "content" key
    bad: str | None = None  # the type of the first element's content that is not a list (NoneType: none)
    items: int = 0  # the elements of the pages' content lists


@dataclass
class Skeleton:
    top: str = "NoneType"  # the top value's type
    keys: list[str] = field(default_factory=list)  # a top-level object's first 8 keys, as list(obj)[:8]
    values: dict[str, Value | Pages] = field(default_factory=dict)  # top-level content, pages, data
    data_keys: frozenset[str] | None = None  # when the top-level data is an object: which of DATA_KEYS it has
    data_content: Value | None = None  # and the value of its content
    pages: Pages | None = None  # a top-level list
    depth: int = 0
    fallback: str | None = None  # why the file must be read whole instead (see the module docstring)


_STEP = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}


def _skip(events: Iterator, level: int, sk: Skeleton) -> int:
    """Read the rest of a container whose start was just read, at nesting ``level``: its number of values.
    (The loop that sees every event of the dossiers: kept to a dict lookup and a comparison or two.)"""
    depth = deepest = 1
    n = 0
    step = _STEP.get
    for ev, _ in events:
        d = step(ev)
        if d is None:
            if depth == 1 and ev != "map_key":
                n += 1
        elif d > 0:
            if depth == 1:
                n += 1
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
            if not depth:
                break
    if level + deepest - 1 > sk.depth:
        sk.depth = level + deepest - 1
    return n


def _value(events: Iterator, ev: str, val: Any, level: int, sk: Skeleton) -> Value:
    if ev == "start_map":
        return Value("dict", _skip(events, level, sk))
    if ev == "start_array":
        return Value("list", _skip(events, level, sk))
    if ev == "string":
        return Value("str", len(val))
    return Value(type(val).__name__)  # null, boolean, number (int or float: use_float)


def _object(events: Iterator, level: int, sk: Skeleton, keys: frozenset[str]) -> tuple[set[str], Value | None]:
    """Read an object whose start was just read, at nesting ``level``: which of ``keys`` it has, and the
    value of its content."""
    found: set[str] = set()
    content = None
    if level > sk.depth:
        sk.depth = level
    for ev, key in events:
        if ev == "end_map":
            break
        if key.startswith("content."):
            sk.fallback = f"a key {key!r}"
        ev, val = next(events)
        v = _value(events, ev, val, level + 1, sk)
        if key == "content":
            if content is not None:
                sk.fallback = "a repeated key 'content'"
            content = v
        if key in keys:
            found.add(key)
    return found, content


def _pages(events: Iterator, level: int, sk: Skeleton) -> Pages:
    """Read a list whose start was just read, as search pages."""
    p = Pages()
    none: frozenset[str] = frozenset()
    if level > sk.depth:
        sk.depth = level
    for ev, val in events:
        if ev == "end_array":
            break
        p.count += 1
        if ev == "start_map":
            found, c = _object(events, level + 1, sk, none)
        else:
            _value(events, ev, val, level + 1, sk)
            c = None
        if c is None:
            p.all_pages = False
        if c is not None and c.type == "list":
            p.items += c.size
        elif p.bad is None:
            p.bad = c.type if c is not None else "NoneType"
    return p


def _walk(events: Iterator, sk: Skeleton) -> None:
    ev, val = next(events)
    if ev == "start_map":
        sk.top = "dict"
        sk.depth = 1
        for ev, key in events:
            if ev == "end_map":
                break
            if len(sk.keys) < 8 and key not in sk.keys:
                sk.keys.append(key)
            if key.startswith(("content.", "pages.", "data.")):
                sk.fallback = f"a key {key!r}"
            ev, val = next(events)
            if key == "pages" and ev == "start_array":
                v: Value | Pages = _pages(events, 2, sk)
            elif key == "data" and ev == "start_map":
                found, content = _object(events, 2, sk, DATA_KEYS)
                v = Value("dict")
                sk.data_keys, sk.data_content = frozenset(found), content
            else:
                v = _value(events, ev, val, 2, sk)
                if key == "data":
                    sk.data_keys = sk.data_content = None
            if key in _TOP_KEYS:
                if key in sk.values:
                    sk.fallback = f"a repeated key {key!r}"
                sk.values[key] = v
    elif ev == "start_array":
        sk.top = "list"
        sk.pages = _pages(events, 1, sk)
    else:
        sk.top = _value(events, ev, val, 0, sk).type
    for _ in events:  # nothing may follow the value (yajl says "trailing garbage")
        raise AssertionError("a second top-level value")


# ------------------------------------------------------------------------------------------- reading


class _Source:
    """The file as ijson reads it: the UTF-8 BOM skipped; with ``validate``, every byte checked as UTF-8 before
    yajl sees it (``NotUTF8``) and the first and last non-blank bytes noted (bytes.strip() whitespace).
    ``until``: from that offset on, bytes are handed over one at a time (to find where yajl fails)."""

    def __init__(self, fh, *, validate: bool = True, until: int | None = None) -> None:
        self.fh = fh
        self.validate = validate
        self.until = until
        self.bom = fh.read(3) == _BOM
        if not self.bom:
            fh.seek(0)
        self.pos = 3 if self.bom else 0
        self.window = (self.pos, self.pos)  # the bytes of the last read
        self.first: int | None = 0 if self.bom else None  # first and last non-blank byte
        self.last = 2 if self.bom else -1
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.done = False

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson asks for nothing first, to see whether it gets bytes or text
            return b""
        if n < 0:
            n = _BUF
        if self.until is not None and self.pos >= self.until:
            n = 1
        elif self.until is not None:
            n = min(n, self.until - self.pos)
        data = self.fh.read(n)
        start = self.pos
        self.pos += len(data)
        self.window = (start, self.pos)
        if self.validate and not self.done:
            self._check(data, start)
        return data

    def _check(self, data: bytes, start: int) -> None:
        pending = self._decoder.getstate()[0]
        try:
            self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:
            raise NotUTF8(start - len(pending) + e.start, (pending + data)[e.start]) from None
        if not data:
            self.done = True
            return
        if self.first is None:
            rest = data.lstrip()
            if rest:
                self.first = start + len(data) - len(rest)
        end = len(data.rstrip())
        if end:
            self.last = start + end - 1

    def drain(self) -> None:
        """Read (and check) the rest of the file."""
        while self.read(_BUF):
            pass

    def blank(self) -> Empty | None:
        """Whether the file read so far is blank as ``bytes.strip()`` sees it, or a BOM and blanks."""
        if self.first is None:
            return Empty(bom_only=False)
        if self.last - self.first == 2 and os.pread(self.fh.fileno(), 3, self.first) == _BOM:
            return Empty(bom_only=True)
        return None


def _reason(e: Exception) -> str:
    """yajl's words for the fault, without the excerpt of the file it appends (it may be personal data)."""
    text = str(e).split("\n", 1)[0].strip().rstrip(".")
    for lead in ("parse error: ", "lexical error: "):
        text = text.removeprefix(lead)
    return text or type(e).__name__


def _locate(path: Path, window: tuple[int, int]) -> int:
    """The offset of the byte at which yajl fails, the failure known to lie in the read ``window``: the file
    parsed again, the window handed over a byte at a time (an error is raised on the byte that decides it)."""
    with open(path, "rb") as fh:
        src = _Source(fh, validate=False, until=window[0])
        try:
            deque(ijson.basic_parse(src, buf_size=_BUF, use_float=True), maxlen=0)
        except ijson.JSONError:
            return max(src.pos - 1, 0)
    return window[0]


def _line_column(path: Path, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as ``json`` counts them; a BOM not counted) of a byte offset."""
    line, column_from = 1, 0
    with open(path, "rb") as fh:
        if fh.read(3) == _BOM:
            column_from = 3
        else:
            fh.seek(0)
        pos = fh.tell()
        while pos < offset:
            chunk = fh.read(min(8 << 20, offset - pos))
            if not chunk:
                break
            nl = chunk.count(b"\n")
            if nl:
                line += nl
                column_from = pos + chunk.rindex(b"\n") + 1
            pos += len(chunk)
        fh.seek(column_from)
        column = 1 + len(fh.read(max(offset - column_from, 0)).translate(None, _CONTINUATION))
    return line, column


def _lenient(path: Path, reason: str, offset: int) -> bool:
    """Whether ``json.loads`` accepts what yajl refused at ``offset``: NaN, Infinity, -Infinity, an integer
    beyond 64 bits, a float beyond double range."""
    if "overflow" in reason:
        return True
    with open(path, "rb") as fh:
        fh.seek(offset)
        near = fh.read(8)
    return near.startswith((b"NaN", b"Infinity"))


def _scan(path: Path) -> Skeleton:
    sk = Skeleton()
    with open(path, "rb") as fh:
        src = _Source(fh)
        try:
            _walk(ijson.basic_parse(src, buf_size=_BUF, use_float=True), sk)
            src.drain()  # checked to the end (yajl stops at the end of the value)
        except ijson.JSONError as e:
            failed = src.window
            src.drain()  # a bad byte anywhere in the file is named first, as json.loads decodes before parsing
            empty = src.blank()
            reason = _reason(e)
            if empty is not None or "premature EOF" in reason or "Incomplete" in reason or failed[1] <= failed[0]:
                offset = src.pos
                reason = "premature end of the file (truncated?)"
                if empty is not None:
                    raise empty from None
            else:
                offset = _locate(path, failed)
                if _lenient(path, reason, offset):
                    sk.fallback = f"{reason} at offset {offset}"
                    return sk
            raise Malformed(reason, offset, *_line_column(path, offset)) from None
    if sk.depth >= sys.getrecursionlimit():
        raise TooDeep(sk.depth)
    return sk


_cache: list[Any] = []


def scan(path: str | Path) -> Skeleton:
    """The skeleton of a JSON file (see the module docstring). The last one is kept, keyed by the file's
    identity and modification time: detection and the parser that follows it read the file once."""
    path = Path(path)
    st = os.stat(path)
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if _cache and _cache[0] == key:
        return _cache[1]
    sk = _scan(path)
    _cache[:] = [key, sk]
    return sk


def items(path: str | Path, prefix: str) -> Iterator[Any]:
    """The values at ``prefix`` (ijson's dotted path: ``content.item``, ``item.content.item``), one at a time,
    numbers as ``json.loads`` makes them (int, float)."""
    with open(path, "rb") as fh:
        yield from ijson.items(_Source(fh, validate=False), prefix, buf_size=_BUF, use_float=True)
