"""Source parsers: dossier CSV/JSON, Biểu 06, document register, catalogue, 766 captures, detection."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
import xlsxwriter
from chiso import contracts as schemas
from chiso.contracts.exports import DOSSIER_CSV_COLUMNS
from chiso.sources import SOURCE_OF_FORMAT, detect, parse, pii
from chiso.sources.base import ParseError
from chiso.sources.dvc.api766 import parse_766
from chiso.sources.dvc.catalogue import parse_catalogue
from chiso.sources.motcua.bieu06 import parse_bieu06_xlsx
from chiso.sources.motcua.dossier import parse_dossier_csv
from chiso.sources.tables import arrow_schema

CAPTURES_766 = Path(__file__).resolve().parents[1] / "fixtures" / "dvcqg-766"
GROUPS = [
    "transparency",
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "handling-satisfaction",
    "dossier-digitized",
]

CCCD = "038099012345"
HEADER = list(DOSSIER_CSV_COLUMNS)
PERSONAL = {"name": "Nguyễn Thị Bích", "phone": "0912345678", "address": "Số 7 phố Kim Đồng, Cao Bằng"}


def dossier(code: str, **kw) -> dict:
    r = dict(  # noqa: C408
        MaHoSo=code,
        MaTTHC="1.001612",
        TenTTHC="Cấp phiếu lý lịch tư pháp",
        MaLinhVuc="LLTP",
        TenLinhVuc="Lý lịch tư pháp",
        MaCoQuan="H13.05",
        TenCoQuan="Sở Tư pháp tỉnh Cao Bằng",
        KenhThucHien="2",
        NgayTiepNhan="15/01/2023 08:42:10",
        NgayHenTra="22/01/2023 17:00:00",
        NgayKetThucXuLy="20/01/2023 10:00:00",
        TrangThaiHoSo="Đã trả kết quả",
        SoLanBoSung="0",
        SoNgayChoBoSung="2,5",
        PhiLePhi="50000",
        DuocThanhToanTrucTuyen="1",
        HoSoCoThanhPhanSoHoa="1",
        CoKetQuaDienTu="0",
        TaiKhoanDuocXacThucVoiVNeID="1",
        HoTenNguoiNop=PERSONAL["name"],
        SoCCCD=CCCD,
        SoDienThoai=PERSONAL["phone"],
        DiaChi=PERSONAL["address"],
        NgayCapNhat="20/01/2023 10:00:00",
    )
    r.update(kw)
    return r


def write_csv(path: Path, rows: list[dict], header=HEADER, delimiter=",", encoding="utf-8-sig") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, errors="replace", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def all_text(batch) -> str:
    parts = []
    for t in batch.tables.values():
        for col in t.columns:
            if pa.types.is_string(col.type):
                parts.extend(str(v) for v in col.to_pylist() if v is not None)
    return " ".join(parts)


def check_schema(batch):
    for ds, t in batch.tables.items():
        assert t.schema == arrow_schema(ds), ds
        assert t.column_names == ["source_row"] + [c for c, _ in schemas.columns(ds)]


# --------------------------------------------------------------------------------------- dossier CSV


@pytest.fixture
def good_csv(chiso_data, tmp_path) -> Path:
    rows = [
        dossier("H13.05-230115-0001"),
        dossier(
            "H13.05-230115-0002",
            KenhThucHien="",
            NgayKetThucXuLy="",
            TrangThaiHoSo="Đang xử lý",
            PhiLePhi="",
            DuocThanhToanTrucTuyen="",
            SoNgayChoBoSung="0",
        ),
        dossier(
            "H13.05-230115-0003",
            KenhThucHien="3",
            TrangThaiHoSo="Công dân yêu cầu rút hồ sơ",
            PhiLePhi="1.250.000",
            SoCCCD="",
        ),
    ]
    return write_csv(tmp_path / "hoso_04_2023-01.csv", rows)


def test_dossier_csv_parses(good_csv):
    b = parse_dossier_csv(good_csv)
    check_schema(b)
    assert (b.source_system, b.format, b.main_dataset) == ("motcua", "motcua-dossier-csv", "motcua_dossier")
    assert (b.period_start, b.period_end) == (date(2023, 1, 1), date(2023, 1, 31))
    assert b.rows_read == 3 and b.rows_accepted == 3 and b.rejects == []
    rows = b.tables["motcua_dossier"].to_pylist()
    r1, r2, r3 = rows
    assert r1["source_row"] == 1 and r3["source_row"] == 3
    assert r1["period_month"] == date(2023, 1, 1)
    assert r1["received_at"] == datetime(2023, 1, 15, 8, 42, 10)
    assert r1["status"] == "returned" and r1["status_raw"] == "Đã trả kết quả"
    assert r1["supplement_wait_days"] == 2.5 and r1["fee_amount"] == 50000 and r1["channel"] == 2
    assert r1["has_digitised_components"] is True and r1["has_electronic_result"] is False
    assert r2["channel"] == 1  # empty = counter
    assert r2["completed_at"] is None and r2["fee_amount"] is None and r2["online_payment"] is None
    assert r3["status"] == "withdrawn" and r3["fee_amount"] == 1250000 and r3["applicant_key"] is None
    expected = hmac.new(pii.pii_key(), CCCD.encode(), hashlib.sha256).hexdigest()
    assert r1["applicant_key"] == expected == pii.hmac_hex(CCCD)


def test_dossier_csv_personal_data_never_leaves(chiso_data, tmp_path):
    rows = [
        dossier("H13.05-230115-0001"),
        dossier("H13.05-230115-0002", TrangThaiHoSo="Không rõ"),
        dossier("H13.05-230115-0001"),
        dossier("H13.05-230115-0004", NgayTiepNhan="31/02/2023 08:00:00"),
    ]
    b = parse_dossier_csv(write_csv(tmp_path / "hoso_04_2023-01.csv", rows))
    cols = set(b.tables["motcua_dossier"].column_names)
    assert not cols & {
        "HoTenNguoiNop",
        "SoCCCD",
        "SoDienThoai",
        "DiaChi",
        "applicant_name",
        "phone",
        "address",
    }
    text = all_text(b) + " ".join(e.describe("f") for e in b.rejects) + repr(b.meta)
    for secret in [CCCD, *PERSONAL.values()]:
        assert secret not in text
    assert len(b.rejects) == 3


def test_dossier_row_errors(chiso_data, tmp_path):
    rows = [
        dossier("H13.05-230115-0001"),
        dossier("H13.05-230115-0001"),  # duplicate
        dossier("H13.05-230115-0003", NgayTiepNhan="31/02/2023 08:00:00"),  # impossible date
        dossier("H13.05-230115-0004", SoLanBoSung="hai"),  # text in a number column
        dossier("H13.05-230115-0005", KenhThucHien="7"),  # unknown channel
        dossier("H13.05-230115-0006", TrangThaiHoSo="Đang treo"),  # unknown status
        dossier("H13.05-230115-0007", NgayHenTra="10/01/2023 08:00:00"),  # appointment before received
        dossier("H13.05-230115-0008", PhiLePhi="năm mươi nghìn"),
        dossier("H13.05-230115-0009", SoNgayChoBoSung="93,"),
        dossier("H13.05-230115-0010", NgayHenTra="2023-01-22 17:00:00"),  # not day-first
        dossier("H13.05-230115-0011", HoSoCoThanhPhanSoHoa="có"),
        dossier(
            "",
        ),
        dossier("H13.05-230115-0013", TrangThaiHoSo="đã trả kết quả "),  # tolerated: case/space
    ]
    b = parse_dossier_csv(write_csv(tmp_path / "hoso_04_2023-01.csv", rows))
    assert b.rows_read == 13
    assert b.rows_accepted == 2 and b.rows_rejected == 11
    assert b.rows_read == b.rows_accepted + b.rows_rejected
    kept = b.tables["motcua_dossier"].column("source_row").to_pylist()
    assert kept == [1, 13]
    by_row = {e.row: e for e in b.rejects}
    assert by_row[2].column == "MaHoSo" and "duplicate" in by_row[2].message
    assert by_row[3].column == "NgayTiepNhan" and by_row[3].found == "31/02/2023 08:00:00"
    assert (
        by_row[4].column == "SoLanBoSung"
        and by_row[4].found == "hai"
        and "whole number" in by_row[4].expected
    )
    assert by_row[5].column == "KenhThucHien" and by_row[5].found == "7"
    assert by_row[6].column == "TrangThaiHoSo" and by_row[6].found == "Đang treo"
    assert by_row[7].column == "NgayHenTra" and "before" in by_row[7].message
    assert by_row[8].column == "PhiLePhi"
    assert by_row[9].column == "SoNgayChoBoSung" and by_row[9].found == "93,"
    assert by_row[10].column == "NgayHenTra"
    assert by_row[11].column == "HoSoCoThanhPhanSoHoa"
    assert by_row[12].column == "MaHoSo"
    msg = by_row[6].describe("hoso_04_2023-01.csv")
    assert "hoso_04_2023-01.csv" in msg and "row 6" in msg and "TrangThaiHoSo" in msg and "expected" in msg
    assert "Đang treo" in msg


def test_dossier_period_from_data(chiso_data, tmp_path):
    b = parse_dossier_csv(
        write_csv(
            tmp_path / "export.csv",
            [
                dossier("A-1"),
                dossier("A-2", NgayTiepNhan="02/02/2023 09:00:00", NgayHenTra="09/02/2023 09:00:00"),
            ],
        )
    )
    assert b.period_start == date(2023, 2, 1)
    assert set(b.tables["motcua_dossier"].column("period_month").to_pylist()) == {date(2023, 2, 1)}


@pytest.mark.parametrize("name", ["hoso_04_2023-01.csv", "export.csv"])  # period from the name / the data
def test_dossier_streamed_to_parquet_is_the_in_memory_table(chiso_data, tmp_path, name, monkeypatch):
    """With an output folder the table is streamed to Parquet batch by batch; rows found later to be
    duplicates are dropped by rewriting it. The file holds exactly the table parsed in memory."""
    import pyarrow.parquet as pq
    from chiso.sources import WrittenTable
    from chiso.sources.motcua import dossier as motcua

    monkeypatch.setattr(motcua, "BATCH_ROWS", 4)  # several batches, duplicates across them
    rows = [dossier(f"H13.05-230115-{i:04d}") for i in range(1, 12)]
    rows[2] = dossier("H13.05-230115-0001")  # duplicate of row 1, in the first batch
    rows[6] = dossier("H13.05-230115-0002", KenhThucHien="7")  # a bad row with a duplicate code: the duplicate
    rows[9] = dossier("H13.05-230115-0005")  # duplicate of row 5, in the third batch
    rows[10] = dossier("H13.05-230115-0011", NgayTiepNhan="31/02/2023 08:00:00")
    rows.append(dossier("H13.05-230115-0002"))  # duplicate of row 2 (row 7 was rejected, row 2 is first)
    rows.append(dossier("H13.05-230115-0013", NgayTiepNhan="02/02/2023 09:00:00", NgayHenTra="09/02/2023 09:00:00"))
    src = write_csv(tmp_path / name, rows)
    memory = parse_dossier_csv(src)
    out = tmp_path / "work"
    out.mkdir()
    streamed = parse(src, out_dir=out)
    written = streamed.tables["motcua_dossier"]
    assert isinstance(written, WrittenTable) and written.path == out / "motcua_dossier.parquet"
    table = pq.read_table(written.path)
    assert table.schema == arrow_schema("motcua_dossier")
    assert table.to_pylist() == memory.tables["motcua_dossier"].to_pylist()
    assert written.num_rows == table.num_rows == streamed.rows_accepted == memory.rows_accepted == 8
    assert streamed.rejects == memory.rejects and streamed.rows_read == memory.rows_read == 13
    assert {e.row: e.column for e in streamed.rejects} == {3: "MaHoSo", 7: "MaHoSo", 10: "MaHoSo",
                                                           11: "NgayTiepNhan", 12: "MaHoSo"}
    assert (streamed.period_start, streamed.meta) == (memory.period_start, memory.meta)
    assert sorted(p.name for p in out.iterdir()) == ["motcua_dossier.parquet"], "no partial files left"


def test_dossier_stream_error_leaves_no_file(chiso_data, tmp_path):
    good = write_csv(tmp_path / "full.csv", [dossier(f"A-{i}") for i in range(30)])
    lines = good.read_text(encoding="utf-8-sig").splitlines()
    lines[25] = lines[25].rsplit(",", 5)[0]
    bad = tmp_path / "hoso_04_2023-01.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "work"
    out.mkdir()
    with pytest.raises(ParseError) as ei:
        parse(bad, out_dir=out)
    assert ei.value.error.row == 25 and "number of fields" in str(ei.value)
    assert list(out.iterdir()) == []


def test_dossier_nfd_input_is_normalised(chiso_data, tmp_path):
    import unicodedata

    rows = [
        dossier(
            "A-1",
            TrangThaiHoSo=unicodedata.normalize("NFD", "Đã trả kết quả"),
            TenCoQuan=unicodedata.normalize("NFD", "Sở Tư pháp tỉnh Cao Bằng"),
        )
    ]
    b = parse_dossier_csv(write_csv(tmp_path / "hoso_04_2023-01.csv", rows))
    r = b.tables["motcua_dossier"].to_pylist()[0]
    assert r["status"] == "returned" and r["agency_name"] == "Sở Tư pháp tỉnh Cao Bằng"


def _raises(path, *needles) -> ParseError:
    with pytest.raises(ParseError) as ei:
        parse(path)
    text = str(ei.value)
    assert Path(path).name in text and "expected" in text and "found" in text
    for n in needles:
        assert n in text, (n, text)
    for secret in [CCCD, *PERSONAL.values()]:
        assert secret not in text
    return ei.value


def test_file_level_errors(chiso_data, tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    empty = d / "hoso_04_2023-01.csv"
    empty.write_bytes(b"")
    _raises(empty, "empty")

    header_only = write_csv(d / "hoso_04_2023-02.csv", [])
    _raises(header_only, "header row only")

    semi = write_csv(d / "hoso_04_2023-03.csv", [dossier("A-1")], delimiter=";")
    _raises(semi, "semicolon")

    missing = write_csv(
        d / "hoso_04_2023-04.csv", [dossier("A-1")], header=[h for h in HEADER if h != "NgayHenTra"]
    )
    e = _raises(missing, "NgayHenTra")
    assert e.error.column == "NgayHenTra"

    renamed_header = [("Ngay_Tiep_Nhan" if h == "NgayTiepNhan" else h) for h in HEADER]
    renamed = d / "hoso_04_2023-05.csv"
    with renamed.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(renamed_header)
        w.writerow([dossier("A-1")[h] for h in HEADER])
    _raises(renamed, "NgayTiepNhan", "Ngay_Tiep_Nhan")

    good = write_csv(d / "full.csv", [dossier("A-1"), dossier("A-2"), dossier("A-3")])
    raw = good.read_bytes()
    truncated = d / "hoso_04_2023-06.csv"
    truncated.write_bytes(raw[: len(raw) - 60])
    _raises(truncated, "truncated")

    unterminated = d / "hoso_04_2023-07.csv"
    unterminated.write_bytes(raw.rstrip(b"\r\n") + b'\r\nA-9,"1.001612,unterminated')
    _raises(unterminated, "unterminated")

    cp = write_csv(d / "hoso_04_2023-08.csv", [dossier("A-1", TenCoQuan="Sở Tư pháp")], encoding="cp1258")
    _raises(cp, "UTF-8", "re-export")

    tcvn = d / "hoso_04_2023-09.csv"
    tcvn.write_bytes(
        good.read_bytes()
        .decode("utf-8-sig")
        .replace("Sở Tư pháp tỉnh Cao Bằng", "Së T\xad ph¸p tØnh Cao B»ng")
        .replace("Lý lịch tư pháp", "Lý lÞch t\xad ph¸p")
        .replace("Cấp phiếu", "CÊp phiÕu")
        .replace("Đã trả kết quả", "§· tr¶ kÕt qu¶")
        .encode("latin-1", errors="replace")
    )
    _raises(tcvn, "UTF-8", "TCVN3")

    nohdr = d / "hoso_04_2023-10.csv"
    nohdr.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    _raises(nohdr, "header")


# --------------------------------------------------------------------------------------- dossier JSON


def test_dossier_json_pages(chiso_data, tmp_path):
    page1 = {
        "content": [
            {
                "code": "H13.05-230115-0001",
                "nationCode": "G22.99-1",
                "procedure": {"code": "1.001612", "name": "Cấp phiếu"},
                "sector": {"code": "LLTP", "name": "Lý lịch tư pháp"},
                "agency": {"code": "H13.05", "name": "Sở Tư pháp"},
                "applyMethod": {"id": 2, "name": "Trực tuyến"},
                "acceptedDate": "2023-01-15T01:42:10.000+0000",
                "appointmentDate": "2023-01-22T10:00:00Z",
                "completedDate": None,
                "status": {"code": "3", "name": "Đang xử lý"},
                "fee": {"amount": 50000},
                "onlinePayment": 1,
                "digitized": True,
                "hasElectronicResult": False,
                "vneidVerified": True,
                "applicant": {"identityNumber": CCCD, "fullname": PERSONAL["name"]},
                "eForm": {"data": {"address": PERSONAL["address"]}},
            },
        ],
        "number": 0,
        "totalPages": 2,
    }
    page2 = {
        "content": [
            {
                "code": "H13.05-230116-0002",
                "procedure": {"code": "1.001612", "name": "Cấp phiếu"},
                "agency": {"code": "H13.05", "name": "Sở Tư pháp"},
                "channel": "counter",
                "acceptedDate": "2023-01-16T08:00:00",
                "appointmentDate": "2023-01-10T08:00:00",
                "status": "returned",
            },
        ],
        "number": 1,
        "totalPages": 2,
    }
    p = tmp_path / "hoso_04_2023-01.json"
    p.write_text(json.dumps([page1, page2], ensure_ascii=False), encoding="utf-8")
    assert detect(p) == "motcua-dossier-json"
    b = parse(p)
    check_schema(b)
    assert b.format == "motcua-dossier-json" and b.rows_read == 2 and b.period_start == date(2023, 1, 1)
    r = b.tables["motcua_dossier"].to_pylist()[0]
    assert r["received_at"] == datetime(2023, 1, 15, 8, 42, 10)  # UTC -> Asia/Ho_Chi_Minh wall clock
    assert r["appointment_at"] == datetime(2023, 1, 22, 17, 0, 0)
    assert r["channel"] == 2 and r["status"] == "processing" and r["fee_amount"] == 50000
    assert r["applicant_key"] == pii.hmac_hex(CCCD)
    assert b.rejects[0].row == 2 and b.rejects[0].column == "NgayHenTra"
    text = all_text(b) + " ".join(e.describe("x") for e in b.rejects)
    assert CCCD not in text and PERSONAL["name"] not in text and PERSONAL["address"] not in text


# --------------------------------------------------------------------------------------- Biểu 06


def unit_figures(online, counter, carried, early, ontime, late, within):
    received = online + counter + carried
    resolved = early + ontime + late
    overdue = received - resolved - within
    return [
        received,
        online,
        counter,
        carried,
        resolved,
        early,
        ontime,
        late,
        within + overdue,
        within,
        overdue,
    ]


def write_bieu06(path: Path, *, total_delta: int = 0, text_numbers: bool = True, header: bool = True) -> dict:
    units = {
        "I": (
            "Sở, ban, ngành",
            [
                ("1", "Sở Tư pháp", unit_figures(120, 30, 10, 50, 60, 5, 30)),
                ("2", "Sở Xây dựng", unit_figures(80, 20, 0, 20, 40, 10, 20)),
            ],
        ),
        "II": (
            "UBND cấp xã",
            [
                ("1", "UBND xã Hoà An", unit_figures(900, 300, 34, 400, 500, 34, 200)),
                ("2", "UBND phường Hợp Giang", unit_figures(1000, 200, 50, 500, 400, 50, 250)),
            ],
        ),
    }
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Bieu06")
    bold = wb.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
    )
    num = wb.add_format({"num_format": "#,##0", "border": 1})
    ws.write(0, 0, "Biểu số 06/VPCP/KSTT")
    ws.merge_range(
        1, 0, 1, 12, "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT", bold
    )
    ws.merge_range(2, 0, 2, 12, "Kỳ báo cáo: Tháng 01 năm 2023 (Từ ngày 01/01/2023 đến ngày 31/01/2023)")
    ws.write(3, 0, "Đơn vị báo cáo: UBND tỉnh Cao Bằng")
    ws.write(4, 0, "Đơn vị nhận báo cáo: Văn phòng Chính phủ")
    ws.write(5, 0, "Đơn vị tính: Số hồ sơ TTHC")
    r0 = 7
    if header:
        ws.merge_range(r0, 0, r0 + 2, 0, "STT", bold)
        ws.merge_range(r0, 1, r0 + 2, 1, "Lĩnh vực, công việc giải quyết theo cấp", bold)
        ws.merge_range(r0, 2, r0, 5, "Số hồ sơ nhận giải quyết", bold)
        ws.merge_range(r0, 6, r0, 9, "Số hồ sơ đã giải quyết", bold)
        ws.merge_range(r0, 10, r0, 12, "Số hồ sơ đang giải quyết", bold)
        ws.merge_range(r0 + 1, 2, r0 + 2, 2, "Tổng số", bold)
        ws.merge_range(r0 + 1, 3, r0 + 1, 5, "Trong đó", bold)
        ws.write(r0 + 2, 3, "Số mới tiếp nhận trực tuyến", bold)
        ws.write(r0 + 2, 4, "Số mới tiếp nhận trực tiếp, bưu chính", bold)
        ws.write(r0 + 2, 5, "Số kỳ trước chuyển qua", bold)
        for c, lab in zip(
            range(6, 13), ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
        ):
            ws.merge_range(r0 + 1, c, r0 + 2, c, lab, bold)
        for c in range(13):
            ws.write(r0 + 3, c, f"({c + 1})", bold)
    else:
        ws.write(r0, 0, "Danh sách")
    sections = {k: [sum(f[i] for _, _, f in v[1]) for i in range(11)] for k, v in units.items()}
    total = [sum(s[i] for s in sections.values()) for i in range(11)]
    printed_total = list(total)
    printed_total[0] += total_delta
    r = r0 + 4

    def put(row, stt, name, figs, as_text=False):
        ws.write(row, 0, stt)
        ws.write(row, 1, name)
        for i, v in enumerate(figs):
            if as_text:
                ws.write_string(row, 2 + i, f"{v:,}".replace(",", "."))
            else:
                ws.write_number(row, 2 + i, v, num)

    put(r, "", "TỔNG CỘNG", printed_total)
    r += 1
    for code, (sname, us) in units.items():
        put(r, code, sname, sections[code])
        r += 1
        for stt, name, figs in us:
            put(r, stt, name, figs, as_text=text_numbers and name.startswith("UBND phường"))
            r += 1
    ws.write(r + 1, 1, "Người lập biểu")
    ws.write(r + 2, 1, "(Ký, ghi rõ họ tên)")
    wb.close()
    return {"total": total, "sections": sections, "units": units}


def test_bieu06_parses_and_reconciles(tmp_path):
    p = tmp_path / "bieu06_04_2023-01.xlsx"
    spec = write_bieu06(p)
    assert detect(p) == "motcua-bieu06-xlsx"
    b = parse(p)
    check_schema(b)
    assert (b.period_start, b.period_end) == (date(2023, 1, 1), date(2023, 1, 31))
    assert b.rejects == [] and b.rows_read == 7 and b.rows_accepted == 7
    rows = b.tables["motcua_bieu06"].to_pylist()
    assert [r["row_kind"] for r in rows] == ["total", "section", "unit", "unit", "section", "unit", "unit"]
    assert rows[0]["received_total"] == spec["total"][0] and rows[0]["section_code"] is None
    hg = rows[-1]
    assert hg["unit_name"] == "UBND phường Hợp Giang" and hg["unit_key"] == "hợp giang"
    assert hg["section_code"] == "II" and hg["section_name"] == "UBND cấp xã"
    assert hg["received_total"] == 1250 and hg["received_new_online"] == 1000  # "1.250" / "1.000" text cells
    assert rows[5]["unit_key"] == "hòa an"  # "Hoà" -> old-style key
    assert rows[0]["reporting_unit"] == "UBND tỉnh Cao Bằng"
    rec = b.meta["reconciliation"]
    assert rec and all(x["ok"] for x in rec) and b.meta["reconciled"] is True
    assert {x["scope"] for x in rec} == {
        "total vs units",
        "total vs sections",
        "section I vs units",
        "section II vs units",
    }
    assert b.meta["identities"] == []


def test_bieu06_wrong_total_is_reported(tmp_path):
    p = tmp_path / "bieu06_04_2023-01.xlsx"
    spec = write_bieu06(p, total_delta=7)
    b = parse_bieu06_xlsx(p)
    bad = [x for x in b.meta["reconciliation"] if not x["ok"]]
    assert {(x["scope"], x["column"]) for x in bad} == {
        ("total vs units", "received_total"),
        ("total vs sections", "received_total"),
    }
    x = bad[0]
    assert x["printed"] == spec["total"][0] + 7 and x["computed"] == spec["total"][0]
    assert b.meta["reconciled"] is False
    assert {i["identity"] for i in b.meta["identities"]} == {"(3)=(4)+(5)+(6)", "(3)=(7)+(11)"}
    assert b.rows_accepted == 7  # reported, not rejected


def test_bieu06_without_header_raises(tmp_path):
    p = tmp_path / "bieu06_04_2023-01.xlsx"
    write_bieu06(p, header=False)
    with pytest.raises(ParseError) as ei:
        parse(p)
    assert "bieu06_04_2023-01.xlsx" in str(ei.value) and "STT" in str(ei.value) and "header" in str(ei.value)


def test_bieu06_bad_number_rejects_row(tmp_path):
    import openpyxl

    p = tmp_path / "bieu06_04_2023-01.xlsx"
    write_bieu06(p)
    wb = openpyxl.load_workbook(p)
    ws = wb["Bieu06"]
    ws.cell(row=14, column=3).value = "12a"  # Sở Tư pháp, column (3)
    wb.save(p)
    b = parse_bieu06_xlsx(p)
    assert b.rows_rejected == 1
    e = b.rejects[0]
    assert e.row == 3 and e.column.startswith("(3)") and e.found == "12a"
    assert "row 3" in e.describe(p.name) and "expected" in e.describe(p.name)


def test_bieu06_error_cell_rejects_row(tmp_path):
    """A formula error in a figure (#REF!) rejects the row, as a bad number does: it is never read as empty."""
    import zipfile

    p = tmp_path / "bieu06_04_2023-01.xlsx"
    write_bieu06(p)
    patched = tmp_path / "bieu06_04_2023-02.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(patched, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):  # Sở Tư pháp, column (3): a formula gone wrong
                text = data.decode("utf-8")
                start = text.index('<c r="C14"')
                end = text.index("</c>", start) + 4
                text = text[:start] + '<c r="C14" t="e"><f>#REF!+1</f><v>#REF!</v></c>' + text[end:]
                data = text.encode("utf-8")
            out.writestr(item, data)
    b = parse_bieu06_xlsx(patched)
    assert b.rows_rejected == 1
    e = b.rejects[0]
    assert e.row == 3 and e.column.startswith("(3)") and e.found == "#REF!"


def test_workbook_reader_gives_openpyxl_values(tmp_path):
    """The XLSX reader (calamine) returns what openpyxl gives: codes as text with their leading zeros,
    whole numbers as int, date cells as datetime, empty cells as None, rows and columns from A1."""
    import openpyxl
    from chiso.sources.workbook import open_workbook

    p = tmp_path / "types.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"strings_to_numbers": False})
    ws = wb.add_worksheet("S")
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    stamp = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    ws.write_string(2, 1, "000.00.00.H13")
    ws.write_string(2, 2, "04")
    ws.write_number(2, 3, 4)
    ws.write_number(2, 4, 4.5)
    ws.write_number(2, 5, 1234567890123)
    ws.write_datetime(3, 1, datetime(2023, 1, 15), day)
    ws.write_datetime(3, 2, datetime(2023, 1, 15, 8, 42, 10), stamp)
    ws.write_number(3, 3, 7, wb.add_format({"num_format": "000"}))
    ws.write_boolean(3, 4, True)
    ws.write_formula(3, 5, "=1+1", None, 2)
    ws.merge_range(4, 1, 4, 3, "Sở Tư pháp")
    ws.write_string(5, 1, "  1.250  ")
    wb.close()
    ours = [tuple(r) for r in open_workbook(p)["S"].iter_rows(values_only=True)]
    theirs = [tuple(r) for r in openpyxl.load_workbook(p, read_only=True, data_only=True)["S"].iter_rows(values_only=True)]
    assert ours == theirs
    assert [[type(v) for v in r] for r in ours] == [[type(v) for v in r] for r in theirs]
    assert ours[2][1:4] == ("000.00.00.H13", "04", 4) and ours[3][1] == datetime(2023, 1, 15)


# --------------------------------------------------------------------------------------- document register

REG_HEADER = [
    "STT",
    "Số, ký hiệu",
    "Ngày văn bản",
    "Loại văn bản",
    "Trích yếu",
    "Cơ quan ban hành",
    "Mã cơ quan",
    "Văn bản đến/đi",
    "Hình thức",
    "Ký số",
    "Độ mật",
    "Hạn xử lý",
    "Ngày hoàn thành",
]
SUMMARY_SECRET = "Về việc cấp giấy cho ông Trần Văn Khách"


def reg_rows():
    return [
        [
            1,
            "12/QĐ-UBND",
            "05/01/2023",
            "Quyết định",
            SUMMARY_SECRET,
            "UBND tỉnh Cao Bằng",
            "H13.05",
            "Đi",
            "Điện tử",
            "Có",
            "Thường",
            "",
            "",
        ],
        [
            2,
            "345/STP-VP",
            datetime(2023, 1, 9),
            "Công văn",
            "Xin ý kiến",
            "Bộ Tư pháp",
            "H13.05",
            "Đến",
            "Giấy",
            "Không",
            "Mật",
            "20/01/2023",
            "18/01/2023",
        ],
        [
            3,
            "7/TB",
            "10/01/2023",
            "Thông báo",
            "x",
            "Sở Nội vụ",
            "H13.05",
            "Chuyển",
            "Điện tử",
            "Có",
            "Thường",
            "",
            "",
        ],
        [
            4,
            "8/TB",
            "31/02/2023",
            "Thông báo",
            "x",
            "Sở Nội vụ",
            "H13.05",
            "Đi",
            "Điện tử",
            "Có",
            "Tối mật",
            "",
            "",
        ],
    ]


def test_register_xlsx(tmp_path):
    p = tmp_path / "sovanban_04_2023-01.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("SoVanBan")
    ws.write(0, 0, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - ĐI")
    ws.write(1, 0, "Tháng 01/2023 - Sở Tư pháp tỉnh Cao Bằng")
    ws.write_row(3, 0, REG_HEADER)
    datef = wb.add_format({"num_format": "dd/mm/yyyy"})
    for i, r in enumerate(reg_rows()):
        for c, v in enumerate(r):
            if isinstance(v, datetime):
                ws.write_datetime(4 + i, c, v, datef)
            else:
                ws.write(4 + i, c, v)
    wb.close()
    assert detect(p) == "qlvb-register-xlsx"
    b = parse(p)
    check_schema(b)
    assert b.period_start == date(2023, 1, 1) and b.rows_read == 4 and b.rows_accepted == 2
    r1, r2 = b.tables["qlvb_document"].to_pylist()
    assert (r1["direction"], r1["form"], r1["digitally_signed"], r1["confidentiality"]) == (
        "outgoing",
        "electronic",
        True,
        "normal",
    )
    assert (
        r2["issued_on"] == date(2023, 1, 9)
        and r2["direction"] == "incoming"
        and r2["confidentiality"] == "secret"
    )
    assert r2["due_on"] == date(2023, 1, 20) and r2["completed_on"] == date(2023, 1, 18)
    assert r1["agency_code"] == "H13.05"
    assert SUMMARY_SECRET not in all_text(b)
    errs = {e.row: e for e in b.rejects}
    assert errs[3].column == "Văn bản đến/đi" and errs[3].found == "Chuyển"
    assert errs[4].column == "Ngày văn bản" and errs[4].found == "31/02/2023"


def test_register_csv(tmp_path):
    p = tmp_path / "sovanban_04_2023-01.csv"
    with p.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - ĐI"])
        w.writerow(["Tháng 01/2023 - Sở Tư pháp"])
        w.writerow([])
        w.writerow(REG_HEADER)
        for r in reg_rows()[:2]:
            w.writerow([v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v for v in r])
    assert detect(p) == "qlvb-register-csv"
    b = parse(p)
    assert b.rows_accepted == 2 and b.format == "qlvb-register-csv"
    assert SUMMARY_SECRET not in all_text(b)


# --------------------------------------------------------------------------------------- catalogue


def test_catalogue(tmp_path):
    p = tmp_path / "dichvu_04_2023-01.csv"
    rows = [
        ["MaDichVu", "MaTTHC", "TenDichVu", "MucDo", "TrangThai", "MaCoQuan", "TenCoQuan", "CoPhi"],
        ["DV001", "1.001612", "Cấp phiếu LLTP", "Toàn trình", "Đang công bố", "H13.05", "Sở Tư pháp", "Có"],
        [
            "DV002",
            "1.000001",
            "Đăng ký khai sinh",
            "Mức độ 3",
            "Chờ thu hồi",
            "H13.100",
            "UBND xã Hòa An",
            "Không",
        ],
        ["DV003", "1.000002", "X", "Mức độ 4", "Thử nghiệm", "H13.100", "UBND xã Hòa An", ""],
        ["DV004", "1.000003", "Y", "Mức độ 2", "Đang công bố", "H13.100", "UBND xã Hòa An", "Có"],
    ]
    with p.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert detect(p) == "dvc-catalogue-csv"
    b = parse_catalogue(p)
    check_schema(b)
    out = b.tables["dvc_service"].to_pylist()
    assert [(r["online_level"], r["state"], r["has_fee"]) for r in out] == [
        ("full", "published", True),
        ("partial", "pending_withdrawal", False),
        ("full", "testing", None),
    ]
    assert out[1]["level_raw"] == "Mức độ 3" and out[0]["snapshot_month"] == date(2023, 1, 1)
    assert b.rejects[0].row == 4 and b.rejects[0].column == "MucDo" and b.rejects[0].found == "Mức độ 2"


# --------------------------------------------------------------------------------------- 766


def _captures():
    return [(g, per) for g in GROUPS for per in ("month", "quarter", "year")]


@pytest.mark.parametrize("group, per", _captures())
def test_766_real_capture_parses_completely(group, per):
    path = CAPTURES_766 / group / f"{per}-all.json"
    raw = json.loads(path.read_text(encoding="utf-8"))["data"]
    assert detect(path) == "dvc-766-json"
    b = parse_766(path)
    check_schema(b)
    units = b.tables["dvc_766_unit"].to_pylist()
    measures = b.tables["dvc_766_measure"].to_pylist()
    assert len(units) == 164 and b.rows_read == 164 and b.rejects == []
    assert units[0]["is_root"] and sum(u["is_root"] for u in units) == 1
    expected_period = {
        "month": ("month", date(2026, 8, 1), date(2026, 8, 31)),
        "quarter": ("quarter", date(2026, 7, 1), date(2026, 9, 30)),
        "year": ("year", date(2026, 1, 1), date(2026, 12, 31)),
    }[per]
    assert (units[0]["period_type"], b.period_start, b.period_end) == expected_period
    assert all(u["group_code"] == group for u in units)
    assert units[0]["captured_at"].year == 2026 and units[0]["captured_at"].month == 9
    tree = "parent" in raw
    root = raw["parent"] if tree else raw["overview"]
    items = raw["children"] if tree else raw["evaluation"]
    by_id = {u["department_id"]: u for u in units}
    m_by = {}
    for m in measures:
        m_by.setdefault((m["department_id"], m["measure_code"]), []).append(m)
    sample = [root] + items[::9] + [items[-1]]
    for src in sample:
        u = by_id[src["departmentId"]]
        assert u["department_name"] == src["departmentName"]
        assert u["department_code"] == src.get("departmentCode")
        assert u["total_score"] == src.get("totalScore", src.get("score"))
        assert u["total_max_score"] == src.get("totalMaxScore", src.get("maxScore"))
        assert u["ratio"] == src.get("ratio")  # exact, nulls as nulls
        assert u["score_delta"] == src.get("scoreDelta")
        for met in src.get("metrics") or []:
            (m,) = m_by[(src["departmentId"], met["code"])]
            for k_out, k_in in (
                ("numerator", "numerator"),
                ("denominator", "denominator"),
                ("ratio", "ratio"),
                ("score", "score"),
                ("max_score", "maxScore"),
            ):
                assert m[k_out] == met.get(k_in), (met["code"], k_out)
            assert m["data_quality_status"] == met.get("dataQualityStatus")
            assert m["value"] is None
        for k, v in src.items():
            if k in (
                "totalReceived",
                "totalOnTime",
                "totalOverdue",
                "avgProcessingDays",
                "channelOnlineSum",
                "totalDossierOnlinePaymentSuccess",
                "totalFeeFormality",
                "totalPetitions",
                "totalDossiers",
                "authorityCount",
                "fullCount",
                "averageScore",
            ):
                (m,) = m_by[(src["departmentId"], k)]
                assert m["value"] == v
    # null metric values survive as nulls
    if not tree:
        nulls_in = sum(1 for it in [root] + items for met in it["metrics"] if met.get("score") is None)
        nulls_out = sum(1 for m in measures if m["numerator"] is not None and m["score"] is None)
        assert nulls_in == nulls_out


def test_766_period_from_file_name_and_range(tmp_path):
    d = tmp_path / "dvc" / "04" / "766" / "dvc-progress-tree"
    d.mkdir(parents=True)
    p = d / "month-2026-08.json"
    shutil.copy(CAPTURES_766 / "dvc-progress-tree" / "month-all.json", p)
    b = parse(p)
    assert (b.period_start, b.period_end, b.meta["period_source"]) == (
        date(2026, 8, 1),
        date(2026, 8, 31),
        "file name",
    )
    assert b.tables["dvc_766_unit"].column("captured_at").null_count == 164
    # a manifest with a non-calendar range -> period_type "range"
    h = tmp_path / "dvc" / "04" / "766" / "handling-satisfaction"
    h.mkdir()
    shutil.copy(CAPTURES_766 / "handling-satisfaction" / "month-all.json", h / "custom.json")
    (tmp_path / "dvc" / "04" / "766" / "manifest.json").write_text(
        json.dumps(
            {
                "captures": [
                    {
                        "file": "handling-satisfaction/custom.json",
                        "payload": {"fromDate": "2026-08-15", "toDate": "2026-09-14"},
                        "capturedAt": "2026-09-20T00:00:00+00:00",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    b = parse(h / "custom.json")
    u = b.tables["dvc_766_unit"].to_pylist()[0]
    assert (u["period_type"], u["period_start"], u["period_end"]) == (
        "range",
        date(2026, 8, 15),
        date(2026, 9, 14),
    )
    assert u["captured_at"] == datetime(2026, 9, 20)


def test_766_refusals(tmp_path):
    with pytest.raises(ParseError) as ei:
        parse(CAPTURES_766 / "formalities" / "page-1.json")
    assert "not an evaluation response" in str(ei.value) and "page-1.json" in str(ei.value)
    assert detect(CAPTURES_766 / "formalities" / "page-1.json") == "dvc-formalities-json"
    bad = tmp_path / "dvc-progress-tree" / "month-2026-08.json"
    bad.parent.mkdir()
    bad.write_text('{"code": "OK", "data": {"parent": {', encoding="utf-8")
    with pytest.raises(ParseError) as ei:
        parse_766(bad)
    assert "well-formed JSON" in str(ei.value) and "line 1" in str(ei.value)
    other = tmp_path / "transparency" / "month-2026-08.json"
    other.parent.mkdir()
    other.write_text('{"code": "OK", "data": {"rows": []}, "message": "OK"}', encoding="utf-8")
    with pytest.raises(ParseError) as ei:
        parse_766(other)
    assert "not an evaluation response" in str(ei.value)
    nop = tmp_path / "transparency" / "latest.json"
    shutil.copy(CAPTURES_766 / "transparency" / "month-all.json", nop)
    with pytest.raises(ParseError) as ei:
        parse_766(nop)
    assert "period" in str(ei.value)


# --------------------------------------------------------------------------------------- detection


def test_detect_unknown_and_mapping(tmp_path):
    assert set(SOURCE_OF_FORMAT.values()) == {"motcua", "qlvb", "dvc", "plans"}
    p = tmp_path / "notes.txt"
    p.write_text("hello", encoding="utf-8")
    with pytest.raises(ParseError) as ei:
        detect(p)
    assert "motcua-dossier-csv" in str(ei.value) and "notes.txt" in str(ei.value)
    j = tmp_path / "x.json"
    j.write_text('{"foo": 1}', encoding="utf-8")
    with pytest.raises(ParseError):
        parse(j)


def test_detect_by_content_not_name(chiso_data, tmp_path):
    p = write_csv(tmp_path / "export-from-vendor.csv", [dossier("A-1")])
    assert detect(p) == "motcua-dossier-csv"
    x = tmp_path / "report.xlsx"
    write_bieu06(x)
    assert detect(x) == "motcua-bieu06-xlsx"


# --------------------------------------------------------------------------------------- PII key


def test_pii_key_file_fallback(chiso_data, monkeypatch):
    import stat

    monkeypatch.delenv("CHISO_PII_KEY", raising=False)
    k1 = pii.pii_key()
    f = chiso_data / ".pii_key"
    assert f.is_file() and stat.S_IMODE(f.stat().st_mode) == 0o600
    assert len(k1) == 32 and pii.pii_key() == k1
    monkeypatch.setenv("CHISO_PII_KEY", "another")
    assert pii.pii_key() == b"another" != k1


def test_sql_hmac_matches_python(chiso_data, tmp_path):
    ids = ["001099000001", "  079188123456 ", "Ab\\x00ĐŨ"]
    rows = [dossier(f"A-{i}", SoCCCD=v) for i, v in enumerate(ids)]
    b = parse_dossier_csv(write_csv(tmp_path / "hoso_04_2023-01.csv", rows))
    got = b.tables["motcua_dossier"].column("applicant_key").to_pylist()
    assert got == [pii.hmac_hex(v) for v in ids]


def test_short_row_mid_file_is_a_file_error(chiso_data, tmp_path):
    good = write_csv(tmp_path / "full.csv", [dossier("A-1"), dossier("A-2"), dossier("A-3")])
    lines = good.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].rsplit(",", 5)[0]
    bad = tmp_path / "hoso_04_2023-01.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    e = _raises(bad, "number of fields")
    assert e.error.row == 2
