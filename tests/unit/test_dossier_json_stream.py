"""Dossier JSON read as a stream (issue 11: memory proportional to a batch, not to the file): the streamed parse
gives exactly what the whole-document reading gave, in every accepted shape, and the same errors."""

from __future__ import annotations

import importlib
import json
import random
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from chiso import sources
from chiso.sources import jsonstream
from chiso.sources.base import ParseError, WrittenTable
from chiso.sources.motcua import dossier

detect_mod = importlib.import_module("chiso.sources.detect")  # chiso.sources.detect is also the function
STATUS_WORDS = list(dossier.STATUS_LABELS) + ["returned", "processing", "Trạng thái lạ"]


def _date(rng: random.Random, day: int) -> object:
    h, m, s = rng.randrange(24), rng.randrange(60), rng.randrange(60)
    return rng.choice([
        f"2023-01-{day:02d}T{h:02d}:{m:02d}:{s:02d}.000+0000",
        f"2023-01-{day:02d}T{h:02d}:{m:02d}:{s:02d}+07:00",
        f"2023-01-{day:02d}T{h:02d}:{m:02d}:{s:02d}Z",
        f"2023-01-{day:02d}T{h:02d}:{m:02d}:{s:02d}",
        1672531200000 + day * 86_400_000 + h * 3_600_000,  # epoch milliseconds
        f"{day:02d}/01/2023 {h:02d}:{m:02d}:{s:02d}",
    ])


def _item(rng: random.Random, i: int, codes: list[str]) -> object:
    """A search item with the variety the exports have, and some defects (about one in twelve)."""
    r = rng.random()
    if r < 0.002:
        return rng.choice([42, "x", None, [1, 2]])  # not an object: a row without a code
    day = rng.randint(1, 28)
    code = f"H13.05-2301{day:02d}-{i:05d}"
    it: dict = {"id": f"{i:024x}"}
    if r < 0.01 and codes:
        it["code"] = rng.choice(codes)  # a duplicate code
    elif r < 0.02:
        it["nationCode"] = "G22.99-" + code
    elif r > 0.015:
        it["code"] = code
    codes.append(code)
    name = rng.choice(["Sở Tư pháp", "UBND xã Hoà An", "Sở Xây dựng tỉnh Cao Bằng "])
    if rng.random() < 0.05:
        name = unicodedata.normalize("NFD", name)
    proc = {"code": f"1.00{rng.randrange(1000, 9999)}", "name": "Cấp phiếu lý lịch tư pháp"}
    if rng.random() < 0.3:
        proc["sector"] = {"code": "LLTP", "name": "Lý lịch tư pháp"}
    else:
        it["sector"] = {"code": "G09", "name": "Văn bằng, chứng chỉ"}
    it["procedure"] = proc
    it["agency"] = {"code": "H13.05", "name": name}
    ch = rng.random()
    if ch < 0.3:
        it["applyMethod"] = {"id": rng.choice([1, 2, 3]), "name": "Trực tuyến"}
    elif ch < 0.5:
        it["channel"] = rng.choice(["counter", "online", "postal", " Online ", 2, "7"])
    elif ch < 0.6:
        it["applyMethod"] = {"code": rng.choice(["1", "3"])}
    it["acceptedDate"] = _date(rng, day) if rng.random() > 0.005 else "2023-13-45T00:00:00"
    it["appointmentDate"] = _date(rng, min(28, day + rng.randint(-1, 5)))
    it["completedDate"] = rng.choice([None, _date(rng, min(28, day + 2))])
    st = rng.random()
    if st < 0.5:
        it["status"] = rng.choice(STATUS_WORDS)
    elif st < 0.9:
        it["status"] = {"code": str(rng.randrange(8)), "name": rng.choice(STATUS_WORDS)}
    else:
        it["status"] = {"code": rng.choice(["done", "refused"])}
    it["supplementCount"] = rng.choice([0, 1, 2, None, 1.0])
    it["supplementWaitDays"] = rng.choice([0, 1.5, 2.0, None, round(rng.random() * 10, 3), rng.random()])
    fee = rng.random()
    if fee < 0.3:
        it["fee"] = {"amount": rng.choice([0, 50000, 20000.0])}
    elif fee < 0.5:
        it["fee"] = rng.choice([100000, None, "15.000"])
    elif fee < 0.6:
        it["fees"] = [{"amount": 1000}, {"amount": 2500.5}, "not a fee", {"amount": None}]
    it["onlinePayment"] = rng.choice([0, 1, 2, None, True])
    it["digitized"] = rng.choice([True, False, 1, 0])
    it["hasElectronicResult"] = rng.choice([True, False, None])
    it["vneidVerified"] = rng.choice([True, False, 1])
    ident = f"0010{rng.randrange(10**8):08d}"
    it["applicant"] = rng.choice([
        {"identityNumber": ident, "fullname": "Nguyễn Văn An", "phone": "0912345678"},
        {"identityNo": " " + ident},
        {"fullname": "Trần Thị Bình"},
    ])
    it["eForm"] = {"data": {"address": "12 Phố Hiến", "nested": {"deep": [{"a": [1, {"b": None}]}]}}}
    it["updatedDate"] = rng.choice([None, _date(rng, day)])
    if rng.random() < 0.1:  # the API's key order is not fixed
        keys = list(it)
        rng.shuffle(keys)
        it = {k: it[k] for k in keys}
    return it


