"""The sample exports generator (tools/sample, chiso_sample): layout, formats, internal consistency, determinism."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from chiso_sample import generate

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dvcqg-766"
MONTHS = ["2025-05", "2025-06", "2025-07", "2025-08"]
ENDPOINTS = [
    "transparency",
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "dossier-digitized",
    "handling-satisfaction",
]
TS = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$")
FINISHED = {"Đã xử lý xong", "Đã trả kết quả", "Dừng xử lý", "Từ chối", "Công dân yêu cầu rút hồ sơ"}
SPECIAL = {"Dừng xử lý", "Từ chối", "Công dân yêu cầu rút hồ sơ"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    lines: list[str] = []
    summary = generate(
        out,
        provinces=2,
        start=MONTHS[0],
        end=MONTHS[-1],
        dossiers_per_month=600,
        documents_per_month=40,
        progress=lines.append,
    )
    assert summary.total_dossiers > 0 and summary.files_written > 0
    assert len(lines) == 10  # 04 x4, 06 x2 (old Bắc Kạn), 19 x4 (old Thái Nguyên, then the new province)
    return out


def _hash_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_deterministic(tmp_path):
    kw = {
        "provinces": 1,
        "start": "2024-12",
        "end": "2025-01",
        "dossiers_per_month": 300,
        "documents_per_month": 20,
    }
    generate(tmp_path / "a", **kw)
    generate(tmp_path / "b", **kw)
    a, b = _hash_tree(tmp_path / "a"), _hash_tree(tmp_path / "b")
    assert a and a == b
    generate(tmp_path / "c", seed=7, **kw)
    assert _hash_tree(tmp_path / "c") != a


def test_units_generated_side_by_side_write_the_same_files(tmp_path):
    kw = {"provinces": 2, "start": "2025-05", "end": "2025-08", "dossiers_per_month": 200,
          "documents_per_month": 20}
    one_lines: list[str] = []
    two_lines: list[str] = []
    one = generate(tmp_path / "one", progress=one_lines.append, **kw)
    two = generate(tmp_path / "two", progress=two_lines.append, workers=2, **kw)
    assert _hash_tree(tmp_path / "one") == _hash_tree(tmp_path / "two")
    assert one_lines == two_lines and len(one_lines) == 10  # every unit's months, in the units' order
    assert (one.files, one.rows, one.total_dossiers, one.files_written) == \
        (two.files, two.rows, two.total_dossiers, two.files_written)


def test_layout(sample):
    expected = {("04", m) for m in MONTHS} | {("06", m) for m in MONTHS[:2]} | {("19", m) for m in MONTHS}
    for pp, ym in expected:
        assert (sample / "motcua" / pp / f"hoso_{pp}_{ym}.csv").is_file()
        assert (sample / "motcua" / pp / f"bieu06_{pp}_{ym}.xlsx").is_file()
        assert (sample / "qlvb" / pp / f"sovanban_{pp}_{ym}.xlsx").is_file()
        assert (sample / "dvc" / pp / f"dichvu_{pp}_{ym}.csv").is_file()
        for ep in ENDPOINTS:
            assert (sample / "dvc" / pp / "766" / ep / f"month-{ym}.json").is_file()
    assert not (sample / "motcua" / "06" / "hoso_06_2025-07.csv").exists()  # Bắc Kạn merged into Thái Nguyên
    for pp in ("04", "06", "19"):
        man = json.loads((sample / "dvc" / pp / "766" / "manifest.json").read_text(encoding="utf-8"))
        assert man["captures"]
        for c in man["captures"]:
            body = (sample / "dvc" / pp / "766" / c["file"]).read_bytes()
            assert c["sha256"] == hashlib.sha256(body).hexdigest() and c["bytes"] == len(body)
            assert c["httpStatus"] == 201 and c["method"] == "POST"
            p = c["payload"]
            if c["file"].startswith("handling-satisfaction"):
                assert set(p) == {"rootDepartmentId", "currentPage", "pageSize", "fromDate", "toDate"}
            else:
                assert p["timeType"] == "month" and f"{p['year']:04d}-{p['month']:02d}" in c["file"]


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_dossier_csv_formats(sample):
    path = sample / "motcua" / "04" / "hoso_04_2025-05.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == [
        "MaHoSo",
        "MaTTHC",
        "TenTTHC",
        "MaLinhVuc",
        "TenLinhVuc",
        "MaCoQuan",
        "TenCoQuan",
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
        "HoTenNguoiNop",
        "SoCCCD",
        "SoDienThoai",
        "DiaChi",
        "NgayCapNhat",
    ]
    rows = _read_csv(path)
    assert len(rows) > 100
    codes = [r["MaHoSo"] for r in rows]
    assert len(set(codes)) == len(codes)
    for r in rows:
        assert re.fullmatch(r"H14\.\d{2,3}-\d{6}-\d{4}", r["MaHoSo"]) and r["MaHoSo"].startswith(
            r["MaCoQuan"] + "-"
        )
        assert re.fullmatch(r"[12]\.\d{6}", r["MaTTHC"])
        assert TS.match(r["NgayTiepNhan"]) and TS.match(r["NgayHenTra"]) and TS.match(r["NgayCapNhat"])
        assert r["NgayHenTra"].endswith("17:00:00")
        assert (r["NgayKetThucXuLy"] != "") == (r["TrangThaiHoSo"] in FINISHED)
        assert r["KenhThucHien"] in {"", "1", "2", "3"}
        assert re.fullmatch(r"0\d{11}", r["SoCCCD"]) and re.fullmatch(r"0\d{9}", r["SoDienThoai"])
        assert r["HoTenNguoiNop"] and r["DiaChi"]
        assert re.fullmatch(r"(\d+(,\d)?)?", r["SoNgayChoBoSung"])
        assert (r["PhiLePhi"] == "") == (r["DuocThanhToanTrucTuyen"] == "")
        received = datetime.strptime(r["NgayTiepNhan"], "%d/%m/%Y %H:%M:%S")
        assert 7 <= received.hour <= 17 and received.weekday() < 5
    chan = Counter(r["KenhThucHien"] for r in rows)
    assert chan["2"] > 0 and chan["1"] > 0
    # dossiers received in May and finished in June show up again in June's file, finished
    june = {r["MaHoSo"]: r for r in _read_csv(sample / "motcua" / "04" / "hoso_04_2025-06.csv")}
    carried = [c for c in codes if c in june]
    assert carried and all(june[c]["NgayKetThucXuLy"] for c in carried)  # old province closes all in June


def _bieu06(path: Path) -> list[tuple[str, str, list[int]]]:
    ws = openpyxl.load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "(1)") + 1
    out = []
    for r in rows[start:]:
        vals = [int(str(v).replace(".", "")) if isinstance(v, str) else int(v) for v in r[2:13]]
        out.append((r[0] or "", r[1], vals))
    return out


def _recompute(sample: Path, pp: str, months: list[str]) -> dict[str, list[int]]:
    """Biểu 06 total columns (3)..(13) from the dossier CSVs (latest row of each code up to the month)."""
    state: dict[str, dict[str, str]] = {}
    pending_prev: set[str] = set()
    out = {}
    for ym in months:
        y, m = map(int, ym.split("-"))
        rows = _read_csv(sample / "motcua" / pp / f"hoso_{pp}_{ym}.csv")
        for r in rows:
            state[r["MaHoSo"]] = r
        c = [0] * 11
        for code, r in state.items():
            rec = datetime.strptime(r["NgayTiepNhan"], "%d/%m/%Y %H:%M:%S")
            is_new = (rec.year, rec.month) == (y, m)
            if not is_new and code not in pending_prev:
                continue
            if is_new:
                c[1 if r["KenhThucHien"] == "2" else 2] += 1
            else:
                c[3] += 1
            appt = datetime.strptime(r["NgayHenTra"], "%d/%m/%Y %H:%M:%S")
            if r["NgayKetThucXuLy"]:
                end = datetime.strptime(r["NgayKetThucXuLy"], "%d/%m/%Y %H:%M:%S")
                assert (end.year, end.month) == (y, m)
                if r["TrangThaiHoSo"] in SPECIAL:
                    c[6] += 1
                elif (appt - end).total_seconds() >= 86400:
                    c[5] += 1
                elif end <= appt:
                    c[6] += 1
                else:
                    c[7] += 1
            else:
                nxt = datetime(y + (m == 12), m % 12 + 1, 1)
                c[9 if appt >= nxt else 10] += 1
        c[0] = c[1] + c[2] + c[3]
        c[4] = c[5] + c[6] + c[7]
        c[8] = c[9] + c[10]
        pending_prev = {k for k, r in state.items() if not r["NgayKetThucXuLy"]}
        out[ym] = c
    return out


@pytest.mark.parametrize("pp,months", [("04", MONTHS), ("19", MONTHS[2:]), ("06", MONTHS[:2])])
def test_bieu06_identities_and_totals(sample, pp, months):
    expected = _recompute(sample, pp, months)
    for ym in months:
        body = _bieu06(sample / "motcua" / pp / f"bieu06_{pp}_{ym}.xlsx")
        assert body[0][1] == "TỔNG CỘNG"
        for _stt, _name, v in body:
            assert v[0] == v[1] + v[2] + v[3] and v[4] == v[5] + v[6] + v[7] and v[8] == v[9] + v[10]
            assert v[0] == v[4] + v[8]
        sections = [b for b in body if b[0] in ("I", "II", "III")]
        assert [sum(x) for x in zip(*[s[2] for s in sections])] == body[0][2]
        assert body[0][2] == expected[ym], ym
        dvc = json.loads(
            (sample / "dvc" / pp / "766" / "dvc-progress-tree" / f"month-{ym}.json").read_bytes()
        )
        assert dvc["data"]["parent"]["totalReceived"] == body[0][2][0]


def _keys(obj, prefix="") -> set[str]:
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(prefix + k)
            out |= _keys(v, prefix + k + ".")
    elif isinstance(obj, list):
        for it in obj:
            out |= _keys(it, prefix + "[].")
    return out


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_766_shapes_match_captures(sample, endpoint):
    ref = json.loads((CAPTURES / endpoint / "month-all.json").read_bytes())
    for pp, ym in (("04", "2025-06"), ("04", "2025-07"), ("19", "2025-08")):
        raw = (sample / "dvc" / pp / "766" / endpoint / f"month-{ym}.json").read_bytes()
        got = json.loads(raw)
        assert _keys(got) == _keys(ref)
        assert list(got["data"]) == list(ref["data"])
        head = "parent" if "parent" in ref["data"] else "overview"
        items = "children" if "children" in ref["data"] else "evaluation"
        assert list(got["data"][head]) == list(ref["data"][head])
        assert list(got["data"][items][0]) == list(ref["data"][items][0])
        if endpoint == "dvc-progress-tree":
            for ch in got["data"]["children"]:
                assert ch["totalReceived"] == ch["totalOnTime"] + ch["totalOverdue"]
                if ch["totalReceived"]:
                    assert abs(ch["score"] - 20 * ch["totalOnTime"] / ch["totalReceived"]) <= 0.015
        if endpoint == "formality-online-payment-tree":
            for ch in got["data"]["children"]:
                f = ch["totalFeeFormality"]
                a = (
                    ch["totalDossierOnlinePaymentSuccess"] / ch["totalDossierFinancialObligation"]
                    if ch["totalDossierFinancialObligation"]
                    else 0
                )
                b = ch["totalDossierOnlineFormalityPaymentSuccess"] / f if f else 0
                c = ch["totalFeeDossierFormality"] / f if f else 0
                assert abs(ch["totalScore"] - min(10, 6 * a + min(2, 2.5 * b) + 2.5 * c)) <= 0.015
        if items == "evaluation":
            for ev in got["data"]["evaluation"] + [got["data"]["overview"]]:
                s = sum(mm["score"] for mm in ev["metrics"] if mm["score"] is not None)
                assert abs(ev["totalScore"] - s) <= 0.015
                for mm in ev["metrics"]:
                    if mm["denominator"] == 0 and endpoint != "handling-satisfaction":
                        assert mm["ratio"] is None and mm["score"] is None


def test_agencies_switch_from_districts_to_communes(sample):
    june = {r["MaCoQuan"] for r in _read_csv(sample / "motcua" / "04" / "hoso_04_2025-06.csv")}
    july = {r["MaCoQuan"] for r in _read_csv(sample / "motcua" / "04" / "hoso_04_2025-07.csv")}
    def sfx(codes):
        return {int(c.split(".")[1]) for c in codes}

    assert any(30 <= s < 100 for s in sfx(june)) and not any(s >= 100 for s in sfx(june))
    assert any(s >= 100 for s in sfx(july)) and not any(30 <= s < 100 for s in sfx(july))
    names_july = {r["TenCoQuan"].strip() for r in _read_csv(sample / "motcua" / "04" / "hoso_04_2025-07.csv")}
    assert not any(n.startswith("UBND Huyện") for n in names_july)
    tn_june = {
        r["MaCoQuan"].split(".")[0] for r in _read_csv(sample / "motcua" / "06" / "hoso_06_2025-06.csv")
    }
    assert tn_june == {"H04"}


def test_register_and_catalogue(sample):
    ws = openpyxl.load_workbook(sample / "qlvb" / "04" / "sovanban_04_2025-05.xlsx", read_only=True)[
        "SoVanBan"
    ]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN - ĐI" and rows[1][0].startswith("Tháng 05/2025 - ")
    assert rows[3][:4] == ("STT", "Số, ký hiệu", "Ngày văn bản", "Loại văn bản")
    body = rows[4:]
    assert body and all(r[7] in ("Đến", "Đi") and r[8] in ("Điện tử", "Giấy") for r in body)
    assert all(r[8] == "Giấy" for r in body if r[10] != "Thường")
    svc = _read_csv(sample / "dvc" / "04" / "dichvu_04_2025-05.csv")
    assert list(svc[0]) == [
        "MaDichVu",
        "MaTTHC",
        "TenDichVu",
        "MucDo",
        "TrangThai",
        "MaCoQuan",
        "TenCoQuan",
        "CoPhi",
    ]
    assert {r["MucDo"] for r in svc} <= {"Toàn trình", "Một phần"}
    published = {(r["MaTTHC"], r["MaCoQuan"]) for r in svc if r["TrangThai"] == "Đang công bố"}
    online = {
        (r["MaTTHC"], r["MaCoQuan"])
        for r in _read_csv(sample / "motcua" / "04" / "hoso_04_2025-05.csv")
        if r["KenhThucHien"] == "2"
    }
    assert online and online <= published


def test_old_level_wording_before_2023_07(tmp_path):
    generate(
        tmp_path, provinces=1, start="2023-06", end="2023-07", dossiers_per_month=100, documents_per_month=5
    )
    assert {r["MucDo"] for r in _read_csv(tmp_path / "dvc" / "04" / "dichvu_04_2023-06.csv")} <= {
        "Mức độ 4",
        "Mức độ 3",
    }
    assert {r["MucDo"] for r in _read_csv(tmp_path / "dvc" / "04" / "dichvu_04_2023-07.csv")} <= {
        "Toàn trình",
        "Một phần",
    }
