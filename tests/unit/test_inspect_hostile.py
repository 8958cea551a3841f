"""``chiso inspect`` reports every file it is given, hostile ones included, and never a traceback."""

from __future__ import annotations

import json

from chiso.sources import inspect as inspect_mod


def test_inspect_reports_every_hostile_file_without_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHISO_MAX_LINE_KB", "1024")
    files = {
        "deep.json": b"[" * 100000 + b"]" * 100000,
        "hoso_01_2025-07.csv": b"MaHoSo," + b"x" * (10 << 20) + b"\n",  # a 10 MB line
        "utf16.csv": "MaHoSo,NgayTiepNhan\n1,2\n".encode("utf-16"),
        "empty.json": b"",
    }
    paths = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    (tmp_path / "link.csv").symlink_to(tmp_path / "utf16.csv")
    paths += [str(tmp_path / "link.csv"), str(tmp_path / "missing.csv"), str(tmp_path)]
    code = inspect_mod.main(paths, as_json=True)
    out = capsys.readouterr()
    reports = [json.loads(line) for line in out.out.splitlines()]
    assert code == 2 and "Traceback" not in out.out + out.err
    assert [r["file"] for r in reports] == paths, "every file reported, in order"
    assert all(not r["ok"] and r["errors"] for r in reports)
    by_name = {r["file"].rsplit("/", 1)[-1]: r["errors"][0] for r in reports}
    assert "nested" in by_name["deep.json"]
    assert "line too long" in by_name["hoso_01_2025-07.csv"]
    assert "UTF-16" in by_name["utf16.csv"]
    assert "symbolic link" in by_name["link.csv"]


def test_an_out_of_memory_error_of_the_csv_reader_is_not_called_damage(tmp_path):
    import duckdb
    import pytest
    from chiso.sources.motcua import dossier

    err = duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to allocate data of size 64.0 MiB (3.0 GiB/3.0 GiB used)"
    )
    with pytest.raises(MemoryError) as exc:
        dossier._translate_duckdb_error(tmp_path / "hoso_04_2025-07.csv", err)
    assert "out of memory" in str(exc.value) and "hoso_04_2025-07.csv" in str(exc.value)
    assert "damaged" not in str(exc.value)
