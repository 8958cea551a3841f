"""A text export in a wide encoding is named as such (with or without its byte-order mark, either byte order);
NUL bytes in any other text export are binary content."""

from __future__ import annotations

import pytest
from chiso.sources import limits
from chiso.sources.base import ParseError

TEXT = "MaHoSo,NgayTiepNhan,TrangThai\nH04.01-250520-0002,2025-05-20,Đã trả kết quả\n" * 20


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (TEXT.encode("utf-16"), "UTF-16 LE text (byte-order mark FF FE)"),
        (TEXT.encode("utf-16-le"), "UTF-16 LE text without a byte-order mark"),
        (TEXT.encode("utf-16-be"), "UTF-16 BE text without a byte-order mark"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "UTF-16 BE text (byte-order mark FE FF)"),
        (TEXT.encode("utf-32"), "UTF-32 LE text (byte-order mark FF FE 00 00)"),
        (TEXT.encode() + b"\x00\x01\x02" + TEXT.encode(), "a NUL byte at offset"),
    ],
)
def test_a_wide_or_binary_text_export_is_named(tmp_path, data, found):
    path = tmp_path / "hoso_04_2025-05.csv"
    path.write_bytes(data)
    with pytest.raises(ParseError) as refused:
        limits.check_text_encoding(path)
    assert refused.value.error.expected == "UTF-8 text"
    assert refused.value.error.found.startswith(found)


def test_utf8_with_vietnamese_letters_passes(tmp_path):
    path = tmp_path / "hoso_04_2025-05.csv"
    path.write_bytes(TEXT.encode())
    limits.check_text_encoding(path)
