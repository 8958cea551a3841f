"""The simulated administrative units (old and new provinces) with their agencies and online services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
from chiso.contracts.vocabularies import SERVICE_STATE, YES_NO

from chiso_sample import catalogue as cat
from chiso_sample import volumes

SEED_ORDER = list(volumes.SEED_GROUPS)
REORG = date(2025, 7, 1)
_NS = uuid.UUID("6f1c1e0a-3d1b-5c7e-9a55-2b7f0c1d4e21")
# The agency prefixes the sample used before ref_provinces took the QĐ 20/2020 identifiers (province code →
# prefix). They only salt the generator's stable hashes and UUIDs, so that the calibrated sample keeps its agency
# weights, online-service offers and departmentIds: the exports' numbers are unchanged, only the identifiers' text
# follows the reference table. Every other province salts with its own prefix.
_HASH_SALT_PREFIX = {
    "04": "H13",
    "06": "H05",
    "19": "H53",
    "92": "H14",
    "93": "H28",
    "94": "H49",
    "40": "H40",
}


@dataclass
class Agency:
    idx: int
    code: str
    name: str  # as in the dossier CSV and Biểu 06 ("Sở Tư pháp tỉnh Cao Bằng", "UBND Huyện Ba Bể")
    name766: str  # as on the national portal ("Sở Tư pháp - Tỉnh Cao Bằng")
    kind: str  # dept | district | commune
    abbr: str
    weight: float
    uuid: str
    # statistics-office code of the administrative unit the agency belongs to: the province code for
    # departments, the old 3-digit district code for district committees (before 2025-07-01), the 5-digit
    # ward code for commune committees (from 2025-07-01); read by dbt_project/scripts/make_agency_crosswalk.py
    admin_unit_code: str = ""


@dataclass(eq=False)
class Unit:
    code: str  # 2-digit province code
    name: str  # "Tỉnh Cao Bằng"
    prefix: str  # "H14" (mã định danh, ref_provinces.agency_prefix)
    weight: float
    valid_from: date
    valid_to: date | None
    seed_province: str
    is_new: bool
    agencies: list[Agency] = field(default_factory=list)
    root_uuid: str = ""

    @property
    def root_name(self) -> str:
        return "UBND " + _lower_first(self.name)

    @property
    def salt_prefix(self) -> str:
        """The prefix the generator's hashes and UUIDs are salted with (see _HASH_SALT_PREFIX)."""
        return _HASH_SALT_PREFIX.get(self.code, self.prefix)

    def salted(self, code: str) -> str:
        """An agency code with the salt prefix in place of the prefix (hash and UUID input only)."""
        return self.salt_prefix + code[len(self.prefix) :]

    @property
    def key(self) -> str:
        return f"{self.code}@{self.valid_from.isoformat()}"

    def active(self, y: int, m: int) -> bool:
        d = date(y, m, 1)
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


def _lower_first(name: str) -> str:
    # "Tỉnh Cao Bằng" -> "tỉnh Cao Bằng"; "Thành phố Cần Thơ" -> "thành phố Cần Thơ"
    return name[0].lower() + name[1:]


def _dept_name(dept: str, pname: str) -> str:
    low = _lower_first(pname)
    if dept.endswith(" tỉnh"):
        return dept[: -len(" tỉnh")] + " " + low
    return f"{dept} {low}"


@dataclass
class UnitTables:
    """Per-unit lookup arrays used by the vectorised simulation."""

    unit: Unit
    n_agencies: int
    dept_idx: np.ndarray  # agency indexes of departments
    local_idx: np.ndarray  # agency indexes of districts or communes
    local_w: np.ndarray  # probability of each local agency
    tinh_procs: np.ndarray  # procedure indexes handled by departments
    tinh_p: np.ndarray
    tinh_owner: np.ndarray  # agency index owning each tinh procedure
    local_procs: np.ndarray
    local_p: np.ndarray
    online_ok: np.ndarray  # bool [agency, procedure]: a published online service exists
    services: list[tuple[str, str, str, str, str, str, str, str]]  # catalogue rows (service, proc, ...)
    proc_fee_formalities: np.ndarray  # int [agency]: fee-bearing procedures handled


