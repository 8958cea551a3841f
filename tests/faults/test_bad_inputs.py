"""A corpus of hostile and broken exports, generated here (each kind from a good export of the sample), put in
``incoming/`` beside the good ones and ingested by one run of every source. For every kind: the file is
quarantined (manifest, quarantine folder, nothing of it loaded); its error names the file and says what was
expected and what was found, with the row and column where there is one; and every good file of the same run
loads, with rows read = loaded + rejected for every file."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zipfile
from pathlib import Path

import chiso_sample as sample
import duckdb
import pytest
import xlsxwriter
from chiso import settings
from chiso.ingest.batch import Batch
from ingest_steps import ingest

LIMITS = {
    "CHISO_MAX_LINE_KB": "64",
    "CHISO_MAX_FILE_MB": "1",
    "CHISO_MAX_UNZIPPED_MB": "8",
    "CHISO_MAX_JSON_DEPTH": "64",
    "CHISO_MAX_SHEET_CELLS": "1000000",
}


def _csv(t: str) -> bytes:
    return t.encode("utf-8")


def _cut_in_quote(t: str) -> bytes:
    cut = t.find('"', len(t) // 2) + 3
    return t[:cut].encode("utf-8")


def _xlsx_with(good: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            z.writestr(info.filename, edit(info.filename, data))
    return out.getvalue()


def _dimension_bomb(good: bytes) -> bytes:
    def edit(name, data):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            if b"<dimension" not in data:
                data = data.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1)
        return data

    return _xlsx_with(good, edit)


def _zip_bomb(good: bytes) -> bytes:
    def edit(name, data):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            return data.replace(b"</sheetData>", b"</sheetData>" + b"<!--" + b" " * (12 << 20) + b"-->", 1)
        return data

    return _xlsx_with(good, edit)


def _workbook(cells: list[list]) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    wb.close()
    return out.getvalue()


def _empty_zip() -> bytes:
    out = io.BytesIO()
    zipfile.ZipFile(out, "w").close()
    return out.getvalue()


def kinds(dossier: str, register: bytes, catalogue: str) -> dict[str, tuple[str, str, bytes | str, str]]:
    """kind → (source, relative name, content, a phrase the error must hold). Content "symlink"/"fifo"
    makes that special entry instead of a file."""
    header, _, body = dossier.partition("\n")
    rows = body.splitlines()
    big_line = header + "\n" + rows[0] + "," + "x" * (100 << 10) + "\n"
    return {
        "empty file": ("motcua", "bad/hoso_90_2025-07.csv", b"", "empty"),
        "BOM only": ("motcua", "bad/hoso_91_2025-07.csv", b"\xef\xbb\xbf", "empty"),
        "blank lines only": ("motcua", "bad/hoso_92_2025-07.csv", b"\n \n\r\n", "empty"),
        "UTF-16 with BOM": ("motcua", "bad/hoso_93_2025-07.csv", dossier.encode("utf-16"), "UTF-16"),
        "UTF-16 without BOM": ("motcua", "bad/hoso_94_2025-07.csv", dossier.encode("utf-16-le"), "UTF-16"),
        "UTF-32": ("motcua", "bad/hoso_95_2025-07.csv", dossier.encode("utf-32"), "UTF-32"),
        "Windows-1258": (
            "motcua",
            "bad/hoso_96_2025-07.csv",
            dossier.encode("cp1258", "replace"),
            "not UTF-8",
        ),
        "semicolon-delimited": (
            "motcua",
            "bad/hoso_97_2025-07.csv",
            _csv(dossier.replace(",", ";")),
            "semicolon",
        ),
        "tab-delimited": ("motcua", "bad/hoso_98_2025-07.csv", _csv(dossier.replace(",", "\t")), "tab"),
        "pipe-delimited": ("motcua", "bad/hoso_99_2025-07.csv", _csv(dossier.replace(",", "|")), "pipe"),
        "truncated inside a quote": (
            "motcua",
            "bad/hoso_80_2025-07.csv",
            _cut_in_quote(dossier),
            "truncated",
        ),
        "header only": ("motcua", "bad/hoso_81_2025-07.csv", _csv(header + "\n"), "header row only"),
        "no header": ("motcua", "bad/hoso_82_2025-07.csv", _csv("\n".join(rows) + "\n"), "no header"),
        "required column missing": (
            "motcua",
            "bad/hoso_83_2025-07.csv",
            _csv(dossier.replace('"MaHoSo"', '"Ma"', 1).replace("MaHoSo,", "Ma,", 1)),
            "missing",
        ),
        "NUL bytes": (
            "motcua",
            "bad/hoso_84_2025-07.csv",
            _csv(dossier[:200]) + b"\x00\x00" + _csv(dossier[200:]),
            "NUL",
        ),
        "line too long": ("motcua", "bad/hoso_85_2025-07.csv", _csv(big_line), "line too long"),
        "file too large": (
            "motcua",
            "bad/hoso_86_2025-07.csv",
            _csv(header + "\n" + (rows[0] + "\n") * ((1 << 20) // len(rows[0]) + 50)),
            "too large",
        ),
        "random bytes": ("motcua", "bad/hoso_87_2025-07.csv", bytes(range(1, 256)) * 40, "expected"),
        "gzip of a CSV": ("motcua", "bad/hoso_88_2025-07.csv", gzip.compress(_csv(dossier)), "expected"),
        "PDF named .csv": (
            "motcua",
            "bad/hoso_89_2025-07.csv",
            b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n",
            "expected",
        ),
        "hostile file name": (
            "motcua",
            "bad/hoso_79_2025-07 ;$(rm -rf ~)`id`.csv",
            _csv(dossier.replace(",", ";")),
            "semicolon",
        ),
        "text of no known format": (
            "motcua",
            "bad/notes.txt",
            b"hello, this is not an export\n",
            "unknown export format",
        ),
        "JSON malformed": ("motcua", "bad/hoso_70_2025-07.json", b'{"content": [{"a": 1}', "JSON"),
        "JSON truncated string": ("motcua", "bad/hoso_71_2025-07.json", b'{"content": [{"a": "abc', "JSON"),
        "JSON nested too deeply": ("motcua", "bad/hoso_72_2025-07.json", b"[" * 5000 + b"]" * 5000, "nested"),
        "JSON empty": ("motcua", "bad/hoso_73_2025-07.json", b"  \n", "empty"),
        "JSON UTF-16": ("motcua", "bad/hoso_74_2025-07.json", '{"content": []}'.encode("utf-16"), "UTF-16"),
        "JSON Latin-1": (
            "motcua",
            "bad/hoso_75_2025-07.json",
            '{"content": [{"a": "é"}]}'.encode("latin-1"),
            "UTF-8",
        ),
        "JSON of another shape": (
            "motcua",
            "bad/hoso_76_2025-07.json",
            b"[1, 2, 3]",
            "unknown export format",
        ),
        "JSON without dossiers": ("motcua", "bad/hoso_77_2025-07.json", b'{"content": []}', "no dossiers"),
        "symlink to a file elsewhere": ("motcua", "bad/hoso_78_2025-07.csv", "symlink", "symbolic link"),
        "XLSX not a zip": ("qlvb", "bad/sovanban_90_2025-07.xlsx", b"PK\x03\x04 not a workbook", "XLSX"),
        "XLSX empty zip": ("qlvb", "bad/sovanban_91_2025-07.xlsx", _empty_zip(), "expected"),
        "XLSX truncated": ("qlvb", "bad/sovanban_92_2025-07.xlsx", register[: len(register) // 2], "XLSX"),
        "XLSX dimension A1:XFD1048576": (
            "qlvb",
            "bad/sovanban_93_2025-07.xlsx",
            _dimension_bomb(register),
            "dimension",
        ),
        "XLSX zip bomb": ("qlvb", "bad/sovanban_94_2025-07.xlsx", _zip_bomb(register), "uncompressed"),
        "old XLS named .xlsx": (
            "qlvb",
            "bad/sovanban_95_2025-07.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000,
            "XLSX",
        ),
        "CSV named .xlsx": ("qlvb", "bad/sovanban_96_2025-07.xlsx", _csv(dossier), "XLSX"),
        "XLSX without the register header": (
            "qlvb",
            "bad/sovanban_97_2025-07.xlsx",
            _workbook([["hello", "world"], [1, 2]]),
            "expected",
        ),
        "register CSV header only": (
            "qlvb",
            "bad/sovanban_98_2025-07.csv",
            _csv("Số, ký hiệu\n"),
            "expected",
        ),
        "named pipe": ("qlvb", "bad/sovanban_99_2025-07.xlsx", "fifo", "named pipe"),
        "catalogue semicolon-delimited": (
            "dvc",
            "bad/dichvu_90_2025-07.csv",
            _csv(catalogue.replace(",", ";")),
            "semicolon",
        ),
        "catalogue header only": (
            "dvc",
            "bad/dichvu_91_2025-07.csv",
            _csv(catalogue.partition("\n")[0] + "\n"),
            "expected",
        ),
        "766 response without its tree": (
            "dvc",
            "bad/766/dvc-progress-tree/month-2025-05.json",
            json.dumps({"data": {"parent": None, "children": "x"}}).encode(),
            "expected",
        ),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("corpus") / "data"
    mp.setenv("CHISO_DATA_DIR", str(data))
    mp.setenv("CHISO_PII_KEY", "corpus-key-not-a-secret")
    for name in (
        "CHISO_INCOMING_DIR",
        "CHISO_LANDING_DIR",
        "CHISO_WORK_DIR",
        "CHISO_QUARANTINE_DIR",
        "CHISO_WAREHOUSE",
    ):
        mp.delenv(name, raising=False)
    for k, v in LIMITS.items():
        mp.setenv(k, v)
    incoming = settings.incoming_dir()
    sample.generate(
        incoming,
        seed=8,
        provinces=1,
        start="2025-07",
        end="2025-07",
        dossiers_per_month=30,
        documents_per_month=8,
    )
    good = {
        p.relative_to(incoming).as_posix()
        for p in incoming.rglob("*")
        if p.is_file() and not p.name.startswith("manifest")
    }
    dossier = next(incoming.rglob("hoso_*.csv")).read_text(encoding="utf-8-sig")
    register = next(incoming.rglob("sovanban_*.xlsx")).read_bytes()
    catalogue = next(incoming.rglob("dichvu_*.csv")).read_text(encoding="utf-8-sig")
    outside = data.parent / "outside.csv"
    outside.write_text(dossier, encoding="utf-8")
    corpus = kinds(dossier, register, catalogue)
    for source, rel, content, _ in corpus.values():
        target = incoming / source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if content == "symlink":
            target.symlink_to(outside)
        elif content == "fifo":
            os.mkfifo(target)
        else:
            target.write_bytes(content)
    results: dict[str, Batch] = {}
    for source in ("motcua", "qlvb", "dvc", "plans"):
        for b in ingest(source):
            results[f"{source}/{b.file_name}"] = b
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    manifest = {
        f"{r[0]}/{r[1]}": r[2:]
        for r in con.execute(
            "select source_system, file_name, status, rows_read, rows_loaded, rows_rejected, error "
            "from raw.landing_manifest"
        ).fetchall()
    }
    con.close()
    yield {"kinds": corpus, "good": good, "results": results, "manifest": manifest, "data": data}
    mp.undo()


KINDS = list(kinds("a,b\n1,2\n", _workbook([["a"]]), "a,b\n1,2\n"))


def test_the_corpus_has_at_least_40_kinds():
    assert len(KINDS) >= 40


@pytest.mark.parametrize("kind", KINDS)
def test_each_bad_input_is_quarantined_with_a_clear_error(corpus, kind):
    source, rel, _, phrase = corpus["kinds"][kind]
    key = f"{source}/{rel}"
    b = corpus["results"].get(key)
    assert b is not None, f"{kind}: {rel} was not taken by the run"
    assert b.status == "quarantined", f"{kind}: {b.status}"
    status, read, loaded, rejected, error = corpus["manifest"][key]
    assert status == "quarantined" and loaded == 0 and read == loaded + rejected
    name = Path(rel).name
    assert name in error, error
    assert phrase.lower() in error.lower(), f"{kind}: {error}"
    assert "expected" in error and "found" in error, error
    first = b.row_errors[0]
    assert {"row", "column", "expected", "found"} <= set(first) and first["expected"] and first["found"]
    qdir = corpus["data"] / "quarantine" / source / b.batch_id
    report = json.loads((qdir / "error_report.json").read_text(encoding="utf-8"))
    assert report["error"] == error


def test_every_good_file_of_the_same_run_loads_and_every_row_is_accounted_for(corpus):
    for rel in corpus["good"]:
        entry = corpus["manifest"].get(rel)
        assert entry is not None and entry[0] == "loaded", (rel, entry)
    for key, (_status, read, loaded, rejected, _) in corpus["manifest"].items():
        assert read == loaded + rejected, key


def test_the_errors_carry_the_row_where_there_is_one(corpus):
    by_kind = {k: corpus["results"][f"{s}/{r}"] for k, (s, r, _, _) in corpus["kinds"].items()}
    assert by_kind["line too long"].row_errors[0]["row"] == 2
    assert by_kind["required column missing"].row_errors[0]["column"] == "MaHoSo"
