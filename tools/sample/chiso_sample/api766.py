"""Responses of the national 766 evaluation API (shapes of the real captures in tests/fixtures/dvcqg-766), built from the
same dossiers as the one-stop-shop exports; scores by the rules of DOMAIN §3.2."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
from chiso.contracts.vocabularies import GROUP_766

from chiso_sample import catalogue as cat
from chiso_sample.units import Agency, Unit, UnitTables

ENDPOINTS = list(GROUP_766.codes)  # the 766 evaluation groups, in the product's order
BASE_URL = "https://dichvucong.gov.vn/api/v1/reporting/evaluation/"
PAGE_SIZE = {"dvc-progress-tree": 100, "formality-online-payment-tree": 100}


def jn(x: float | None):
    """A number as the portal's JavaScript serialises it: 2 decimals, integral values without '.0'."""
    if x is None:
        return None
    v = round(float(x) + 0.0, 2)
    return int(v) if v.is_integer() else v


def _ratio(num: float, den: float):
    return jn(100.0 * num / den) if den else None


def _levels(a: Agency) -> tuple[str, str]:
    if a.kind == "dept":
        return "PROVINCIAL_DEPARTMENT", "PROVINCE"
    if a.kind == "district":
        return "DISTRICT_PEOPLE_COMMITTEE", "DISTRICT"
    return "COMMUNE_PEOPLE_COMMITTEE", "COMMUNE"


def _envelope(data: dict) -> dict:
    return {"code": "OK", "data": data, "message": "OK"}