@cache
def province_groups() -> tuple[tuple[str, tuple[dict[str, str], ...]], ...]:
    """Every new province with its ref_provinces rows (its predecessors, then itself, in the seed's row order).

    The four seed groups come first (SEED_ORDER), then the other new provinces by code: ``units_for(n)`` takes the
    first n, so 1-4 are the seed provinces as they always were and 34 is the whole country.
    """
    rows = cat.province_rows()
    groups: dict[str, tuple[str, tuple[dict[str, str], ...]]] = {}
    for new in (r for r in rows if not r["valid_to"]):
        code = new["province_code"]
        members = tuple(r for r in rows if r is new or (r["valid_to"] and r["successor_code"] == code))
        groups[code] = (volumes.seed_group(code, True) or code, members)
    seeds = [g for g in groups.values() if g[0] in SEED_ORDER]
    seeds.sort(key=lambda g: SEED_ORDER.index(g[0]))
    for seed, members in seeds:  # a seed group is a new province with all its predecessors, nothing else
        units = {(r["province_code"], not r["valid_to"]) for r in members}
        if units != set(volumes.SEED_GROUPS[seed]):
            raise ValueError(f"ref_provinces: the {seed} rows are not one new province and its predecessors")
    others = sorted((g for g in groups.values() if g[0] not in SEED_ORDER), key=lambda g: g[0])
    return tuple(seeds + others)


NATIONAL = 34  # new provinces since 1 July 2025: units_for(NATIONAL) simulates the whole country


@cache
def units_for(n_provinces: int) -> tuple[Unit, ...]:
    """The units of the first ``n_provinces`` new provinces (1-4: the seed provinces; 34: every province)."""
    groups = province_groups()
    weight = volumes.weights(cat.province_rows())
    out: list[Unit] = []
    for _key, members in groups[: max(1, min(n_provinces, len(groups)))]:
        for row in members:
            vf = date.fromisoformat(row["valid_from"])
            vt = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
            is_new = vf >= REORG
            u = Unit(
                row["province_code"],
                row["province_name"],
                row["agency_prefix"],
                weight[(row["province_code"], is_new)],
                vf,
                vt,
                volumes.seed_group(row["province_code"], is_new) or "",
                is_new,
            )
            u.root_uuid = str(uuid.uuid5(_NS, f"root/{u.key}"))
            _add_agencies(u)
            out.append(u)
    return tuple(out)


def _add_agencies(u: Unit) -> None:
    ags: list[Agency] = []
    for suffix, dname, abbr in cat.DEPARTMENTS:
        code = f"{u.prefix}.{suffix}"
        name = _dept_name(dname, u.name)
        n766 = f"{dname} - {u.name}" if suffix != "01" else f"Văn phòng UBND Tỉnh - {u.name}"
        ags.append(
            Agency(
                len(ags),
                code,
                name,
                n766,
                "dept",
                abbr,
                1.0,
                str(uuid.uuid5(_NS, f"agency/{u.key}/{u.salted(code)}")),
                u.code,
            )
        )
    if u.is_new:
        locs = cat.new_wards(int(u.code))
        kind, start = "commune", 100
    else:
        locs = cat.old_district_units()[u.code]
        kind, start = "district", 30
    for i, (lcode, lname) in enumerate(locs):
        code = f"{u.prefix}.{start + i}"
        big = lname.startswith(("Thành phố", "Thành Phố", "Quận", "Thị xã", "Phường"))
        h = cat.stable_hash("agency-weight", u.key, u.salted(code))
        w = (0.5 + (h % 1000) / 1000.0) * (2.0 if big else 1.0)
        ags.append(
            Agency(
                len(ags),
                code,
                "UBND " + lname,
                "UBND " + lname,
                kind,
                "UBND",
                w,
                str(uuid.uuid5(_NS, f"agency/{u.key}/{u.salted(code)}")),
                lcode,
            )
        )
    u.agencies = ags


