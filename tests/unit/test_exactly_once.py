"""Exactly once from receipt to warehouse: a landed file that was not loaded is taken by the next run, a failed
load fails the step and is loaded by the next run, landing runs under a lock, links and special files are
refused and quarantined, work files go once loaded."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import chiso_sample as sample
import duckdb
import pytest
from chiso import settings
from chiso.ingest import landing, load, parse
from chiso.quality import gate
from ingest_steps import ingest, query


@pytest.fixture
def generated(chiso_data):
    sample.generate(
        settings.incoming_dir(),
        seed=5,
        provinces=1,
        start="2025-06",
        end="2025-07",
        dossiers_per_month=40,
        documents_per_month=10,
    )
    return chiso_data


def test_a_run_stopped_after_landing_is_finished_by_the_next_run(generated):
    # a run lands and parses, then dies before its load
    landed = load.to_load("motcua")
    assert landed
    gate.validate(parse.parse(landed))
    assert (
        not settings.warehouse_path().exists() or query("select count(*) from raw.landing_manifest")[0][0] == 0
    )
    # an ordinary new run: nothing new lands, yet every landed file is loaded
    results = ingest("motcua")
    assert sorted(b.batch_id for b in results) == sorted(b.batch_id for b in landed)
    assert all(b.status == "loaded" for b in results)
    assert query("select count(*) from raw.landing_manifest where status = 'loaded'")[0][0] == len(landed)
    # and then nothing is left to do
    assert ingest("motcua") == []


def test_a_failed_load_fails_the_step_and_the_next_run_loads_it(generated, monkeypatch):
    batches = gate.validate(parse.parse(load.to_load("qlvb")))
    victim = batches[0]
    real = load._settle

    def failing(ledger, b, loaded, now):  # the step every written batch goes through, alone or with its chunk
        if b.batch_id == victim.batch_id:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB")
        return real(ledger, b, loaded, now)

    monkeypatch.setattr(load, "_settle", failing)
    with pytest.raises(load.LoadFailed) as err:
        load.load(batches)
    assert victim.file_name in str(err.value) and "out of memory" in str(err.value)
    assert "damaged" not in str(err.value)
    rows = dict(query("select batch_id, status from raw.landing_manifest"))
    assert victim.batch_id not in rows and len(rows) == len(batches) - 1, "the others are loaded"
    monkeypatch.setattr(load, "_settle", real)
    again = ingest("qlvb")
    assert [b.batch_id for b in again] == [victim.batch_id] and again[0].status == "loaded"


def test_loading_a_finished_batch_again_changes_nothing(generated):
    batches = gate.validate(parse.parse(load.to_load("dvc")))
    load.load(batches)
    before = query("select batch_id, status, rows_loaded, loaded_at from raw.landing_manifest order by 1")
    n = query("select count(*) from raw.dvc_766_unit")[0][0]
    load.load(batches)  # e.g. two runs that took the same pending files
    assert (
        query("select batch_id, status, rows_loaded, loaded_at from raw.landing_manifest order by 1") == before
    )
    assert query("select count(*) from raw.dvc_766_unit")[0][0] == n


def test_an_older_correction_reaching_the_loader_late_does_not_replace_the_newer(generated):
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    old = load.to_load("motcua")
    lines = f.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    f.write_text("\ufeff" + "".join(lines[:-2]), encoding="utf-8")
    newer = [b for b in load.to_load("motcua") if b.batch_id not in {o.batch_id for o in old}]
    assert len(newer) == 1 and newer[0].landed.received_at >= max(o.landed.received_at for o in old)
    load.load(gate.validate(parse.parse(newer)))  # the correction first …
    load.load(gate.validate(parse.parse(old)))  # … then the batch it corrects
    rows = query("select count(*) from raw.motcua_dossier where source_file like ?", (f"%{f.name}",))[0][0]
    assert rows == len(lines) - 1 - 2
    states = dict(
        query("select batch_id, status from raw.landing_manifest where file_name like ?", (f"%{f.name}",))
    )
    assert states[newer[0].batch_id] == "loaded" and sorted(states.values()) == ["loaded", "superseded"]


def test_work_files_are_removed_once_loaded(generated):
    results = ingest("dvc")
    assert results and all(b.status == "loaded" for b in results)
    assert not any(settings.work_dir().glob("*/*.parquet"))


def test_two_concurrent_landings_claim_each_file_once(generated):
    files = landing.discover("qlvb")
    claimed: list[list] = []
    barrier = threading.Barrier(2)

    def one():
        barrier.wait()
        claimed.append(landing.land_new("qlvb"))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(c) for c in claimed) == [0, len(files)]
    assert len(landing.receipts("qlvb")) == len(files)


def test_the_landing_lock_is_exclusive_across_processes(chiso_data):
    import subprocess
    import sys

    with landing.locked():
        code = (
            "import sys; from chiso.ingest import landing\n"
            "try:\n    landing.locked(timeout=0.3).__enter__()\nexcept RuntimeError as e:\n"
            "    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
        )
    assert proc.returncode == 3 and "lock" in proc.stdout


@pytest.mark.parametrize("kind", ["symlink", "dir-symlink", "fifo"])
def test_links_and_special_files_are_refused_and_quarantined(generated, tmp_path, kind):
    secret = tmp_path / "outside" / "hoso_04_2025-07.csv"
    secret.parent.mkdir()
    secret.write_text("MaHoSo\nnot to be read\n", encoding="utf-8")
    incoming = settings.incoming_dir() / "motcua"
    if kind == "symlink":
        entry = incoming / "hoso_99_2025-07.csv"
        entry.symlink_to(secret)
    elif kind == "dir-symlink":
        entry = incoming / "elsewhere"
        entry.symlink_to(secret.parent, target_is_directory=True)
    else:
        entry = incoming / "hoso_98_2025-07.csv"
        os.mkfifo(entry)
    results = {b.file_name: b for b in ingest("motcua")}
    refused = results[entry.name]
    assert refused.status == "quarantined"
    assert entry.name in refused.error and "expected a regular file" in refused.error
    assert ("symbolic link" if "symlink" in kind else "named pipe") in refused.error
    assert all(b.status == "loaded" for n, b in results.items() if n != entry.name), "the others load"
    landed = [p for p in settings.landing_dir().rglob("*") if p.is_file() and not p.is_symlink()]
    assert not any(p.read_bytes() == secret.read_bytes() for p in landed), "the target was never read"
    assert "not to be read" not in "".join(str(r) for r in query("select * from raw.motcua_dossier"))
    row = query("select status, error from raw.landing_manifest where file_name = ?", (entry.name,))
    assert row == [("quarantined", refused.error)]
    report = settings.quarantine_dir() / "motcua" / refused.batch_id / "error_report.json"
    assert report.exists() and (report.stat().st_mode & 0o777) == 0o600
    assert (report.parent.stat().st_mode & 0o777) == 0o700
    # quarantined once: the next run does not take it again
    assert ingest("motcua") == []


def test_quarantined_files_are_private(generated):
    bad = settings.incoming_dir() / "qlvb" / "sovanban_09_2025-05.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    results = {Path(b.file_name).name: b for b in ingest("qlvb")}
    q = settings.quarantine_dir() / "qlvb" / results[bad.name].batch_id
    assert (q / bad.name).stat().st_mode & 0o777 == 0o600
    assert q.stat().st_mode & 0o777 == 0o700 and settings.quarantine_dir().stat().st_mode & 0o777 == 0o700


def test_a_chunk_holding_a_file_and_its_correction_loads_as_one_at_a_time(generated, caplog):
    """One load step takes both receipts of a coverage with the rest of the chunk (one transaction, one insert
    per table): the later receipt is the data, the earlier one is recorded as superseded by it."""
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    first = load.to_load("motcua")
    lines = f.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    f.write_text("\ufeff" + "".join(lines[:-2]), encoding="utf-8")
    second = [b for b in load.to_load("motcua") if b.batch_id not in {o.batch_id for o in first}]
    chunk = gate.validate(parse.parse(first + second))
    assert len(chunk) > 2
    with caplog.at_level("INFO", logger="chiso.ingest.load"):
        results = load.load(chunk)
    assert "loaded together" not in caplog.text, "the chunk went in one transaction"
    assert [b.batch_id for b in results] == [b.batch_id for b in chunk]
    states = dict(query("select batch_id, status from raw.landing_manifest"))
    assert len(states) == len(chunk)
    [old] = [b for b in first if b.file_name == second[0].file_name]
    assert states[second[0].batch_id] == "loaded" and states[old.batch_id] == "superseded"
    rows = query("select batch_id, count(*) from raw.motcua_dossier where source_file like ? group by 1",
                 (f"%{f.name}",))
    assert rows == [(second[0].batch_id, len(lines) - 1 - 2)]
    # every other file of the chunk: its own rows, as many as its manifest says
    counted = dict(query("select batch_id, count(*) from raw.motcua_dossier group by 1"))
    for batch_id, n in query("select batch_id, rows_loaded from raw.landing_manifest "
                             "where dataset = 'motcua_dossier' and status = 'loaded'"):
        assert counted[batch_id] == n
    assert not any(settings.work_dir().glob("*/*.parquet"))


def test_a_held_correction_in_a_chunk_is_quarantined_and_the_rest_loaded(generated, caplog):
    """A correction removing too many rows cannot be loaded with its chunk: the chunk's transaction is rolled
    back, each batch loads on its own, the correction is held (quarantined) and every other file is loaded."""
    load.load(gate.validate(parse.parse(load.to_load("motcua"))))
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    lines = f.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    f.write_text("\ufeff" + "".join(lines[:3]), encoding="utf-8")  # a partial export: two rows left
    g = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-06.csv"))[0]
    glines = g.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    g.write_text("\ufeff" + "".join(glines[:-1]), encoding="utf-8")  # an ordinary correction
    chunk = gate.validate(parse.parse(load.to_load("motcua")))
    assert len(chunk) == 2
    with caplog.at_level("INFO", logger="chiso.ingest.load"):
        results = {b.file_name: b.status for b in load.load(chunk)}
    assert "could not be loaded together (CorrectionHeld" in caplog.text
    names = {b.file_name for b in chunk}
    assert results == {n: ("quarantined" if n.endswith(f.name) else "loaded") for n in names}
    assert query("select count(*) from raw.motcua_dossier where source_file like ?",
                 (f"%{f.name}",))[0][0] == len(lines) - 1, "the loaded data stays"
    assert query("select count(*) from raw.motcua_dossier where source_file like ?",
                 (f"%{g.name}",))[0][0] == len(glines) - 2
