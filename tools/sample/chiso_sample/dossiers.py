"""Vectorised dossier simulation: a dossier's whole life is drawn when it is received; a month's export is
its state as of the end of that month. Only open dossiers are carried from one month to the next."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
from chiso.contracts.vocabularies import DOSSIER_STATUS

from chiso_sample import catalogue as cat
from chiso_sample.units import SEASON, Unit, UnitTables, rates

DAY = 86400
HOUR = 3600

# status index → export text, in the order of the product's vocabulary (chiso.contracts)
STATUS_TEXT = [DOSSIER_STATUS.label(code) for code in DOSSIER_STATUS.codes]
S_RECEIVED, S_PROCESSING, S_SUPPLEMENT, S_DONE, S_RETURNED, S_STOPPED, S_REFUSED, S_WITHDRAWN = (
    DOSSIER_STATUS.codes.index(c)
    for c in ("received", "processing", "supplement", "done", "returned", "stopped", "refused", "withdrawn")
)

FIELDS = [
    "agency",
    "proc",
    "channel",
    "recv",
    "appt",
    "comp",
    "final",
    "sup_n",
    "sup_at",
    "sup_end",
    "wait",
    "fee",
    "pay",
    "digit",
    "eres",
    "vneid",
    "seq",
    "fam",
    "mid",
    "giv",
    "cccd",
    "phone",
    "street",
    "loc",
    "nfd",
    "trail",
    "empty_ch",
    "empty_wait",
]


@lru_cache(maxsize=1)
def _proc_arrays() -> tuple[np.ndarray, np.ndarray]:
    procs = cat.procedures()
    return (
        np.array([p.days for p in procs], dtype=np.int64),
        np.array([p.fee for p in procs], dtype=np.int64),
    )


@lru_cache(maxsize=1)
def holiday_days() -> np.ndarray:
    import holidays

    hs = holidays.country_holidays("VN", years=range(2020, 2032))
    return np.array(sorted(hs.keys()), dtype="datetime64[D]")


def busday(days: np.ndarray, offsets: np.ndarray | int) -> np.ndarray:
    return np.busday_offset(days, offsets, roll="forward", holidays=holiday_days())


def to_sec(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[s]").astype(np.int64)


def month_bounds(y: int, m: int) -> tuple[np.datetime64, np.datetime64]:
    start = np.datetime64(date(y, m, 1), "D")
    nxt = np.datetime64(date(y + (m == 12), m % 12 + 1, 1), "D")
    return start, nxt


def empty_state() -> dict[str, np.ndarray]:
    return {f: np.zeros(0, dtype=np.float64 if f == "wait" else np.int64) for f in FIELDS}


def concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {f: np.concatenate([a[f], b[f]]) for f in FIELDS}


def take(s: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {f: s[f][idx] for f in FIELDS}


def new_dossiers(
    rng: np.random.Generator, t: UnitTables, y: int, m: int, per_month: int, last_month: bool
) -> dict[str, np.ndarray]:
    u: Unit = t.unit
    r = rates(u, y, m)
    proc_days, proc_fee = _proc_arrays()
    start, nxt = month_bounds(y, m)
    all_days = np.arange(start, nxt, dtype="datetime64[D]")
    workdays = all_days[np.is_busday(all_days, holidays=holiday_days())]
    n = int(rng.poisson(per_month * u.weight * SEASON[m - 1]))
    if n == 0 or len(workdays) == 0:
        return empty_state()

    # agency and procedure: departments take ~35 % of the volume, local units the rest
    is_dept = rng.random(n) < 0.35
    nd = int(is_dept.sum())
    agency = np.empty(n, dtype=np.int64)
    proc = np.empty(n, dtype=np.int64)
    k = rng.choice(len(t.tinh_procs), size=nd, p=t.tinh_p)
    proc[is_dept] = t.tinh_procs[k]
    agency[is_dept] = t.tinh_owner[k]
    nl = n - nd
    agency[~is_dept] = t.local_idx[rng.choice(len(t.local_idx), size=nl, p=t.local_w)]
    proc[~is_dept] = t.local_procs[rng.choice(len(t.local_procs), size=nl, p=t.local_p)]

    # reception in office hours on working days
    rday = workdays[rng.integers(0, len(workdays), size=n)]
    recv = to_sec(rday) + int(7.5 * HOUR) + rng.integers(0, int(9.5 * HOUR), size=n)

    # channel: online only where the agency publishes an online service for the procedure
    allowed = t.online_ok[agency, proc]
    share_allowed = max(allowed.mean(), 1e-9)
    p_cond = min(0.97, r["online"] / share_allowed)
    online = allowed & (rng.random(n) < p_cond)
    postal = ~online & (rng.random(n) < 0.012)
    channel = np.where(online, 2, np.where(postal, 3, 1)).astype(np.int64)

    # deadlines, supplements, completion
    days = proc_days[proc]
    sup = rng.random(n) < 0.05
    sup_n = np.where(sup, 1 + (rng.random(n) < 0.15), 0).astype(np.int64)
    wait = np.where(sup, np.round(rng.uniform(0.5, 10.0, size=n) * 2) / 2, 0.0)
    eff = days + np.ceil(wait).astype(np.int64)
    appt_day = busday(rday, eff)
    appt = to_sec(appt_day) + 17 * HOUR
    late = rng.random(n) < r["late"]
    kk = np.minimum(np.floor(rng.random(n) ** 1.6 * (eff + 1)).astype(np.int64), eff)
    comp = to_sec(busday(rday, kk)) + 8 * HOUR + rng.integers(0, 9 * HOUR + 1, size=n)
    comp = np.maximum(comp, recv + 600 + rng.integers(0, 5400, size=n))
    comp = np.minimum(comp, appt)
    lag = 1 + rng.geometric(0.35, size=n) + np.where(rng.random(n) < 0.08, rng.integers(15, 60, size=n), 0)
    comp_late = to_sec(busday(appt_day, lag)) + 8 * HOUR + rng.integers(0, 9 * HOUR, size=n)
    comp = np.where(late, comp_late, comp)
    sup_at = np.where(sup, to_sec(busday(rday, 1)) + 9 * HOUR + rng.integers(0, 7 * HOUR, size=n), -1)
    sup_end = np.where(sup, sup_at + (wait * DAY).astype(np.int64), -1)
    comp = np.where(sup, np.maximum(comp, sup_end + HOUR), comp)
    u_fin = rng.random(n)
    final = np.select(
        [u_fin < 0.01, u_fin < 0.02, u_fin < 0.025, u_fin < 0.11],
        [S_WITHDRAWN, S_REFUSED, S_STOPPED, S_DONE],
        S_RETURNED,
    ).astype(np.int64)
    special = final >= S_STOPPED
    comp = np.where(special, np.minimum(comp, np.maximum(appt - HOUR, recv + 600)), comp)
    if last_month:
        # the old province closes its books before 1 July 2025: everything is finished in June
        last = to_sec(workdays[-1:])[0] + 17 * HOUR
        comp = np.maximum(np.minimum(comp, last), recv + 60)

    # fees, payment, digitisation
    fee = proc_fee[proc].copy()
    fee_bearing = fee > 0
    exempt = fee_bearing & (rng.random(n) < 0.03)
    fee = np.where(fee_bearing, np.where(exempt, 0, fee), -1)
    paid = fee_bearing & ~exempt & (rng.random(n) < r["payment"])
    pay = np.where(fee_bearing, np.where(paid, np.where(rng.random(n) < 0.7, 1, 2), 0), -1)
    digit = rng.random(n) < np.where(online, min(0.98, r["digitised"] * 1.3), r["digitised"] * 0.8)
    eres = rng.random(n) < r["e_result"]
    vneid = online & (rng.random(n) < r["vneid"])

    # dossier code sequence: unique within agency and day, in order of reception
    dayno = rday.astype(np.int64)
    order = np.lexsort((recv, dayno, agency))
    key = (agency * 100000 + dayno)[order]
    starts = np.r_[True, key[1:] != key[:-1]]
    grp_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n) - grp_start + 1

    st = {
        "agency": agency,
        "proc": proc,
        "channel": channel,
        "recv": recv,
        "appt": appt,
        "comp": comp,
        "final": final,
        "sup_n": sup_n,
        "sup_at": sup_at,
        "sup_end": sup_end,
        "wait": wait,
        "fee": fee,
        "pay": pay.astype(np.int64),
        "digit": digit.astype(np.int64),
        "eres": eres.astype(np.int64),
        "vneid": vneid.astype(np.int64),
        "seq": seq,
        "fam": rng.integers(0, len(cat.FAMILY), size=n),
        "mid": rng.integers(0, len(cat.MIDDLE), size=n),
        "giv": rng.integers(0, len(cat.GIVEN), size=n),
        "cccd": rng.integers(0, 10**9, size=n),
        "phone": rng.integers(0, 10**8, size=n),
        "street": rng.integers(0, len(cat.STREETS), size=n),
        "loc": t.local_idx[rng.integers(0, len(t.local_idx), size=n)],
        "nfd": (rng.random(n) < 0.01).astype(np.int64),
        "trail": (rng.random(n) < 0.005).astype(np.int64),
        "empty_ch": ((channel == 1) & (rng.random(n) < 0.05)).astype(np.int64),
        "empty_wait": (rng.random(n) < 0.3).astype(np.int64),
    }
    st["wait"] = st["wait"].astype(np.float64)
    o = np.lexsort((seq, agency, recv))
    return take(st, o)


def status_at(s: dict[str, np.ndarray], t: int) -> np.ndarray:
    st = np.where(s["recv"] > t - 2 * DAY, S_RECEIVED, S_PROCESSING)
    st = np.where((s["sup_at"] >= 0) & (s["sup_at"] < t) & (s["sup_end"] > t), S_SUPPLEMENT, st)
    return np.where(s["comp"] < t, s["final"], st)


def updated_at(s: dict[str, np.ndarray], t: int) -> np.ndarray:
    u = s["recv"].copy()
    for f in (s["recv"] + 2 * DAY + 1800, s["sup_at"], s["sup_end"], s["comp"]):
        u = np.where((f >= 0) & (f < t), np.maximum(u, f), u)
    return u


def classify(s: dict[str, np.ndarray], t0: int, t1: int) -> dict[str, np.ndarray]:
    """Biểu 06 classes of every dossier in scope (received in the month or open at its start)."""
    comp, appt, recv = s["comp"], s["appt"], s["recv"]
    special = s["final"] >= S_STOPPED
    resolved = (comp >= t0) & (comp < t1)
    pending = comp >= t1
    new = recv >= t0
    early = resolved & ~special & (appt - comp >= DAY)
    late = resolved & ~special & (comp > appt)
    on_time = resolved & ~early & ~late
    return {
        "new_online": new & (s["channel"] == 2),
        "new_other": new & (s["channel"] != 2),
        "carried": ~new,
        "resolved": resolved,
        "early": early,
        "on_time": on_time,
        "late": late,
        "pending": pending,
        "pending_within": pending & (appt >= t1),
        "pending_overdue": pending & (appt < t1),
    }