@cache
def tables(u: Unit) -> UnitTables:
    procs = cat.procedures()
    n_proc = len(procs)
    ags = u.agencies
    dept_idx = np.array([a.idx for a in ags if a.kind == "dept"], dtype=np.int32)
    local_idx = np.array([a.idx for a in ags if a.kind != "dept"], dtype=np.int32)
    lw = np.array([ags[i].weight for i in local_idx], dtype=float)
    by_suffix = {a.code.split(".")[1]: a.idx for a in ags if a.kind == "dept"}
    tinh = [p for p in procs if p.level == "tinh"]
    local_levels = ("huyen", "xa") if u.is_new else ("huyen",)
    local = [p for p in procs if p.level in local_levels]
    tw = np.array([p.weight for p in tinh])
    lpw = np.array([p.weight for p in local])
    online_ok = np.zeros((len(ags), n_proc), dtype=bool)
    fee_forms = np.zeros(len(ags), dtype=np.int64)
    services = []
    for a in ags:
        handled = [p for p in tinh if by_suffix[p.dept] == a.idx] if a.kind == "dept" else local
        fee_forms[a.idx] = sum(1 for p in handled if p.fee > 0)
        for p in handled:
            if p.online == "none":
                continue
            h = cat.stable_hash("service", u.key, u.salted(a.code), p.code)
            # popular procedures are nearly always online; the long tail is offered by fewer units
            share = 97 if p.weight >= 1.0 else {"dept": 90, "district": 70, "commune": 35}[a.kind]
            if h % 100 >= share:
                continue  # not offered online by this agency
            r = (h >> 10) % 100
            state = SERVICE_STATE.label("published" if r < 94 else ("testing" if r < 98 else "pending_withdrawal"))
            if state == SERVICE_STATE.label("published"):
                online_ok[a.idx, p.idx] = True
            services.append(
                (
                    f"DV.{a.code}.{p.code}",
                    p.code,
                    p.name,
                    p.online,
                    state,
                    a.code,
                    a.name,
                    YES_NO.label(p.fee > 0),
                )
            )
    return UnitTables(
        unit=u,
        n_agencies=len(ags),
        dept_idx=dept_idx,
        local_idx=local_idx,
        local_w=lw / lw.sum(),
        tinh_procs=np.array([p.idx for p in tinh], dtype=np.int32),
        tinh_p=tw / tw.sum(),
        tinh_owner=np.array([by_suffix[p.dept] for p in tinh], dtype=np.int32),
        local_procs=np.array([p.idx for p in local], dtype=np.int32),
        local_p=lpw / lpw.sum(),
        online_ok=online_ok,
        services=services,
        proc_fee_formalities=fee_forms,
    )


# --------------------------------------------------------------------------------------------------------
# calibration curves: piecewise linear in the month index, flat outside the anchors
def _mi(ym: str) -> int:
    y, m = ym.split("-")
    return int(y) * 12 + int(m) - 1


def curve(anchors: list[tuple[str, float]], y: int, m: int) -> float:
    xs = [_mi(a) for a, _ in anchors]
    ys = [v for _, v in anchors]
    return float(np.interp(y * 12 + m - 1, xs, ys))


