"""Every code list of the raw layer and of the loader's tables, with the wording each source system exports.

The parsers map export text to these codes; the quality suites, the dbt sources' ``accepted_values`` and
docs/FORMATS.md state the same lists (tests check them); the sample generator writes the wordings.
"""

from __future__ import annotations

from chiso.contracts.model import Vocabulary

# ---------------------------------------------------------------- one-stop-shop (motcua)
DOSSIER_STATUS = Vocabulary(
    "dossier_status",
    "A dossier's state (TrangThaiHoSo). Finished: done, returned, stopped, refused, withdrawn (they carry an "
    "end of processing, NgayKetThucXuLy).",
    ("received", "processing", "supplement", "done", "returned", "stopped", "refused", "withdrawn"),
    {
        "received": ("Đã tiếp nhận",),
        "processing": ("Đang xử lý",),
        "supplement": ("Yêu cầu bổ sung",),
        "done": ("Đã xử lý xong",),
        "returned": ("Đã trả kết quả",),
        "stopped": ("Dừng xử lý",),
        "refused": ("Từ chối",),
        "withdrawn": ("Công dân yêu cầu rút hồ sơ",),
    },
)
FINISHED_STATUSES = ("done", "returned", "stopped", "refused", "withdrawn")

CHANNEL = Vocabulary(
    "channel",
    "How a dossier was submitted (KenhThucHien): 1 at the counter, 2 online, 3 by public postal service; "
    "an empty cell means the counter.",
    (1, 2, 3),
    {1: ("1",), 2: ("2",), 3: ("3",)},
)

ONLINE_PAYMENT = Vocabulary(
    "online_payment",
    "How a dossier's fee was paid (DuocThanhToanTrucTuyen): 0 not online, 1 through the national portal, 2 "
    "through the provincial payment gateway; empty when the dossier has no fee.",
    (0, 1, 2),
    {0: ("0",), 1: ("1",), 2: ("2",)},
)

BIEU06_ROW_KIND = Vocabulary(
    "bieu06_row_kind",
    "What a printed body row of Biểu 06 is: a unit, a section (Roman-numeral STT, the sums of its units) or "
    "the printed total (TỔNG CỘNG).",
    ("unit", "section", "total"),
)

# ---------------------------------------------------------------- document register (qlvb)
DOCUMENT_DIRECTION = Vocabulary(
    "document_direction",
    "Whether the agency received or sent the document (Văn bản đến/đi).",
    ("incoming", "outgoing"),
    {"incoming": ("Đến",), "outgoing": ("Đi",)},
)

DOCUMENT_FORM = Vocabulary(
    "document_form",
    "The document's form (Hình thức).",
    ("electronic", "paper"),
    {"electronic": ("Điện tử",), "paper": ("Giấy",)},
)

CONFIDENTIALITY = Vocabulary(
    "confidentiality",
    "The document's confidentiality (Độ mật); the KPIs count only normal documents.",
    ("normal", "secret", "top_secret", "absolute_secret"),
    {"normal": ("Thường",), "secret": ("Mật",), "top_secret": ("Tối mật",), "absolute_secret": ("Tuyệt mật",)},
)

YES_NO = Vocabulary(
    "yes_no",
    "A yes/no cell of an export (Ký số, CoPhi), loaded as a boolean.",
    (True, False),
    {True: ("Có",), False: ("Không",)},
)

# ---------------------------------------------------------------- plans (kế hoạch, chỉ tiêu)
PLAN_SHEET = Vocabulary(
    "plan_sheet",
    "Which sheet of a plan workbook a row comes from: a target (Chỉ tiêu) or a reported figure (Số liệu báo "
    "cáo: an index, rank or figure no source system produces).",
    ("target", "reported_figure"),
    {"target": ("Chỉ tiêu",), "reported_figure": ("Số liệu báo cáo",)},
)

PLAN_UNIT_LEVEL = Vocabulary(
    "plan_unit_level",
    "The level of the unit a plan row applies to: the province, a provincial department (by its agency "
    "identifier, mã định danh) or a commune (by its administrative code).",
    ("province", "department", "commune"),
    {"province": ("Tỉnh", "Tỉnh/thành phố", "Thành phố"), "department": ("Sở, ngành", "Sở", "Sở/ngành"),
     "commune": ("Xã", "Xã/phường", "Phường", "Đặc khu")},
)

