"""Writers for the sample exports (formats: docs/FORMATS.md)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import xlsxwriter
from chiso.contracts import exports
from chiso.contracts.vocabularies import (
    CONFIDENTIALITY,
    DOCUMENT_DIRECTION,
    DOCUMENT_FORM,
    ONLINE_LEVEL,
    YES_NO,
)

from chiso_sample import catalogue as cat
from chiso_sample.dossiers import STATUS_TEXT, take, updated_at
from chiso_sample.units import Unit, UnitTables

BOM = b"\xef\xbb\xbf"
FIXED_CREATED = datetime(2026, 1, 1, 8, 0, 0)
CONSTANT_MEMORY_ROWS = 50_000  # registers larger than this stream rows to disk (xlsxwriter constant_memory)

DOSSIER_COLUMNS = list(exports.DOSSIER_CSV_COLUMNS)  # the one-stop-shop export (the product's contract)
SERVICE_COLUMNS = list(exports.CATALOGUE_COLUMNS)  # the portal's catalogue export


@lru_cache(maxsize=1)
def _clock() -> pa.Array:
    """'HH:MM:SS' for every second of a day."""
    return pa.array([f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)])


def _ts(a: np.ndarray, fmt: str = "%d/%m/%Y %H:%M:%S") -> pa.Array:
    """Format epoch seconds (wall clock) by table look-up: much faster than strftime per value."""
    a = np.asarray(a, dtype=np.int64)
    if len(a) == 0:
        return pa.array([], pa.string())
    day = a // 86400
    d0 = int(day.min())
    ndays = int(day.max()) - d0 + 1
    base = date(1970, 1, 1) + timedelta(days=d0)
    if fmt == "%y%m%d":
        days = pa.array([f"{base + timedelta(days=i):%y%m%d}" for i in range(ndays)])
        return days.take(pa.array(day - d0))
    assert fmt == "%d/%m/%Y %H:%M:%S"
    days = pa.array([f"{base + timedelta(days=i):%d/%m/%Y} " for i in range(ndays)])
    return _join(days.take(pa.array(day - d0)), _clock().take(pa.array(a - day * 86400)))


def _str(a: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(a, type=pa.int64()), pa.string())


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), pa.string()), arr)


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _write_csv(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    opts = pacsv.WriteOptions(include_header=True, quoting_style="all_valid")
    with open(path, "wb") as fh:
        fh.write(BOM)
        pacsv.write_csv(table, fh, write_options=opts)


def write_dossier_csv(
    path: Path, s: dict[str, np.ndarray], rows: np.ndarray, u: Unit, t_end: int, status: np.ndarray
) -> int:
    d = take(s, rows)
    st = status[rows]
    n = len(rows)
    procs = cat.procedures()
    ags = u.agencies
    ai = pa.array(d["agency"])
    pi = pa.array(d["proc"])
    a_code = pa.array([a.code for a in ags]).take(ai)
    a_name = pa.array([a.name for a in ags]).take(ai)
    a_name = pc.if_else(pa.array(d["trail"] == 1), _join(a_name, pa.scalar(" ")), a_name)
    code = _join(a_code, _ts(d["recv"], "%y%m%d"), pc.utf8_lpad(_str(d["seq"]), 4, "0"), sep="-")
    proc_code = pa.array([p.code for p in procs]).take(pi)
    proc_name = pa.array([p.name for p in procs]).take(pi)
    field_code = pa.array([p.field_code for p in procs]).take(pi)
    field_name = pa.array([p.field_name for p in procs]).take(pi)
    channel = _null_where(_str(d["channel"]), d["empty_ch"] == 1)
    finished = d["comp"] < t_end
    comp = _null_where(_ts(np.where(finished, d["comp"], d["recv"])), ~finished)
    status_txt = pa.array(STATUS_TEXT).take(pa.array(st))
    sup_started = (d["sup_at"] >= 0) & (d["sup_at"] < t_end)
    sup_count = np.where(sup_started, d["sup_n"], 0)
    wait = np.where(
        sup_started, np.where(d["sup_end"] <= t_end, d["wait"], (t_end - d["sup_at"]) / 86400.0), 0.0
    )
    w10 = np.round(wait * 10).astype(np.int64)
    frac = w10 % 10
    wait_s = pc.if_else(pa.array(frac > 0), _join(_str(w10 // 10), _str(frac), sep=","), _str(w10 // 10))
    wait_s = _null_where(wait_s, (w10 == 0) & (d["empty_wait"] == 1))
    fee = _null_where(_str(np.maximum(d["fee"], 0)), d["fee"] < 0)
    pay = _null_where(_str(np.maximum(d["pay"], 0)), d["pay"] < 0)
    fam = pa.array(cat.FAMILY).take(pa.array(d["fam"]))
    mid = pa.array(cat.MIDDLE).take(pa.array(d["mid"]))
    giv = pa.array(cat.GIVEN).take(pa.array(d["giv"]))
    names = _join(fam, mid, giv, sep=" ")
    nfd = d["nfd"] == 1
    if nfd.any():  # a few names arrive decomposed (NFD), as some vendors' exports do
        sub = [unicodedata.normalize("NFD", x) for x in names.filter(pa.array(nfd)).to_pylist()]
        names = pc.replace_with_mask(names, pa.array(nfd), pa.array(sub, type=pa.string()))
    cccd = _join(pa.scalar("0" + u.code), pc.utf8_lpad(_str(d["cccd"]), 9, "0"))
    phone = _join(
        pa.array(["09", "08", "03", "07"]).take(pa.array(d["phone"] % 4)),
        pc.utf8_lpad(_str(d["phone"]), 8, "0"),
    )
    places = pa.array([a.name.removeprefix("UBND ") for a in ags]).take(pa.array(d["loc"]))
    addr = _join(pa.array(cat.STREETS).take(pa.array(d["street"])), places, pa.scalar(u.name), sep=", ")
    table = pa.table(
        [
            code,
            proc_code,
            proc_name,
            field_code,
            field_name,
            a_code,
            a_name,
            channel,
            _ts(d["recv"]),
            _ts(d["appt"]),
            comp,
            status_txt,
            _str(sup_count),
            wait_s,
            fee,
            pay,
            _str(d["digit"]),
            _str(d["eres"]),
            _str(d["vneid"]),
            names,
            cccd,
            phone,
            addr,
            _ts(updated_at(d, t_end)),
        ],
        names=DOSSIER_COLUMNS,
    )
    assert table.num_rows == n
    _write_csv(path, table)
    return n


def write_service_csv(path: Path, t: UnitTables, y: int, m: int) -> int:
    old_wording = (y, m) < (2023, 7)
    rows = t.services
    wording = 1 if old_wording else 0  # catalogues before 2023-07 wrote Mức độ 4 / Mức độ 3
    level = [ONLINE_LEVEL.labels[r[3]][wording] for r in rows]
    cols = [
        pa.array([r[0] for r in rows], pa.string()),
        pa.array([r[1] for r in rows], pa.string()),
        pa.array([r[2] for r in rows], pa.string()),
        pa.array(level, pa.string()),
        pa.array([r[4] for r in rows], pa.string()),
        pa.array([r[5] for r in rows], pa.string()),
        pa.array([r[6] for r in rows], pa.string()),
        pa.array([r[7] for r in rows], pa.string()),
    ]
    _write_csv(path, pa.table(cols, names=SERVICE_COLUMNS))
    return len(rows)


# --------------------------------------------------------------------------------------------------------
def _workbook(path: Path, **opts) -> xlsxwriter.Workbook:
    """Small workbooks are assembled in memory (no temp files); large ones stream rows (constant_memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not opts.get("constant_memory"):
        opts = {**opts, "in_memory": True}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False, **opts})
    wb.set_properties({"created": FIXED_CREATED, "author": "chiso sample", "title": path.stem})
    return wb