ONLINE = {
    ("04", False): [("2023-01", 0.22), ("2025-06", 0.26)],
    ("04", True): [("2025-07", 0.45), ("2026-12", 0.60)],
    ("06", False): [("2023-01", 0.48), ("2023-12", 0.52), ("2025-06", 0.58)],
    ("19", False): [("2023-01", 0.40), ("2025-06", 0.52)],
    ("19", True): [("2025-07", 0.56), ("2026-12", 0.68)],
    ("92", False): [("2023-01", 0.38), ("2025-06", 0.52)],
    ("93", False): [("2023-01", 0.30), ("2025-06", 0.45)],
    ("94", False): [("2023-01", 0.28), ("2025-06", 0.44)],
    ("92", True): [("2025-07", 0.52), ("2026-12", 0.66)],
    ("40", False): [("2023-01", 0.30), ("2025-06", 0.48)],
    ("40", True): [("2025-07", 0.50), ("2026-12", 0.64)],
}
PAYMENT = {
    ("92", False): [("2023-01", 0.40), ("2023-12", 0.44), ("2025-06", 0.50)],
    ("92", True): [("2025-07", 0.48), ("2026-12", 0.58)],
    "old": [("2023-01", 0.20), ("2025-06", 0.33)],
    "new": [("2025-07", 0.32), ("2026-12", 0.42)],
}
DIGITISED = {
    ("06", False): [("2023-01", 0.30), ("2023-12", 0.33), ("2025-06", 0.45)],
    "old": [("2023-01", 0.22), ("2025-06", 0.42)],
    "new": [("2025-07", 0.45), ("2026-12", 0.65)],
}
E_RESULT = {"old": [("2023-01", 0.25), ("2025-06", 0.55)], "new": [("2025-07", 0.55), ("2026-12", 0.80)]}
VNEID = [("2023-01", 0.30), ("2024-06", 0.80), ("2026-12", 0.95)]
LATE = {"04": 0.04, "06": 0.05, "19": 0.03, "92": 0.025, "93": 0.035, "94": 0.04, "40": 0.035}
ELECTRONIC_DOCS = {
    "04": [("2023-01", 0.96), ("2025-06", 0.97), ("2026-12", 0.99)],
    "default": [("2023-01", 0.85), ("2026-12", 0.98)],
}
SEASON = [1.0, 0.72, 1.05, 1.0, 1.02, 1.05, 1.0, 1.03, 1.0, 1.02, 1.05, 1.12]


# Defaults for the provinces outside the four seed groups: the seed provinces' curves averaged, shifted per
# province by a stable offset (_spread) so that a national run has leaders and laggards. The calibrated units
# (those with their own ONLINE curve) take no offset anywhere: their rates are exactly as before.
ONLINE_DEFAULT = {
    "old": [("2023-01", 0.33), ("2025-06", 0.48)],
    "new": [("2025-07", 0.51), ("2026-12", 0.65)],
}
SPREAD = {"online": 0.08, "payment": 0.06, "digitised": 0.06, "e_result": 0.06, "late": 0.015,
          "electronic_docs": 0.03}  # fmt: skip


def _calibrated(u: Unit) -> bool:
    return (u.code, u.is_new) in ONLINE


def _spread(u: Unit, kind: str) -> float:
    """A stable offset in [-SPREAD[kind], +SPREAD[kind]] for a province outside the seed groups (0 for those)."""
    if _calibrated(u):
        return 0.0
    h = cat.stable_hash("calibration", kind, u.code, u.is_new)
    return SPREAD[kind] * ((h % 2001) / 1000.0 - 1.0)


def _share(anchors: list[tuple[str, float]], u: Unit, kind: str, y: int, m: int) -> float:
    v = curve(anchors, y, m)
    if _calibrated(u):
        return v
    return min(0.98, max(0.02, v + _spread(u, kind)))


def _pick(table: dict, u: Unit):
    return table.get((u.code, u.is_new)) or table["new" if u.is_new else "old"]


def rates(u: Unit, y: int, m: int) -> dict[str, float]:
    late = LATE.get(u.code, 0.035) + _spread(u, "late")
    if u.is_new and (y, m) in ((2025, 7), (2025, 8), (2025, 9)):
        late += 0.02  # the two-level local government settling in
    online = ONLINE.get((u.code, u.is_new)) or ONLINE_DEFAULT["new" if u.is_new else "old"]
    return {
        "online": _share(online, u, "online", y, m),
        "payment": _share(_pick(PAYMENT, u), u, "payment", y, m),
        "digitised": _share(_pick(DIGITISED, u), u, "digitised", y, m),
        "e_result": _share(_pick(E_RESULT, u), u, "e_result", y, m),
        "vneid": curve(VNEID, y, m),
        "late": late,
        "electronic_docs": min(
            0.995,
            _share(ELECTRONIC_DOCS.get(u.code, ELECTRONIC_DOCS["default"]), u, "electronic_docs", y, m),
        ),
    }