KPI_DIRECTION = Vocabulary(
    "kpi_direction",
    "Which way a KPI improves: up (a share, a score) or down (a rank); a plan row states it only where it "
    "differs from the KPI catalogue.",
    ("increase", "decrease"),
    {"increase": ("Tăng", "Càng cao càng tốt"), "decrease": ("Giảm", "Càng thấp càng tốt")},
)

# ---------------------------------------------------------------- public-service portal (dvc)
ONLINE_LEVEL = Vocabulary(
    "online_level",
    "How much of a procedure the online service covers (MucDo): full (toàn trình) or partial (một phần); "
    "catalogues before 2023-07 wrote Mức độ 4 / Mức độ 3 (the second wording of each code).",
    ("full", "partial"),
    {"full": ("Toàn trình", "Mức độ 4"), "partial": ("Một phần", "Mức độ 3")},
)

SERVICE_STATE = Vocabulary(
    "service_state",
    "The online service's state in the portal's catalogue (TrangThai).",
    ("published", "pending_withdrawal", "testing"),
    {"published": ("Đang công bố",), "pending_withdrawal": ("Chờ thu hồi",), "testing": ("Thử nghiệm",)},
)

GROUP_766 = Vocabulary(
    "group_766",
    "The 766 evaluation group: the API endpoint a response came from. Tree endpoints (parent + children) and "
    "evaluation endpoints (overview + evaluation[] with metrics[]), see GROUPS_TREE / GROUPS_EVALUATION.",
    (
        "transparency",
        "dvc-progress-tree",
        "provide-online-tree",
        "formality-online-payment-tree",
        "dossier-digitized",
        "handling-satisfaction",
    ),
)
GROUPS_TREE = ("dvc-progress-tree", "provide-online-tree", "formality-online-payment-tree")
GROUPS_EVALUATION = ("transparency", "handling-satisfaction", "dossier-digitized")

PERIOD_TYPE_766 = Vocabulary(
    "period_type_766",
    "The period a 766 response covers: a calendar month, quarter or year, or any other date range.",
    ("month", "quarter", "year", "range"),
)

# ---------------------------------------------------------------- the loader's tables
MANIFEST_STATUS = Vocabulary(
    "manifest_status",
    "A received file's outcome: loaded; quarantined (unreadable, too many rejected rows or a failed error "
    "expectation: nothing of it loaded); superseded (a later export of the same coverage replaced its rows).",
    ("loaded", "quarantined", "superseded"),
)

DQ_ACTION = Vocabulary(
    "dq_action",
    "What followed a quality run: the batch was loaded or quarantined; checked = a freshness check (no batch).",
    ("loaded", "quarantined", "checked"),
)

SEVERITY = Vocabulary(
    "severity",
    "An expectation's severity (GX meta.severity): error blocks the batch (quarantine), warning passes and "
    "notifies.",
    ("error", "warning"),
)

ALERT_CHANNEL = Vocabulary(
    "alert_channel",
    "Where an alert went: email (the SMTP connection), apprise (the Apprise connection's chat services: Zalo, "
    "Telegram, Teams, Google Chat, Slack…), webhook (a plain webhook URL, through Apprise), digest (a warning "
    "waiting for, or carried by, the daily warning digest: see detail), or none (no channel configured: the "
    "alert stays in the outbox and the warehouse).",
    ("smtp", "apprise", "webhook", "digest", "none"),
)

ALL = (
    DOSSIER_STATUS, CHANNEL, ONLINE_PAYMENT, BIEU06_ROW_KIND, DOCUMENT_DIRECTION, DOCUMENT_FORM, CONFIDENTIALITY,
    YES_NO, ONLINE_LEVEL, SERVICE_STATE, GROUP_766, PERIOD_TYPE_766, MANIFEST_STATUS, DQ_ACTION, SEVERITY,
    ALERT_CHANNEL, PLAN_SHEET, PLAN_UNIT_LEVEL, KPI_DIRECTION,
)  # fmt: skip
