"""One bad file harms only itself: with the pre-read limits switched off, a 6 KB workbook with a cell at
XFD1048576 (the XLSX reader asks for 512 GiB for it and aborts) still cannot take the parse step down: its parser runs in a memory-limited child process, the
file is quarantined as out of memory (or as the signal that ended its parser) and its neighbours load."""

from __future__ import annotations

import io
import json
import re
import resource
import zipfile
from pathlib import Path

import chiso_sample as sample
import pytest
from chiso import settings
from chiso.ingest import parse
from chiso.ingest.batch import Batch
from chiso.orchestration import tasks


def _dimension_bomb(good: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
                far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'
                data = data.replace(b"</sheetData>", far + b"</sheetData>", 1)
            z.writestr(info.filename, data)
    return out.getvalue()


@pytest.fixture
def hostile(chiso_data, monkeypatch):
    sample.generate(
        settings.incoming_dir(),
        seed=4,
        provinces=1,
        start="2025-07",
        end="2025-07",
        dossiers_per_month=20,
        documents_per_month=8,
    )
    good = next(settings.incoming_dir().rglob("sovanban_*.xlsx"))
    bad = good.with_name("sovanban_66_2025-07.xlsx")
    bad.write_bytes(_dimension_bomb(good.read_bytes()))
    monkeypatch.setenv("CHISO_MAX_SHEET_CELLS", str(1 << 62))  # the pre-read check off: the child must hold
    monkeypatch.setenv("CHISO_PARSE_MEMORY_MB", "1024")
    return good, bad


def _resident_mb() -> float:
    """This process's resident memory now (not its peak: earlier tests may have raised that)."""
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / (1 << 20)


def test_a_parser_blow_up_is_contained_and_the_neighbours_load(hostile):
    good, bad = hostile
    before = _resident_mb()
    results = {}
    for chunk in tasks.land_new_files("qlvb"):
        for d in tasks.load(tasks.validate(tasks.parse(chunk))):
            b = Batch.from_json(d)
            results[b.file_name.split("/")[-1]] = b
    assert results[good.name].status == "loaded", results[good.name].error
    b = results[bad.name]
    assert b.status == "quarantined"
    assert bad.name in b.error and ("out of memory" in b.error or "parser" in b.error), b.error
    # the blow-up happened in the child (its limit: CHISO_PARSE_MEMORY_MB), not here. The children come from
    # the fork server, so this process's RUSAGE_CHILDREN does not see them (it saw earlier tests' dbt runs)
    grown = _resident_mb() - before
    print(f"\nthis process grew by {grown:.0f} MB while the bomb was parsed beside it")
    assert grown < 300


def test_memory_error_in_the_child_is_named_out_of_memory(chiso_data, monkeypatch):
    sample.generate(
        settings.incoming_dir(),
        seed=4,
        provinces=1,
        start="2025-07",
        end="2025-07",
        dossiers_per_month=10,
        documents_per_month=20000,
    )
    # 8 MB on top of what the child maps (the fork server's imports, pandas included): reading a register of
    # 20,000 documents needs more (the child is forked from the fork server, so the limit is real, not simulated)
    monkeypatch.setenv("CHISO_PARSE_MEMORY_MB", "8")
    from chiso.ingest import load

    batches = [b for b in load.to_load("qlvb") if b.file_name.endswith(".xlsx")]
    assert batches, "the sample has document registers"
    out = parse.parse(batches[:1])
    assert out[0].status == "parse_failed"
    assert (
        "out of memory" in out[0].error
        and "8 MB" in out[0].error
        and batches[0].file_name in out[0].error
    )
    monkeypatch.setenv("CHISO_PARSE_MEMORY_MB", "1024")
    assert parse.parse(batches[:1])[0].status == "parsed", "the same file within a real limit"


def _land_and_parse_into(out_path: str) -> None:
    results = {}
    for chunk in tasks.land_new_files("qlvb"):
        for d in tasks.parse(chunk):
            b = Batch.from_json(d)
            results[b.file_name.split("/")[-1]] = [b.status, b.error]
    Path(out_path).write_text(json.dumps(results), encoding="utf-8")


def test_workbooks_parse_in_their_child_from_a_celery_pool_process(hostile, tmp_path):
    """A Celery worker runs each task in a daemonic pool process of billiard's, which stands in for
    multiprocessing's current process: the parse child must start from there as well."""
    import billiard

    good, bad = hostile
    out = tmp_path / "results.json"
    pool_process = billiard.Process(target=_land_and_parse_into, args=(str(out),), daemon=True)
    pool_process.start()
    pool_process.join(300)
    assert pool_process.exitcode == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results[good.name] == ["parsed", None]
    assert results[bad.name][0] == "parse_failed" and "out of memory" in results[bad.name][1]
