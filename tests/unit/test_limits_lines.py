"""The line-length limit finds the first line over the limit wherever the chunks of the read cut it, and costs
one pass over the bytes (a regex over a 90 MB export took 17 s: it rescanned every line from each byte)."""

from __future__ import annotations

import random

import pytest
from chiso.sources import limits


def _reference(data: bytes, limit: int) -> int | None:
    return next((i for i, line in enumerate(data.split(b"\n"), 1) if len(line) > limit), None)


@pytest.mark.parametrize("seed", range(40))
def test_first_long_line_matches_a_line_by_line_reading(seed, tmp_path, monkeypatch):
    rng = random.Random(seed)
    monkeypatch.setattr(limits, "_CHUNK", rng.choice([7, 16, 64, 1000]))
    limit = rng.choice([5, 20, 100])
    lines = [b"x" * rng.choice([0, 1, limit - 1, limit, limit + 1, 3 * limit, rng.randrange(2 * limit)])
             for _ in range(rng.randrange(1, 60))]
    data = b"\n".join(lines) + rng.choice([b"", b"\n"])
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert limits._first_long_line(path, limit) == _reference(data, limit)


def test_a_long_line_is_refused_with_its_number(tmp_path, monkeypatch):
    monkeypatch.setenv("CHISO_MAX_LINE_KB", "1")
    path = tmp_path / "hoso_04_2025-07.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 500 + b"3," + b"9" * 2000 + b"\n4,5\n")
    with pytest.raises(limits.ParseError) as err:
        limits.check_lines(path)
    assert err.value.error.row == 502 and "line 502" in str(err.value)