BIEU06_FIELDS = list(exports.BIEU06_MEASURES.values())  # columns (3)..(13)


def bieu06_counts(cls: dict[str, np.ndarray], agency: np.ndarray, n_agencies: int) -> np.ndarray:
    """int[n_agencies, 11] in the order of BIEU06_FIELDS (columns (3)..(13))."""

    def bc(mask):
        return np.bincount(agency[mask], minlength=n_agencies)

    new_on, new_oth, carried = bc(cls["new_online"]), bc(cls["new_other"]), bc(cls["carried"])
    early, on_time, late = bc(cls["early"]), bc(cls["on_time"]), bc(cls["late"])
    within, overdue = bc(cls["pending_within"]), bc(cls["pending_overdue"])
    out = np.stack(
        [
            new_on + new_oth + carried,
            new_on,
            new_oth,
            carried,
            early + on_time + late,
            early,
            on_time,
            late,
            within + overdue,
            within,
            overdue,
        ],
        axis=1,
    )
    return out.astype(np.int64)


def _dotted(v: int) -> str:
    return f"{v:,}".replace(",", ".")


def write_bieu06(path: Path, u: Unit, y: int, m: int, counts: np.ndarray, as_text: bool) -> None:
    wb = _workbook(path)
    ws = wb.add_worksheet("Bieu06")
    bold = wb.add_format({"bold": True})
    center = wb.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
    )
    cell = wb.add_format({"border": 1, "num_format": "#,##0"})
    cell_b = wb.add_format({"border": 1, "num_format": "#,##0", "bold": True})
    txt = wb.add_format({"border": 1})
    txt_b = wb.add_format({"border": 1, "bold": True})
    first = date(y, m, 1)
    last = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 48)
    ws.set_column(2, 12, 11)
    ws.write(0, 0, "Biểu số 06/VPCP/KSTT", bold)
    ws.write(
        1,
        0,
        "TỔNG HỢP TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP "
        "GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        bold,
    )
    ws.write(2, 0, f"Kỳ báo cáo: Tháng {m:02d} năm {y} (Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y})")
    ws.write(3, 0, f"Đơn vị báo cáo: {u.root_name}")
    ws.write(4, 0, "Đơn vị nhận báo cáo: Văn phòng Chính phủ")
    ws.write(5, 0, "Đơn vị tính: Số hồ sơ TTHC")
    h = 7
    ws.merge_range(h, 0, h + 2, 0, "STT", center)
    ws.merge_range(h, 1, h + 2, 1, "Lĩnh vực, công việc giải quyết theo cấp", center)
    ws.merge_range(h, 2, h, 5, "Số hồ sơ nhận giải quyết", center)
    ws.merge_range(h, 6, h, 9, "Số hồ sơ đã giải quyết", center)
    ws.merge_range(h, 10, h, 12, "Số hồ sơ đang giải quyết", center)
    ws.merge_range(h + 1, 2, h + 2, 2, "Tổng số", center)
    ws.merge_range(h + 1, 3, h + 1, 5, "Trong đó", center)
    for c, label in (
        (6, "Tổng số"),
        (7, "Trước hạn"),
        (8, "Đúng hạn"),
        (9, "Quá hạn"),
        (10, "Tổng số"),
        (11, "Trong hạn"),
        (12, "Quá hạn"),
    ):
        ws.merge_range(h + 1, c, h + 2, c, label, center)
    ws.write(h + 2, 3, "Số mới tiếp nhận trực tuyến", center)
    ws.write(h + 2, 4, "Số mới tiếp nhận trực tiếp và qua dịch vụ bưu chính công ích", center)
    ws.write(h + 2, 5, "Số kỳ trước chuyển qua", center)
    for c in range(13):
        ws.write(h + 3, c, f"({c + 1})", center)
    row = h + 4

    def put(r: int, stt: str, name: str, vals: np.ndarray, strong: bool) -> None:
        ws.write_string(r, 0, stt, txt_b if strong else txt)
        ws.write_string(r, 1, name, txt_b if strong else txt)
        for j, v in enumerate(vals.tolist()):
            if as_text:
                ws.write_string(r, 2 + j, _dotted(int(v)), txt_b if strong else txt)
            else:
                ws.write_number(r, 2 + j, int(v), cell_b if strong else cell)

    sections = [("I", "Sở, ban, ngành", [a for a in u.agencies if a.kind == "dept"])]
    local = [a for a in u.agencies if a.kind != "dept"]
    sections.append(("II", "UBND cấp xã" if u.is_new else "UBND cấp huyện", local))
    put(row, "", "TỔNG CỘNG", counts.sum(axis=0), True)
    row += 1
    for roman, sname, ags in sections:
        idx = np.array([a.idx for a in ags], dtype=np.int64)
        put(row, roman, sname, counts[idx].sum(axis=0), True)
        row += 1
        for i, a in enumerate(ags, 1):
            put(row, str(i), a.name, counts[a.idx], False)
            row += 1
    wb.close()


