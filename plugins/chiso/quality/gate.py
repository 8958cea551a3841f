"""The data-quality gate: each dataset's Great Expectations suite (``expectations/<dataset>.json``).

Every expectation carries ``meta.severity``: ``error`` blocks the batch (it is quarantined), ``warning``
passes and notifies, and ``meta.why`` says why it exists.

Two engines evaluate the same GX suites:

- ``duckdb`` (default): each expectation is compiled to SQL and the whole suite is evaluated over the batch's
  Parquet file in one aggregate scan (plus one grouped scan per uniqueness check). GX's own SQL engine cannot
  be used on DuckDB (through ``duckdb_engine`` it fetches after the connection closed and sees no rows), and
  GX's pandas engine took ~10× as long as one SQL pass on 5M rows. The suite, its results and the Data Docs
  stay GX's: the stored result is exactly GX's ``ExpectationSuiteValidationResult.to_json_dict()``, and pages
  are rendered by GX's renderers. Expectation types the compiler does not know are evaluated by GX on
  pandas, so a suite may use any GX expectation.
- ``gx`` (``CHISO_GX_ENGINE=gx``): GX's pandas engine for the whole suite — the reference the compiled
  engine is tested against.

Importing Great Expectations costs ~6 s a process, so the happy path never does: when every expectation is
compiled, configurations are plain :class:`Expectation` records and the result JSON is written directly
(``tests/unit/test_validation.py`` checks it equals GX's own serialisation). GX is imported only to render a
Data Docs page (a failed validation's at once, the rest with ``chiso data-docs --all``), for the pandas
fallback and for ``engine="gx"``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any
from uuid import UUID

from chiso import settings

log = logging.getLogger(__name__)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SAMPLE_SIZE = 5
# columns whose values may be shown in results and alerts (the rest could identify a person or are noise)
SAFE_SAMPLE_COLUMNS_EXCLUDED = {"applicant_key"}


def load_suite_json(dataset: str) -> dict[str, Any]:
    path = settings.expectations_dir() / f"{dataset}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no expectation suite for dataset {dataset!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def _quiet_gx() -> None:
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _context():
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite as its JSON states it: GX's ``ExpectationConfiguration`` without GX."""

    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """``ExpectationConfiguration.to_json_dict()`` of the same configuration (default severity)."""
        return {"type": self.type, "kwargs": _jsonable(self.kwargs), "meta": _jsonable(self.meta),
                "severity": "critical"}


def _configs(spec: dict[str, Any]) -> list[Expectation]:
    return [Expectation(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta") or {}) for e in spec["expectations"]]


def _gx_configs(spec: dict[str, Any]):
    _quiet_gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}))
            for e in spec["expectations"]]