def dumps(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _per_agency_distinct(agency: np.ndarray, proc: np.ndarray, mask: np.ndarray, n_ag: int) -> np.ndarray:
    key = np.unique(agency[mask] * 1000 + proc[mask])
    return np.bincount(key // 1000, minlength=n_ag)


def build(
    u: Unit,
    t: UnitTables,
    y: int,
    m: int,
    s: dict[str, np.ndarray],
    cls: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, dict]:
    ags = u.agencies
    n_ag = len(ags)
    agency, proc = s["agency"], s["proc"]
    procs = cat.procedures()

    def bc(mask, weights=None):
        return np.bincount(agency[mask], weights=None if weights is None else weights[mask], minlength=n_ag)

    scope = cls["resolved"] | cls["pending"]
    received = bc(scope)
    on_time = bc(cls["early"] | cls["on_time"] | cls["pending_within"])
    overdue = bc(cls["late"] | cls["pending_overdue"])
    completed = bc(cls["resolved"])
    proc_days = (s["comp"] - s["recv"]) / 86400.0
    proc_sum = bc(cls["resolved"], proc_days)
    new = cls["new_online"] | cls["new_other"]
    ch_online, ch_direct, ch_postal = (
        bc(new & (s["channel"] == 2)),
        bc(new & (s["channel"] == 1)),
        bc(new & (s["channel"] == 3)),
    )
    online_new = new & (s["channel"] == 2)
    onl_on_time = bc(online_new & ((cls["resolved"] & ~cls["late"]) | cls["pending_within"]))
    onl_overdue = bc(online_new & (cls["late"] | cls["pending_overdue"]))
    fee_dossier = new & (s["fee"] > 0)
    paid = fee_dossier & (s["pay"] > 0)
    oblig, succ = bc(fee_dossier), bc(paid)
    fee_forms = t.proc_fee_formalities
    fee_proc_used = _per_agency_distinct(agency, proc, fee_dossier, n_ag)
    fee_proc_paid = _per_agency_distinct(agency, proc, paid, n_ag)
    eres, digit = bc(scope & (s["eres"] == 1)), bc(scope & (s["digit"] == 1))
    vneid = bc(scope & (s["vneid"] == 1))
    reused = rng.binomial(digit, 0.08)
    synced = rng.binomial(digit, 0.15)
    citizen = np.minimum(received, vneid + rng.binomial(received - vneid, 0.25))
    handled_procs = np.array([int(t.online_ok[a.idx].sum()) + int(fee_forms[a.idx] > 0) for a in ags])
    proc_n = np.maximum(handled_procs, 1)
    formal_conn = np.minimum(proc_n, (proc_n * (0.2 + 0.4 * rng.random(n_ag))).astype(np.int64))
    dislikes = rng.binomial(received, 0.01)
    satisfied = np.maximum(received - overdue - dislikes, 0)
    petitions = rng.poisson(0.15 + received / 800.0)
    pet_tthc = rng.binomial(petitions, 0.7)
    pet_on_time = rng.binomial(petitions, 0.85)
    pet_satisfied = rng.binomial(petitions, 0.7)

    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    out: dict[str, dict] = {}

    # ---- dvc-progress-tree
    def chart_progress(onp, ovp):
        return [
            {"month": f"{i:02d}", "onTimePct": onp if i == m else 0, "overduePct": ovp if i == m else 0}
            for i in range(1, 13)
        ]

    children = []
    for a in ags:
        i = a.idx
        r = int(received[i])
        children.append(
            {
                "departmentId": a.uuid,
                "departmentName": a.name766,
                "departmentCode": a.code,
                "level": _levels(a)[1],
                "totalReceived": r,
                "totalOnTime": int(on_time[i]),
                "totalOverdue": int(overdue[i]),
                "avgProcessingDays": jn(proc_sum[i] / completed[i]) if completed[i] else 0,
                "ratio": jn(100 * on_time[i] / r) if r else 0,
                "score": jn(20 * on_time[i] / r) if r else 0,
                "maxScore": 20,
                "scoreDelta": None,
            }
        )
    R, O, C = int(received.sum()), int(on_time.sum()), int(completed.sum())  # noqa: E741
    parent = {
        "departmentId": u.root_uuid,
        "departmentName": u.root_name,
        "departmentCode": u.prefix,
        "totalReceived": R,
        "totalOnTime": O,
        "totalCompleted": C,
        "avgProcessingDays": jn(proc_sum.sum() / C) if C else 0,
        "ratio": jn(100 * O / R) if R else 0,
        "totalScore": jn(20 * O / R) if R else 0,
        "totalMaxScore": 20,
    }
    out["dvc-progress-tree"] = _envelope(
        {
            "parent": parent,
            "children": children,
            "monthlyChart": chart_progress(jn(100 * O / R) if R else 0, jn(100 * (R - O) / R) if R else 0),
        }
    )

    # ---- provide-online-tree (12-point formula unpublished: online share against the 50 % threshold)
    def online_score(n_on, n_all):
        return jn(min(12.0, 12.0 * (n_on / n_all) / 0.5)) if n_all else 0

    children = []
    for a in ags:
        i = a.idx
        tot = int(ch_online[i] + ch_direct[i] + ch_postal[i])
        sc = online_score(ch_online[i], tot)
        children.append(
            {
                "departmentId": a.uuid,
                "departmentName": a.name766,
                "departmentCode": a.code,
                "level": _levels(a)[1],
                "totalScore": sc,
                "totalMaxScore": 12,
                "ratio": jn(100 * sc / 12),
                "scoreDelta": None,
            }
        )
    services = t.services
    full_procs = {r[1] for r in services if r[3] == "full"}
    partial_procs = {r[1] for r in services if r[3] == "partial"}
    svc_used = len(np.unique(agency[online_new] * 1000 + proc[online_new]))
    tot = int(ch_online.sum() + ch_direct.sum() + ch_postal.sum())
    sc = online_score(ch_online.sum(), tot)
    parent = {
        "departmentId": u.root_uuid,
        "departmentName": u.root_name,
        "departmentCode": u.prefix,
        "totalScore": sc,
        "totalMaxScore": 12,
        "ratio": jn(100 * sc / 12),
        "authorityCount": len({r[5] for r in services}),
        "partialCount": len(partial_procs),
        "fullCount": len(full_procs),
        "onlineDossierCount": int(svc_used),
        "onlineServiceTotal": len(services),
        "channelOnlineSum": int(ch_online.sum()),
        "channelDirectSum": int(ch_direct.sum()),
        "channelPostalSum": int(ch_postal.sum()),
        "channelTotalSum": tot,
        "onlineOnTimeSum": int(onl_on_time.sum()),
        "onlineOverdueSum": int(onl_overdue.sum()),
    }
    out["provide-online-tree"] = _envelope(
        {
            "parent": parent,
            "children": children,
            "monthlyChart": [
                {
                    "label": f"{i:02d}",
                    "onlineDossierPct": (jn(100 * ch_online.sum() / tot) if tot else 0) if i == m else 0,
                }
                for i in range(1, 13)
            ],
        }
    )

    # ---- formality-online-payment-tree: 6·A + min(2, 2.5·B) + 2.5·C
    def pay_score(s_, o_, b_, c_, f_):
        a_ = s_ / o_ if o_ else 0.0
        b = b_ / f_ if f_ else 0.0
        c = c_ / f_ if f_ else 0.0
        return min(10.0, 6 * a_ + min(2.0, 2.5 * b) + 2.5 * c)

    children = []
    for a in ags:
        i = a.idx
        sc = pay_score(succ[i], oblig[i], fee_proc_paid[i], fee_proc_used[i], fee_forms[i])
        children.append(
            {
                "departmentId": a.uuid,
                "departmentName": a.name766,
                "departmentCode": a.code,
                "level": _levels(a)[1],
                "totalMaxScore": 10,
                "ratio": jn(sc * 10),
                "totalScore": jn(sc),
                "totalDossierOnlinePaymentSuccess": int(succ[i]),
                "totalDossierFinancialObligation": int(oblig[i]),
                "totalDossierOnlineFormalityPaymentSuccess": int(fee_proc_paid[i]),
                "totalFeeDossierFormalityDistinct": int(fee_forms[i]),
                "totalFeeDossierFormality": int(fee_proc_used[i]),
                "totalFeeFormality": int(fee_forms[i]),
                "scoreDelta": None,
            }
        )
    fee_codes_all = {
        procs[p].idx
        for p in range(len(procs))
        if procs[p].fee > 0
        and (procs[p].level == "tinh" or procs[p].level == "huyen" or (procs[p].level == "xa" and u.is_new))
    }
    f_all = len(fee_codes_all)
    used_all = len(np.unique(proc[fee_dossier]))
    paid_all = len(np.unique(proc[paid]))
    sc = pay_score(succ.sum(), oblig.sum(), paid_all, used_all, f_all)
    parent = {
        "departmentId": u.root_uuid,
        "departmentName": u.root_name,
        "departmentCode": u.prefix,
        "totalMaxScore": 10,
        "totalScore": jn(sc),
        "totalDossierOnlinePaymentSuccess": int(succ.sum()),
        "totalDossierFinancialObligation": int(oblig.sum()),
        "totalDossierOnlineFormalityPaymentSuccess": paid_all,
        "totalFeeDossierFormalityDistinct": f_all,
        "totalFeeDossierFormality": used_all,
        "totalFeeFormality": f_all,
        "ratio": jn(sc * 10),
    }
    out["formality-online-payment-tree"] = _envelope({"parent": parent, "children": children})

    # ---- transparency (procedure publication is province-wide; dossier sync per unit)
    n_new = bc(new)
    pub_den = int(rng.integers(1, 9)) if rng.random() < 0.3 else 0
    pub_num = max(0, pub_den - int(rng.random() < 0.3)) if pub_den else 0
    upd_den = int(rng.integers(1, 12)) if rng.random() < 0.3 else 0
    upd_num = max(0, upd_den - int(rng.random() < 0.4)) if upd_den else 0
    full_den = len(procs)
    full_num = full_den - int(rng.integers(0, 4))

    def metric(code, name, num, den, mx, threshold=1.0, extra=None, null_when_empty=True):
        if den:
            r = num / den
            d = {
                "code": code,
                "name": name,
                "numerator": int(num),
                "denominator": int(den),
                "ratio": jn(100 * r),
                "score": jn(mx * min(1.0, r / threshold)),
                "maxScore": mx,
            }
        else:
            d = {
                "code": code,
                "name": name,
                "numerator": 0,
                "denominator": 0,
                "ratio": None if null_when_empty else 0,
                "score": None if null_when_empty else 0,
                "maxScore": mx,
            }
        if extra is not None:
            d.update(extra(den))
        return d

    def sync_quality(den):
        if den:
            return {
                "dataQualityStatus": "TEMP_NATIONAL_REPORT_DENOMINATOR",
                "dataQualityMessage": "Mẫu số BCQG/GRIS đang dùng số tạm, cần thay bằng dữ liệu crawl hệ thống cũ.",
            }
        return {
            "dataQualityStatus": "NO_NATIONAL_REPORT_DATA",
            "dataQualityMessage": "Không có dữ liệu báo cáo tổng hợp.",
        }

    def transparency_metrics(sync_n):
        return [
            metric("PUBLISH_ON_TIME", "Tỷ lệ TTHC công bố đúng hạn", pub_num, pub_den, 6),
            metric("PUBLIC_UPDATE_ON_TIME", "Tỷ lệ TTHC cập nhật, công khai đúng hạn", upd_num, upd_den, 4),
            metric("PUBLIC_CONTENT_FULL", "Tỷ lệ TTHC công khai đầy đủ nội dung", full_num, full_den, 2),
            metric(
                "DOSSIER_SYNC", "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG", sync_n, sync_n, 6, extra=sync_quality
            ),
        ]

    def total_of(metrics, mx):
        tot_ = sum(x["score"] for x in metrics if x["score"] is not None)
        return jn(tot_), jn(100 * tot_ / mx)

    def unit_head(stt, a: Agency | None, with_code=False):
        if a is None:
            d = {"stt": stt, "departmentId": u.root_uuid, "departmentName": u.root_name}
            if with_code:
                d["departmentCode"] = u.prefix
            d.update({"departmentType": "PROVINCE", "departmentLevel": "PROVINCE", "agencyLevel": "level_1"})
            return d
        d = {"stt": stt, "departmentId": a.uuid, "departmentName": a.name766}
        if with_code:
            d["departmentCode"] = a.code
        dt, lv = _levels(a)
        d.update({"departmentType": dt, "departmentLevel": lv, "agencyLevel": "level_2"})
        return d

    evaluation = []
    for a in ags:
        ms = transparency_metrics(int(n_new[a.idx]))
        ts, tr = total_of(ms, 18)
        evaluation.append(
            {
                **unit_head(a.idx + 1, a),
                "totalScore": ts,
                "totalMaxScore": 18,
                "ratio": tr,
                "scoreDelta": None,
                "metrics": ms,
            }
        )
    ms = transparency_metrics(int(n_new.sum()))
    ts, tr = total_of(ms, 18)
    overview = {
        **unit_head(1, None),
        "totalScore": ts,
        "totalMaxScore": 18,
        "ratio": tr,
        "scoreDelta": None,
        "metrics": ms,
        "averageScore": jn(np.mean([e["totalScore"] for e in evaluation])),
    }
    pagination = {"total": n_ag, "currentPage": 1, "pageSize": 200, "totalPages": 1}
    out["transparency"] = _envelope(
        {
            "overview": overview,
            "monthlyChart": [],
            "evaluation": evaluation,
            "pagination": pagination,
            "source": "reporting_766_transparency_* and reporting_dvc_calendar Mongo collections",
        }
    )

    # ---- dossier-digitized
    def digit_metrics(i):
        if i is None:
            g = lambda arr: int(arr.sum())  # noqa: E731
            fn, fd = int(formal_conn.sum()), int(proc_n.sum())
        else:
            g = lambda arr: int(arr[i])  # noqa: E731
            fn, fd = int(formal_conn[i]), int(proc_n[i])
        den = g(received)
        return [
            metric(
                "ORIGINAL_RESULT_AVAILABLE",
                "Tỷ lệ hồ sơ thủ tục hành chính có cấp kết quả giải quyết thủ tục hành chính điện tử",
                g(eres),
                den,
                6,
            ),
            metric(
                "SO_HOA_GIAY_TO_GIAI_QUYET",
                "Tỷ lệ hồ sơ thủ tục hành chính thực hiện số hóa hồ sơ",
                g(digit),
                den,
                4,
            ),
            metric(
                "REUSED_DIGITIZED_DATA",
                "Tỷ lệ hồ sơ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
                g(reused),
                den,
                2,
                threshold=0.8,
            ),
            metric(
                "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
                "Tỷ lệ hồ sơ TTHC được số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng",
                g(synced),
                den,
                4,
            ),
            metric(
                "CITIZEN_DATA_CONNECTED_DOSSIER",
                "Tỷ lệ hồ sơ TTHC có sử dụng thông tin, dữ liệu dân cư",
                g(citizen),
                den,
                2,
            ),
            metric(
                "CITIZEN_DATA_CONNECTED_FORMALITY",
                "Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư phục vụ GQ TTHC",
                fn,
                fd,
                2,
            ),
            {
                "code": "ELECTRONIC_CERTIFIED_COPY",
                "name": "Tỷ lệ cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
                "numerator": None,
                "denominator": None,
                "ratio": 100,
                "score": 2,
                "maxScore": 2,
            },
        ]

    evaluation = []
    for a in ags:
        ms = digit_metrics(a.idx)
        ts, tr = total_of(ms, 22)
        evaluation.append(
            {
                **unit_head(a.idx + 1, a, True),
                "totalScore": ts,
                "totalMaxScore": 22,
                "ratio": tr,
                "metrics": ms,
                "scoreDelta": None,
            }
        )
    ms = digit_metrics(None)
    ts, tr = total_of(ms, 22)
    overview = {
        **unit_head(1, None, True),
        "totalScore": ts,
        "totalMaxScore": 22,
        "ratio": tr,
        "metrics": ms,
        "scoreDelta": None,
    }
    out["dossier-digitized"] = _envelope(
        {
            "overview": overview,
            "evaluation": evaluation,
            "pagination": pagination,
            "source": "reporting_digitized_dossiers_daily Mongo collection",
        }
    )

    # ---- handling-satisfaction
    def sat_metrics(i):
        g = (lambda arr: int(arr.sum())) if i is None else (lambda arr: int(arr[i]))
        p, d = g(petitions), g(received)

        def pm(code, name, num, scored):
            r = 100 * num / p if p else 0
            return {
                "code": code,
                "name": name,
                "numerator": num,
                "denominator": p,
                "ratio": jn(r),
                "score": (jn(6 * num / p) if p else 6) if scored else None,
                "maxScore": 6 if scored else 0,
            }

        sat = g(satisfied)
        return (
            [
                pm(
                    "PETITION_CLASSIFICATION_TTHC",
                    "Tỷ lệ PAKN về quy định, thủ tục hành chính",
                    g(pet_tthc),
                    False,
                ),
                {
                    "code": "DOSSIER_RECEIVING_SATISFACTION",
                    "name": "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
                    "numerator": sat,
                    "denominator": d,
                    "ratio": jn(100 * sat / d) if d else 0,
                    "score": jn(min(6.0, 6 * (sat / d) / 0.9)) if d else 0,
                    "maxScore": 6,
                },
                pm("PETITION_PROCESSING_ON_TIME", "Tỷ lệ PAKN xử lý đúng hạn", g(pet_on_time), True),
                pm(
                    "PETITION_HANDLING_SATISFACTION",
                    "Tỷ lệ hài lòng trong xử lý PAKN",
                    g(pet_satisfied),
                    True,
                ),
                pm(
                    "PETITION_CLASSIFICATION_STAFF",
                    "Tỷ lệ PAKN về hành vi cán bộ, công chức, viên chức",
                    p - g(pet_tthc),
                    False,
                ),
            ],
            p,
            d,
        )

    evaluation = []
    for a in ags:
        ms, p, d = sat_metrics(a.idx)
        ts, tr = total_of(ms, 18)
        evaluation.append(
            {
                **unit_head(a.idx + 1, a),
                "totalScore": ts,
                "totalMaxScore": 18,
                "ratio": tr,
                "scoreDelta": None,
                "metrics": ms,
                "totalPetitions": p,
                "classifiedPetitions": p,
                "totalDossiers": d,
                "averageScore": None,
            }
        )
    ms, p, d = sat_metrics(None)
    ts, tr = total_of(ms, 18)
    overview = {
        **unit_head(1, None),
        "totalScore": ts,
        "totalMaxScore": 18,
        "ratio": tr,
        "scoreDelta": None,
        "metrics": ms,
        "totalPetitions": p,
        "classifiedPetitions": p,
        "totalDossiers": d,
        "averageScore": None,
    }
    out["handling-satisfaction"] = _envelope(
        {
            "overview": overview,
            "evaluation": evaluation,
            "pagination": pagination,
            "source": "reporting_766_satisfaction_petition_months, reporting_766_satisfaction_dossier_periods",
        }
    )
    _ = (start, end)
    return out


def payload(endpoint: str, u: Unit, y: int, m: int) -> dict:
    if endpoint == "handling-satisfaction":
        end = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
        return {
            "rootDepartmentId": u.root_uuid,
            "currentPage": 1,
            "pageSize": 200,
            "fromDate": f"{y:04d}-{m:02d}-01",
            "toDate": end.isoformat(),
        }
    return {
        "rootDepartmentId": u.root_uuid,
        "currentPage": 1,
        "pageSize": PAGE_SIZE.get(endpoint, 200),
        "timeType": "month",
        "year": y,
        "month": m,
    }


def captured_at(endpoint: str, y: int, m: int) -> str:
    nxt = date(y + (m == 12), m % 12 + 1, 1) + timedelta(days=4)
    k = ENDPOINTS.index(endpoint)
    return f"{nxt.isoformat()}T02:{10 + k * 3:02d}:{7 * k + 3:02d}.{123456 + k * 1111:06d}+00:00"
