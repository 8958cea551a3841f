"""The sample's plan workbooks (``plans/<code>/kehoach_<code>_<date>.xlsx``), one per simulated unit, written with
the product's own template (chiso.sources.plans.template):

- targets: the province's online-dossier share, and a quota for each of its departments and (new provinces)
  communes — sample values, stable per agency, labelled as such in the note and never verified;
- reported figures: the seed articles' figures the unit carries in ``reported_status`` (dbt seed), as printed,
  with the article as their source. Figures the seed cannot place are left out: undated ones (Cao Bằng's
  article prints no date), a damaged value (not guessed) and the per-department and per-district PAR Index
  scores (the article names them, without their codes).
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

from chiso import settings
from chiso.sources.plans import reference
from chiso.sources.plans.template import write_workbook

# seed rows without a KPI code: the catalogue KPI each figure is
FIGURE_KPIS = {
    "CB-01": "officials_using_document_system_share",
    "CB-03": "one_stop_shop_deployed_share",
    "CB-04": "digital_certificates_count",
    "CB-05": "online_services_count",
    "BK-01": "one_stop_shop_units_count",
    "BK-02": "smartphone_population_share",
    "BK-03": "mobile_broadband_village_share",
    "BK-04": "fibre_household_share",
    "CT-02": "par_plan_tasks_done_count",
}
SAMPLE_NOTE = "số liệu mẫu (sample), không phải chỉ tiêu thật"


def _stable(*parts: object) -> int:
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _figures(unit) -> list[dict]:
    with open(settings.reference_csv("reported_status.csv"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        if r["unit_code"] != unit.code or r["unit_valid_from"] != unit.valid_from.isoformat():
            continue
        kpi = r["kpi_code"] or FIGURE_KPIS.get(r["status_id"])
        published = r["publication_date"]
        if not kpi or not published or not r["value"] or r["figure"].startswith("PAR Index, "):
            continue
        edition = (
            r["as_of_text"].removeprefix("year ")
            if r["as_of_text"].startswith("year ")
            else (_dmy(date.fromisoformat(r["as_of_date"])))
        )
        row = {
            "kpi": kpi,
            "edition": edition,
            "unit": unit.code,
            "document_number": f"Bài báo (seed {r['source_article']})",
            "document_date": _dmy(date.fromisoformat(published)),
            "is_verified": "Có",
            "note": r["figure"],
        }
        if r["value_unit"] == "rank":
            rank, _, out_of = r["value_text"].partition("/")
            row.update(rank=int(rank), rank_out_of=int(out_of) if out_of else None, scale="hạng")
        else:
            count = (
                r["value_unit"] == "count"
            )  # "68/68" prints the count with its total: the count is the value
            row.update(
                value=int(float(r["value"])) if count else r["value_text"], scale="số lượng" if count else "%"
            )
        out.append(row)
    return out


_FROZEN_AT = "2026-01-01T08:00:00Z"


def _freeze(path: Path) -> None:
    """Make a written workbook byte-for-byte reproducible (the sample is deterministic for a seed): openpyxl
    stamps the save time into docProps/core.xml and into every zip entry."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _FROZEN_AT.encode() + rb"\g<2>",
                    data,
                )
            zout.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 8, 0, 0)), data, zipfile.ZIP_DEFLATED)
    tmp.replace(path)


def write_plans(out_dir: Path, units, first_year: int) -> list[int]:
    """One plan workbook per unit; returns the rows written to each."""
    n = []
    for u in units:
        issued = max(date(first_year, 1, 15), date(u.valid_from.year, u.valid_from.month, 15))
        horizon = issued.year + 1
        doc = {
            "document_number": f"{_stable(u.key) % 300 + 1}/KH-UBND",
            "document_date": _dmy(issued),
            "issuing_body": u.root_name,
            "document_article": "Phụ lục I",
            "is_verified": "Không",
            "note": SAMPLE_NOTE,
        }
        communes = {c.code for c in reference.current_units(issued, u.code) if c.level == "commune"}
        targets = [
            {
                "kpi": "online_dossier_share",
                "unit": u.code,
                "unit_level": "Tỉnh",
                "value": 50 + _stable(u.key, "province") % 30,
                "horizon": horizon,
                **doc,
            }
        ]
        for a in u.agencies:
            if a.kind == "dept":
                targets.append(
                    {
                        "kpi": "online_dossier_share",
                        "unit": a.code,
                        "unit_level": "Sở, ngành",
                        "value": 40 + _stable(u.key, a.code) % 50,
                        "horizon": horizon,
                        **doc,
                    }
                )
            elif a.kind == "commune" and a.admin_unit_code in communes:  # a commune the reference lists
                targets.append(
                    {
                        "kpi": "online_dossier_share",
                        "unit": a.admin_unit_code,
                        "unit_level": "Xã",
                        "value": 30 + _stable(u.key, a.code) % 50,
                        "horizon": horizon,
                        **doc,
                    }
                )
        figures = _figures(u)
        path = out_dir / "plans" / u.code / f"kehoach_{u.code}_{issued.isoformat()}.xlsx"
        write_workbook(
            path, targets, figures, province_code=u.code, on=issued, rows=len(targets) + len(figures)
        )
        _freeze(path)
        n.append(len(targets) + len(figures))
    return n