def _jsonable(value: Any) -> Any:
    """GX's ``convert_to_json_serializable`` for the values a DuckDB result holds (datetimes as ISO strings,
    tuples as lists, Decimal as float, NaN as null); anything else becomes its ``str``, as ``store_result``
    always wrote it."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, range)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date, time_of_day)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, (UUID, bytes, PurePath)):
        return str(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # numpy scalar (not from DuckDB)
        return _jsonable(value.item())
    return str(value)


NO_EXCEPTION = {"raised_exception": False, "exception_message": None, "exception_traceback": None}


@dataclass
class CheckResult:
    """One expectation's result: GX's ``ExpectationValidationResult`` without GX (``gx`` holds GX's own
    result when the pandas fallback produced it)."""

    config: Expectation
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any] = field(default_factory=lambda: dict(NO_EXCEPTION))
    gx: Any = None

    def to_json_dict(self) -> dict[str, Any]:
        """``ExpectationValidationResult.to_json_dict()`` of the same result."""
        if self.gx is not None:
            return self.gx.to_json_dict()
        return {"success": bool(self.success), "expectation_config": self.config.to_json_dict(),
                "result": _jsonable(self.result or {}), "meta": {}, "exception_info": _jsonable(self.exception_info)}


def _suite(dataset: str, spec: dict[str, Any] | None = None, only: list[int] | None = None):
    import great_expectations as gx

    spec = spec or load_suite_json(dataset)
    suite = gx.ExpectationSuite(name=spec.get("name", dataset), meta=spec.get("meta", {}))
    for i, cfg in enumerate(_gx_configs(spec)):
        if only is None or i in only:
            suite.add_expectation_configuration(cfg)
    return suite


# ---------------------------------------------------------------- GX pandas engine
def _same_config(ours, theirs) -> bool:
    """GX hands back normalised kwargs (0 → 0.0, defaults dropped): compare what both state."""
    if ours.type != theirs.type:
        return False
    got = theirs.kwargs
    for k, v in ours.kwargs.items():
        if k == "batch_id" or k not in got:
            continue
        w = got[k]
        if isinstance(v, (int, float)) and isinstance(w, (int, float)) and not isinstance(v, bool):
            if float(v) != float(w):
                return False
        elif json.dumps(v, default=str) != json.dumps(w, default=str):
            return False
    return True


def _gx_pandas_results(dataset: str, frame, spec: dict[str, Any], only: list[int] | None = None) -> list:
    ctx = _context()
    suite = _suite(dataset, spec, only)
    try:
        source = ctx.data_sources.get(dataset)
    except (KeyError, ValueError):
        source = ctx.data_sources.add_pandas(dataset)
    try:
        asset = source.get_asset("batch")
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset("batch")
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                  "partial_unexpected_count": SAMPLE_SIZE})
    return list(result.results)


# ---------------------------------------------------------------- compiled DuckDB engine
@lru_cache(maxsize=1)
def _engine_connection():
    """The gate's own in-memory DuckDB (it reads the batch's Parquet; it never opens the warehouse)."""
    import duckdb

    return duckdb.connect()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _unexpected_predicate(etype: str, kw: dict[str, Any]) -> str | None:
    """SQL that is true for an unexpected row, for the row-wise expectation types we compile."""
    if etype == "expect_column_values_to_not_be_null":
        return f"{_q(kw['column'])} IS NULL"
    if etype == "expect_column_values_to_be_null":
        return f"{_q(kw['column'])} IS NOT NULL"
    if etype == "expect_column_values_to_be_in_set":
        values = ", ".join(_lit(v) for v in kw["value_set"])
        return f"{_q(kw['column'])} IS NOT NULL AND {_q(kw['column'])} NOT IN ({values})"
    if etype == "expect_column_values_to_not_be_in_set":
        values = ", ".join(_lit(v) for v in kw["value_set"])
        return f"{_q(kw['column'])} IN ({values})"
    if etype == "expect_column_values_to_be_between":
        col = _q(kw["column"])
        parts = []
        if kw.get("min_value") is not None:
            parts.append(f"{col} {'<=' if kw.get('strict_min') else '<'} {_lit(kw['min_value'])}")
        if kw.get("max_value") is not None:
            parts.append(f"{col} {'>=' if kw.get('strict_max') else '>'} {_lit(kw['max_value'])}")
        return f"{col} IS NOT NULL AND ({' OR '.join(parts) or 'FALSE'})"
    if etype == "expect_column_values_to_match_regex":
        col = _q(kw["column"])
        return f"{col} IS NOT NULL AND NOT regexp_matches(CAST({col} AS VARCHAR), {_lit(kw['regex'])})"
    if etype == "expect_column_values_to_not_match_regex":
        col = _q(kw["column"])
        return f"{col} IS NOT NULL AND regexp_matches(CAST({col} AS VARCHAR), {_lit(kw['regex'])})"
    if etype == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _q(kw["column_A"]), _q(kw["column_B"])
        op = ">=" if kw.get("or_equal") else ">"
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        if ignore == "either_value_is_missing":
            guard = f"{a} IS NOT NULL AND {b} IS NOT NULL"
        elif ignore == "both_values_are_missing":
            guard = f"NOT ({a} IS NULL AND {b} IS NULL)"
        else:
            guard = "TRUE"
        return f"{guard} AND NOT coalesce({a} {op} {b}, FALSE)"
    if etype == "expect_column_pair_values_to_be_equal":
        a, b = _q(kw["column_A"]), _q(kw["column_B"])
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND {a} IS DISTINCT FROM {b}"
    return None


COMPILED_TYPES = {
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal", "expect_column_values_to_be_unique",
    "expect_table_row_count_to_be_between", "expect_table_columns_to_match_ordered_list",
    "expect_table_columns_to_match_set", "expect_column_to_exist", "unexpected_rows_expectation",
}


def _nonnull_denominator(etype: str, kw: dict[str, Any]) -> str:
    """GX's unexpected_percent is over non-null values (rows for null checks, pairs for pair checks)."""
    if etype in ("expect_column_values_to_not_be_null", "expect_column_values_to_be_null"):
        return "count(*)"
    if "column_A" in kw:
        a, b = _q(kw["column_A"]), _q(kw["column_B"])
        if kw.get("ignore_row_if", "both_values_are_missing") == "either_value_is_missing":
            return f"count(*) FILTER (WHERE {a} IS NOT NULL AND {b} IS NOT NULL)"
        return f"count(*) FILTER (WHERE NOT ({a} IS NULL AND {b} IS NULL))"
    return f"count({_q(kw['column'])})"


