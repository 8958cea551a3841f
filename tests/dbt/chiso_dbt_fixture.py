"""A small hand-made raw layer for the dbt tests, and a helper to run dbt in-process.

The raw tables are created exactly as ``chiso.schemas`` declares them (batch columns first), plus
``raw.landing_manifest``. The fixture rows cover the 1 July 2025 reorganisation: old Bắc Kạn (H04) and old
Thái Nguyên (H55) in May/June 2025, new Thái Nguyên (H55) in August 2025, old Cần Thơ (H13) and Hậu Giang
(H28) in 2023, new Cần Thơ (H13) in January 2026, Cao Bằng (H14) documents in March 2024. dbt learns the
agencies from these rows (names as the one-stop-shop exports spell them, the portal's 766 units) and from the
real Phú Thọ 766 captures of ``tests/fixtures/dvcqg-766``, read by chiso's own parser and loaded one batch per
file as the loader does (``PHU_THO_766``).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
from chiso.contracts import DATASETS, columns, table_columns
from chiso.contracts.loader import LANDING_MANIFEST

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# the loader's manifest table exactly as chiso creates it (chiso.contracts.loader), and the columns the
# fixture's inserts fill, in the order of their values
MANIFEST_COLUMNS: list[tuple[str, str]] = LANDING_MANIFEST.pairs()
MANIFEST_INSERT_COLUMNS = ", ".join(
    [
        "file_sha256",
        "source_system",
        "dataset",
        "file_name",
        "period_start",
        "period_end",
        "received_at",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "status",
        "batch_id",
        "error",
    ]
)


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def d(text: str) -> date:
    return date.fromisoformat(text)


# agency names as the one-stop-shop exports spell them: dbt learns the agencies from the loaded data
AGENCY_NAMES = {
    "H04.01": "Văn phòng UBND tỉnh Bắc Kạn",
    "H04.02": "Sở Nội vụ tỉnh Bắc Kạn",
    "H13.01": "Văn phòng UBND thành phố Cần Thơ",
    "H13.02": "Sở Nội vụ thành phố Cần Thơ",
    "H14.30": "UBND Thành phố Cao Bằng",
    "H14.100": "UBND Phường Thục Phán",
    # a district of Lai Châu, not of Cao Bằng: no district of Cao Bằng has that name
    "H14.77": "UBND Huyện Phong Thổ",
    "H28.01": "Văn phòng UBND tỉnh Hậu Giang",
    "H55.01": "Văn phòng UBND tỉnh Thái Nguyên",
    "H55.02": "Sở Nội vụ tỉnh Thái Nguyên",
    "H55.03": "Sở Tư pháp tỉnh Thái Nguyên",
    "H99.01": "Cơ quan không rõ",
}


def dossier(
    code,
    period,
    agency,
    channel,
    received,
    appointment,
    completed,
    status,
    *,
    procedure="1.000001",
    fee=None,
    online_payment=None,
    digitised=False,
    wait_days=0.0,
    supplements=0,
):
    return {
        "period_month": d(period),
        "dossier_code": code,
        "procedure_code": procedure,
        "procedure_name": "Thủ tục " + procedure,
        "field_code": "F1",
        "field_name": "Lĩnh vực 1",
        "agency_code": agency,
        "agency_name": AGENCY_NAMES.get(agency, "Cơ quan " + agency),
        "channel": channel,
        "received_at": ts(received),
        "appointment_at": ts(appointment) if appointment else None,
        "completed_at": ts(completed) if completed else None,
        "status_raw": status,
        "status": status,
        "supplement_count": supplements,
        "supplement_wait_days": wait_days,
        "fee_amount": fee,
        "online_payment": online_payment,
        "has_digitised_components": digitised,
        "has_electronic_result": False,
        "vneid_verified": False,
        "applicant_key": None,
        "updated_at": ts(completed or received),
    }


DOSSIERS = [
    # old Bắc Kạn (06, H04), May 2025: 3 received, 2 online; fee-bearing 2, 1 paid online; 2 digitised
    dossier(
        "H04.01-250505-0001",
        "2025-05-01",
        "H04.01",
        2,
        "2025-05-05 08:00",
        "2025-05-10 17:00",
        "2025-05-09 10:00",
        "returned",
        fee=50000,
        online_payment=1,
        digitised=True,
    ),
    dossier(
        "H04.02-250506-0001",
        "2025-05-01",
        "H04.02",
        1,
        "2025-05-06 08:00",
        "2025-05-12 17:00",
        "2025-05-14 10:00",
        "done",
    ),  # late
    dossier(
        "H04.01-250520-0002",
        "2025-05-01",
        "H04.01",
        2,
        "2025-05-20 08:00",
        "2025-06-10 17:00",
        None,
        "processing",
        fee=20000,
        online_payment=0,
        digitised=True,
    ),  # open at May's end, in time
    # ... the same dossier in June's export: finished on time (latest state)
    dossier(
        "H04.01-250520-0002",
        "2025-06-01",
        "H04.01",
        2,
        "2025-05-20 08:00",
        "2025-06-10 17:00",
        "2025-06-09 10:00",
        "returned",
        fee=20000,
        online_payment=0,
        digitised=True,
    ),
    # old Thái Nguyên (19, H55), May 2025: 2 received, 1 online; one finished on time, one open and overdue
    dossier(
        "H55.01-250503-0001",
        "2025-05-01",
        "H55.01",
        2,
        "2025-05-03 08:00",
        "2025-05-08 17:00",
        "2025-05-07 10:00",
        "returned",
    ),
    dossier(
        "H55.02-250504-0001",
        "2025-05-01",
        "H55.02",
        1,
        "2025-05-04 08:00",
        "2025-05-05 17:00",
        None,
        "processing",
    ),  # never finished: overdue at every period end
    # new Thái Nguyên (19 from 2025-07, H55), August 2025: 4 received, 2 online
    dossier(
        "H55.01-250804-0001",
        "2025-08-01",
        "H55.01",
        2,
        "2025-08-04 08:00",
        "2025-08-10 17:00",
        "2025-08-12 10:00",
        "returned",
        wait_days=2.5,
        supplements=1,
    ),  # on time thanks to 2.5 waiting days
    dossier(
        "H55.01-250805-0001",
        "2025-08-01",
        "H55.01",
        2,
        "2025-08-05 08:00",
        "2025-08-15 17:00",
        "2025-08-14 10:00",
        "done",
    ),
    dossier(
        "H55.03-250806-0001",
        "2025-08-01",
        "H55.03",
        1,
        "2025-08-06 08:00",
        "2025-09-30 17:00",
        None,
        "processing",
    ),  # open at August's end, within deadline
    dossier(
        "H55.03-250807-0001",
        "2025-08-01",
        "H55.03",
        3,
        "2025-08-07 08:00",
        "2025-08-20 17:00",
        "2025-08-25 10:00",
        "returned",
    ),  # late
    # old Cần Thơ (92, H13), June 2023
    dossier(
        "H13.01-230605-0001",
        "2023-06-01",
        "H13.01",
        2,
        "2023-06-05 08:00",
        "2023-06-10 17:00",
        "2023-06-09 10:00",
        "returned",
        procedure="1.000001",
        fee=10000,
        online_payment=2,
    ),
    dossier(
        "H13.01-230606-0001",
        "2023-06-01",
        "H13.01",
        1,
        "2023-06-06 08:00",
        "2023-06-10 17:00",
        "2023-06-09 10:00",
        "returned",
        procedure="1.000002",
        fee=10000,
        online_payment=0,
    ),
    dossier(
        "H13.02-230607-0001",
        "2023-06-01",
        "H13.02",
        2,
        "2023-06-07 08:00",
        "2023-06-10 17:00",
        "2023-06-09 10:00",
        "returned",
        procedure="1.000003",
        fee=0,
    ),
    # Hậu Giang (93, H28), June 2023
    dossier(
        "H28.01-230610-0001",
        "2023-06-01",
        "H28.01",
        1,
        "2023-06-10 08:00",
        "2023-06-20 17:00",
        "2023-06-19 10:00",
        "returned",
        fee=20000,
        online_payment=0,
    ),
    # new Cần Thơ (92 from 2025-07, H13), January 2026
    dossier(
        "H13.01-260105-0001",
        "2026-01-01",
        "H13.01",
        2,
        "2026-01-05 08:00",
        "2026-01-10 17:00",
        "2026-01-09 10:00",
        "returned",
        fee=10000,
        online_payment=1,
    ),
    dossier(
        "H13.01-260106-0001",
        "2026-01-01",
        "H13.01",
        1,
        "2026-01-06 08:00",
        "2026-01-10 17:00",
        "2026-01-09 10:00",
        "returned",
        fee=0,
    ),
    dossier(
        "H13.02-260107-0001",
        "2026-01-01",
        "H13.02",
        1,
        "2026-01-07 08:00",
        "2026-01-10 17:00",
        "2026-01-09 10:00",
        "returned",
    ),
]

# agencies dbt cannot place (test_dbt_agency.py): listed in mart_unknown_agency_codes, counted for no unit below
# the province. H99 is no province's prefix (no unit at all); H14.77 has Cao Bằng's prefix (counts for Cao
# Bằng, the level-1 identifier) and a district committee's name no district of Cao Bằng has
UNKNOWN_AGENCY_DOSSIERS = [
    dossier(
        "H99.01-250510-0001",
        "2025-05-01",
        "H99.01",
        1,
        "2025-05-10 08:00",
        "2025-05-15 17:00",
        "2025-05-12 10:00",
        "returned",
    ),
    dossier(
        "H14.77-240310-0001",
        "2024-03-01",
        "H14.77",
        2,
        "2024-03-10 08:00",
        "2024-03-15 17:00",
        "2024-03-12 10:00",
        "returned",
    ),
]
DOSSIERS += UNKNOWN_AGENCY_DOSSIERS

# units below the province (test_dbt_agency.py): Cao Bằng's district committee H14.30 (district 040, before
# July 2025) and commune committee H14.100 (ward 01273 Phường Thục Phán, from July 2025)
SUB_UNIT_DOSSIERS = [
    dossier(
        "H14.30-240311-0001",
        "2024-03-01",
        "H14.30",
        2,
        "2024-03-11 08:00",
        "2024-03-20 17:00",
        "2024-03-15 10:00",
        "returned",
    ),
    dossier(
        "H14.30-240312-0001",
        "2024-03-01",
        "H14.30",
        1,
        "2024-03-12 08:00",
        "2024-03-14 17:00",
        "2024-03-18 10:00",
        "returned",
    ),  # late
    dossier(
        "H14.100-250805-0001",
        "2025-08-01",
        "H14.100",
        2,
        "2025-08-05 08:00",
        "2025-08-10 17:00",
        "2025-08-08 10:00",
        "returned",
        fee=30000,
        online_payment=1,
        digitised=True,
    ),
]
DOSSIERS += SUB_UNIT_DOSSIERS


def bieu06(month, last_day, reporting_unit, row_kind, stt, unit_name, counts, split=None):
    """counts: new online, new counter/post, carried over, resolved, pending; split (optional): resolved early,
    on time, late, pending within deadline, overdue (default: all resolved on time, all pending within)."""
    received_new_online, received_new_other, carried, resolved, pending = counts
    early, on_time, late, within, overdue = split or (0, resolved, 0, pending, 0)
    return {
        "period_start": d(month),
        "period_end": d(last_day),
        "reporting_unit": reporting_unit,
        "row_kind": row_kind,
        "section_code": None if row_kind == "total" else "I",
        "section_name": None if row_kind == "total" else "Sở, ban, ngành",
        "stt": None if row_kind == "total" else stt,
        "unit_name": unit_name,
        "unit_key": unit_name.lower(),
        "received_total": received_new_online + received_new_other + carried,
        "received_new_online": received_new_online,
        "received_new_counter_postal": received_new_other,
        "received_carried_over": carried,
        "resolved_total": resolved,
        "resolved_early": early,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "pending_total": pending,
        "pending_within_deadline": within,
        "pending_overdue": overdue,
    }


BK = "UBND tỉnh Bắc Kạn"
BIEU06 = [
    # May 2025, old Bắc Kạn. Ours (its own 3 dossiers): new online 2, new counter 1, carried 0, resolved 2,
    # pending 1. Printed: one carried-over dossier more, still pending -> differs by 1 in (3), (6), (11)
    bieu06("2025-05-01", "2025-05-31", BK, "total", None, "TỔNG CỘNG", (2, 1, 1, 2, 2)),
    bieu06("2025-05-01", "2025-05-31", BK, "unit", "1", "Sở Tư pháp", (2, 0, 1, 1, 2)),  # unit row: ignored
    # June 2025: the May dossier carried over and finished in June -> matches
    bieu06("2025-06-01", "2025-06-30", BK, "total", None, "TỔNG CỘNG", (0, 0, 1, 1, 0)),
    # May 2025, old Thái Nguyên. Ours: new online 1 (H55.01-250503, finished on time), counter 1 (H55.02-250504,
    # open, its appointment of 5 May passed: overdue). Printed: the same totals, but the finished one late and the
    # open one within its deadline -> every total agrees, the on-time split (8-10, 12, 13) differs
    bieu06(
        "2025-05-01",
        "2025-05-31",
        "UBND tỉnh Thái Nguyên",
        "total",
        None,
        "TỔNG CỘNG",
        (1, 1, 0, 1, 1),
        split=(0, 0, 1, 1, 0),
    ),
    # a reporting unit the crosswalk does not know: printed figures kept, ours null
    bieu06("2025-06-01", "2025-06-30", "UBND tỉnh Không Rõ", "total", None, "TỔNG CỘNG", (5, 5, 0, 8, 2)),
]


def document(number, agency, direction, form, confidentiality, issued="2024-03-05"):
    return {
        "period_month": d("2024-03-01"),
        "document_number": number,
        "issued_on": d(issued),
        "document_type": "Công văn",
        "issuing_agency": "UBND tỉnh Cao Bằng",
        "agency_code": agency,
        "direction": direction,
        "form": form,
        "digitally_signed": form == "electronic",
        "confidentiality": confidentiality,
        "due_on": None,
        "completed_on": None,
    }


DOCUMENTS = [
    # Cao Bằng (04, H14), March 2024: 3 non-secret, 2 electronic; the secret one is excluded
    document("01/UBND-VP", "H14.01", "outgoing", "electronic", "normal"),
    document("15/STP", "H14.01", "incoming", "paper", "normal"),
    document("02/UBND-VP", "H14.01", "outgoing", "electronic", "secret"),
    document("33/SNV", "H14.05", "incoming", "electronic", "normal"),
]


def service(code, snapshot, procedure, state, agency="H13.01"):
    return {
        "snapshot_month": d(snapshot),
        "service_code": code,
        "procedure_code": procedure,
        "service_name": "Dịch vụ " + code,
        "online_level": "full",
        "level_raw": "Toàn trình",
        "state": state,
        "agency_code": agency,
        "agency_name": AGENCY_NAMES.get(agency, "Cơ quan " + agency),
        "has_fee": True,
    }


SERVICES = [
    # old Cần Thơ: May 2023 snapshot (1 published), June 2023 snapshot (2 published, 1 testing)
    service("DV1", "2023-05-01", "1.000001", "published"),
    service("DV1", "2023-06-01", "1.000001", "published"),  # procedure got an online dossier in June
    service("DV2", "2023-06-01", "1.000002", "published"),  # counter dossier only
    service("DV3", "2023-06-01", "1.000003", "testing"),  # not published: not counted
    # Hậu Giang: June 2023 snapshot, 1 published for 1.000001; Hậu Giang's only dossier of that procedure came at
    # the counter, so this service has no online dossier of its own (old Cần Thơ's online one is not Hậu Giang's)
    service("DV9", "2023-06-01", "1.000001", "published", agency="H28.01"),
]


def unit766(group, month, dep_id, dep_code, name, dep_type, is_root, score, max_score, root="H04"):
    start = d(month)
    return {
        "group_code": group,
        "period_type": "month",
        "period_start": start,
        "period_end": d(
            {"2025-05-01": "2025-05-31", "2025-06-01": "2025-06-30", "2024-03-01": "2024-03-31"}[month]
        ),
        "captured_at": datetime(2025, 7, 2, 3, 0),
        "root_department_code": root,
        "is_root": is_root,
        "department_id": dep_id,
        "department_code": dep_code,
        "department_name": name,
        "department_type": dep_type,
        "level": {"DISTRICT_PEOPLE_COMMITTEE": "DISTRICT", "COMMUNE_PEOPLE_COMMITTEE": "COMMUNE"}.get(
            dep_type, "PROVINCE"
        ),
        "total_score": score,
        "total_max_score": max_score,
        "ratio": round(100 * score / max_score, 2),
        "score_delta": None,
    }


def measure766(group, month, dep_id, dep_code, code, *, value=None, score=None, max_score=None):
    return {
        "group_code": group,
        "period_type": "month",
        "period_start": d(month),
        "period_end": None,
        "department_id": dep_id,
        "department_code": dep_code,
        "measure_code": code,
        "measure_name": code,
        "numerator": None,
        "denominator": None,
        "value": value,
        "ratio": None,
        "score": score,
        "max_score": max_score,
        "data_quality_status": None,
    }


PROGRESS, PAYMENT, TRANSPARENCY = "dvc-progress-tree", "formality-online-payment-tree", "transparency"
UNITS_766 = [
    # old Bắc Kạn (H04), May and June 2025
    unit766(PROGRESS, "2025-05-01", "bk-root", "H04", "UBND tỉnh Bắc Kạn", "PROVINCE", True, 14.0, 20),
    unit766(
        PROGRESS, "2025-05-01", "bk-01", "H04.01", "Sở Tư pháp", "PROVINCIAL_DEPARTMENT", False, 18.0, 20
    ),
    unit766(PROGRESS, "2025-05-01", "bk-02", "H04.02", "Sở Nội vụ", "PROVINCIAL_DEPARTMENT", False, 12.5, 20),
    unit766(PROGRESS, "2025-06-01", "bk-root", "H04", "UBND tỉnh Bắc Kạn", "PROVINCE", True, 15.0, 20),
    unit766(PAYMENT, "2025-05-01", "bk-root", "H04", "UBND tỉnh Bắc Kạn", "PROVINCE", True, 6.25, 10),
    unit766(TRANSPARENCY, "2025-05-01", "bk-root", "H04", "UBND tỉnh Bắc Kạn", "PROVINCE", True, 7.96, 18),
    # Cao Bằng (H14), March 2024: the portal lists its agencies, so that the register's H14.01 and H14.05 (the
    # register names no agency) are learned as departments and H14.30 as a district committee
    unit766(
        PROGRESS, "2024-03-01", "cb-root", "H14", "UBND tỉnh Cao Bằng", "PROVINCE", True, 16.0, 20, root="H14"
    ),
    unit766(
        PROGRESS,
        "2024-03-01",
        "cb-01",
        "H14.01",
        "Văn phòng UBND Tỉnh - Tỉnh Cao Bằng",
        "PROVINCIAL_DEPARTMENT",
        False,
        18.0,
        20,
        root="H14",
    ),
    unit766(
        PROGRESS,
        "2024-03-01",
        "cb-05",
        "H14.05",
        "Sở Nội vụ - Tỉnh Cao Bằng",
        "PROVINCIAL_DEPARTMENT",
        False,
        17.0,
        20,
        root="H14",
    ),
    unit766(
        PROGRESS,
        "2024-03-01",
        "cb-30",
        "H14.30",
        "UBND Thành phố Cao Bằng",
        "DISTRICT_PEOPLE_COMMITTEE",
        False,
        15.0,
        20,
        root="H14",
    ),
]
MEASURES_766 = [
    measure766(PROGRESS, "2025-05-01", "bk-root", "H04", "totalReceived", value=100),
    measure766(PROGRESS, "2025-05-01", "bk-root", "H04", "totalOnTime", value=70),
    measure766(PROGRESS, "2025-05-01", "bk-01", "H04.01", "totalReceived", value=10),
    measure766(PROGRESS, "2025-05-01", "bk-01", "H04.01", "totalOnTime", value=9),
    measure766(PROGRESS, "2025-05-01", "bk-02", "H04.02", "totalReceived", value=10),
    measure766(PROGRESS, "2025-05-01", "bk-02", "H04.02", "totalOnTime", value=6),  # published 12.5, ours 12
    measure766(PROGRESS, "2025-06-01", "bk-root", "H04", "totalReceived", value=100),
    measure766(PROGRESS, "2025-06-01", "bk-root", "H04", "totalOnTime", value=75),
    # the payment rule on Phú Thọ's August 2026 root counts: 6.25
    measure766(PAYMENT, "2025-05-01", "bk-root", "H04", "totalDossierOnlinePaymentSuccess", value=82913),
    measure766(PAYMENT, "2025-05-01", "bk-root", "H04", "totalDossierFinancialObligation", value=98459),
    measure766(
        PAYMENT, "2025-05-01", "bk-root", "H04", "totalDossierOnlineFormalityPaymentSuccess", value=93
    ),
    measure766(PAYMENT, "2025-05-01", "bk-root", "H04", "totalFeeDossierFormality", value=56),
    measure766(PAYMENT, "2025-05-01", "bk-root", "H04", "totalFeeFormality", value=310),
    measure766(TRANSPARENCY, "2025-05-01", "bk-root", "H04", "PUBLISH_ON_TIME", score=None, max_score=6),
    measure766(TRANSPARENCY, "2025-05-01", "bk-root", "H04", "PUBLIC_CONTENT_FULL", score=1.96, max_score=2),
    measure766(TRANSPARENCY, "2025-05-01", "bk-root", "H04", "DOSSIER_SYNC", score=6.0, max_score=6),
]


PHU_THO_CAPTURES = REPO_ROOT / "tests" / "fixtures" / "dvcqg-766"


@cache
def phu_tho_766_batches() -> tuple[dict, ...]:
    """The real Phú Thọ 766 captures (18 files: six groups × month, quarter, year 2026) through chiso's 766
    parser, one batch per file as the loader makes it: ``tables`` maps dvc_766_unit and dvc_766_measure to the
    parser's Arrow tables (source_row + the dataset's columns)."""
    from chiso.sources.dvc.api766 import parse_766

    batches = []
    for path in sorted(PHU_THO_CAPTURES.glob("*/*.json")):
        if path.parent.name == "formalities":
            continue  # the national procedure catalogue: chiso has no raw table for it
        parsed = parse_766(path)
        assert not parsed.rejects, f"{path}: {parsed.rejects[:3]}"
        batches.append(
            {
                "batch_id": f"sha-phu-tho-{path.parent.name}-{path.stem}",
                "file_name": f"dvcqg-766/{path.parent.name}/{path.name}",
                "tables": {ds: parsed.tables[ds] for ds in ("dvc_766_unit", "dvc_766_measure")},
                "rows_read": parsed.rows_read,
            }
        )
    return tuple(batches)


def _insert_phu_tho(con: duckdb.DuckDBPyConnection) -> None:
    for batch in phu_tho_766_batches():
        for dataset, table in batch["tables"].items():
            select = ", ".join(f'"{name}"' for name, _ in columns(dataset))
            con.register("parsed", table)
            con.execute(
                f"insert into raw.{dataset} select ?, ?, source_row, {select} from parsed",
                [batch["batch_id"], batch["file_name"]],
            )
            con.unregister("parsed")
        units = batch["tables"]["dvc_766_unit"].num_rows
        con.execute(
            "insert into raw.landing_manifest ("
            + MANIFEST_INSERT_COLUMNS
            + ", loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                batch["batch_id"],
                "dvc",
                "dvc_766_unit",
                batch["file_name"],
                None,
                None,
                datetime(2026, 11, 1),
                batch["rows_read"],
                units,
                0,
                "loaded",
                batch["batch_id"],
                None,
            ],
        )


def _create_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for dataset in DATASETS:
        cols = ", ".join(f'"{name}" {dtype}' for name, dtype in table_columns(dataset))
        con.execute(f"create table raw.{dataset} ({cols})")
    cols = ", ".join(f'"{name}" {dtype}' for name, dtype in MANIFEST_COLUMNS)
    con.execute(f"create table raw.landing_manifest ({cols})")


def _insert(con: duckdb.DuckDBPyConnection, dataset: str, rows: list[dict], file_prefix: str) -> None:
    names = [name for name, _ in table_columns(dataset)]
    placeholders = ", ".join("?" for _ in names)
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        month = (row.get("period_month") or row.get("snapshot_month") or row["period_start"]).strftime(
            "%Y-%m"
        )
        by_file.setdefault(f"{file_prefix}_{month}", []).append(row)
    for file_name, file_rows in by_file.items():
        batch_id = f"sha-{file_name}"
        values = []
        for i, row in enumerate(file_rows, start=1):
            full = {"batch_id": batch_id, "source_file": file_name, "source_row": i, **row}
            values.append([full.get(name) for name in names])
        con.executemany(f"insert into raw.{dataset} values ({placeholders})", values)
        con.execute(
            "insert into raw.landing_manifest ("
            + MANIFEST_INSERT_COLUMNS
            + ", loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                batch_id,
                DATASETS[dataset].source_system,
                dataset,
                file_name,
                None,
                None,
                datetime(2026, 11, 1),
                len(file_rows),
                len(file_rows),
                0,
                "loaded",
                batch_id,
                None,
            ],
        )


def build_fixture_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        _create_raw(con)
        _insert(con, "motcua_dossier", DOSSIERS, "hoso")
        _insert(con, "motcua_bieu06", BIEU06, "bieu06")
        _insert(con, "qlvb_document", DOCUMENTS, "sovanban")
        _insert(con, "dvc_service", SERVICES, "dichvu")
        _insert(con, "dvc_766_unit", UNITS_766, "766_unit")
        _insert(con, "dvc_766_measure", MEASURES_766, "766_measure")
        _insert_phu_tho(con)
    finally:
        con.close()


def run_dbt(args: list[str], work: Path):
    from dbt.cli.main import dbtRunner

    full = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    return dbtRunner().invoke(full)


def load_batch(path, batch_id, file_name, rows, supersedes=None, dataset="motcua_dossier"):
    """What chiso's load step does: insert the rows, supersede the older batch of the slot, the manifest row."""
    names = [n for n, _ in table_columns(dataset)]
    con = duckdb.connect(str(path))
    try:
        for i, row in enumerate(rows, start=1):
            full = {"batch_id": batch_id, "source_file": file_name, "source_row": i, **row}
            con.execute(f"insert into raw.{dataset} values ({', '.join('?' for _ in names)})",
                        [full.get(n) for n in names])
        if supersedes:
            con.execute(f"delete from raw.{dataset} where batch_id = ?", [supersedes])
            con.execute("update raw.landing_manifest set status = 'superseded', superseded_by = ? where batch_id = ?",
                        [batch_id, supersedes])
        con.execute(
            "insert into raw.landing_manifest (" + MANIFEST_INSERT_COLUMNS + ", loaded_at) values "
            "(?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, current_timestamp)",
            [batch_id, DATASETS[dataset].source_system, dataset, file_name, None, None, len(rows), len(rows), 0,
             "loaded", batch_id, None],
        )
    finally:
        con.close()
