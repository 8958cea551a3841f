"""The sample exports generator: one province-month at a time, deterministic, memory flat."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from chiso_sample import api766, plans, writers
from chiso_sample import dossiers as dz
from chiso_sample.units import Unit, rates, tables, units_for


@dataclass
class _Counts:
    files: dict[str, int] = field(default_factory=dict)  # file kind → files written
    rows: dict[str, int] = field(default_factory=dict)  # file kind → data rows written
    total_dossiers: int = 0  # distinct dossiers received over the run
    files_written: int = 0

    def add(self, kind: str, rows: int) -> None:
        self.files[kind] = self.files.get(kind, 0) + 1
        self.rows[kind] = self.rows.get(kind, 0) + rows
        self.files_written += 1

    def absorb(self, other: _Counts) -> None:
        for kind, files in other.files.items():
            self.files[kind] = self.files.get(kind, 0) + files
            self.rows[kind] = self.rows.get(kind, 0) + other.rows[kind]
        self.files_written += other.files_written
        self.total_dossiers += other.total_dossiers


@dataclass(kw_only=True)
class GenerationSummary(_Counts):
    out_dir: Path
    provinces: list[str]  # unit keys "04@1900-01-01"
    months: list[str]  # YYYY-MM
    seconds: float = 0.0


def _months(start: str, end: str) -> list[tuple[int, int]]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    out = []
    while (y, m) <= (ey, em):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _default_end() -> str:
    t = date.today()
    y, m = (t.year - 1, 12) if t.month == 1 else (t.year, t.month - 1)
    return f"{y:04d}-{m:02d}"


def _rng(seed: int, u: Unit, y: int, m: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, int(u.code), int(u.is_new), y, m, stream])


def generate(
    out_dir: Path,
    *,
    seed: int = 20230101,
    provinces: int = 4,
    start: str = "2023-01",
    end: str | None = None,
    dossiers_per_month: int = 1000,
    documents_per_month: int = 300,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> GenerationSummary:
    """Write the sample exports into ``out_dir``. Each unit (a province before or after the reorganisation) is
    generated on its own; with ``workers`` > 1, that many units at a time in child processes (the files are the
    same, byte for byte: every random stream is seeded by its unit and month), their summaries merged in the
    units' order."""
    import time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    t_start = time.perf_counter()
    out_dir = Path(out_dir)
    end = end or _default_end()
    months = _months(start, end)
    units = units_for(provinces)
    summary = GenerationSummary(out_dir=out_dir, provinces=[u.key for u in units],
                                months=[f"{y:04d}-{m:02d}" for y, m in months])
    manifests: dict[str, dict] = {}
    job = (out_dir, provinces, months, seed, dossiers_per_month, documents_per_month)
    side_by_side = workers > 1 and len(units) > 1
    pool = ProcessPoolExecutor(min(workers, len(units)), mp_context=get_context("fork")) if side_by_side else None
    try:
        parts = pool.map(_unit_in_child, [(i, *job) for i in range(len(units))]) if pool else (
            _unit(u, *job[2:], out_dir=out_dir, progress=progress) for u in units)
        for part in parts:  # in the units' order, each as soon as it and those before it are done
            _merge(part, summary, manifests, progress if side_by_side else None)
    finally:
        if pool:
            pool.shutdown()
    for mcode, man in manifests.items():
        p = out_dir / "dvc" / mcode / "766" / "manifest.json"
        p.write_text(json.dumps(man, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        summary.add("dvc_766_manifest", len(man["captures"]))
    for rows in plans.write_plans(out_dir, units, months[0][0]):
        summary.add("plans_xlsx", rows)
    summary.seconds = time.perf_counter() - t_start
    return summary


def _merge(part: _UnitPart, summary: GenerationSummary, manifests: dict[str, dict],
           progress: Callable[[str], None] | None) -> None:
    """A unit's counts into the summary, its captures into the manifest of its code; its progress lines (a unit
    generated in a child) to ``progress``."""
    if progress:
        for line in part.lines:
            progress(line)
    summary.absorb(part)
    if part.captures:
        man = manifests.setdefault(part.manifest_code, {
            "schemaVersion": 1, "status": "synthetic-sample", "province": None, "formality": None,
            "captures": []})
        man["province"] = part.province
        man["captures"].extend(part.captures)


@dataclass(kw_only=True)
class _UnitPart(_Counts):
    """What one unit's generation wrote: its counts, its 766 captures for the manifest of its code, and its
    progress lines (when generated in a child)."""

    manifest_code: str
    province: dict | None = None
    captures: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _unit_in_child(args: tuple) -> _UnitPart:
    """One unit in a child process (the unit found again from its index: nothing to pickle but numbers)."""
    index, out_dir, provinces, *rest = args
    lines: list[str] = []
    part = _unit(units_for(provinces)[index], *rest, out_dir=out_dir, progress=lines.append)
    part.lines = lines
    return part


def _unit(u: Unit, months: list[tuple[int, int]], seed: int, dossiers_per_month: int, documents_per_month: int,
          *, out_dir: Path, progress: Callable[[str], None] | None) -> _UnitPart:
    """Every month of one unit: its exports of the three systems."""
    part = _UnitPart(manifest_code=u.code)
    t = tables(u)
    carry = dz.empty_state()
    mcode = u.code
    for y, m in months:
        if not u.active(y, m):
            continue
        ym = f"{y:04d}-{m:02d}"
        s0, s1 = dz.month_bounds(y, m)
        t0, t1 = int(dz.to_sec(s0)), int(dz.to_sec(s1))
        last_month = u.valid_to is not None and (y, m) == (u.valid_to.year, u.valid_to.month)
        new = dz.new_dossiers(_rng(seed, u, y, m, 1), t, y, m, dossiers_per_month, last_month)
        part.total_dossiers += len(new["recv"])
        s = dz.concat(carry, new)
        if last_month and len(s["comp"]):
            # the old province closes its books before 1 July 2025: every dossier is finished in June
            wd = np.arange(s0, s1, dtype="datetime64[D]")
            last = int(dz.to_sec(wd[np.is_busday(wd, holidays=dz.holiday_days())][-1:])[0]) + 17 * dz.HOUR
            s["comp"] = np.maximum(np.minimum(s["comp"], last), s["recv"] + 60)
        st_end = dz.status_at(s, t1)
        st_prev = dz.status_at(s, t0)
        is_new = s["recv"] >= t0
        changed = (
            (st_end != st_prev)
            | ((s["comp"] >= t0) & (s["comp"] < t1))
            | ((s["sup_at"] >= t0) & (s["sup_at"] < t1))
        )
        rows = np.flatnonzero(is_new | changed)
        rows = rows[np.lexsort((s["seq"][rows], s["agency"][rows], s["recv"][rows]))]
        base = out_dir / "motcua" / mcode
        n = writers.write_dossier_csv(base / f"hoso_{mcode}_{ym}.csv", s, rows, u, t1, st_end)
        part.add("motcua_dossier_csv", n)

        cls = dz.classify(s, t0, t1)
        counts = writers.bieu06_counts(cls, s["agency"], t.n_agencies)
        as_text = (int(hashlib.sha256(f"{seed}/{u.key}/{ym}".encode()).hexdigest(), 16) % 10) == 0
        writers.write_bieu06(base / f"bieu06_{mcode}_{ym}.xlsx", u, y, m, counts, as_text)
        part.add("motcua_bieu06_xlsx", len(u.agencies) + 3)

        r = rates(u, y, m)
        nd = writers.write_register(
            out_dir / "qlvb" / mcode / f"sovanban_{mcode}_{ym}.xlsx",
            u,
            y,
            m,
            _rng(seed, u, y, m, 2),
            documents_per_month,
            r["electronic_docs"],
        )
        part.add("qlvb_register_xlsx", nd)

        dvc = out_dir / "dvc" / mcode
        ns = writers.write_service_csv(dvc / f"dichvu_{mcode}_{ym}.csv", t, y, m)
        part.add("dvc_catalogue_csv", ns)

        responses = api766.build(u, t, y, m, s, cls, _rng(seed, u, y, m, 3))
        part.province = {"id": u.root_uuid, "name": u.root_name}
        for ep in api766.ENDPOINTS:
            body = api766.dumps(responses[ep])
            rel = f"{ep}/month-{ym}.json"
            p = dvc / "766" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(body)
            part.add("dvc_766_json", 1)
            part.captures.append(
                {
                    "file": rel,
                    "method": "POST",
                    "url": api766.BASE_URL + ep,
                    "payload": api766.payload(ep, u, y, m),
                    "httpStatus": 201,
                    "contentType": "application/json; charset=utf-8",
                    "capturedAt": api766.captured_at(ep, y, m),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "bytes": len(body),
                    "period": "month",
                    "scope": "all",
                    "verification": "json-envelope-and-scope-verified",
                }
            )

        carry = dz.take(s, np.flatnonzero(s["comp"] >= t1))
        if progress:
            progress(
                f"{u.code} {u.name} {ym}: {len(new['recv'])} new, {n} rows, "
                f"{int(counts[:, 8].sum())} open, {nd} documents"
            )
    return part
