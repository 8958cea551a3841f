"""Volume profiles: per-unit, per-month row counts of every batch that passed the gate, kept under
``data/dq/profiles/<dataset>/<scope>__<key hash>.parquet`` for the volume expectations of later batches
(``{history:<dataset>}`` in an ``unexpected_rows_query``).

One file per supersede key (chiso.ingest.batch.Batch.supersede_key): a corrected export replaces the profile of
the export it supersedes. A batch is compared only with the profiles of the same scope (the same agencies: the
same province), so the volume check reads a bounded number of files whatever the history's length.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from chiso import settings
from chiso.util.sql import literal

# dataset -> (unit expression, period column) of its volume profile
VOLUME_PROFILES = {
    "motcua_dossier": ("agency_code", "period_month"),
    "qlvb_document": ("agency_code", "period_month"),
}
# what {history:<dataset>} reads before any profile exists
EMPTY_HISTORY = "(SELECT NULL::VARCHAR AS unit, NULL::DATE AS period_start, NULL::BIGINT AS n WHERE FALSE)"


def profiles_dir() -> Path:
    return settings.dq_dir() / "profiles"


def scope_prefix(supersede_key: str) -> str:
    """The scope part of a supersede key (``format|scope|start|end``), safe as a file-name prefix."""
    parts = supersede_key.split("|")
    scope = parts[1] if len(parts) > 1 else ""
    return re.sub(r"[^A-Za-z0-9]+", "-", scope)[:60] or "all"


def key_hash(supersede_key: str) -> str:
    return hashlib.sha256(supersede_key.encode("utf-8")).hexdigest()[:24]


def write_profile(dataset: str, parquet: str | Path, supersede_key: str) -> Path | None:
    """Per-unit, per-month row counts of a batch's table (None for a dataset without a volume profile)."""
    from chiso.quality.compiler import engine_connection

    spec = VOLUME_PROFILES.get(dataset)
    if not spec:
        return None
    unit_expr, period_col = spec
    out = profiles_dir() / dataset / f"{scope_prefix(supersede_key)}__{key_hash(supersede_key)}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = engine_connection().cursor()  # the gate's in-memory DuckDB: a new database per file cost 10 ms
    try:
        con.execute(
            f"COPY (SELECT {unit_expr} AS unit, CAST(date_trunc('month', {period_col}) AS DATE) AS period_start, "
            f"count(*) AS n FROM read_parquet({literal(str(parquet))}) "
            f"GROUP BY ALL) TO {literal(str(out))} (FORMAT parquet)"
        )
    finally:
        con.close()
    return out


def history_relation(dataset: str, supersede_key: str) -> str:
    """SQL for the profiles of earlier batches of the same scope (unit, period_start, n), the batch's own
    profile (an earlier attempt, or the export it corrects) excluded."""
    own = key_hash(supersede_key)
    files = sorted((profiles_dir() / dataset).glob(f"{scope_prefix(supersede_key)}__*.parquet"))
    files = [f for f in files if not f.stem.endswith(f"__{own}")]
    if not files:
        return EMPTY_HISTORY
    # union_by_name: profiles written by earlier versions also carry a slot_key column
    return ("read_parquet([" + ", ".join(literal(str(f)) for f in files) + "], union_by_name = true)")