_PLACEHOLDER = re.compile(r"\{(table|ref|history):([a-z0-9_]+)\}")


def resolve_query(query: str, relation: str, context: dict[str, Any] | None = None) -> str:
    """Placeholders of chiso's ``unexpected_rows_query``:

    ``{batch}`` the table under validation; ``{table:<dataset>}`` another table of the same batch (a 766
    response yields units and their metrics); ``{ref:<seed>}`` a reference table kept as a dbt seed
    (``dbt_project/seeds/<seed>.csv``: provinces, agencies, admin units); ``{history:<dataset>}`` the
    volume profiles of earlier batches of the dataset (``data/dq/profiles/``), empty at first.
    """
    context = context or {}

    def sub(m: re.Match) -> str:
        kind, name = m.group(1), m.group(2)
        if kind == "table":
            path = (context.get("tables") or {}).get(name)
            if not path:
                raise ValueError(f"{{table:{name}}}: the batch has no table {name!r}")
            return f"read_parquet({_lit(str(path))})"
        if kind == "ref":
            path = settings.reference_csv(f"{name}.csv")
            if not path.exists():
                raise ValueError(f"{{ref:{name}}}: no reference table {path}")
            return f"read_csv({_lit(str(path))}, header=true, all_varchar=true)"
        # only the same scope's profiles (e.g. the same province): bounded, whatever the history's length
        files = sorted((profiles_dir() / name).glob(f"{_scope_key(context.get('slot', ''))}__*.parquet"))
        exclude = context.get("slot_key")
        files = [f for f in files if not f.stem.endswith(f"__{exclude}")]
        if not files:
            return ("(SELECT NULL::VARCHAR AS unit, NULL::DATE AS period_start, NULL::BIGINT AS n, "
                    "NULL::VARCHAR AS slot_key WHERE FALSE)")
        return "read_parquet([" + ", ".join(_lit(str(f)) for f in files) + "])"

    return _PLACEHOLDER.sub(sub, query.replace("{batch}", relation))


def profiles_dir() -> Path:
    return settings.data_dir() / "dq" / "profiles"


def write_profile(dataset: str, parquet: str | Path, slot: str) -> Path | None:
    """Per-unit, per-period row counts of a batch, for the volume checks of later batches.

    One file per slot: a corrected export replaces the profile of the one it supersedes.
    """
    import duckdb

    spec = VOLUME_PROFILES.get(dataset)
    if not spec:
        return None
    unit_expr, period_col = spec
    slot_key = _slot_key(slot)
    out = profiles_dir() / dataset / f"{_scope_key(slot)}__{slot_key}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT {unit_expr} AS unit, CAST(date_trunc('month', {period_col}) AS DATE) AS period_start, "
            f"count(*) AS n, {_lit(slot_key)} AS slot_key FROM read_parquet({_lit(str(parquet))}) "
            f"GROUP BY ALL) TO {_lit(str(out))} (FORMAT parquet)"
        )
    finally:
        con.close()
    return out


