"""Source parsers: ``detect(path)`` names a file's format, ``parse(path)`` parses it into a ParsedBatch.

Formats (docs/FORMATS.md):

=========================  ==========  =================================================================
format                     system      recognised by
=========================  ==========  =================================================================
motcua-dossier-csv         motcua      .csv whose header has MaHoSo (or name hoso_*.csv)
motcua-dossier-json        motcua      .json with content[] pages (or a list of them)
motcua-bieu06-xlsx         motcua      .xlsx with a "Số hồ sơ nhận giải quyết" header (or name bieu06_*)
qlvb-register-xlsx         qlvb        .xlsx with the register header "Số, ký hiệu" … (or name sovanban_*)
qlvb-register-csv          qlvb        .csv with the register header
dvc-catalogue-csv          dvc         .csv whose header has MaDichVu (or name dichvu_*.csv)
dvc-766-json               dvc         .json envelope with data.parent+children or data.overview+evaluation
dvc-formalities-json       dvc         .json envelope with data.items+pagination (refused: not loaded)
=========================  ==========  =================================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from chiso.sources.base import ParsedBatch, ParseError, RowError, WrittenTable

__all__ = ["PARSERS", "SOURCE_OF_FORMAT", "ParseError", "ParsedBatch", "RowError", "WrittenTable", "detect", "parse"]

SOURCE_OF_FORMAT: dict[str, str] = {
    "motcua-dossier-csv": "motcua",
    "motcua-dossier-json": "motcua",
    "motcua-bieu06-xlsx": "motcua",
    "qlvb-register-xlsx": "qlvb",
    "qlvb-register-csv": "qlvb",
    "dvc-catalogue-csv": "dvc",
    "dvc-766-json": "dvc",
    "dvc-formalities-json": "dvc",
}

_EXPECTED = "one of: " + ", ".join(SOURCE_OF_FORMAT)


def _csv_head(path: Path, n: int = 20) -> str:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    return head.decode("utf-8-sig", errors="replace").splitlines()[:n].__str__()


def _xlsx_labels(path: Path) -> str:
    from chiso.sources.common import open_workbook

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
        labels = nfc(_xlsx_labels(path))
        if "số hồ sơ nhận giải quyết" in labels or "biểu số 06" in labels:
            return "motcua-bieu06-xlsx"
        if "số, ký hiệu" in labels or "văn bản đến/đi" in labels:
            return "qlvb-register-xlsx"
    elif ext == ".json":
        parent = path.parent.name
        if parent == "formalities":
            return "dvc-formalities-json"
        try:
            obj = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ParseError(path, "well-formed UTF-8 JSON", type(e).__name__, message=str(e)[:120]) from None
        if isinstance(obj, dict) and isinstance(obj.get("data"), dict):
            d = obj["data"]
            if ("parent" in d and "children" in d) or ("overview" in d and "evaluation" in d):
                return "dvc-766-json"
            if "items" in d and "pagination" in d:
                return "dvc-formalities-json"
            if "content" in d:
                return "motcua-dossier-json"
        if isinstance(obj, dict) and ("content" in obj or "pages" in obj):
            return "motcua-dossier-json"
        if isinstance(obj, list) and obj and all(isinstance(p, dict) and "content" in p for p in obj):
            return "motcua-dossier-json"
    raise ParseError(
        path, _EXPECTED, f"an unrecognised {ext or 'extension-less'} file", message="unknown export format"
    )


def _parsers() -> dict[str, Callable[..., ParsedBatch]]:
    from chiso.sources.dvc import api766
    from chiso.sources.motcua import bieu06, dossier
    from chiso.sources.qlvb import register

    return {
        "motcua-dossier-csv": dossier.parse_dossier_csv,
        "motcua-dossier-json": dossier.parse_dossier_json,
        "motcua-bieu06-xlsx": bieu06.parse_bieu06_xlsx,
        "qlvb-register-xlsx": register.parse_register,
        "qlvb-register-csv": register.parse_register,
        "dvc-catalogue-csv": api766.parse_catalogue,
        "dvc-766-json": api766.parse_766,
        "dvc-formalities-json": api766.parse_formalities,
    }


PARSERS = _parsers

# formats whose parser streams its table to Parquet when given an output folder (see ``parse``)
STREAMING_FORMATS = {"motcua-dossier-csv", "motcua-dossier-json"}


def parse(path: str | Path, format: str | None = None, *, out_dir: str | Path | None = None) -> ParsedBatch:
    """Parse ``path`` (format detected unless given).

    With ``out_dir``, a parser that can streams its table to ``<out_dir>/<dataset>.parquet`` and returns a
    ``WrittenTable`` for it (lower peak memory: one batch at a time); the others return Arrow tables."""
    fmt = format or detect(path)
    parser = _parsers().get(fmt)
    if parser is None:
        raise ParseError(path, _EXPECTED, fmt, message="unknown format id")
    if out_dir is not None and fmt in STREAMING_FORMATS:
        return parser(Path(path), out_dir=Path(out_dir))
    return parser(Path(path))
