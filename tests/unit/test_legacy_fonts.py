"""Workbooks typed with legacy Vietnamese fonts (TCVN3, VNI-Windows) parse exactly like their Unicode form.

The legacy copies in tests/fixtures/legacy-fonts were converted by an independent converter (the npm package
vietnamese-conversion, see the README there), not by chiso."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chiso import sources
from chiso.sources.legacy_fonts import TCVN3, VNI, detect_charset, to_unicode
from chiso.sources.workbook import open_workbook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "legacy-fonts"
WORKBOOKS = ["bieu06_04_2025-08", "sovanban_04_2025-08"]


@pytest.mark.parametrize("charset", [TCVN3, VNI])
@pytest.mark.parametrize("base", WORKBOOKS)
def test_legacy_workbook_parses_like_its_unicode_form(base, charset, tmp_path):
    unicode_path = FIXTURES / f"{base}.xlsx"
    # a neutral file name: the format is recognised from the (converted) labels, not from the name
    legacy_path = tmp_path / "export.xlsx"
    shutil.copyfile(FIXTURES / f"{base}_{charset}.xlsx", legacy_path)
    assert sources.detect(legacy_path) == sources.detect(unicode_path)
    expected = sources.parse(unicode_path)
    got = sources.parse(legacy_path)
    assert got.main_dataset == expected.main_dataset
    assert not got.rejects
    for dataset, table in expected.tables.items():
        assert table.num_rows > 0
        assert got.tables[dataset].to_pylist() == table.to_pylist(), dataset


@pytest.mark.parametrize(("suffix", "charset"), [("", None), ("_tcvn3", TCVN3), ("_vni", VNI)])
def test_workbook_charset_is_detected(suffix, charset):
    wb = open_workbook(FIXTURES / f"bieu06_04_2025-08{suffix}.xlsx")
    try:
        assert wb.legacy_charset() == charset
        first = next(iter(wb.worksheets[0].iter_rows(values_only=True, max_row=1)))
        assert first[0] == "Biểu số 06/VPCP/KSTT"
    finally:
        wb.close()


def test_tcvn3_upper_case_letters_both_ways():
    # by hand from the TCVN3 table: the upper-case base + lower-case toned letter, and the .VnTimeH way (the
    # lower-case toned code inside an upper-case word)
    assert to_unicode("T¤æNG CéNG", TCVN3) == "TỔNG CỘNG"
    assert to_unicode("UBND TØNH Th¸i Nguyªn", TCVN3) == "UBND TỈNH Thái Nguyên"
    assert to_unicode("Aµ ¢Ê §¥N VÞ", TCVN3) == "À Ấ ĐƠN VỊ"
    assert to_unicode("Së T\u00ad ph¸p", TCVN3) == "Sở Tư pháp"


def test_vni_upper_case_letters_both_ways():
    assert to_unicode("ÑÔN VÒ", VNI) == "ĐƠN VỊ"
    assert to_unicode("AÙ Aù aù", VNI) == "Á Á á"
    assert to_unicode("Söï kieän cuûa ngöôøi", VNI) == "Sự kiện của người"


def test_unicode_and_ascii_text_are_left_alone():
    assert detect_charset(["Tổng cộng", "Sở Tư pháp", "STT", "123"]) is None
    assert detect_charset(["STT", "Total"]) is None
    assert detect_charset(["Tæng céng", "Së T\u00ad ph¸p"]) == TCVN3
    assert detect_charset(["Toång coäng", "Sôû Tö phaùp"]) == VNI
