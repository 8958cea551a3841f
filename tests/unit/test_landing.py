"""The landing zone stores each file once by SHA-256, read-only, and receiving it again changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from chiso import settings
from chiso.ingest import landing


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_land_stores_once_by_checksum(chiso_data):
    src = _write(settings.incoming_dir() / "motcua" / "04" / "hoso_04_2023-01.csv", "MaHoSo\nH13.01-230101-0001\n")
    rec, new = landing.land(src, "motcua")
    assert new
    assert rec.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec.batch_id == landing.batch_id_of(rec.sha256, "04/hoso_04_2023-01.csv")
    landed = settings.landing_dir() / "motcua" / rec.sha256[:2] / rec.sha256 / "04" / "hoso_04_2023-01.csv"
    assert landed.read_bytes() == src.read_bytes()
    assert not os.stat(landed).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), "landed files are read-only"
    assert rec.relative_name == "04/hoso_04_2023-01.csv"
    assert rec.size_bytes == src.stat().st_size

    before = sorted(p.relative_to(settings.landing_dir()) for p in settings.landing_dir().rglob("*"))
    rec2, new2 = landing.land(src, "motcua")
    assert not new2 and rec2 == rec
    after = sorted(p.relative_to(settings.landing_dir()) for p in settings.landing_dir().rglob("*"))
    assert before == after, "receiving the same file again changes nothing"


def test_corrected_export_lands_beside_the_original(chiso_data):
    src = _write(settings.incoming_dir() / "qlvb" / "04" / "sovanban_04_2023-01.csv", "v1\n")
    first, _ = landing.land(src, "qlvb")
    src.write_text("v2 corrected\n", encoding="utf-8")
    second, new = landing.land(src, "qlvb")
    assert new and second.sha256 != first.sha256
    assert os.path.exists(first.landed_path) and os.path.exists(second.landed_path)


def test_same_bytes_under_another_name_is_a_new_receipt_stored_once(chiso_data):
    a = _write(settings.incoming_dir() / "dvc" / "04" / "dichvu_04_2025-05.csv", "MaDichVu\nX\n")
    b = _write(settings.incoming_dir() / "dvc" / "04" / "dichvu_04_2025-06.csv", "MaDichVu\nX\n")
    ra, _ = landing.land(a, "dvc")
    rb, new = landing.land(b, "dvc")
    assert new and ra.sha256 == rb.sha256 and ra.batch_id != rb.batch_id
    assert os.stat(ra.landed_path).st_ino == os.stat(rb.landed_path).st_ino, "content stored once (hard link)"


def test_land_new_skips_landed_and_manifests(chiso_data):
    base = settings.incoming_dir() / "dvc" / "04" / "766"
    _write(base / "transparency" / "month-2023-01.json", '{"code":"OK"}')
    _write(base / "manifest.json", json.dumps({"captures": []}))
    new = landing.land_new("dvc")
    assert [r.relative_name for r in new] == ["04/766/transparency/month-2023-01.json"]
    # the capture manifest travels with the response (the parser reads the period from it)
    landed = os.path.dirname(os.path.dirname(new[0].landed_path))
    assert os.path.exists(os.path.join(landed, "manifest.json"))
    assert landing.land_new("dvc") == []


def test_a_manifest_torn_by_a_killed_run_is_landed_again(chiso_data, monkeypatch):
    """kill -9 while the capture manifest was being copied beside a response: the next run must not keep a torn
    copy (the responses would lose their period and capture details; found by the kill -9 suite)."""
    base = settings.incoming_dir() / "dvc" / "04" / "766"
    response = _write(base / "transparency" / "month-2023-01.json", '{"code":"OK"}')
    manifest = _write(base / "manifest.json", json.dumps({"captures": [{"file": "transparency/month-2023-01.json",
                                                                         "payload": {"timeType": 1}}]}))

    def killed_mid_copy(src, dst, *a, **k):  # what a SIGKILL during the copy leaves: part of the bytes
        Path(dst).write_bytes(Path(src).read_bytes()[:10])
        raise SystemExit("killed")

    with monkeypatch.context() as m:
        m.setattr(landing.shutil, "copyfile", killed_mid_copy)
        with pytest.raises(SystemExit):
            landing.land(response, "dvc")
    sha = hashlib.sha256(response.read_bytes()).hexdigest()
    landed = sorted((settings.landing_dir() / "dvc" / sha[:2] / sha).rglob("manifest.json*"))
    assert [p.name for p in landed] == ["manifest.json.part"], "a torn copy never takes the manifest's name"

    rec, new = landing.land(response, "dvc")  # the next run
    dest = landed[0].with_name("manifest.json")
    assert new and dest.read_bytes() == manifest.read_bytes()
    assert not landed[0].exists()

    # a copy torn by a run killed before the copy was atomic: unreadable under the manifest's own name, and no
    # receipt (the receipt is written last)
    os.chmod(dest, 0o644)
    dest.write_bytes(manifest.read_bytes()[:10])
    for receipt in (settings.landing_dir() / "dvc" / sha[:2] / sha / "receipts").iterdir():
        receipt.unlink()
    rec2, new = landing.land(response, "dvc")
    assert new and rec2.batch_id == rec.batch_id
    assert dest.read_bytes() == manifest.read_bytes(), "an unreadable landed copy is copied again"
    assert not os.stat(dest).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_unknown_source_is_refused(chiso_data, tmp_path):
    f = _write(tmp_path / "x.csv", "a\n")
    try:
        landing.land(f, "erp")
    except ValueError as exc:
        assert "unknown source system" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_a_file_that_changes_while_landing_is_not_landed(chiso_data, monkeypatch):
    src = _write(settings.incoming_dir() / "motcua" / "04" / "hoso_04_2023-02.csv", "MaHoSo\nH13.01-230201-0001\n")
    # the bytes hashed first are not the bytes copied (the vendor was still writing the export)
    monkeypatch.setattr(landing, "sha256_file", lambda p: "0" * 64)
    try:
        landing.land(src, "motcua")
    except RuntimeError as exc:
        assert "changed while being landed" in str(exc)
    else:
        raise AssertionError("expected RuntimeError")
    assert not [p for p in settings.landing_dir().rglob("*") if p.is_file()], "nothing torn is left in landing"