def _items(n: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    codes: list[str] = []
    return [_item(rng, i, codes) for i in range(n)]


def _pages(items: list, size: int) -> list[dict]:
    return [{"totalElements": len(items), "content": items[k:k + size], "number": k // size}
            for k in range(0, len(items), size)]


SHAPES = {
    "list of pages": lambda items: _pages(items, 997),
    "pages": lambda items: {"totalPages": 7, "pages": _pages(items, 1500), "x": {"content": 1}},
    "data": lambda items: {"code": "OK", "data": {"size": 20, "content": items, "totalElements": len(items)}},
    "one page, content last": lambda items: {"number": 0, "size": len(items), "content": items},
}


def _reference_rows(path: Path) -> list[dict]:
    """The rows computed independently of the stream: the document read whole, each item mapped."""
    obj = json.loads(path.read_bytes().decode("utf-8-sig"))
    return [dossier._item_to_row(it if isinstance(it, dict) else {}) for it in dossier._json_items(path, obj)]


def _same(a, b) -> None:
    ta, tb = a.tables[dossier.DATASET], b.tables[dossier.DATASET]
    if isinstance(ta, WrittenTable):
        ta, tb = pq.read_table(ta.path), pq.read_table(tb.path)
    assert ta.schema == tb.schema
    assert ta.num_rows == tb.num_rows
    assert ta.to_pylist() == tb.to_pylist()
    assert ta.equals(tb)
    assert (a.rows_read, a.rejects, a.meta, a.period_start, a.period_end, a.format) == (
        b.rows_read, b.rejects, b.meta, b.period_start, b.period_end, b.format)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_streamed_parse_gives_exactly_the_whole_document_rows(chiso_data, tmp_path, monkeypatch, shape):
    items = _items(6000)
    path = tmp_path / "hoso_04_2023-01.json"
    ascii_only = shape == "data"  # \u escapes in one shape, UTF-8 text in the others
    path.write_text(json.dumps(SHAPES[shape](items), ensure_ascii=ascii_only), encoding="utf-8")
    monkeypatch.setattr(dossier, "_JSON_BATCH", 701)  # many batches, one of them short
    sk = jsonstream.scan(path)
    assert sk.fallback is None
    prefix, n = dossier._json_plan(path, sk)
    assert n == len(items)
    streamed = [r for b in dossier._json_batches(path, prefix, n) for r in b.to_pylist()]
    assert streamed == _reference_rows(path)
    new = dossier.parse_dossier_json(path)
    old = dossier._parse_json_whole(path)
    _same(new, old)
    assert new.rows_read == len(items) and new.rejects  # the defects are there, and the same


def test_streamed_parse_to_parquet_and_period_from_the_data(chiso_data, tmp_path, monkeypatch):
    items = _items(4000, seed=3)
    path = tmp_path / "export-from-vendor.json"  # no period in the name: taken from the data
    path.write_text(json.dumps(_pages(items, 500), ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(dossier, "_JSON_BATCH", 333)
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    new = dossier.parse_dossier_json(path, out_dir=tmp_path / "new")
    old = dossier._parse_json_whole(path, out_dir=tmp_path / "old")
    assert isinstance(new.tables[dossier.DATASET], WrittenTable)
    assert new.meta["period_source"] == "data (latest NgayTiepNhan)" and new.period_start is not None
    _same(new, old)
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["motcua_dossier.parquet"]


def test_detection_and_parse_read_the_skeleton_once(chiso_data, tmp_path, monkeypatch):
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_text(json.dumps(_pages(_items(300), 100), ensure_ascii=False), encoding="utf-8")
    scans = []
    real = jsonstream._scan
    monkeypatch.setattr(jsonstream, "_scan", lambda p: scans.append(p) or real(p))
    # a small file's format is found on the file read whole (quicker than the Python scan) ...
    assert detect_mod.detect(path) == "motcua-dossier-json" and scans == []
    # ... a large one's on the streamed skeleton, which the parser then reuses
    monkeypatch.setattr(detect_mod, "SMALL_JSON_BYTES", 0)
    monkeypatch.setattr(dossier, "load_json", _must_not_read_whole)
    monkeypatch.setattr(detect_mod, "_json_format_whole", _must_not_read_whole)
    b = sources.parse(path)
    assert b.rows_read == 300 and len(scans) == 1


def _must_not_read_whole(*_a, **_k):
    raise AssertionError("the file was read whole")


def _big_export(n: int = 20000) -> bytes:
    return json.dumps(_pages(_items(n, seed=11), 1000), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("cut", ["between items", "inside a string", "after the last page"])
def test_a_truncated_big_json_is_malformed_and_never_read_whole(chiso_data, tmp_path, monkeypatch, cut):
    raw = _big_export()
    at = {"between items": raw.index(b"}, {", len(raw) // 2) + 1,
          "inside a string": raw.index('"Cấp phiếu'.encode(), len(raw) // 3) + 5,
          "after the last page": len(raw) - 1}[cut]
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_bytes(raw[:at])
    monkeypatch.setattr(dossier, "load_json", _must_not_read_whole)
    monkeypatch.setattr(detect_mod, "_json_format_whole", _must_not_read_whole)
    for parse in (sources.parse, dossier.parse_dossier_json):
        jsonstream._cache.clear()
        with pytest.raises(ParseError) as ei:
            parse(path)
        err = ei.value.error
        assert "malformed or truncated JSON" in str(ei.value) and path.name in str(ei.value)
        assert err.expected == "well-formed JSON"
        assert "premature end of the file" in err.found and f"column {len(raw[:at].decode('utf-8', 'ignore')) + 1}" in err.found


def test_a_malformed_byte_in_the_middle_is_located(chiso_data, tmp_path):
    raw = _big_export(3000)
    at = raw.index(b"}, {", len(raw) // 2) + 1
    text = raw[:at] + b"\n  ,, " + raw[at:]
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_bytes(text)
    with pytest.raises(ParseError) as ei:
        dossier.parse_dossier_json(path)
    # json.loads: "Expecting value at line 2 column 4"; yajl decides on the second comma
    assert "malformed or truncated JSON" in str(ei.value) and "at line 2 column 4" in ei.value.error.found


def test_a_truncated_big_json_is_quarantined_by_the_pipeline_and_a_good_one_loads(chiso_data):
    """Through the parse step's child process, as the DAG runs it: the streamed export loads, row for row as
    its CSV; the truncated one is quarantined with the malformed/truncated message."""
    import chiso_sample as sample
    from chiso import settings
    from chiso_sample.dossier_json import write_dossier_json
    from ingest_steps import ingest, query

    sample.generate(chiso_data.parent / "sample", seed=6, provinces=1, start="2025-07", end="2025-07",
                    dossiers_per_month=3000, documents_per_month=5)
    csv_file = next((chiso_data.parent / "sample" / "motcua").rglob("hoso_*.csv"))
    good = settings.incoming_dir() / "motcua" / "04" / "hoso_04_2025-07.json"
    n = write_dossier_json(csv_file, good, page_size=500)
    bad = good.with_name("hoso_04_2025-06.json")
    raw = _big_export()
    bad.write_bytes(raw[: len(raw) * 2 // 3])
    results = {Path(b.file_name).name: b for b in ingest("motcua")}
    assert results[good.name].status == "loaded", results[good.name].error
    assert results[good.name].rows_read == n == query("select count(*) from raw.motcua_dossier")[0][0]
    b = results[bad.name]
    assert b.status == "quarantined"
    assert "malformed or truncated JSON" in b.error and bad.name in b.error and "premature end" in b.error
    assert b.row_errors[0]["expected"] == "well-formed JSON"


# ------------------------------------------------------------------------------------------- same errors


def _old_error(path: Path) -> ParseError:
    with pytest.raises(ParseError) as ei:
        dossier._parse_json_whole(path)
    return ei.value


def _new_error(path: Path) -> ParseError:
    jsonstream._cache.clear()
    with pytest.raises(ParseError) as ei:
        dossier.parse_dossier_json(path)
    return ei.value


SAME_ERRORS = {
    "empty": b"",
    "blank": b"  \n\t\r\x0c ",
    "a byte-order mark and blanks": b"\xef\xbb\xbf \n",
    "not UTF-8": '{"content": [{"code": "A", "name": "Tư pháp"}]}'.encode("cp1258"),
    "not UTF-8, last byte cut": '{"content": [{"code": "Sở'.encode()[:-1],
    "not UTF-8 after malformed JSON": b'{"content": [} "\xe9"]}',
    "no dossiers": b'{"content": []}',
    "no pages": b'{"pages": []}',
    "pages an empty object": b'{"pages": {}}',
    "pages an object": b'{"pages": {"content": [1]}}',
    "pages a string": b'{"pages": "abc"}',
    "a page without content": b'{"pages": [{"content": [{"code": "A"}]}, {"items": []}]}',
    "a page not an object": b'{"pages": [{"content": [{"code": "A"}]}, 7]}',
    "content an object": b'{"content": {"code": "A"}}',
    "content null": b'{"content": null, "total": 0}',
    "data content a string": b'{"data": {"content": "none"}}',
    "list with a non-page": b'[{"content": [{"code": "A"}]}, {"x": 1}]',
    "empty list": b"[]",
    "list of numbers": b"[1, 2, 3]",
    "a string": b'"content"',
    "other keys": b'{"a": 1, "b": {"content": []}, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "a": 2}',
    "data without content, content beside it": b'{"data": {"items": []}, "content": [1, {"code": "B"}]}',
}


@pytest.mark.parametrize("kind", list(SAME_ERRORS))
def test_the_errors_are_those_of_the_whole_document_reading(chiso_data, tmp_path, kind):
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_bytes(SAME_ERRORS[kind])
    try:
        old = dossier._parse_json_whole(path)
    except ParseError as e:
        new = _new_error(path)
        assert (new.file, new.error) == (e.file, e.error)
        if kind in ("empty", "blank", "a byte-order mark and blanks"):
            assert new.error.message == "empty file", "a byte-order mark and blanks hold no document either"
    else:  # the file parses: the same rows
        _same(dossier.parse_dossier_json(path), old)


def test_malformed_json_keeps_its_message_and_says_where(chiso_data, tmp_path):
    path = tmp_path / "hoso_04_2023-01.json"
    for text, where in ((b'{"content": [{"a": 1}', "line 1 column 22"),
                        (b'{"content": [{"a": "abc', "line 1 column 24"),
                        (b'\xef\xbb\xbf{"content":\n [{"a": tru}]}', "line 2 column 12"),
                        (b'{"content": [{"a": 1}]} x', "line 1 column 25"),
                        (b'{"content": [{"a": "x\x01"}]}', "line 1 column 22")):
        path.write_bytes(text)
        old, new = _old_error(path), _new_error(path)
        assert old.error.message == new.error.message == "malformed or truncated JSON"
        assert old.error.expected == new.error.expected == "well-formed JSON"
        assert new.error.found.endswith(where), (text, new.error.found)


def test_a_bad_byte_is_named_with_its_offset_in_the_file(chiso_data, tmp_path):
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_bytes(b'\xef\xbb\xbf{"content": [{"code": "\xff"}]}')
    assert _new_error(path).error.found == "byte 0xFF at offset 26"  # json.loads: 23, the BOM not counted
    path.write_bytes(b'{"content": [{"code": "' + "é".encode() * 300_000 + b'\xc3"}]}')  # a sequence cut by a read
    assert _new_error(path).error.found == f"byte 0xC3 at offset {23 + 600_000}"


@pytest.mark.parametrize("text", [
    b'{"content": [{"code": "A", "fee": NaN, "supplementWaitDays": Infinity}, {"code": "B", "fee": -Infinity}]}',
    b'{"content": [{"code": "A", "fee": 123456789012345678901234567890}]}',
    b'{"content": [{"code": "A", "supplementWaitDays": 1e400}]}',
    b'{"content": [{"code": "A"}], "content": [{"code": "B"}, {"code": "C"}]}',
    b'{"content.item": {"code": "X"}, "content": [{"code": "A"}]}',
    b'[{"content": [{"code": "A"}], "content.item": 1}]',
    b'{"data": {"content": [{"code": "A"}]}, "data": {"content": [{"code": "B"}]}}',
])
def test_what_the_stream_cannot_read_as_json_loads_does_is_read_whole(chiso_data, tmp_path, text):
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_bytes(text)
    assert jsonstream.scan(path).fallback
    assert detect_mod.detect(path) == "motcua-dossier-json"
    _same(dossier.parse_dossier_json(path), dossier._parse_json_whole(path))


def test_the_file_changing_between_the_two_readings_is_an_error(chiso_data, tmp_path, monkeypatch):
    path = tmp_path / "hoso_04_2023-01.json"
    path.write_text(json.dumps(_pages(_items(2000), 400), ensure_ascii=False), encoding="utf-8")
    plan = dossier._json_plan
    monkeypatch.setattr(dossier, "_json_plan", lambda p, sk: (plan(p, sk)[0], plan(p, sk)[1] + 1))
    monkeypatch.setattr(dossier, "_JSON_BATCH", 300)
    with pytest.raises(ParseError) as ei:  # raised in DuckDB's thread, reported as itself
        dossier.parse_dossier_json(path, out_dir=tmp_path)
    assert "changed while it was read" in str(ei.value)
    assert not list(tmp_path.glob("motcua_dossier.parquet*"))


DETECT = {
    b'{"code": "OK", "data": {"parent": {}, "children": []}}': "dvc-766-json",
    b'{"data": {"overview": {}, "evaluation": []}}': "dvc-766-json",
    b'{"data": {"items": [], "pagination": {}}}': "dvc-formalities-json",
    b'{"data": {"content": []}}': "motcua-dossier-json",
    b'{"pages": 3}': "motcua-dossier-json",
    b'[{"content": 1}, {"content": []}]': "motcua-dossier-json",
    b'[{"content": 1}, 2]': None,
    b"[]": None,
    b'{"data": [], "items": 1}': None,
    b'{"data": {"parent": 1}}': None,
    b"": "empty",
    b"\xef\xbb\xbf \n": "empty",
    b'{"a": "\xe9"}': "not UTF-8",
    b'{"a": [}': "malformed",
    b"[" * 3000 + b"]" * 3000: "nested",
}


@pytest.mark.parametrize("text", list(DETECT))
def test_detection_decides_as_before(tmp_path, text):
    path = tmp_path / "export.json"
    path.write_bytes(text)

    def outcome(fn):
        try:
            return fn(path)
        except ParseError as e:
            return e.error.message, e.error.expected, e.error.row is not None

    jsonstream._cache.clear()
    new = outcome(detect_mod._json_format)
    old = outcome(detect_mod._json_format_whole)
    assert new == old
    want = DETECT[text]
    assert want == new or (isinstance(new, tuple) and want in new[0])