def _scope_key(slot: str) -> str:
    """The scope part of a slot (``format|scope|start|end``), safe as a file-name prefix."""
    parts = slot.split("|")
    scope = parts[1] if len(parts) > 1 else ""
    return re.sub(r"[^A-Za-z0-9]+", "-", scope)[:60] or "all"


def _slot_key(slot: str) -> str:
    import hashlib

    return hashlib.sha256(slot.encode("utf-8")).hexdigest()[:24]


# dataset -> (unit expression, period column) of its volume profile
VOLUME_PROFILES = {
    "motcua_dossier": ("agency_code", "period_month"),
    "qlvb_document": ("agency_code", "period_month"),
}


def _active(cfg) -> bool:
    """Expectations that hold only under a vendor convention run when that convention is configured.

    ``meta.convention`` = ``"<setting>=<value>"``: runs when env ``CHISO_<SETTING>`` (default in
    ``meta.convention_default``) equals value. Example: Biểu 06's received = resolved + pending holds only
    when the vendor counts paused/returned dossiers inside the pending columns.
    """
    conv = (cfg.meta or {}).get("convention")
    if not conv:
        return True
    setting, _, value = conv.partition("=")
    current = os.environ.get(f"CHISO_{setting.upper()}", (cfg.meta or {}).get("convention_default", ""))
    return current == value


def _duckdb_results(con, relation: str, columns: list[str], configs: list,
                    context: dict[str, Any] | None = None) -> dict[int, dict[str, Any]]:
    """Evaluate compiled expectations; returns {index: {success, result}}."""
    out: dict[int, dict[str, Any]] = {}
    aggregates: list[str] = ["count(*) AS n"]
    rowwise: dict[int, str] = {}
    for i, cfg in enumerate(configs):
        kw = cfg.kwargs
        missing = [c for c in (kw.get("column"), kw.get("column_A"), kw.get("column_B")) if c and c not in columns]
        if missing:
            out[i] = {"success": False, "result": {}, "exception": f"column(s) {missing} not in the batch"}
            continue
        if cfg.type == "expect_column_values_to_be_unique":  # folded into the pass; grouped only on failure
            aggregates.append(f"count({_q(kw['column'])}) - count(DISTINCT {_q(kw['column'])}) AS x{i}")
            aggregates.append(f"count({_q(kw['column'])}) AS c{i}")
            continue
        pred = _unexpected_predicate(cfg.type, kw)
        if pred is not None:
            rowwise[i] = pred
            aggregates.append(f"count(*) FILTER (WHERE {pred}) AS u{i}")
            aggregates.append(f"{_nonnull_denominator(cfg.type, kw)} AS d{i}")
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM {relation}").fetchone()
    names = ["n"] + [a.rsplit(" AS ", 1)[1] for a in aggregates[1:]]
    agg = dict(zip(names, row))
    n = agg["n"]
    for i, pred in rowwise.items():
        cfg = configs[i]
        unexpected = agg[f"u{i}"]
        denom = agg[f"d{i}"]
        sample = []
        if unexpected:
            sample = _sample(con, relation, cfg, pred)
        out[i] = _row_result(unexpected, denom, n, sample)
    for i, cfg in enumerate(configs):
        if i in out:
            continue
        kw = cfg.kwargs
        if cfg.type == "expect_column_values_to_be_unique":
            col = _q(kw["column"])
            if agg[f"x{i}"] == 0:
                out[i] = _row_result(0, agg[f"c{i}"], n, [])
                continue
            dup, nonnull = con.execute(
                f"SELECT coalesce(sum(c) FILTER (WHERE c > 1), 0), coalesce(sum(c), 0) FROM "
                f"(SELECT count(*) AS c FROM {relation} WHERE {col} IS NOT NULL GROUP BY {col})"
            ).fetchone()
            sample = []
            if dup:
                sample = [r[0] for r in con.execute(
                    f"SELECT {col} FROM {relation} WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1 "
                    f"ORDER BY {col} LIMIT {SAMPLE_SIZE}").fetchall()]
            out[i] = _row_result(int(dup), int(nonnull), n, sample)
        elif cfg.type == "expect_table_row_count_to_be_between":
            lo, hi = kw.get("min_value"), kw.get("max_value")
            ok = (lo is None or n >= lo) and (hi is None or n <= hi)
            out[i] = {"success": ok, "result": {"observed_value": n}}
        elif cfg.type == "expect_table_columns_to_match_ordered_list":
            out[i] = {"success": list(columns) == list(kw["column_list"]), "result": {"observed_value": columns}}
        elif cfg.type == "expect_table_columns_to_match_set":
            same = set(columns) == set(kw["column_set"]) if kw.get("exact_match", True) else \
                set(kw["column_set"]) <= set(columns)
            out[i] = {"success": same, "result": {"observed_value": columns}}
        elif cfg.type == "expect_column_to_exist":
            out[i] = {"success": kw["column"] in columns, "result": {}}
        elif cfg.type == "unexpected_rows_expectation":
            query = resolve_query(kw["unexpected_rows_query"], relation, context)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _unexpected AS {query}")  # run the query once
            cnt = con.execute("SELECT count(*) FROM _unexpected").fetchone()[0]
            rows = con.execute(f"SELECT * FROM _unexpected LIMIT {SAMPLE_SIZE}").fetchall() if cnt else []
            out[i] = {"success": cnt == 0, "result": {"observed_value": cnt,
                                                     "details": {"unexpected_rows": [list(map(str, r)) for r in rows]}}}
    return out


