"""One-stop-shop dossier exports → ``motcua_dossier``.

* CSV (``motcua-dossier-csv``, docs/FORMATS.md §1): read and normalised entirely in DuckDB SQL (one scan of
  the file into a temporary all-VARCHAR table without the personal columns, then one SQL pass that parses,
  maps and flags each row's first defect). The applicant's ID number is replaced by ``applicant_key`` =
  HMAC-SHA256(``chiso.pii.pii_key()``, ID) computed *inside DuckDB* from ``sha256`` (HMAC = SHA256(K⊕opad ‖
  SHA256(K⊕ipad ‖ m)), see ``chiso.pii.hmac_pads``); name, ID, phone and address are never materialised.
* Paged JSON (``motcua-dossier-json``) of a vendor REST search: a page ``{"content": [...], ...}``, a list
  of such pages, ``{"pages": [...]}`` or ``{"data": {"content": [...]}}``. Each item is mapped to the CSV
  columns, then goes through the same SQL. The file is read as a stream (``chiso.sources.jsonstream``), its
  items mapped a batch at a time and handed to DuckDB as an Arrow stream: memory is a batch, not the file.
  Item fields:

  =========================  ===============================================================
  code (else nationCode)     MaHoSo
  procedure.code / .name     MaTTHC / TenTTHC
  sector{code,name} (or procedure.sector)  MaLinhVuc / TenLinhVuc
  agency{code,name}          MaCoQuan / TenCoQuan
  channel | applyMethod(.id) KenhThucHien (1/2/3, or "counter"/"direct", "online", "postal")
  acceptedDate, appointmentDate, completedDate, updatedDate (ISO 8601; with an offset → Asia/Ho_Chi_Minh
                             wall clock, without → taken as wall clock)
  status (text, or {code,name}; Vietnamese text or the normalised English code)
  supplementCount, supplementWaitDays, fee | fee.amount | sum(fees[].amount), onlinePayment,
  digitized, hasElectronicResult, vneidVerified (bool or 0/1)
  applicant.identityNumber   → applicant_key only; nothing else of ``applicant`` or ``eForm`` is read
  =========================  ===============================================================

Row-level defects (the row is rejected, one ``RowError`` with its first defect): missing dossier code,
duplicate dossier code within the file (the first is kept), impossible or malformed dates, text in a
number column, channel not 1/2/3, payment not 0/1/2, flags not 0/1, unknown status, appointment before
receipt. File-level defects raise ``ParseError``: empty file, header only, no header, missing/renamed
columns, wrong delimiter, not UTF-8 (TCVN3/VNI/cp1258 guessed), truncated last line or unterminated quote.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from chiso import contracts
from chiso.contracts import exports
from chiso.contracts.vocabularies import CHANNEL, DOSSIER_STATUS, ONLINE_PAYMENT
from chiso.sources import jsonstream, pii
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import json_problem, load_json, month_end, short
from chiso.sources.normalize import ascii_key, detect_legacy
from chiso.sources.tables import PARQUET_ROW_GROUP, MemorySink, ParquetSink, arrow_schema
from chiso.util.sql import ident as _qi
from chiso.util.sql import string as _sql_str

DATASET = "motcua_dossier"
FORMAT_CSV = "motcua-dossier-csv"
FORMAT_JSON = "motcua-dossier-json"

REQUIRED_COLUMNS = list(exports.DOSSIER_REQUIRED_COLUMNS)
OPTIONAL_COLUMNS = list(exports.DOSSIER_OPTIONAL_COLUMNS)
PERSONAL_COLUMNS = list(exports.DOSSIER_PERSONAL_COLUMNS)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + PERSONAL_COLUMNS

# export text -> status code: matched exactly first, then on NFC, trimmed, lower-case text
STATUS_LABELS = DOSSIER_STATUS.label_map()
STATUS_TEXT = {code: label for label, code in STATUS_LABELS.items()}  # a JSON item may carry the code itself
CHANNELS = ", ".join(str(c) for c in CHANNEL.codes)
PAYMENTS = ", ".join(str(c) for c in ONLINE_PAYMENT.codes)

BATCH_ROWS = PARQUET_ROW_GROUP  # rows per batch from DuckDB, and per Parquet row group
_STREAM_BUFFER = "64MB"
_DUCKDB_MESSAGE = re.compile(r"^[A-Z][A-Za-z ]*Error: ")  # "Invalid Input Error: CSV Error on Line: 7 ..."
_NAME_RE = re.compile(r"hoso_(\d{2})_(\d{4})-(\d{2})\.csv$", re.IGNORECASE)
_TS = "'%d/%m/%Y %H:%M:%S'"

# column -> (expected, message) for the row errors flagged in SQL
_EXPECTED = {
    "MaHoSo": "a dossier code",
    "MaHoSo#dup": "a dossier code not seen earlier in the file",
    "KenhThucHien": "channel 1 (counter), 2 (online), 3 (postal) or empty",
    "NgayTiepNhan": "a timestamp dd/mm/yyyy HH:MM:SS",
    "NgayHenTra": "a timestamp dd/mm/yyyy HH:MM:SS",
    "NgayHenTra#order": "an appointment not before NgayTiepNhan",
    "NgayKetThucXuLy": "a timestamp dd/mm/yyyy HH:MM:SS or empty",
    "TrangThaiHoSo": "one of: " + ", ".join(STATUS_LABELS),
    "SoLanBoSung": "a whole number",
    "SoNgayChoBoSung": "a decimal number (decimal comma)",
    "PhiLePhi": "a whole number of VND or empty",
    "DuocThanhToanTrucTuyen": "0, 1, 2 or empty",
    "HoSoCoThanhPhanSoHoa": "1 or 0",
    "CoKetQuaDienTu": "1 or 0",
    "TaiKhoanDuocXacThucVoiVNeID": "1 or 0",
    "NgayCapNhat": "a timestamp dd/mm/yyyy HH:MM:SS or empty",
}


# ------------------------------------------------------------------------------------------- file checks


def _check_encoding(path: Path, head: bytes) -> None:
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        dec.decode(head, final=False)
    except UnicodeDecodeError as e:
        latin = head.decode("latin-1")
        legacy = detect_legacy(latin)
        if legacy == "tcvn3":
            guess = "TCVN3 (ABC, .VnTime) 8-bit text"
        elif legacy == "vni":
            guess = "VNI-Windows 8-bit text"
        else:
            try:
                head.decode("cp1258")
                guess = "Windows-1258 (cp1258) or Latin-1 text"
            except UnicodeDecodeError:
                guess = "a non-UTF-8 8-bit encoding"
        line = head[: e.start].count(b"\n") + 1
        raise ParseError(
            path,
            "UTF-8 text",
            f"byte 0x{head[e.start]:02X} at offset {e.start} (line {line})",
            message=f"the file is not UTF-8; it looks like {guess}: re-export it as UTF-8",
        ) from None


def _read_header(path: Path) -> tuple[list[str], bool]:
    """Validate the file as a whole; return (header names, whether the text needs NFC normalising).

    A file comes from one system, so the first MiB tells whether it is NFC; only then do the text columns
    go through ``nfc_normalize`` (which costs ~0.3 s per column per 2M rows)."""
    size = path.stat().st_size
    if size == 0:
        raise ParseError(path, "a CSV export with a header row", "an empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
        tail = b""
        if size > len(head):
            fh.seek(max(0, size - (1 << 16)))
            tail = fh.read()
        else:
            tail = head
    bom = head.startswith(codecs.BOM_UTF8)
    body = head[3:] if bom else head
    if not body.strip():
        raise ParseError(path, "a CSV export with a header row", "an empty file (only whitespace/BOM)")
    _check_encoding(path, body)
    text = body.decode("utf-8", errors="ignore")
    first_line, _, rest = text.partition("\n")
    first_line = first_line.rstrip("\r")
    header = next(csv.reader([first_line]))
    header = [h.strip() for h in header]
    if len(header) == 1:
        for d, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if first_line.count(d) >= 3:
                raise ParseError(
                    path,
                    "a comma-delimited header",
                    f"one column; the header has {first_line.count(d)} {label}s",
                    row=None,
                    message=f"the file is {label}-delimited, expected ','",
                )
    known = set(KNOWN_COLUMNS)
    if not any(h in known for h in header):
        raise ParseError(
            path,
            "a header row naming the export's columns (MaHoSo, NgayTiepNhan, ...)",
            short(first_line, 120),
            message="no header row found",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        unknown = [h for h in header if h not in known]
        hints = []
        for m in missing:
            keyed = {re.sub(r"[^a-z0-9]", "", ascii_key(u) or ""): u for u in unknown}
            close = difflib.get_close_matches(m.lower(), list(keyed), n=1, cutoff=0.6)
            if close:
                hints.append(f"{m} (renamed to {keyed[close[0]]!r}?)")
            else:
                hints.append(m)
        raise ParseError(
            path,
            "columns " + ", ".join(REQUIRED_COLUMNS),
            "header without " + ", ".join(hints),
            column=",".join(missing),
            message="missing or renamed required column(s): " + "; ".join(hints),
        )
    # header only?
    if size <= len(head) and not rest.strip():
        raise ParseError(path, "at least one data row", "a header row only", row=1)
    # truncated last line
    if not tail.endswith(b"\n"):
        last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
        if last.count('"') % 2 == 1:
            raise ParseError(
                path,
                "a complete last line",
                "an unterminated quoted field",
                message="the file is truncated (unterminated quote at the end)",
            )
        fields = next(csv.reader([last])) if last else []
        if len(fields) < len(header):
            raise ParseError(
                path,
                f"{len(header)} fields on the last line",
                f"{len(fields)} fields",
                message="the file is truncated (last line incomplete)",
            )
    return header, _needs_nfc(header, rest)


def _needs_nfc(header: list[str], rest: str) -> bool:
    """Whether the loaded text columns of the sampled lines need NFC normalising. The personal columns are
    left out: they are never loaded, and a decomposed applicant name (some vendors' exports have a few)
    must not send every loaded text column of the file through ``nfc_normalize``."""
    import unicodedata

    if unicodedata.is_normalized("NFC", rest):
        return False
    keep = [i for i, h in enumerate(header) if h not in PERSONAL_COLUMNS]
    lines = rest.split("\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the sample's last line may be cut
    try:
        rows = csv.reader(lines)
        return any(not unicodedata.is_normalized("NFC", row[i]) for row in rows for i in keep if i < len(row))
    except csv.Error:
        return True


# ------------------------------------------------------------------------------------------- SQL


def _hmac_sql(col: str) -> str:
    ipad, opad = pii.hmac_pads(pii.pii_key())
    v = _txt(col)
    return f"sha256(unhex('{opad.hex()}') || unhex(sha256(unhex('{ipad.hex()}') || encode({v}))))"


def _txt(col: str) -> str:
    """Trimmed text, empty → NULL; trim only where needed (trim on every value costs ~0.3 s per 2M rows)."""
    return (
        f"(CASE WHEN starts_with({col}, ' ') OR ends_with({col}, ' ') OR {col} = '' "
        f"THEN nullif(trim({col}), '') ELSE {col} END)"
    )


def _ts(col: str) -> str:
    return f"try_strptime({_txt(col)}, [{_TS}, '%d/%m/%Y'])"


def _flag(col: str) -> str:
    return f"(CASE {_txt(col)} WHEN '1' THEN true WHEN '0' THEN false END)"


def _int(col: str, typ: str) -> str:
    v = _txt(col)
    return (
        f"coalesce(TRY_CAST({v} AS {typ}), CASE WHEN regexp_full_match({v}, '[0-9]{{1,3}}(\\.[0-9]{{3}})+') "
        f"THEN TRY_CAST(replace({v}, '.', '') AS {typ}) END)"
    )


def _dec(col: str) -> str:
    v = _txt(col)
    return (
        f"CASE WHEN regexp_full_match({v}, '[0-9]+([.,][0-9]+)?') THEN TRY_CAST(replace({v}, ',', '.') AS DOUBLE)"
        f" WHEN regexp_full_match({v}, '[0-9]{{1,3}}(\\.[0-9]{{3}})+,[0-9]+') "
        f"THEN TRY_CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE) END"
    )


def _status_case(col: str) -> str:
    exact = " ".join(f"WHEN {_sql_str(k)} THEN {_sql_str(v)}" for k, v in STATUS_LABELS.items())
    v = f"lower(nfc_normalize(trim({col})))"
    whens = " ".join(f"WHEN {_sql_str(k.lower())} THEN {_sql_str(s)}" for k, s in STATUS_LABELS.items())
    # exact match first; the normalising fallback (NFC, trim, lower) only runs for the rows left over
    return f"(CASE {col} {exact} ELSE CASE {v} {whens} END END)"


_RAW_FOR_ERRORS = [
    "MaHoSo",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "TrangThaiHoSo",
    "SoLanBoSung",
    "SoNgayChoBoSung",
    "PhiLePhi",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "CoKetQuaDienTu",
    "TaiKhoanDuocXacThucVoiVNeID",
    "NgayCapNhat",
]


def _select_sql(source_sql: str, header: list[str], period: date | None, nfc_text: bool) -> str:
    """One SELECT over the source: parsed columns in schema order, then ``defect`` (the first defect's
    column, NULL if the row is clean) and ``found`` (the offending raw value). Personal columns other than
    the ID are never selected; the ID only enters the HMAC."""
    nn = _txt
    name = (lambda c: f"nfc_normalize({_txt(c)})") if nfc_text else _txt
    raw = []
    for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        raw.append(f"{_qi(c)} AS {_qi(c)}" if c in header else f"NULL::VARCHAR AS {_qi(c)}")
    key = _hmac_sql('"SoCCCD"') if "SoCCCD" in header else "NULL::VARCHAR"
    period_sql = f"DATE '{period.isoformat()}'" if period else "NULL::DATE"
    found_case = " ".join(f"WHEN {_sql_str(c)} THEN {_qi(c)}" for c in _RAW_FOR_ERRORS)
    out_cols = ", ".join(
        n for n, _ in contracts.columns(DATASET) if n != "period_month"
    )
    return f"""
        SELECT {out_cols}, hash(dossier_code) AS code_hash, defect,
          CASE WHEN defect IS NULL THEN NULL
               WHEN defect = 'NgayHenTra#order' THEN NgayHenTra || ' < NgayTiepNhan ' || NgayTiepNhan
               ELSE CASE split_part(defect, '#', 1) {found_case} END END AS found
        FROM (
          SELECT *,
            CASE
              WHEN dossier_code IS NULL THEN 'MaHoSo'
              WHEN channel IS NULL OR channel NOT IN ({CHANNELS}) THEN 'KenhThucHien'
              WHEN received_at IS NULL THEN 'NgayTiepNhan'
              WHEN appointment_at IS NULL AND {nn("NgayHenTra")} IS NOT NULL THEN 'NgayHenTra'
              WHEN appointment_at < received_at THEN 'NgayHenTra#order'
              WHEN completed_at IS NULL AND {nn("NgayKetThucXuLy")} IS NOT NULL THEN 'NgayKetThucXuLy'
              WHEN status IS NULL THEN 'TrangThaiHoSo'
              WHEN supplement_count IS NULL AND {nn("SoLanBoSung")} IS NOT NULL THEN 'SoLanBoSung'
              WHEN supplement_wait_days IS NULL AND {nn("SoNgayChoBoSung")} IS NOT NULL THEN 'SoNgayChoBoSung'
              WHEN (fee_amount IS NULL AND {nn("PhiLePhi")} IS NOT NULL) OR fee_amount < 0 THEN 'PhiLePhi'
              WHEN (online_payment IS NULL AND {nn("DuocThanhToanTrucTuyen")} IS NOT NULL)
                   OR online_payment NOT IN ({PAYMENTS}) THEN 'DuocThanhToanTrucTuyen'
              WHEN has_digitised_components IS NULL AND {nn("HoSoCoThanhPhanSoHoa")} IS NOT NULL THEN 'HoSoCoThanhPhanSoHoa'
              WHEN has_electronic_result IS NULL AND {nn("CoKetQuaDienTu")} IS NOT NULL THEN 'CoKetQuaDienTu'
              WHEN vneid_verified IS NULL AND {nn("TaiKhoanDuocXacThucVoiVNeID")} IS NOT NULL THEN 'TaiKhoanDuocXacThucVoiVNeID'
              WHEN updated_at IS NULL AND {nn("NgayCapNhat")} IS NOT NULL THEN 'NgayCapNhat'
            END AS defect
          FROM (
            SELECT
              {period_sql} AS period_month,
              {nn("MaHoSo")} AS dossier_code,
              {nn("MaTTHC")} AS procedure_code,
              {name("TenTTHC")} AS procedure_name,
              {nn("MaLinhVuc")} AS field_code,
              {name("TenLinhVuc")} AS field_name,
              {nn("MaCoQuan")} AS agency_code,
              {name("TenCoQuan")} AS agency_name,
              coalesce(TRY_CAST({nn("KenhThucHien")} AS SMALLINT),
                       CASE WHEN {nn("KenhThucHien")} IS NULL THEN 1::SMALLINT END) AS channel,
              {_ts("NgayTiepNhan")} AS received_at,
              {_ts("NgayHenTra")} AS appointment_at,
              {_ts("NgayKetThucXuLy")} AS completed_at,
              {name("TrangThaiHoSo")} AS status_raw,
              {_status_case("TrangThaiHoSo")} AS status,
              {_int("SoLanBoSung", "SMALLINT")} AS supplement_count,
              {_dec("SoNgayChoBoSung")} AS supplement_wait_days,
              {_int("PhiLePhi", "BIGINT")} AS fee_amount,
              TRY_CAST({nn("DuocThanhToanTrucTuyen")} AS SMALLINT) AS online_payment,
              {_flag("HoSoCoThanhPhanSoHoa")} AS has_digitised_components,
              {_flag("CoKetQuaDienTu")} AS has_electronic_result,
              {_flag("TaiKhoanDuocXacThucVoiVNeID")} AS vneid_verified,
              {key} AS applicant_key,
              {_ts("NgayCapNhat")} AS updated_at,
              {", ".join(raw)}
            FROM {source_sql}
          )
        )
        """


_MESSAGES = {
    "MaHoSo#dup": "duplicate dossier code in the file; the first occurrence is kept",
    "NgayHenTra#order": "appointment before receipt",
    "TrangThaiHoSo": "unknown status",
    "KenhThucHien": "unknown channel",
}


def _run(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    header: list[str],
    fmt: str,
    period: date | None,
    meta: dict[str, Any],
    nfc_text: bool = False,
    out_dir: Path | None = None,
    stream_buffer: str | None = _STREAM_BUFFER,
) -> ParsedBatch:
    """Run the SELECT and stream its result, batch by batch, to Parquet (``out_dir``) or into one Arrow
    table. DuckDB keeps the source order (preserve_insertion_order), so the i-th result row is the i-th
    data row of the file: its ``source_row``. Rows with a defect are left out as they go by; duplicate
    codes (the first occurrence kept) are only known at the end: the few rows concerned are then dropped
    by rewriting the output, which happens only when there are duplicates (or no period in the file name).

    ``stream_buffer``: how far DuckDB may run ahead of the consumer (None: DuckDB's default, about 1 MB). A
    source that arrives as a stream of batches (JSON) gains nothing from a head start; given 64 MB, DuckDB
    read the whole of a 400,000-dossier JSON export before the first batch came out (+190 MB)."""
    import pyarrow.compute as pc

    schema = arrow_schema(DATASET)
    names = [n for n in schema.names if n not in ("source_row", "period_month")]
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    # let DuckDB's threads run ahead of the consumer (with the default ~1 MB they mostly wait for it)
    if stream_buffer:
        con.execute(f"SET streaming_buffer_size = '{stream_buffer}'")
    sink = ParquetSink(out_dir / f"{DATASET}.parquet", schema) if out_dir else MemorySink(schema)
    try:
        reader = con.execute(_select_sql(source_sql, header, period, nfc_text)).to_arrow_reader(BATCH_ROWS)
        errors: dict[int, tuple[str, str | None]] = {}
        defect_codes: dict[int, str | None] = {}
        hashes: list[np.ndarray] = []
        # built from buffers: pa.array() on numpy would import pandas (a second or more at every parse)
        constant_period = pa.nulls(BATCH_ROWS, pa.date32()) if period is None else pa.Array.from_buffers(
            pa.date32(), BATCH_ROWS,
            [None, pa.py_buffer(np.full(BATCH_ROWS, (period - date(1970, 1, 1)).days, dtype=np.int32))],
        )
        start = 0

        def step(b: pa.RecordBatch, start: int) -> None:
            n = b.num_rows
            defect = b.column("defect")
            if defect.null_count < n:
                bad = pc.indices_nonzero(pc.is_valid(defect))
                sub = b.select(["defect", "found", "dossier_code"]).take(bad).to_pylist()
                for i, r in zip(bad.to_pylist(), sub):
                    errors[start + i] = (r["defect"], r["found"])
                    defect_codes[start + i] = r["dossier_code"]
            code_hash = b.column("code_hash")
            if code_hash.null_count:  # never: hash(NULL) is a value
                raise AssertionError("null code_hash")
            # a copy: a view would keep the whole DuckDB batch alive
            hashes.append(np.frombuffer(code_hash.buffers()[1], dtype=np.uint64, count=n,
                                        offset=code_hash.offset * 8).copy())
            source_row = pa.Array.from_buffers(
                pa.int32(), n, [None, pa.py_buffer(np.arange(start + 1, start + n + 1, dtype=np.int32))]
            )
            period_col = constant_period.slice(0, n) if n <= len(constant_period) else pa.concat_arrays(
                [constant_period] * (n // len(constant_period) + 1)).slice(0, n)
            out = pa.Table.from_arrays([source_row, period_col] + [b.column(name) for name in names], schema=schema)
            sink.write(out.filter(pc.is_null(defect)) if defect.null_count < n else out)

        # batch k is checked and written (in a thread: Arrow and Parquet release the GIL) while DuckDB
        # produces batch k+1; at most two batches are held
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chiso-parquet") as writer:
            pending = None
            for b in reader:
                if pending is not None:
                    pending.result()
                pending = writer.submit(step, b, start)
                start += b.num_rows
                del b
            if pending is not None:
                pending.result()
        rows_read = start
        if rows_read == 0:
            raise ParseError(path, "at least one data row", "no data rows")
        # duplicate dossier codes (first occurrence kept): candidates by the 64-bit hash, confirmed on text
        drop: set[int] = set()  # source_row of rows written before they turned out to be duplicates
        h = np.concatenate(hashes)
        hashes.clear()
        hs = np.sort(h)
        dup_h = np.unique(hs[1:][hs[1:] == hs[:-1]])
        del hs
        if len(dup_h):
            idx = np.flatnonzero(np.isin(h, dup_h))
            written = sink.rows(["source_row", "dossier_code"])
            wanted = pc.is_in(written.column("source_row"), value_set=pa.array(idx + 1, pa.int32()))
            written = written.filter(wanted)
            code_of = dict(zip((np.asarray(written.column("source_row")) - 1).tolist(),
                               written.column("dossier_code").to_pylist()))
            code_of.update(defect_codes)
            seen: set[str] = set()
            for i in idx.tolist():
                c = code_of.get(i)
                if c is None:
                    continue
                if c in seen:
                    if i not in errors:
                        drop.add(i + 1)
                    errors[i] = ("MaHoSo#dup", c)
                else:
                    seen.add(c)
        del h
        fill_period = period is None
        if fill_period:
            rec = sink.rows(["source_row", "received_at"])
            if drop:
                dropped = pc.is_in(rec.column("source_row"), value_set=pa.array(sorted(drop), pa.int32()))
                rec = rec.filter(pc.invert(dropped))
            mx = pc.max(rec.column("received_at")).as_py()
            period = date(mx.year, mx.month, 1) if mx else None
            meta["period_source"] = "data (latest NgayTiepNhan)"
        fix = None
        if drop or (fill_period and period is not None):
            fix = functools.partial(_fix_rows, drop=pa.array(sorted(drop), pa.int32()) if drop else None,
                                    period=period if fill_period else None)
        table = sink.close(fix)
    except BaseException:
        sink.abort()
        raise
    rejects: list[RowError] = []
    for i in sorted(errors):
        d, found = errors[i]
        column = d.split("#")[0]
        msg = _MESSAGES.get(d) or _MESSAGES.get(column, "")
        if not msg and column.startswith("Ngay") and found:
            msg = "impossible or malformed date"
        rejects.append(
            RowError(
                row=i + 1,
                column=column,
                expected=_EXPECTED[d],
                found=short("" if found is None else found),
                message=msg,
            )
        )
    return ParsedBatch(
        path=path,
        source_system="motcua",
        format=fmt,
        main_dataset=DATASET,
        period_start=period,
        period_end=month_end(period) if period else None,
        tables={DATASET: table},
        rows_read=rows_read,
        rejects=rejects,
        meta=meta,
    )


def _fix_rows(table: pa.Table, *, drop: pa.Array | None, period: date | None) -> pa.Table:
    """Drop the rows found to be duplicates after they were written; fill the period found in the data."""
    import pyarrow.compute as pc

    if drop is not None:
        table = table.filter(pc.invert(pc.is_in(table.column("source_row"), value_set=drop)))
    if period is not None:
        i = table.schema.get_field_index("period_month")
        table = table.set_column(i, table.schema.field(i), pa.array([period] * table.num_rows, pa.date32()))
    return table


def _translate_duckdb_error(path: Path, e: Exception) -> ParseError:
    """Turn a DuckDB CSV error into a ParseError without echoing row content (it may hold personal data)."""
    text = str(e)
    low = text.lower()
    if isinstance(e, (duckdb.OutOfMemoryException, MemoryError)) or "out of memory" in low:
        # not the file's fault: raised, so that the parse step reports it as out of memory (never "damaged")
        raise MemoryError(f"{path.name}: out of memory while reading it ({text[:160]})")
    if "no space left" in low:
        raise OSError(f"{path.name}: disk full while reading it ({text[:160]})")
    line = None
    m = re.search(r"[Ll]ine:?\s*(\d+)", text)
    if m:
        line = int(m.group(1))
    if "nterminated quote" in text or "quote" in text.lower() and "unterminated" in text.lower():
        kind, exp = "an unterminated quoted field", "properly quoted fields"
    elif "Expected Number of Columns" in text or "columns" in text.lower():
        kind, exp = "a line with the wrong number of fields", "the header's number of fields on every line"
    elif "unicode" in text.lower() or "utf" in text.lower():
        kind, exp = "invalid UTF-8 bytes", "UTF-8 text"
    else:
        kind, exp = "a malformed CSV line", "a well-formed CSV file"
    return ParseError(
        path,
        exp,
        kind,
        row=(line - 1) if line and line > 1 else None,
        message="the file is damaged or truncated" + (f" near line {line}" if line else ""),
    )


def parse_dossier_csv(path: str | Path, *, threads: int | None = None, out_dir: Path | None = None) -> ParsedBatch:
    """Parse a ``hoso_<PP>_<YYYY-MM>.csv`` export (docs/FORMATS.md §1). With ``out_dir``, the table is streamed
    to ``<out_dir>/motcua_dossier.parquet`` (a ``WrittenTable``) instead of being returned in memory."""
    path = Path(path)
    header, needs_nfc = _read_header(path)
    m = _NAME_RE.search(path.name)
    period = date(int(m.group(2)), int(m.group(3)), 1) if m else None
    meta: dict[str, Any] = {
        "province_code": m.group(1) if m else None,
        "period_source": "file name" if m else None,
    }
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    cols = "{" + ", ".join(f"{_sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    source = (
        f"read_csv({_sql_str(str(path))}, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {cols}, auto_detect = false, strict_mode = true, null_padding = false, encoding = 'utf-8')"
    )
    try:
        return _run(path, con, source, header, FORMAT_CSV, period, meta, nfc_text=needs_nfc, out_dir=out_dir)
    except (duckdb.Error, pa.ArrowException, OSError) as e:
        # a CSV error met while streaming reaches us through the Arrow stream (an OSError without errno,
        # carrying DuckDB's message); anything else (a full disk, a fault of ours) is not the file's
        if not isinstance(e, duckdb.Error) and not _DUCKDB_MESSAGE.match(str(e)):
            raise
        raise _translate_duckdb_error(path, e) from None
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- JSON

_VN_TZ = timezone(timedelta(hours=7))
_CHANNEL_WORDS = {"counter": "1", "direct": "1", "offline": "1", "online": "2", "postal": "3", "post": "3"}


def _iso_to_vn(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):  # epoch milliseconds
        dt = datetime.fromtimestamp(value / 1000, tz=UTC).astimezone(_VN_TZ)
        return dt.strftime("%d/%m/%Y %H:%M:%S")
    s = str(value).strip()
    if re.match(r"^\d{1,2}/\d{1,2}/\d{4}", s):
        return s
    s2 = s.replace("Z", "+00:00")
    s2 = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", s2)
    try:
        dt = datetime.fromisoformat(s2)
    except ValueError:
        return s  # left as found: the SQL flags it
    if dt.tzinfo is not None:
        dt = dt.astimezone(_VN_TZ).replace(tzinfo=None)
    return dt.strftime("%d/%m/%Y %H:%M:%S")


def _get(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _s(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _json_items(path: Path, obj: Any) -> list[dict]:
    pages: list
    if isinstance(obj, dict) and "pages" in obj:
        pages = obj["pages"]
    elif isinstance(obj, dict) and isinstance(obj.get("data"), dict) and "content" in obj["data"]:
        pages = [obj["data"]]
    elif isinstance(obj, dict) and "content" in obj:
        pages = [obj]
    elif isinstance(obj, list) and all(isinstance(p, dict) and "content" in p for p in obj) and obj:
        pages = obj
    else:
        keys = list(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
        raise ParseError(
            path,
            "a dossier search page with content[]",
            f"keys {keys}",
            message="not a one-stop-shop dossier page",
        )
    items: list[dict] = []
    for p in pages:
        c = p.get("content") if isinstance(p, dict) else None
        if not isinstance(c, list):
            raise ParseError(path, "content[] as a list", type(c).__name__)
        items.extend(c)
    return items


def _item_to_row(it: dict) -> dict[str, str | None]:
    proc = it.get("procedure") or {}
    sector = it.get("sector") or (proc.get("sector") if isinstance(proc, dict) else None) or {}
    agency = it.get("agency") or {}
    ch = it.get("channel", it.get("applyMethod"))
    if isinstance(ch, dict):
        ch = ch.get("id", ch.get("code"))
    if isinstance(ch, str) and ch.strip().lower() in _CHANNEL_WORDS:
        ch = _CHANNEL_WORDS[ch.strip().lower()]
    status = it.get("status")
    if isinstance(status, dict):
        status = status.get("name") or status.get("code")
    if isinstance(status, str) and status.strip().lower() in STATUS_TEXT:
        status = STATUS_TEXT[status.strip().lower()]
    fee = it.get("fee")
    if isinstance(fee, dict):
        fee = fee.get("amount")
    if fee is None and isinstance(it.get("fees"), list):
        fee = sum((f.get("amount") or 0) for f in it["fees"] if isinstance(f, dict))
    ident = _get(it, "applicant", "identityNumber") or _get(it, "applicant", "identityNo")
    return {
        "MaHoSo": _s(it.get("code") or it.get("nationCode")),
        "MaTTHC": _s(_get(proc, "code")),
        "TenTTHC": _s(_get(proc, "name")),
        "MaLinhVuc": _s(_get(sector, "code")),
        "TenLinhVuc": _s(_get(sector, "name")),
        "MaCoQuan": _s(_get(agency, "code")),
        "TenCoQuan": _s(_get(agency, "name")),
        "KenhThucHien": _s(ch),
        "NgayTiepNhan": _iso_to_vn(it.get("acceptedDate")),
        "NgayHenTra": _iso_to_vn(it.get("appointmentDate")),
        "NgayKetThucXuLy": _iso_to_vn(it.get("completedDate")),
        "TrangThaiHoSo": _s(status),
        "SoLanBoSung": _s(it.get("supplementCount")),
        "SoNgayChoBoSung": _s(it.get("supplementWaitDays")),
        "PhiLePhi": _s(fee),
        "DuocThanhToanTrucTuyen": _s(it.get("onlinePayment")),
        "HoSoCoThanhPhanSoHoa": _s(it.get("digitized")),
        "CoKetQuaDienTu": _s(it.get("hasElectronicResult")),
        "TaiKhoanDuocXacThucVoiVNeID": _s(it.get("vneidVerified")),
        "NgayCapNhat": _iso_to_vn(it.get("updatedDate")),
        "SoCCCD": _s(ident),
    }


_JSON_COLUMNS = list(_item_to_row({}))  # the CSV columns an item is mapped to, in this order
# dossiers per Arrow batch of a streamed JSON export: 10,000 peaked 50-100 MB lower than 50,000 on exports of
# 90,000-400,000 dossiers, in the same time (a batch's text is a million Python strings at 50,000)
_JSON_BATCH = 10_000


def _json_plan(path: Path, sk: jsonstream.Skeleton) -> tuple[str, int]:
    """``_json_items``'s decisions taken on the file's skeleton: the ijson prefix of the dossiers, and their
    number. The same shapes in the same order, the same errors."""
    pages = sk.values.get("pages")
    content = sk.values.get("content")
    if sk.top == "dict" and pages is not None:
        if isinstance(pages, jsonstream.Pages):
            if pages.bad is not None:
                raise ParseError(path, "content[] as a list", pages.bad)
            return "pages.item.content.item", pages.items
        if pages.type in ("dict", "str"):  # iterated, as keys or characters: no page among them
            if pages.size:
                raise ParseError(path, "content[] as a list", "NoneType")
            return "pages.item.content.item", 0
        raise ParseError(path, "pages[] as a list of pages", pages.type)  # json.loads: a TypeError
    if sk.top == "dict" and sk.data_content is not None:
        if sk.data_content.type != "list":
            raise ParseError(path, "content[] as a list", sk.data_content.type)
        return "data.content.item", sk.data_content.size
    if sk.top == "dict" and isinstance(content, jsonstream.Value):
        if content.type != "list":
            raise ParseError(path, "content[] as a list", content.type)
        return "content.item", content.size
    if sk.top == "list" and sk.pages is not None and sk.pages.count and sk.pages.all_pages:
        if sk.pages.bad is not None:
            raise ParseError(path, "content[] as a list", sk.pages.bad)
        return "item.content.item", sk.pages.items
    keys = sk.keys if sk.top == "dict" else sk.top
    raise ParseError(
        path,
        "a dossier search page with content[]",
        f"keys {keys}",
        message="not a one-stop-shop dossier page",
    )


def _json_batches(path: Path, prefix: str, expected: int) -> Iterator[pa.RecordBatch]:
    """The dossiers at ``prefix`` mapped to rows, ``_JSON_BATCH`` at a time, as Arrow batches of text columns:
    one item and one batch of rows in memory at a time."""
    schema = pa.schema([(c, pa.string()) for c in _JSON_COLUMNS])
    columns: list[list[str | None]] = [[] for _ in _JSON_COLUMNS]
    appends = [c.append for c in columns]
    n = 0

    def batch() -> pa.RecordBatch:
        b = pa.RecordBatch.from_arrays([pa.array(c, type=pa.string()) for c in columns], schema=schema)
        for c in columns:
            c.clear()
        return b

    for it in jsonstream.items(path, prefix):
        for append, v in zip(appends, _item_to_row(it if isinstance(it, dict) else {}).values()):
            append(v)
        n += 1
        if n % _JSON_BATCH == 0:
            yield batch()
    if n % _JSON_BATCH:
        yield batch()
    if n != expected:
        raise ParseError(path, f"{expected} dossiers, as counted by the first reading", f"{n} dossiers",
                         message="the file changed while it was read")


def _json_period(path: Path) -> tuple[date | None, dict[str, Any]]:
    period = None
    m = re.search(r"(\d{4})-(\d{2})", path.name)
    if m and 1 <= int(m.group(2)) <= 12:
        period = date(int(m.group(1)), int(m.group(2)), 1)
    return period, {"period_source": "file name" if period else None}


def parse_dossier_json(path: str | Path, *, out_dir: Path | None = None) -> ParsedBatch:
    """Parse paged JSON of a one-stop-shop dossier search (see the module docstring).

    The file is streamed (``chiso.sources.jsonstream``): a first reading checks it and finds where its dossiers
    are and how many; the second maps them to rows a batch at a time, and DuckDB reads those batches as they
    come (an Arrow stream, read once by the single SELECT of ``_run``). Memory: a batch, not the file. A file
    the stream cannot read as ``json.loads`` would (see ``jsonstream``) is read whole, as before."""
    path = Path(path)
    try:
        sk = jsonstream.scan(path)
    except jsonstream.JSONProblem as e:
        raise json_problem(path, e) from None
    if sk.fallback:
        return _parse_json_whole(path, out_dir=out_dir)
    prefix, expected = _json_plan(path, sk)
    if not expected:
        raise ParseError(path, "at least one dossier in content[]", "no dossiers")
    period, meta = _json_period(path)
    failure: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from _json_batches(path, prefix, expected)
        except BaseException as e:  # raised in DuckDB's thread: DuckDB reports it as its own error
            failure.append(e)
            raise

    schema = pa.schema([(c, pa.string()) for c in _JSON_COLUMNS])
    con = duckdb.connect()
    try:
        # the Python mapping of the items is the bottleneck, and the batches come from one Python thread: a
        # second DuckDB thread only hands the GIL back and forth (84 MB export: the same time on an idle
        # machine, 0.5-1.2 s slower with the other core busy)
        con.execute("SET threads = 1")
        con.register("json_src", pa.RecordBatchReader.from_batches(schema, batches()))
        return _run(path, con, "json_src", _JSON_COLUMNS, FORMAT_JSON, period, meta, nfc_text=True,
                    out_dir=out_dir, stream_buffer=None)
    except Exception:
        if failure:  # the reading's own error (the file changed, out of memory), not DuckDB's word for it
            raise failure[0] from None
        raise
    finally:
        con.close()


def _parse_json_whole(path: Path, *, out_dir: Path | None = None) -> ParsedBatch:
    """The whole-document reading, for the files a stream cannot read as ``json.loads`` does."""
    obj = load_json(path)
    items = _json_items(path, obj)
    if not items:
        raise ParseError(path, "at least one dossier in content[]", "no dossiers")
    rows = [_item_to_row(it if isinstance(it, dict) else {}) for it in items]
    header = list(rows[0])
    arrow = pa.table({c: pa.array([r[c] for r in rows], type=pa.string()) for c in header})
    period, meta = _json_period(path)
    con = duckdb.connect()
    try:
        con.register("json_src", arrow)
        return _run(path, con, "json_src", header, FORMAT_JSON, period, meta, nfc_text=True, out_dir=out_dir)
    finally:
        con.close()
