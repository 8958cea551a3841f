"""chiso.sources.normalize: text keys, legacy encodings, numbers and dates."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from chiso.sources.normalize import (
    ValueParseError,
    ascii_key,
    canonical_tones,
    code_text,
    detect_legacy,
    fix_legacy,
    from_tcvn3,
    from_vni,
    infer_ratio_scale,
    map_value,
    match_key,
    nfc,
    parse_count,
    parse_date_vn,
    parse_decimal,
    parse_percent,
    parse_timestamp_vn,
    ratio_to_percent,
)


def test_nfc_composes_nfd():
    nfd = unicodedata.normalize("NFD", "Bảo Thắng")
    assert nfd != "Bảo Thắng"
    assert nfc(nfd) == "Bảo Thắng"
    assert nfc(None) is None


@pytest.mark.parametrize(
    "new, old",
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("khoẻ", "khỏe"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Uỷ ban", "Ủy ban"),
    ],
)
def test_canonical_tones_old_style(new, old):
    assert canonical_tones(new) == old
    assert canonical_tones(old) == old


@pytest.mark.parametrize("word", ["hoàn", "quý", "khuỷu", "hoài", "thuyền", "quà", "hòa"])
def test_canonical_tones_leaves_other_rhymes(word):
    assert canonical_tones(word) == word


def test_tcvn3_examples_from_domain():
    assert detect_legacy("B¶o Th¾ng") == "tcvn3"
    assert from_tcvn3("B¶o Th¾ng") == "Bảo Thắng"
    # soft hyphen (ư) present, and lost in copy-paste: both repaired
    assert from_tcvn3("M\xadêng Kh\xad¬ng") == "Mường Khương"
    assert from_tcvn3("Mêng Kh¬ng") == "Mường Khương"
    assert from_tcvn3("Hµ Néi") == "Hà Nội"
    assert from_tcvn3("Kh¸nh Hßa") == "Khánh Hòa"


def test_vni_examples():
    assert detect_legacy("Xin chaøo caùc baïn") == "vni"
    assert from_vni("Xin chaøo caùc baïn") == "Xin chào các bạn"
    assert from_vni("Thaønh phoá Hoà Chí Minh") == "Thành phố Hồ Chí Minh"
    assert from_vni("Ñaø Naüng") == "Đà Nẵng"
    assert from_vni("Tröôøng") == "Trường"
    assert from_vni("Vieät Nam") == "Việt Nam"


@pytest.mark.parametrize(
    "text", ["Khánh Hòa", "Khánh Hoà", "Hà Nội", "Bảo Thắng", "hello", "Thành phố Huế", ""]
)
def test_detect_legacy_leaves_unicode_alone(text):
    assert detect_legacy(text) is None
    assert fix_legacy(text) == nfc(text)


def test_match_keys_identical_across_variants():
    variants = [
        "Khánh Hòa",
        "Khánh Hoà",
        unicodedata.normalize("NFD", "Khánh Hoà"),
        "Kh¸nh Hßa",  # TCVN3
        "Khaùnh Hoøa",  # VNI
        "  TỈNH KHÁNH HÒA  ",
        "UBND tỉnh Khánh Hòa",
        "Ủy ban nhân dân Tỉnh Khánh Hoà",
        "Uỷ ban nhân dân tỉnh Khánh Hòa (56)",
    ]
    keys = {match_key(v) for v in variants}
    assert keys == {"khánh hòa"}
    assert {ascii_key(v) for v in variants} == {"khanh hoa"}


def test_match_key_unit_noise():
    assert match_key("Quận Ba Đình (001)") == "ba đình"
    assert match_key("Văn phòng UBND Tỉnh - Tỉnh Phú Thọ") == "văn phòng ủy ban nhân dân tỉnh"
    assert match_key("Sở Tư pháp - Tỉnh Phú Thọ") == match_key("SỞ TƯ PHÁP")
    assert match_key("TP. Cần Thơ") == match_key("Thành phố Cần Thơ") == "cần thơ"
    assert match_key("Huyện Bảo Thắng") == match_key("B¶o Th¾ng") == "bảo thắng"
    assert match_key("Thị xã Quảng Yên") == "quảng yên"
    assert match_key("Phường  Hợp   Giang ") == "hợp giang"
    assert match_key(None) is None
    assert ascii_key("Đồng Tháp") == "dong thap"


def test_numbers():
    assert parse_count("1.497") == 1497
    assert parse_count("2.650") == 2650
    assert parse_count("1 234 567") == 1234567
    assert parse_count(42) == 42
    assert parse_count(42.0) == 42
    assert parse_count("") is None
    assert parse_decimal("72,58") == 72.58
    assert parse_decimal("1.234,5") == 1234.5
    assert parse_decimal("24,14") == 24.14
    assert parse_percent("72,58%") == 72.58
    assert parse_percent("24,14 %") == 24.14
    assert parse_percent("42,4") == 42.4


@pytest.mark.parametrize("bad", ["93,%", "93,", ",5%", "abc%", "1,2,3"])
def test_damaged_percent_rejected(bad):
    with pytest.raises(ValueParseError) as e:
        parse_percent(bad)
    assert bad in str(e.value) and "expected" in str(e.value)


@pytest.mark.parametrize("bad", ["1,5", "12a", "1.23", 1.5])
def test_bad_counts_rejected(bad):
    with pytest.raises(ValueParseError):
        parse_count(bad)


def test_ratio_scales():
    assert infer_ratio_scale([0.5, 0.7239, None]) == "fraction"
    assert infer_ratio_scale([72.58, 0.5]) == "percent"
    assert ratio_to_percent(0.7258, "fraction") == pytest.approx(72.58)
    assert ratio_to_percent(72.58, "percent") == 72.58
    assert ratio_to_percent(None, "percent") is None
    with pytest.raises(ValueParseError):
        ratio_to_percent(72.58, "fraction")


def test_dates():
    assert parse_date_vn("15/01/2023") == date(2023, 1, 15)
    assert parse_date_vn("5/1/2023") == date(2023, 1, 5)
    assert parse_date_vn("2023-01-15") == date(2023, 1, 15)
    assert parse_timestamp_vn("15/01/2023 08:42:10") == datetime(2023, 1, 15, 8, 42, 10)
    assert parse_timestamp_vn("15/01/2023") == datetime(2023, 1, 15)
    assert parse_date_vn("") is None


@pytest.mark.parametrize(
    "bad", ["31/02/2023", "29/02/2023", "2023/01/15", "01/15/2023", "15/01/23", "Jan 15 2023"]
)
def test_bad_dates_rejected(bad):
    with pytest.raises(ValueParseError):
        parse_date_vn(bad)


def test_bad_timestamp_rejected():
    with pytest.raises(ValueParseError):
        parse_timestamp_vn("15/01/2023 25:00:00")


def test_codes_keep_leading_zeros():
    assert code_text(4, width=2) == "04"
    assert code_text("00004") == "00004"
    assert code_text(4.0, width=5) == "00004"
    assert code_text(None) is None


def test_map_value_tolerates_case_tone_and_nfd():
    m = {"Tối mật": "top_secret", "Hòa giải": "x"}
    assert map_value("TỐI MẬT", m, "x") == "top_secret"
    assert map_value(unicodedata.normalize("NFD", "Hoà giải "), m, "x") == "x"
    with pytest.raises(ValueParseError):
        map_value("Khác", m, "one of Tối mật")
