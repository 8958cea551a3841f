"""chiso.util.files.write_whole: a file is written whole or not at all."""

from __future__ import annotations

import stat

import pytest
from chiso.util.files import write_whole


def test_the_file_appears_whole_with_its_mode_and_nothing_is_left_beside_it(tmp_path):
    dest = tmp_path / "page.html"
    dest.write_text("old", encoding="utf-8")
    seen = []

    def write(tmp):
        seen.append(tmp)
        assert tmp.parent == tmp_path and tmp.name != dest.name
        tmp.write_text("new", encoding="utf-8")
        assert dest.read_text(encoding="utf-8") == "old", "the real name keeps the old file until the rename"

    write_whole(dest, write, 0o640)
    assert dest.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"] and len(seen) == 1


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    dest = tmp_path / "record.json"
    dest.write_text("{}", encoding="utf-8")

    def half(tmp):
        tmp.write_text('{"half', encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_whole(dest, half, 0o644)
    assert dest.read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]
    with pytest.raises(OSError):
        write_whole(dest, half, 0o644, temporary="record.json.part")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_a_named_temporary_left_by_a_killed_run_is_replaced(tmp_path):
    dest = tmp_path / "export.csv"
    (tmp_path / "export.csv.part").write_text("torn", encoding="utf-8")
    write_whole(dest, lambda tmp: tmp.write_text("whole", encoding="utf-8"), 0o444, temporary="export.csv.part")
    assert dest.read_text(encoding="utf-8") == "whole"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o444
    assert not (tmp_path / "export.csv.part").exists()
