"""A one-stop-shop dossier CSV of the sample rewritten as the vendor's paged JSON (``motcua-dossier-json``,
docs/FORMATS.md): the same dossiers as the REST search returns them, a page ``{"content": [...], ...}`` of
``page_size`` items at a time, the file a list of pages (or ``{"pages": [...]}``).

Item fields as chiso reads them (``chiso.sources.motcua.dossier``): code, procedure/sector/agency objects,
applyMethod ``{id, name}``, ISO 8601 dates (every third one in UTC with milliseconds, the others with the
+07:00 offset), status ``{code, name}``, numbers as JSON numbers, flags as booleans, the applicant's personal
data under ``applicant`` and ``eForm`` (chiso keeps only an HMAC of the ID number). Empty CSV cells are left
out of the item, as the API leaves out null fields. Used by the tests and ``bench/bench_json_memory.py``."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from chiso.contracts.vocabularies import DOSSIER_STATUS

_STATUS_CODE = DOSSIER_STATUS.label_map()
_CHANNEL_NAME = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Dịch vụ bưu chính công ích"}


def _iso(text: str, utc: bool) -> str | None:
    if not text:
        return None
    t = datetime.strptime(text, "%d/%m/%Y %H:%M:%S")
    if utc:
        return (t - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return t.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def _number(text: str) -> int | float | None:
    if not text:
        return None
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def item(row: dict[str, str], i: int) -> dict:
    """One CSV row as an item of the search's ``content``."""
    utc = i % 3 == 0
    it: dict = {
        "id": f"{0x65a1f00d0000000000000000 + i:024x}",
        "code": row["MaHoSo"],
        "nationCode": "G22.99-" + row["MaHoSo"].replace("-", ""),
        "procedure": {"id": f"{i % 997:024x}", "code": row["MaTTHC"], "name": row["TenTTHC"]},
        "sector": {"code": row["MaLinhVuc"], "name": row["TenLinhVuc"]},
        "agency": {"id": f"{i % 89:024x}", "code": row["MaCoQuan"], "name": row["TenCoQuan"]},
    }
    if row["KenhThucHien"]:
        it["applyMethod"] = {"id": int(row["KenhThucHien"]), "name": _CHANNEL_NAME.get(row["KenhThucHien"])}
    for key, column in (("acceptedDate", "NgayTiepNhan"), ("appointmentDate", "NgayHenTra"),
                        ("completedDate", "NgayKetThucXuLy"), ("updatedDate", "NgayCapNhat")):
        if row.get(column):
            it[key] = _iso(row[column], utc)
    label = row["TrangThaiHoSo"]
    it["status"] = {"code": _STATUS_CODE.get(label, label), "name": label}
    for key, column in (("supplementCount", "SoLanBoSung"), ("supplementWaitDays", "SoNgayChoBoSung"),
                        ("onlinePayment", "DuocThanhToanTrucTuyen")):
        v = _number(row[column])
        if v is not None:
            it[key] = v
    if row["PhiLePhi"]:
        it["fee"] = {"amount": int(row["PhiLePhi"]), "currency": "VND"}
    for key, column in (("digitized", "HoSoCoThanhPhanSoHoa"), ("hasElectronicResult", "CoKetQuaDienTu"),
                        ("vneidVerified", "TaiKhoanDuocXacThucVoiVNeID")):
        if row[column]:
            it[key] = row[column] == "1"
    it["applicant"] = {"identityNumber": row["SoCCCD"], "fullname": row["HoTenNguoiNop"],
                       "phone": row["SoDienThoai"], "address": row["DiaChi"]}
    it["eForm"] = {"data": {"fullname": row["HoTenNguoiNop"], "address": row["DiaChi"], "phone": row["SoDienThoai"]}}
    return it


def write_dossier_json(csv_path: Path, json_path: Path, *, page_size: int = 1000, wrapped: bool = False) -> int:
    """Write the dossiers of ``csv_path`` to ``json_path`` as search pages; the number of dossiers."""
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pages = max(1, -(-len(rows) // page_size))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as out:
        out.write('{"pages": [' if wrapped else "[")
        for k in range(pages):
            chunk = rows[k * page_size:(k + 1) * page_size]
            page = {
                "content": [item(r, k * page_size + j) for j, r in enumerate(chunk)],
                "pageable": {"pageNumber": k, "pageSize": page_size, "sort": {"sorted": True}},
                "totalElements": len(rows),
                "totalPages": pages,
                "number": k,
                "size": page_size,
                "numberOfElements": len(chunk),
                "first": k == 0,
                "last": k == pages - 1,
            }
            out.write(("," if k else "") + json.dumps(page, ensure_ascii=False))
        out.write("]}" if wrapped else "]")
    return len(rows)