# --------------------------------------------------------------------------------------------------------
def write_register(
    path: Path, u: Unit, y: int, m: int, rng: np.random.Generator, per_month: int, electronic_share: float
) -> int:
    from chiso_sample.dossiers import busday, month_bounds

    start, nxt = month_bounds(y, m)
    all_days = np.arange(start, nxt, dtype="datetime64[D]")
    from chiso_sample.dossiers import holiday_days

    workdays = all_days[np.is_busday(all_days, holidays=holiday_days())]
    n = int(rng.poisson(per_month * u.weight))
    ags = u.agencies
    w = np.array([3.0 if a.kind == "dept" else 1.0 for a in ags])
    agency = np.sort(rng.choice(len(ags), size=n, p=w / w.sum()))
    outgoing = rng.random(n) < 0.45
    secret = rng.random(n) < 0.01
    electronic = ~secret & (rng.random(n) < electronic_share)
    signed = electronic & (rng.random(n) < 0.96)
    dtype = rng.integers(0, len(cat.DOC_TYPES), size=n)
    subj = rng.integers(0, len(cat.DOC_SUBJECTS), size=n)
    issued = workdays[rng.integers(0, len(workdays), size=n)]
    has_due = ~outgoing & (rng.random(n) < 0.55)
    due = busday(issued, rng.integers(3, 16, size=n))
    done = has_due & (rng.random(n) < 0.85)
    comp = busday(issued, rng.integers(1, 20, size=n))
    issuer_kind = rng.random(n)
    issuer_agency = rng.integers(0, len(ags), size=n)
    ministry = rng.integers(0, len(cat.MINISTRIES), size=n)
    num_in = rng.integers(1, 9000, size=n)
    fam, giv = rng.integers(0, len(cat.FAMILY), size=n), rng.integers(0, len(cat.GIVEN), size=n)
    order = np.lexsort((issued, agency))
    secret_level = np.where(rng.random(n) < 0.8, CONFIDENTIALITY.label("secret"),
                            np.where(rng.random(n) < 0.8, CONFIDENTIALITY.label("top_secret"),
                                     CONFIDENTIALITY.label("absolute_secret")))
    wb = _workbook(path, constant_memory=n > CONSTANT_MEMORY_ROWS)
    ws = wb.add_worksheet(exports.REGISTER_SHEET)
    ws.write_string(0, 0, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - ĐI")
    ws.write_string(1, 0, f"Tháng {m:02d}/{y} - {u.root_name}")
    header = [label for label, _ in exports.REGISTER_HEADER]
    for c, hname in enumerate(header):
        ws.write_string(3, c, hname)
    seq_out: dict[int, int] = {}
    seq_in: dict[int, int] = {}
    base = (m - 1) * 400
    for r, i in enumerate(order.tolist(), 1):
        a = ags[int(agency[i])]
        tname, tabbr = cat.DOC_TYPES[int(dtype[i])]
        if outgoing[i]:
            k = seq_out[a.idx] = seq_out.get(a.idx, base) + 1
            number = f"{k}/{tabbr + '-' if tabbr else ''}{a.abbr}" if tabbr else f"{k}/{a.abbr}-VP"
            issuer = a.name
        else:
            k = seq_in[a.idx] = seq_in.get(a.idx, 0) + 1
            if issuer_kind[i] < 0.3:
                issuer, mabbr = cat.MINISTRIES[int(ministry[i])]
                number = f"{17 * k + int(num_in[i]) % 17}/{(tabbr + '-') if tabbr else ''}{mabbr}"
            else:
                src = ags[int(issuer_agency[i])]
                issuer = src.name
                number = f"{17 * k + int(num_in[i]) % 17}/{(tabbr + '-') if tabbr else ''}{src.abbr}"
        subject = cat.DOC_SUBJECTS[int(subj[i])].format(
            y=y, m=m, name=f"{cat.FAMILY[int(fam[i])]} {cat.GIVEN[int(giv[i])]}"
        )
        iss = issued[i].astype(date)
        vals = [
            str(r),
            number,
            f"{iss:%d/%m/%Y}",
            tname,
            subject,
            issuer,
            a.code,
            DOCUMENT_DIRECTION.label("outgoing" if outgoing[i] else "incoming"),
            DOCUMENT_FORM.label("electronic" if electronic[i] else "paper"),
            YES_NO.label(bool(signed[i])),
            str(secret_level[i]) if secret[i] else CONFIDENTIALITY.label("normal"),
            f"{due[i].astype(date):%d/%m/%Y}" if has_due[i] else "",
            f"{comp[i].astype(date):%d/%m/%Y}" if done[i] else "",
        ]
        for c, v in enumerate(vals):
            if v != "":
                ws.write_string(r + 3, c, v)
    wb.close()
    return n
