"""Data Docs: Great Expectations' HTML pages of validation results, and chiso's index of them.

A failed validation's page is rendered at once (alerts link to it); a passing validation's on demand (``chiso
data-docs --all``): GX's renderer costs ~0.1 s a page. The index alone needs no Great Expectations.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

from chiso import settings
from chiso.quality.gx_pandas import quiet_gx
from chiso.quality.results import gx_suite_result, results_dir

log = logging.getLogger(__name__)

def data_docs_dir() -> Path:
    """Data Docs: ``data/dq/data_docs/index.html`` lists every validation; pages under ``validations/``."""
    return settings.dq_dir() / "data_docs"


def page_path(dataset: str, batch_id: str) -> Path:
    return data_docs_dir() / "validations" / dataset / f"{batch_id}.html"


@functools.cache
def _renderer_and_view():
    """GX's page renderer and page view, made once per process: each view builds its own Jinja environment,
    which compiles every template again (2,500 compilations for 150 pages, 0.15 s a page; reused, 0.03 s)."""
    quiet_gx()
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    return ValidationResultsPageRenderer(), DefaultJinjaPageView()


def render_data_docs(suite_result, dataset: str, batch_id: str) -> Path:
    """Render one validation result as a GX Data Docs page (GX's own renderer and page view).

    ``suite_result`` is the stored JSON (as ``validate_parquet`` returns it) or a GX
    ``ExpectationSuiteValidationResult``; this is where the gate imports Great Expectations.
    """
    doc = suite_result if isinstance(suite_result, dict) else suite_result.to_json_dict()
    out = page_path(dataset, batch_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        gx_result = gx_suite_result(doc) if isinstance(suite_result, dict) else suite_result
        renderer, view = _renderer_and_view()
        out.write_text(view.render(renderer.render(gx_result)), encoding="utf-8")
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


def data_docs_url(page: Path) -> str:
    base = settings.data_docs_base_url()
    if base:
        return base.rstrip("/") + "/" + page.relative_to(data_docs_dir()).as_posix()
    return page.resolve().as_uri()


