"""How much each simulated province produces: the generator's own data, not reference data.

A unit's monthly volume is ``--dossiers-per-month`` (and ``--documents-per-month``) × its weight:

- the 11 units of the four seed groups keep the weights the sample was calibrated with (:data:`SEED_GROUPS`);
- any other old province (before 1 July 2025) weighs ``0.75 × its population in millions`` (the 2019 census,
  :data:`POPULATION_2019`; 0.75 is the median weight per million of the calibrated old provinces);
- any other new province weighs the sum of its predecessors' weights, as the calibrated new provinces do.

A simulation weight, not a statistic. The provinces themselves (codes, names, successions, agency prefixes)
come from the product's reference seed ``ref_provinces``.
"""

from __future__ import annotations

# The four seed groups: the provinces of the seed articles (docs/DOMAIN.md) with their predecessors, in the
# order units_for(1..4) takes them; (province code, is a new province) -> calibrated weight
SEED_GROUPS: dict[str, dict[tuple[str, bool], float]] = {
    "cao_bang": {("04", False): 0.55, ("04", True): 0.55},
    "bac_kan": {("06", False): 0.35, ("19", False): 0.85, ("19", True): 1.20},
    "can_tho": {("92", False): 1.00, ("93", False): 0.55, ("94", False): 0.80, ("92", True): 2.35},
    "nghe_an": {("40", False): 1.60, ("40", True): 1.60},
}

# 2019 census (Tổng điều tra dân số và nhà ở 2019, GSO), population by old province in thousands, rounded.
POPULATION_2019 = {
    "01": 8054, "02": 854, "04": 530, "06": 314, "08": 785, "10": 731, "11": 599, "12": 460, "14": 1248,
    "15": 822, "17": 854, "19": 1287, "20": 782, "22": 1321, "24": 1804, "25": 1464, "26": 1152, "27": 1369,
    "30": 1893, "31": 2028, "33": 1253, "34": 1861, "35": 853, "36": 1781, "37": 982, "38": 3641, "40": 3328,
    "42": 1289, "44": 896, "45": 633, "46": 1129, "48": 1134, "49": 1496, "51": 1232, "52": 1487, "54": 873,
    "56": 1232, "58": 591, "60": 1231, "62": 541, "64": 1514, "66": 1870, "67": 623, "68": 1297, "70": 995,
    "72": 1169, "74": 2456, "75": 3097, "77": 1149, "79": 8993, "80": 1689, "82": 1765, "83": 1289, "84": 1010,
    "86": 1023, "87": 1600, "89": 1908, "91": 1724, "92": 1236, "93": 733, "94": 1200, "95": 908, "96": 1194,
}  # fmt: skip
WEIGHT_PER_MILLION = 0.75


def calibrated(code: str, is_new: bool) -> float | None:
    for units in SEED_GROUPS.values():
        if (code, is_new) in units:
            return units[(code, is_new)]
    return None


def seed_group(code: str, is_new: bool) -> str | None:
    """The seed group a unit belongs to (None outside the four)."""
    return next((name for name, units in SEED_GROUPS.items() if (code, is_new) in units), None)


def weights(rows: list[dict[str, str]]) -> dict[tuple[str, bool], float]:
    """(province code, is new) → weight, for every row of ``ref_provinces`` (old rows have a ``valid_to``)."""
    out: dict[tuple[str, bool], float] = {}
    for r in rows:
        if r["valid_to"]:
            code = r["province_code"]
            w = calibrated(code, False)
            out[(code, False)] = w if w is not None else float(
                f"{round(WEIGHT_PER_MILLION * POPULATION_2019[code] / 1000, 2):.2f}")
    for r in rows:
        if not r["valid_to"]:
            code = r["province_code"]
            w = calibrated(code, True)
            preds = [out[(o["province_code"], False)] for o in rows if o["valid_to"] and o["successor_code"] == code]
            out[(code, True)] = w if w is not None else float(f"{sum(preds):.2f}")
    return out
