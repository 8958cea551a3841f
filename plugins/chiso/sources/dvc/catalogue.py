"""The portal's online-service catalogue (``dvc-catalogue-csv`` → ``dvc_service``), docs/FORMATS.md §4.

MucDo ``Toàn trình``/``Mức độ 4`` → full, ``Một phần``/``Mức độ 3`` → partial (the level 4/3 equivalence is
docs/DOMAIN.md §2.1's [unverified — check]); TrangThai ``Đang công bố`` → published, ``Chờ thu hồi`` →
pending_withdrawal, ``Thử nghiệm`` → testing; CoPhi ``Có``/``Không`` (chiso.contracts.vocabularies). Snapshot
month from the file name (``dichvu_<PP>_<YYYY-MM>.csv``).
"""

from __future__ import annotations

from pathlib import Path

from chiso.contracts.exports import CATALOGUE_COLUMNS
from chiso.contracts.vocabularies import ONLINE_LEVEL, SERVICE_STATE, YES_NO
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import (
    check_delimiter,
    month_end,
    month_from_name,
    one_of,
    read_text_csv,
    short,
    words,
)
from chiso.sources.normalize import ValueParseError, map_value, nfc
from chiso.sources.tables import table_from_rows

FORMAT_CATALOGUE = "dvc-catalogue-csv"
LEVELS = words(ONLINE_LEVEL)
STATES = words(SERVICE_STATE)
YESNO = words(YES_NO)
_LEVELS_EXPECTED = (", ".join(ONLINE_LEVEL.label(c) for c in ONLINE_LEVEL.codes)
                    + " (or " + " / ".join(ONLINE_LEVEL.labels[c][1] for c in ONLINE_LEVEL.codes) + ")")


def parse_catalogue(path: str | Path) -> ParsedBatch:
    path = Path(path)
    rows = read_text_csv(path, expect="an online-service catalogue CSV with a header row")
    header = [h.strip() for h in rows[0]]
    check_delimiter(path, rows[0], "online-service catalogue")
    missing = [c for c in CATALOGUE_COLUMNS if c not in header]
    if missing:
        raise ParseError(
            path,
            "columns " + ", ".join(CATALOGUE_COLUMNS),
            "header without " + ", ".join(missing),
            column=",".join(missing),
            message="missing or renamed column(s)",
        )
    idx = {c: header.index(c) for c in CATALOGUE_COLUMNS}
    snap = month_from_name(path)
    out, rejects, rows_read, seen = [], [], 0, set()
    for n, row in enumerate(rows[1:], start=1):
        if not any(x.strip() for x in row):
            continue
        rows_read += 1
        if len(row) < len(header):
            rejects.append(
                RowError(row=n, column=None, expected=f"{len(header)} fields", found=f"{len(row)} fields")
            )
            continue
        v = {c: (row[i].strip() or None) for c, i in idx.items()}
        col = "MaDichVu"
        try:
            if not v["MaDichVu"]:
                raise ValueParseError("a service code", "")
            if v["MaDichVu"] in seen:
                raise ValueParseError("a service code not seen earlier in the file", v["MaDichVu"])
            col = "MucDo"
            level = map_value(v["MucDo"], LEVELS, _LEVELS_EXPECTED)
            if level is None:
                raise ValueParseError(" or ".join(ONLINE_LEVEL.label(c) for c in ONLINE_LEVEL.codes), "")
            col = "TrangThai"
            state = map_value(v["TrangThai"], STATES, one_of(SERVICE_STATE))
            col = "CoPhi"
            fee = map_value(v["CoPhi"], YESNO, one_of(YES_NO))
        except ValueParseError as e:
            rejects.append(RowError(row=n, column=col, expected=e.expected, found=short(e.found)))
            continue
        seen.add(v["MaDichVu"])
        out.append(
            {
                "source_row": n,
                "snapshot_month": snap,
                "service_code": v["MaDichVu"],
                "procedure_code": v["MaTTHC"],
                "service_name": nfc(v["TenDichVu"]),
                "online_level": level,
                "level_raw": nfc(v["MucDo"]),
                "state": state,
                "agency_code": v["MaCoQuan"],
                "agency_name": nfc(v["TenCoQuan"]),
                "has_fee": None if fee is None else fee == "true",
            }
        )
    if rows_read == 0:
        raise ParseError(path, "at least one data row", "a header row only", row=1)
    return ParsedBatch(
        path=path,
        source_system="dvc",
        format=FORMAT_CATALOGUE,
        main_dataset="dvc_service",
        period_start=snap,
        period_end=month_end(snap) if snap else None,
        tables={"dvc_service": table_from_rows(out, "dvc_service")},
        rows_read=rows_read,
        rejects=rejects,
        meta={"period_source": "file name" if snap else None},
    )
