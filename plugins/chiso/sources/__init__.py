"""Source parsers: ``detect(path)`` names a file's format (chiso.sources.detect), ``parse(path)`` parses it into
a ParsedBatch with the parser of that format (one folder per source system: motcua/, qlvb/, dvc/).

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
plans-xlsx                 plans       .xlsx with a "Giá trị mục tiêu" header or a "Số liệu báo cáo" sheet
=========================  ==========  =================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chiso.sources.base import ParsedBatch, ParseError, RowError, WrittenTable
from chiso.sources.detect import EXPECTED_FORMATS, SOURCE_OF_FORMAT, detect

__all__ = ["PARSERS", "SOURCE_OF_FORMAT", "ParseError", "ParsedBatch", "RowError", "WrittenTable", "detect", "parse"]


def _parsers() -> dict[str, Callable[..., ParsedBatch]]:
    from chiso.sources.dvc import api766, catalogue
    from chiso.sources.motcua import bieu06, dossier
    from chiso.sources.plans import workbook as plans
    from chiso.sources.qlvb import register

    return {
        "motcua-dossier-csv": dossier.parse_dossier_csv,
        "motcua-dossier-json": dossier.parse_dossier_json,
        "motcua-bieu06-xlsx": bieu06.parse_bieu06_xlsx,
        "qlvb-register-xlsx": register.parse_register,
        "qlvb-register-csv": register.parse_register,
        "dvc-catalogue-csv": catalogue.parse_catalogue,
        "dvc-766-json": api766.parse_766,
        "dvc-formalities-json": api766.parse_formalities,
        "plans-xlsx": plans.parse_plans,
    }


PARSERS = _parsers

# formats whose parser streams its table to Parquet when given an output folder (see ``parse``)
STREAMING_FORMATS = {"motcua-dossier-csv", "motcua-dossier-json"}


def parse(
    path: str | Path, format: str | None = None, *, out_dir: str | Path | None = None, checked: bool = False
) -> ParsedBatch:
    """Parse ``path`` (format detected unless given).

    With ``out_dir``, a parser that can streams its table to ``<out_dir>/<dataset>.parquet`` and returns a
    ``WrittenTable`` for it (lower peak memory: one batch at a time); the others return Arrow tables."""
    from chiso.sources import limits

    if not checked:  # size, dimension, uncompressed size, depth, line length: before any parser reads it
        limits.check(path)
    fmt = format or detect(path)
    parser = _parsers().get(fmt)
    if parser is None:
        raise ParseError(path, EXPECTED_FORMATS, fmt, message="unknown format id")
    if out_dir is not None and fmt in STREAMING_FORMATS:
        return parser(Path(path), out_dir=Path(out_dir))
    return parser(Path(path))