def _sample(con, relation: str, cfg, pred: str) -> list[Any]:
    kw = cfg.kwargs
    if "column_A" in kw:
        sel = f"{_q(kw['column_A'])}, {_q(kw['column_B'])}"
    else:
        sel = _q(kw["column"])
    rows = con.execute(f"SELECT {sel} FROM {relation} WHERE {pred} LIMIT {SAMPLE_SIZE}").fetchall()
    if kw.get("column") in SAFE_SAMPLE_COLUMNS_EXCLUDED:
        return ["<withheld>"] * len(rows)
    return [tuple(r) if len(r) > 1 else r[0] for r in rows]


def _row_result(unexpected: int, nonnull: int, n: int, sample: list[Any]) -> dict[str, Any]:
    return {
        "success": unexpected == 0,
        "result": {
            "element_count": n,
            "unexpected_count": int(unexpected),
            "unexpected_percent": (100.0 * unexpected / nonnull) if nonnull else None,
            "partial_unexpected_list": sample,
            "missing_count": n - nonnull,
        },
    }


# ---------------------------------------------------------------- the gate
def _evaluate(dataset: str, parquet: str | Path, engine: str,
              context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[CheckResult]]:
    """Evaluate the dataset's active expectations on one Parquet table: (suite spec, one result each)."""
    spec = load_suite_json(dataset)
    active = [(e, c) for e, c in zip(spec["expectations"], _configs(spec)) if _active(c)]
    spec = dict(spec, expectations=[e for e, _ in active])
    configs = [c for _, c in active]
    relation = f"read_parquet({_lit(str(parquet))})"
    results: list[CheckResult | None] = [None] * len(configs)
    # GX's pandas engine cannot run SQL (unexpected_rows_expectation needs a SQL data source): those always
    # run in DuckDB; with engine=gx everything else goes to GX
    selected = [i for i, c in enumerate(configs) if engine == "duckdb" or c.type == "unexpected_rows_expectation"]
    if selected:
        con = _engine_connection().cursor()  # a cursor of one in-memory database per process
        try:
            columns = [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
            compiled_sel = _duckdb_results(con, relation, columns, [configs[i] for i in selected], context)
        finally:
            con.close()
        for j, r in compiled_sel.items():
            i = selected[j]
            exception = ({"raised_exception": True, "exception_message": r["exception"], "exception_traceback": None}
                         if r.get("exception") else dict(NO_EXCEPTION))
            results[i] = CheckResult(config=configs[i], success=bool(r["success"]), result=r["result"],
                                     exception_info=exception)
    rest = [i for i, r in enumerate(results) if r is None]
    if rest:  # expectation types the compiler does not know (or engine=gx): GX on pandas
        import pyarrow.parquet as pq

        frame = pq.read_table(parquet).to_pandas()
        # GX orders results its own way: match each back to its configuration
        for r in _gx_pandas_results(dataset, frame, spec, only=rest):
            for i in rest:
                if results[i] is None and _same_config(configs[i], r.expectation_config):
                    cfg = r.expectation_config
                    exc = r.exception_info if isinstance(r.exception_info, dict) else {}
                    results[i] = CheckResult(config=Expectation(cfg.type, dict(cfg.kwargs), dict(cfg.meta or {})),
                                             success=bool(r.success), result=r.result or {}, exception_info=exc,
                                             gx=r)
                    break
        if any(results[i] is None for i in rest):
            raise ValueError(f"suite {dataset}: two expectations share a type and column; GX keeps only one of "
                             f"them — merge them in expectations/{dataset}.json")
    return spec, [r for r in results if r is not None]


def _statistics(results: list[CheckResult]) -> dict[str, Any]:
    ok = sum(bool(r.success) for r in results)
    return {"evaluated_expectations": len(results), "successful_expectations": ok,
            "unsuccessful_expectations": len(results) - ok,
            "success_percent": 100.0 * ok / len(results) if results else 100.0}


def _suite_result_json(results: list[CheckResult], suite_name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The suite's result as GX's ``ExpectationSuiteValidationResult(...).to_json_dict()`` writes it."""
    return {"success": all(r.success for r in results), "results": [r.to_json_dict() for r in results],
            "suite_name": suite_name, "suite_parameters": {}, "statistics": _jsonable(_statistics(results)),
            "meta": _jsonable(meta), "id": None}


def validate_parquet(dataset: str, parquet: str | Path, engine: str | None = None,
                     context: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate one Parquet table with the dataset's suite.

    Returns (outcome, suite result): the outcome is chiso's summary (checks, severities, samples); the suite
    result is GX's ``ExpectationSuiteValidationResult.to_json_dict()`` for the same validation — what
    :func:`store_result` writes, :func:`gx_suite_result` turns back into the GX object and
    :func:`render_data_docs` renders. Without a pandas fallback, Great Expectations is not imported.
    """
    engine = engine or os.environ.get("CHISO_GX_ENGINE", "duckdb")
    spec, results = _evaluate(dataset, parquet, engine, context)
    validated_at = datetime.now(UTC).replace(tzinfo=None)
    suite_result = _suite_result_json(
        results, spec.get("name", dataset),
        meta={"active_batch_definition": {"datasource_name": "chiso", "data_asset_name": dataset,
                                          "batch_definition_name": Path(parquet).parent.name},
              "validation_time": validated_at.isoformat(), "engine": engine},
    )
    checks = []
    for r in results:
        cfg = r.config
        res = r.result or {}
        exc = r.exception_info or {}
        checks.append({
            "expectation": cfg.type,
            "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
            "severity": (cfg.meta or {}).get("severity", "error"),
            "success": bool(r.success),
            "why": (cfg.meta or {}).get("why"),
            "observed": res.get("observed_value"),
            "unexpected_count": res.get("unexpected_count"),
            "unexpected_percent": res.get("unexpected_percent"),
            "sample": [str(v)[:120] for v in (res.get("partial_unexpected_list")
                                               or (res.get("details") or {}).get("unexpected_rows") or [])[:SAMPLE_SIZE]],
            "exception": exc.get("exception_message") if exc.get("raised_exception") else None,
        })
    blocking = [c for c in checks if not c["success"] and c["severity"] == "error"]
    outcome = json.loads(json.dumps({
        "dataset": dataset,
        "suite": spec.get("name", dataset),
        "engine": engine,
        "validated_at": validated_at.isoformat(timespec="seconds"),
        "success": not blocking,
        "evaluated": len(checks),
        "failed_errors": len(blocking),
        "failed_warnings": sum(1 for c in checks if not c["success"]) - len(blocking),
        "checks": checks,
    }, default=str))
    return outcome, suite_result


def data_docs_dir() -> Path:
    """Data Docs: ``data/dq/data_docs/index.html`` lists every validation; pages under ``validations/``."""
    return settings.data_dir() / "dq" / "data_docs"


def results_dir() -> Path:
    """Every validation's GX result as JSON (``<dataset>/<batch_id>.json``): the source of the Data Docs."""
    return settings.data_dir() / "dq" / "results"


def store_result(suite_result: dict[str, Any], dataset: str, batch_id: str) -> Path:
    """Write a validation's result (``validate_parquet``'s GX ``to_json_dict()`` form) for the Data Docs."""
    if not isinstance(suite_result, dict):  # a GX ExpectationSuiteValidationResult
        suite_result = suite_result.to_json_dict()
    out = results_dir() / dataset / f"{batch_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(suite_result, default=str), encoding="utf-8")
    return out


def page_path(dataset: str, batch_id: str) -> Path:
    return data_docs_dir() / "validations" / dataset / f"{batch_id}.html"


def render_data_docs(suite_result, dataset: str, batch_id: str) -> Path:
    """Render one validation result as a GX Data Docs page (GX's own renderer and page view).

    ``suite_result`` is the stored JSON (as ``validate_parquet`` returns it) or a GX
    ``ExpectationSuiteValidationResult``; this is where the gate imports Great Expectations.
    """
    _quiet_gx()
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    doc = suite_result if isinstance(suite_result, dict) else suite_result.to_json_dict()
    out = page_path(dataset, batch_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        gx_result = gx_suite_result(doc) if isinstance(suite_result, dict) else suite_result
        document = ValidationResultsPageRenderer().render(gx_result)
        out.write_text(DefaultJinjaPageView().render(document), encoding="utf-8")
    except Exception as exc:  # rendering is a convenience; the result itself is stored regardless
        log.warning("Data Docs rendering failed for %s: %s", out, exc)
        out.write_text(f"<html><body><pre>{json.dumps(doc, indent=1, default=str)}"
                       f"</pre></body></html>", encoding="utf-8")
    return out


def build_data_docs(render_all: bool = False) -> Path:
    """Rebuild the Data Docs index (and, with ``render_all``, a page for every stored result).

    Pages of failed validations are rendered at once by the gate (alerts link to them); a passing
    validation's page is rendered on demand (``chiso data-docs --all``) — GX's renderer costs ~0.1 s a page.
    The index alone needs no Great Expectations.
    """
    root = data_docs_dir()
    root.mkdir(parents=True, exist_ok=True)
    # what each stored result says, cached by file and mtime: a validate task reads only the new results
    cache_path = root / "index_rows.json"
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    fresh = {}
    rows = []
    for result in sorted(results_dir().glob("*/*.json")):
        dataset, batch_id = result.parent.name, result.stem
        key = f"{dataset}/{batch_id}"
        mtime = result.stat().st_mtime_ns
        page = page_path(dataset, batch_id)
        known = cache.get(key)
        if render_all and not page.exists() or not known or known[0] != mtime:
            summary = json.loads(result.read_text(encoding="utf-8"))
            if render_all and not page.exists():
                render_data_docs(summary, dataset, batch_id)
            known = [mtime, bool(summary.get("success")), (summary.get("meta") or {}).get("validation_time", "")]
        fresh[key] = known
        _, ok, validated_at = known
        link = f'<a href="{page.relative_to(root).as_posix()}">{batch_id[:16]}</a>' if page.exists() else batch_id[:16]
        rows.append(f"<tr><td>{dataset}</td><td>{link}</td><td>{'✔' if ok else '✘'}</td>"
                    f"<td>{validated_at}</td></tr>")
    cache_path.write_text(json.dumps(fresh), encoding="utf-8")
    (root / "index.html").write_text(
        "<html><head><meta charset='utf-8'><title>chiso Data Docs</title></head><body>"
        "<h1>chiso — validation results</h1><table><tr><th>dataset</th><th>batch</th><th>success</th>"
        f"<th>validated at</th></tr>{''.join(rows)}</table></body></html>", encoding="utf-8")
    return root / "index.html"


def _result_kwargs(doc: dict) -> dict:
    """A stored result (GX ``to_json_dict()`` form) as keyword arguments of ``ExpectationSuiteValidationResult``."""
    _quiet_gx()
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    results = []
    for r in doc.get("results", []):
        cfg = r.get("expectation_config") or {}
        extra = {k: cfg[k] for k in ("notes", "description", "severity", "id") if cfg.get(k) is not None}
        results.append(ExpectationValidationResult(
            success=r.get("success"),
            expectation_config=ExpectationConfiguration(type=cfg.get("type"), kwargs=cfg.get("kwargs", {}),
                                                        meta=cfg.get("meta", {}), **extra),
            result=r.get("result"), meta=r.get("meta"), exception_info=r.get("exception_info")))
    return {"success": doc.get("success"), "results": results, "suite_name": doc.get("suite_name"),
            "suite_parameters": doc.get("suite_parameters"), "statistics": doc.get("statistics"),
            "meta": doc.get("meta"), "id": doc.get("id")}


def gx_suite_result(doc: dict):
    """The GX ``ExpectationSuiteValidationResult`` of a stored result (imports Great Expectations)."""
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

    return ExpectationSuiteValidationResult(**_result_kwargs(doc))


def data_docs_url(page: Path) -> str:
    base = os.environ.get("CHISO_DATA_DOCS_BASE_URL")
    if base:
        return base.rstrip("/") + "/" + page.relative_to(data_docs_dir()).as_posix()
    return page.resolve().as_uri()


def validate_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Validate every table of a parsed batch; the batch passes when no ``error`` expectation fails."""
    outcomes = []
    pages = []
    for dataset, parquet in batch["tables"].items():
        slot = batch.get("slot") or batch["batch_id"]
        context = {"tables": batch["tables"], "slot": slot, "slot_key": _slot_key(slot)}
        outcome, suite_result = validate_parquet(dataset, parquet, context=context)
        store_result(suite_result, dataset, batch["batch_id"])
        if outcome["success"]:
            write_profile(dataset, parquet, batch.get("slot") or batch["batch_id"])
        if not all(c["success"] for c in outcome["checks"]):  # alerts link to this page
            page = render_data_docs(suite_result, dataset, batch["batch_id"])
            outcome["data_docs_url"] = data_docs_url(page)
            pages.append(outcome["data_docs_url"])
        outcomes.append(outcome)
    success = all(o["success"] for o in outcomes)
    failed = []
    for o in outcomes:
        for c in o["checks"]:
            if not c["success"] and c["severity"] == "error":
                col = c["kwargs"].get("column") or c["kwargs"].get("column_A") or ""
                seen = c["observed"] if c["unexpected_count"] is None else f"{c['unexpected_count']} unexpected"
                failed.append(f"{o['dataset']}: {c['expectation']}({col}) observed {seen}")
    summary = "passed" if success else f"{batch.get('file_name')}: failed " + "; ".join(failed)
    out = {"success": success, "summary": summary, "suites": outcomes, "data_docs_url": pages[0] if pages else None}
    Path(batch["work_dir"], "validation.json").write_text(json.dumps(out, ensure_ascii=False, indent=1),
                                                         encoding="utf-8")
    if not success:
        log.warning("validation failed: %s", summary)
    return out


def validate_frame(dataset: str, frame, engine: str | None = None) -> dict[str, Any]:
    """Validate a pandas DataFrame (tests, notebooks): written to a temporary Parquet, same path as batches."""
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{dataset}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target)
        outcome, _ = validate_parquet(dataset, target, engine=engine)
    return outcome
