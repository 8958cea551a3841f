"""``chiso inspect FILE...``: does chiso understand this export? Parses it and reports; writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chiso.util.jsonable import to_jsonable

# the count columns worth totalling per dataset
COUNT_COLUMNS = {
    "motcua_dossier": [],
    "motcua_bieu06": [
        "received_total",
        "received_new_online",
        "resolved_total",
        "resolved_late",
        "pending_total",
    ],
    "qlvb_document": [],
    "dvc_service": [],
    "dvc_766_unit": ["total_score"],
}

UNIT_COLUMNS = {
    "motcua_dossier": "agency_code",
    "motcua_bieu06": "unit_name",
    "qlvb_document": "agency_code",
    "dvc_service": "agency_code",
    "dvc_766_unit": "department_code",
}


# 766 count fields that are averages, shares or scores, not counts: not added up
_NOT_COUNTS = ("avg", "average", "pct", "ratio", "score")


def _is_count(code: str) -> bool:
    return not any(word in code.lower() for word in _NOT_COUNTS)


def counts_766(parsed) -> dict[str, Any]:
    """The main counts of a 766 capture, for the root (parent) unit and summed over its children: every count
    field a unit carries (totalReceived, totalOnTime, totalOverdue, the payment and online-service counts …) and
    each metric's numerator and denominator (transparency, digitisation, satisfaction). A count the group does
    not publish for children is absent from ``children`` (not 0)."""
    units = parsed.tables.get("dvc_766_unit")
    measures = parsed.tables.get("dvc_766_measure")
    if units is None or measures is None:
        return {}
    root_ids = {
        u["department_id"] for u in units.select(["department_id", "is_root"]).to_pylist() if u["is_root"]
    }
    parent: dict[str, float] = {}
    children: dict[str, float] = {}
    for m in measures.select(
        ["department_id", "measure_code", "numerator", "denominator", "value"]
    ).to_pylist():
        code = m["measure_code"]
        if m["value"] is not None:
            items = [(code, m["value"])] if _is_count(code) else []
        else:
            items = [(f"{code} numerator", m["numerator"]), (f"{code} denominator", m["denominator"])]
        target = parent if m["department_id"] in root_ids else children
        for key, value in items:
            if value is not None:
                target[key] = target.get(key, 0) + value
    scores = units.select(["is_root", "total_score"]).to_pylist()
    parent_score = [u["total_score"] for u in scores if u["is_root"] and u["total_score"] is not None]
    child_scores = [u["total_score"] for u in scores if not u["is_root"] and u["total_score"] is not None]

    def tidy(values: dict[str, float]) -> dict[str, float | int]:
        return {k: int(v) if float(v).is_integer() else round(v, 6) for k, v in values.items()}

    return {
        "group": units.column("group_code")[0].as_py() if units.num_rows else None,
        "children": int(sum(1 for u in scores if not u["is_root"])),
        "parent": tidy({"total_score": sum(parent_score)} if parent_score else {}) | tidy(parent),
        "children_sum": tidy({"total_score": sum(child_scores)} if child_scores else {}) | tidy(children),
    }


def inspect_file(path: Path) -> dict[str, Any]:
    """What chiso makes of one file; never raises (an unexpected fault is reported as the file's error)."""
    try:
        return _inspect(path)
    except MemoryError:
        return {"file": str(path), "ok": False,
                "errors": [f"{Path(path).name}: out of memory while reading it (a file this large or this "
                           "nested is refused by the parse step's limits; see chiso settings)"]}
    except Exception as exc:  # noqa: BLE001 - inspect reports every file, never a traceback
        return {"file": str(path), "ok": False,
                "errors": [f"{Path(path).name}: chiso could not read it: {type(exc).__name__}: {str(exc)[:200]}"]}


def _inspect(path: Path) -> dict[str, Any]:
    import pyarrow.compute as pc

    from chiso import sources
    from chiso.sources import limits
    from chiso.sources.base import ParseError

    info: dict[str, Any] = {"file": str(path)}
    try:
        if Path(path).is_symlink() or (Path(path).exists() and not Path(path).is_file()):
            raise ParseError(path, "a regular file", "a symbolic link" if Path(path).is_symlink() else
                             "not a regular file", message="not read")
        if Path(path).is_file():
            limits.check(path)
        info["format"] = sources.detect(path)
        info["source_system"] = sources.SOURCE_OF_FORMAT.get(info["format"])
        parsed = sources.parse(path, info["format"], checked=True)  # the limits were checked above
    except ParseError as exc:
        info.update(ok=False, errors=[exc.error.describe(Path(path).name)])
        return info
    main = parsed.tables.get(parsed.main_dataset)
    info.update(ok=True, **parsed.summary())
    if main is not None and main.num_rows:
        unit_col = UNIT_COLUMNS.get(parsed.main_dataset)
        if unit_col and unit_col in main.column_names:
            units = sorted({u for u in main.column(unit_col).to_pylist() if u})
            info["units"] = {"count": len(units), "first": units[:10]}
        totals = {}
        if parsed.main_dataset == "motcua_dossier":
            totals = {
                "dossiers": main.num_rows,
                "online (channel 2)": pc.sum(pc.equal(main.column("channel"), 2)).as_py() or 0,
                "finished": pc.sum(pc.is_valid(main.column("completed_at"))).as_py() or 0,
                "fee-bearing": pc.sum(pc.greater(main.column("fee_amount"), 0)).as_py() or 0,
            }
        elif parsed.main_dataset == "qlvb_document":
            totals = {
                "documents": main.num_rows,
                "electronic": pc.sum(pc.equal(main.column("form"), "electronic")).as_py() or 0,
            }
        elif parsed.main_dataset == "dvc_service":
            totals = {
                "services": main.num_rows,
                "full-process": pc.sum(pc.equal(main.column("online_level"), "full")).as_py() or 0,
            }
        for col in COUNT_COLUMNS.get(parsed.main_dataset, []):
            if col in main.column_names:
                if parsed.main_dataset == "motcua_bieu06":
                    mask = pc.equal(main.column("row_kind"), "unit")
                    totals[col + " (units)"] = pc.sum(pc.filter(main.column(col), mask)).as_py()
                else:
                    total = pc.sum(main.column(col)).as_py()
                    # a sum of published decimals: 2 724.34, not 2724.3399999999992
                    totals[col] = round(total, 6) if isinstance(total, float) else total
        info["totals"] = totals
        if parsed.main_dataset == "dvc_766_unit":
            info["counts_766"] = counts_766(parsed)
    info["errors"] = [e.describe(Path(path).name) for e in parsed.rejects[:10]]
    if parsed.meta:
        info["meta"] = to_jsonable(parsed.meta)
    return info


def _print_human(info: dict[str, Any]) -> None:
    print(f"{info['file']}")
    if not info.get("ok"):
        print(f"  NOT UNDERSTOOD ({info.get('format') or 'unknown format'})")
        for e in info.get("errors", []):
            print(f"  error: {e}")
        return
    print(
        f"  source system : {info['source_system']}   format: {info['format']}   dataset: {info['dataset']}"
    )
    print(f"  period        : {info['period_start']} → {info['period_end']}")
    if "units" in info:
        print(
            f"  units         : {info['units']['count']} ({', '.join(map(str, info['units']['first'][:5]))}…)"
        )
    print(
        f"  rows          : read {info['rows_read']}, accepted {info['rows_accepted']}, rejected {info['rows_rejected']}"
    )
    for k, v in (info.get("totals") or {}).items():
        print(f"  total         : {k} = {v:,}" if isinstance(v, int) else f"  total         : {k} = {v}")
    c766 = info.get("counts_766")
    if c766:
        print(f"  766 group     : {c766['group']}  (parent and the sum over its {c766['children']} children)")
        keys = list(c766["parent"]) + [k for k in c766["children_sum"] if k not in c766["parent"]]
        for k in keys:
            p, c = c766["parent"].get(k), c766["children_sum"].get(k)
            print(
                f"    {k:<48} parent {'—' if p is None else p:>12}   children {'—' if c is None else c:>12}"
            )
    recon = (info.get("meta") or {}).get("reconciliation")
    if recon:
        bad = [r for r in recon if not r.get("ok")]
        print(
            f"  reconciliation: {len(recon) - len(bad)} of {len(recon)} printed totals agree with the unit rows"
        )
        for r in bad[:5]:
            print(f"    ✗ {r}")
    for e in info.get("errors", []):
        print(f"  error: {e}")


def main(files: list[str], as_json: bool = False) -> int:
    worst = 0
    for f in files:
        info = inspect_file(Path(f))
        if as_json:
            print(json.dumps(info, ensure_ascii=False, default=str))
        else:
            _print_human(info)
        if not info.get("ok"):
            worst = 2
    return worst
