"""The national 766 evaluation API's responses (docs/FORMATS.md §5).

``parse_766`` (``dvc-766-json`` → ``dvc_766_unit`` + ``dvc_766_measure``), every shape of the
real captures (``tests/fixtures/dvcqg-766``):

* tree endpoints (``dvc-progress-tree``, ``provide-online-tree``, ``formality-online-payment-tree``):
  ``data.parent`` (root, ``is_root``) + ``data.children[]``. Unit scores: ``totalScore``/``score``,
  ``totalMaxScore``/``maxScore``, ``ratio``, ``scoreDelta``. Every other numeric field of a unit
  (``totalReceived``, ``totalOnTime``, ``avgProcessingDays``, ``channelOnlineSum`` …) is one measure row
  with ``value``. ``monthlyChart`` is kept in ``meta["monthly_chart"]``, not loaded.
* evaluation endpoints (``transparency``, ``handling-satisfaction``, ``dossier-digitized``):
  ``data.overview`` (root) + ``data.evaluation[]``; one measure row per ``metrics[]`` item (numerator,
  denominator, ratio, score, maxScore, dataQualityStatus; value null) plus one value row per extra
  numeric unit field (``totalPetitions``, ``classifiedPetitions``, ``totalDossiers``, ``averageScore``).

Values are stored exactly as published (JSON numbers → DOUBLE; nulls stay null). ``source_row`` of a unit
is its position (root = 1, then items in order); a measure carries its unit's ``source_row``.

Period: from the capture manifest (``manifest.json`` or ``manifest.m0.json`` in the file's folder or up to
three parents; entry matched on the path relative to the manifest): ``payload.timeType`` +
``year``/``month``/``quarter``, or ``fromDate``/``toDate`` (period_type ``range`` unless the range is
exactly a calendar month, quarter or year); ``captured_at`` from ``capturedAt`` (UTC). Otherwise from the
file name: ``month-YYYY-MM.json``, ``quarter-YYYY-Qn.json``, ``year-YYYY.json``.

``formalities/page-*.json`` (the national procedure catalogue, not a 766 group) is recognised as format
``dvc-formalities-json`` and refused with a ParseError saying so: chiso has no raw table for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chiso.contracts.vocabularies import GROUPS_EVALUATION, GROUPS_TREE
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import load_json, month_end, short
from chiso.sources.normalize import nfc
from chiso.sources.tables import table_from_rows

FORMAT_766 = "dvc-766-json"
FORMAT_FORMALITIES = "dvc-formalities-json"

TREE_GROUPS = GROUPS_TREE
EVAL_GROUPS = GROUPS_EVALUATION
GROUPS = TREE_GROUPS + EVAL_GROUPS

# ------------------------------------------------------------------------------------------- 766

_UNIT_FIELDS = {
    "stt",
    "departmentId",
    "departmentName",
    "departmentCode",
    "departmentType",
    "departmentLevel",
    "agencyLevel",
    "level",
    "totalScore",
    "totalMaxScore",
    "ratio",
    "score",
    "maxScore",
    "scoreDelta",
    "metrics",
}


def find_manifest_entry(path: Path) -> tuple[Path, dict] | None:
    """The manifest entry describing ``path`` (same folder or up to three parents)."""
    path = path.resolve()
    for parent in list(path.parents)[:4]:
        for name in ("manifest.json", "manifest.m0.json"):
            m = parent / name
            captures = _manifest_captures(m)
            if captures is None:
                continue
            cap = captures.get(path.relative_to(parent).as_posix())
            if cap is not None:
                return m, cap
    return None


_MANIFESTS: dict[bytes, dict[str, dict] | None] = {}


def _manifest_captures(m: Path) -> dict[str, dict] | None:
    """A manifest's captures by file name (the first entry of a name, as a scan would find it); None: no readable
    manifest there. Parsed once per content: each landed response keeps its own copy of the same manifest."""
    try:
        raw = m.read_bytes()
    except OSError:  # none there (or a folder)
        return None
    key = hashlib.blake2b(raw, digest_size=16).digest()
    if key not in _MANIFESTS:
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except ValueError:
            captures = None
        else:
            captures = {}
            for cap in data.get("captures", []) if isinstance(data, dict) else []:
                if isinstance(cap, dict) and isinstance(cap.get("file"), str):
                    captures.setdefault(cap["file"], cap)
        if len(_MANIFESTS) > 64:
            _MANIFESTS.clear()
        _MANIFESTS[key] = captures
    return _MANIFESTS[key]


def _quarter_bounds(y: int, q: int) -> tuple[date, date]:
    start = date(y, 3 * (q - 1) + 1, 1)
    return start, month_end(date(y, 3 * q, 1))


def period_from_payload(payload: dict) -> tuple[str, date, date] | None:
    t = payload.get("timeType")
    try:
        if t == "month":
            s = date(int(payload["year"]), int(payload["month"]), 1)
            return "month", s, month_end(s)
        if t == "quarter":
            s, e = _quarter_bounds(int(payload["year"]), int(payload["quarter"]))
            return "quarter", s, e
        if t == "year":
            y = int(payload["year"])
            return "year", date(y, 1, 1), date(y, 12, 31)
        if payload.get("fromDate") and payload.get("toDate"):
            s = date.fromisoformat(str(payload["fromDate"])[:10])
            e = date.fromisoformat(str(payload["toDate"])[:10])
            return classify_range(s, e)
    except (KeyError, ValueError, TypeError):
        return None
    return None


def classify_range(s: date, e: date) -> tuple[str, date, date]:
    if s.day == 1 and e == month_end(s):
        return "month", s, e
    if s.day == 1 and s.month % 3 == 1 and e == month_end(date(s.year, s.month + 2, 1)):
        return "quarter", s, e
    if s == date(s.year, 1, 1) and e == date(s.year, 12, 31):
        return "year", s, e
    return "range", s, e


def _period_from_name(path: Path) -> tuple[str, date, date] | None:
    name = path.name
    m = re.match(r"month-(\d{4})-(\d{2})\.json$", name)
    if m and 1 <= int(m.group(2)) <= 12:
        s = date(int(m.group(1)), int(m.group(2)), 1)
        return "month", s, month_end(s)
    m = re.match(r"quarter-(\d{4})-[Qq]([1-4])\.json$", name)
    if m:
        s, e = _quarter_bounds(int(m.group(1)), int(m.group(2)))
        return "quarter", s, e
    m = re.match(r"year-(\d{4})\.json$", name)
    if m:
        y = int(m.group(1))
        return "year", date(y, 1, 1), date(y, 12, 31)
    return None


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    return None


def _group_of(path: Path, data: dict, entry: dict | None) -> str:
    if entry and isinstance(entry.get("url"), str):
        g = entry["url"].rstrip("/").rsplit("/", 1)[-1]
        if g in GROUPS:
            return g
    for part in reversed(path.parts[:-1]):
        if part in GROUPS:
            return part
    root = data.get("parent") or data.get("overview") or {}
    if "totalReceived" in root:
        return "dvc-progress-tree"
    if "authorityCount" in root or "channelOnlineSum" in root:
        return "provide-online-tree"
    if "totalDossierOnlinePaymentSuccess" in root:
        return "formality-online-payment-tree"
    codes = {m.get("code") for m in root.get("metrics") or [] if isinstance(m, dict)}
    if codes & {"PUBLISH_ON_TIME", "DOSSIER_SYNC"}:
        return "transparency"
    if any(str(c).startswith("PETITION") for c in codes) or "DOSSIER_RECEIVING_SATISFACTION" in codes:
        return "handling-satisfaction"
    if codes & {"ORIGINAL_RESULT_AVAILABLE", "SO_HOA_GIAY_TO_GIAI_QUYET"}:
        return "dossier-digitized"
    raise ParseError(
        path,
        "a 766 evaluation group (" + ", ".join(GROUPS) + ")",
        "an unrecognised response",
        message="cannot tell the endpoint from the folder, manifest or fields",
    )


def parse_766(path: str | Path, manifest: str | Path | dict | None = None) -> ParsedBatch:
    """Parse one 766 API response. ``manifest``: a manifest path or its parsed dict (else searched)."""
    path = Path(path)
    obj = load_json(path)
    if not isinstance(obj, dict) or "data" not in obj:
        keys = list(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
        raise ParseError(
            path,
            'a 766 API envelope {"code": "OK", "data": …}',
            f"keys {keys}",
            message="not an evaluation response",
        )
    if obj.get("code") not in (None, "OK"):
        raise ParseError(
            path, 'response code "OK"', str(obj.get("code")), message=str(obj.get("message"))[:100]
        )
    data = obj["data"]
    if isinstance(data, dict) and "items" in data and "pagination" in data:
        raise ParseError(
            path,
            "a 766 evaluation response (parent/children or overview/evaluation)",
            "a formalities catalogue page (data.items + pagination)",
            message="not an evaluation response: the national procedure catalogue is not loaded",
        )
    is_tree = (
        isinstance(data, dict)
        and isinstance(data.get("parent"), dict)
        and isinstance(data.get("children"), list)
    )
    is_eval = (
        isinstance(data, dict)
        and isinstance(data.get("overview"), dict)
        and isinstance(data.get("evaluation"), list)
    )
    if not (is_tree or is_eval):
        keys = list(data)[:8] if isinstance(data, dict) else type(data).__name__
        raise ParseError(
            path,
            "data.parent + data.children[] or data.overview + data.evaluation[]",
            f"data keys {keys}",
            message="not an evaluation response",
        )

    entry = None
    if isinstance(manifest, dict):
        rel = path.name
        for cap in manifest.get("captures", []):
            if isinstance(cap, dict) and (
                cap.get("file") == rel or str(path).replace("\\", "/").endswith("/" + str(cap.get("file")))
            ):
                entry = cap
                break
    elif manifest is not None:
        mpath = Path(manifest)
        data_m = json.loads(mpath.read_text(encoding="utf-8-sig"))
        try:
            rel = path.resolve().relative_to(mpath.resolve().parent).as_posix()
        except ValueError:
            rel = path.name
        entry = next((c for c in data_m.get("captures", []) if c.get("file") == rel), None)
    else:
        found = find_manifest_entry(path)
        entry = found[1] if found else None

    period = period_from_payload(entry.get("payload") or {}) if entry else None
    period_source = "manifest" if period else None
    if period is None:
        period = _period_from_name(path)
        period_source = "file name" if period else None
    if period is None:
        raise ParseError(
            path,
            "a period from the capture manifest or a file name month-YYYY-MM.json",
            "no manifest entry and no period in the file name",
        )
    ptype, pstart, pend = period
    captured_at = None
    if entry and entry.get("capturedAt"):
        try:
            dt = datetime.fromisoformat(str(entry["capturedAt"]))
            captured_at = dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
        except ValueError:
            captured_at = None
    group = _group_of(path, data, entry)

    root = data["parent"] if is_tree else data["overview"]
    items = data["children"] if is_tree else data["evaluation"]
    root_code = root.get("departmentCode")
    units: list[dict] = []
    measures: list[dict] = []
    rejects: list[RowError] = []
    base = {"group_code": group, "period_type": ptype, "period_start": pstart, "period_end": pend}
    for n, u in enumerate([root] + list(items), start=1):
        if not isinstance(u, dict) or not u.get("departmentId"):
            rejects.append(
                RowError(
                    row=n,
                    column="departmentId",
                    expected="a unit object with departmentId",
                    found=short(json.dumps(u, ensure_ascii=False)[:80]),
                )
            )
            continue
        units.append(
            {
                "source_row": n,
                **base,
                "captured_at": captured_at,
                "root_department_code": root_code,
                "is_root": n == 1,
                "department_id": u.get("departmentId"),
                "department_code": u.get("departmentCode"),
                "department_name": nfc(u.get("departmentName")),
                "department_type": u.get("departmentType"),
                "level": u.get("level", u.get("departmentLevel")),
                "total_score": _num(u["totalScore"]) if "totalScore" in u else _num(u.get("score")),
                "total_max_score": _num(u["totalMaxScore"])
                if "totalMaxScore" in u
                else _num(u.get("maxScore")),
                "ratio": _num(u.get("ratio")),
                "score_delta": _num(u.get("scoreDelta")),
            }
        )
        mbase = {
            "source_row": n,
            **base,
            "department_id": u.get("departmentId"),
            "department_code": u.get("departmentCode"),
        }
        for m in u.get("metrics") or []:
            if not isinstance(m, dict):
                continue
            measures.append(
                {
                    **mbase,
                    "measure_code": m.get("code"),
                    "measure_name": nfc(m.get("name")),
                    "numerator": _num(m.get("numerator")),
                    "denominator": _num(m.get("denominator")),
                    "value": None,
                    "ratio": _num(m.get("ratio")),
                    "score": _num(m.get("score")),
                    "max_score": _num(m.get("maxScore")),
                    "data_quality_status": m.get("dataQualityStatus"),
                }
            )
        for k, v in u.items():
            if k in _UNIT_FIELDS or isinstance(v, (dict, list, str, bool)):
                continue
            if v is None or isinstance(v, (int, float)):
                measures.append(
                    {
                        **mbase,
                        "measure_code": k,
                        "measure_name": None,
                        "numerator": None,
                        "denominator": None,
                        "value": _num(v),
                        "ratio": None,
                        "score": None,
                        "max_score": None,
                        "data_quality_status": None,
                    }
                )
    meta = {
        "group": group,
        "shape": "tree" if is_tree else "evaluation",
        "period_source": period_source,
        "manifest_entry": entry.get("file") if entry else None,
        "children": len(items),
        "pagination": data.get("pagination"),
        "monthly_chart": data.get("monthlyChart"),
        "data_source": data.get("source"),
    }
    return ParsedBatch(
        path=path,
        source_system="dvc",
        format=FORMAT_766,
        main_dataset="dvc_766_unit",
        period_start=pstart,
        period_end=pend,
        tables={
            "dvc_766_unit": table_from_rows(units, "dvc_766_unit"),
            "dvc_766_measure": table_from_rows(measures, "dvc_766_measure"),
        },
        rows_read=len(items) + 1,
        rejects=rejects,
        meta=meta,
    )


def parse_formalities(path: str | Path) -> ParsedBatch:
    """The formalities catalogue is not loaded (no raw table): always a ParseError saying so."""
    path = Path(path)
    load_json(path)
    raise ParseError(
        path,
        "a 766 evaluation response",
        "a formalities catalogue page (data.items + pagination)",
        message="not an evaluation response: the national procedure catalogue is not loaded by chiso",
    )
