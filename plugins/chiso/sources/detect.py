"""Which export a file is: its format id (docs/FORMATS.md), from its name, extension and content."""

from __future__ import annotations

from pathlib import Path

from chiso.sources.base import ParseError
from chiso.sources.common import json_problem, load_json

# format id -> source system
SOURCE_OF_FORMAT: dict[str, str] = {
    "motcua-dossier-csv": "motcua",
    "motcua-dossier-json": "motcua",
    "motcua-bieu06-xlsx": "motcua",
    "qlvb-register-xlsx": "qlvb",
    "qlvb-register-csv": "qlvb",
    "dvc-catalogue-csv": "dvc",
    "dvc-766-json": "dvc",
    "dvc-formalities-json": "dvc",
    "plans-xlsx": "plans",
}
EXPECTED_FORMATS = "one of: " + ", ".join(SOURCE_OF_FORMAT)


def _csv_head(path: Path, n: int = 20) -> str:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    return head.decode("utf-8-sig", errors="replace").splitlines()[:n].__str__()


def _xlsx_labels(path: Path) -> str:
    from chiso.sources.workbook import open_workbook

    wb = open_workbook(path)
    try:
        texts = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True, max_row=40):
                texts.extend(str(v) for v in row if isinstance(v, str))
        return " | ".join(texts).lower()
    finally:
        wb.close()


def detect(path: str | Path) -> str:
    """The format id of a file, from its name, extension and content."""
    from chiso.sources.normalize import nfc

    path = Path(path)
    name = path.name.lower()
    ext = path.suffix.lower()
    if not path.is_file():
        raise ParseError(path, "an existing file", "no such file")
    if ext == ".csv" or ext == ".txt":
        head = nfc(_csv_head(path))
        if "MaHoSo" in head:
            return "motcua-dossier-csv"
        if "MaDichVu" in head:
            return "dvc-catalogue-csv"
        low = head.lower()
        if "số, ký hiệu" in low or "văn bản đến/đi" in low:
            return "qlvb-register-csv"
        if name.startswith("hoso_"):
            return "motcua-dossier-csv"
        if name.startswith("dichvu_"):
            return "dvc-catalogue-csv"
        if name.startswith("sovanban_"):
            return "qlvb-register-csv"
    elif ext in (".xlsx", ".xlsm"):
        if name.startswith("bieu06"):
            return "motcua-bieu06-xlsx"
        if name.startswith("sovanban"):
            return "qlvb-register-xlsx"
        if name.startswith("kehoach"):
            return "plans-xlsx"
        labels = nfc(_xlsx_labels(path))
        if "số liệu báo cáo" in labels or "giá trị mục tiêu" in labels:
            return "plans-xlsx"
        if "số hồ sơ nhận giải quyết" in labels or "biểu số 06" in labels:
            return "motcua-bieu06-xlsx"
        if "số, ký hiệu" in labels or "văn bản đến/đi" in labels:
            return "qlvb-register-xlsx"
    elif ext == ".json":
        parent = path.parent.name
        if parent == "formalities":
            return "dvc-formalities-json"
        fmt = _json_format(path)
        if fmt is not None:
            return fmt
    raise ParseError(
        path, EXPECTED_FORMATS, f"an unrecognised {ext or 'extension-less'} file", message="unknown export format"
    )


# a JSON file up to this size is read whole to find its format (json's C parser: a fraction of a millisecond for
# a 766 response, where the streamed scan, in Python, took about a millisecond); a larger one as a stream
SMALL_JSON_BYTES = 1 << 20


def _json_format(path: Path) -> str | None:
    """A JSON export's format, or None: a small file's from the document read whole (its nesting was checked
    before: ``limits.check``), a larger one's from its skeleton (``chiso.sources.jsonstream``: read as a
    stream, never whole; the parser that follows reuses the skeleton). The errors are those ``load_json`` gives."""
    from chiso.sources import jsonstream

    if path.stat().st_size <= SMALL_JSON_BYTES:
        return _json_format_whole(path)
    try:
        sk = jsonstream.scan(path)
    except jsonstream.JSONProblem as e:
        raise json_problem(path, e) from None
    if sk.fallback:  # a file the stream cannot read as json.loads does: read whole, as before
        return _json_format_whole(path)
    list_of_pages = sk.top == "list" and sk.pages is not None and bool(sk.pages.count and sk.pages.all_pages)
    return _json_format_of(sk.top, set(sk.values), sk.data_keys, list_of_pages)


def _json_format_of(top: str, top_keys: set[str], data_keys: frozenset[str] | set[str] | None,
                    list_of_pages: bool) -> str | None:
    """A JSON export's format from its shape, however the file was read: the top value's type (``dict``,
    ``list``…), a top-level object's keys, the keys of its ``data`` when that is an object (else None), and
    whether a top-level list is a non-empty list of pages (objects with ``content``)."""
    if top == "dict" and data_keys is not None:
        if {"parent", "children"} <= data_keys or {"overview", "evaluation"} <= data_keys:
            return "dvc-766-json"
        if {"items", "pagination"} <= data_keys:
            return "dvc-formalities-json"
        if "content" in data_keys:
            return "motcua-dossier-json"
    if top == "dict" and ("content" in top_keys or "pages" in top_keys):
        return "motcua-dossier-json"
    if top == "list" and list_of_pages:
        return "motcua-dossier-json"
    return None


def _json_format_whole(path: Path) -> str | None:
    """The same decisions on the document read whole (the reading before the stream, kept for those files)."""
    obj = load_json(path)
    if isinstance(obj, dict):
        data = obj.get("data")
        return _json_format_of("dict", set(obj), set(data) if isinstance(data, dict) else None, False)
    list_of_pages = isinstance(obj, list) and bool(obj) and all(isinstance(p, dict) and "content" in p for p in obj)
    return _json_format_of(type(obj).__name__, set(), None, list_of_pages)
