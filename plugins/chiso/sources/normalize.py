"""Text, number and date normalisation for Vietnamese exports.

Text
  * :func:`nfc` — Unicode NFC (NFD comes from macOS and some vendors).
  * :func:`canonical_tones` — one tone placement. We use the **old style** ("hòa", "thủy", "khỏe"): in the
    open rhymes *oa*, *oe*, *uy* (no final consonant/vowel after them, and *uy* not after *q*) the tone mark
    sits on the first vowel. That is how official unit lists spell names (Khánh Hòa, Thanh Hóa, Hòa Bình).
    "hoà" → "hòa", "thuỷ" → "thủy", "Khánh Hoà" → "Khánh Hòa"; "hoàn", "quý", "khuỷu" are unchanged.
  * :func:`match_key` — key for joining unit names across sources (see its docstring).
  * :func:`ascii_key` — accent-free key (đ → d).
  * Legacy 8-bit encodings read as Latin-1/cp1252 text: :func:`detect_legacy`, :func:`from_tcvn3`
    (TCVN 5712:1993 "VN3" / ABC, fonts ``.VnTime``), :func:`from_vni` (VNI-Windows). Both tables are here.

Numbers (Vietnamese separators: thousands dot, decimal comma)
  :func:`parse_count`, :func:`parse_decimal`, :func:`parse_percent`, :func:`ratio_to_percent`,
  :func:`infer_ratio_scale`, :func:`code_text`. Bad values raise :class:`ValueParseError` (a ``ValueError``)
  that says what was expected and what was found; damaged values ("93,%") are rejected, never guessed.

Dates — always day first: :func:`parse_date_vn`, :func:`parse_timestamp_vn`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

__all__ = [
    "ValueParseError",
    "ascii_key",
    "canonical_tones",
    "code_text",
    "detect_legacy",
    "fix_legacy",
    "from_tcvn3",
    "from_vni",
    "infer_ratio_scale",
    "map_value",
    "match_key",
    "nfc",
    "parse_count",
    "parse_date_vn",
    "parse_decimal",
    "parse_percent",
    "parse_timestamp_vn",
    "ratio_to_percent",
]


class ValueParseError(ValueError):
    """A single value could not be parsed: ``expected`` and ``found`` say why."""

    def __init__(self, expected: str, found: object, message: str = "") -> None:
        self.expected = expected
        self.found = "" if found is None else str(found)
        self.message = message
        super().__init__(f"expected {expected}, found {self.found!r}" + (f" ({message})" if message else ""))


# --------------------------------------------------------------------------------------------------- text

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_TONE = f"[{_TONES}]"
# "oa", "oe", "uy" at the end of a syllable with the tone on the second vowel (new style) -> first vowel
_NEW_STYLE_UY = re.compile(rf"(?<![qQ])([uU])([yY])({_TONE})(?![\w\u0300-\u036f])")
_NEW_STYLE_OA = re.compile(rf"([oO])([aAeE])({_TONE})(?![\w\u0300-\u036f])")


def nfc(text: str | None) -> str | None:
    """NFC-normalise (None stays None)."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", str(text))


def canonical_tones(text: str | None) -> str | None:
    """Return NFC text with old-style tone placement (hoà → hòa, thuỷ → thủy, khoẻ → khỏe)."""
    if text is None:
        return None
    d = unicodedata.normalize("NFD", str(text))
    d = _NEW_STYLE_OA.sub(r"\1\3\2", d)
    d = _NEW_STYLE_UY.sub(r"\1\3\2", d)
    return unicodedata.normalize("NFC", d)


_WS = re.compile(r"\s+")
_BRACKET_CODE = re.compile(r"[\(\[]\s*[\w.\-/]*\d[\w.\-/]*\s*[\)\]]")
_PROVINCE_SUFFIX = re.compile(r"\s*[-–—,]\s*(tỉnh|thành phố|tp\.?)\s+[^-–—,]+$")
_UNIT_PREFIXES = (
    "ủy ban nhân dân",
    "tỉnh",
    "thành phố",
    "tp.",
    "tp",
    "huyện",
    "quận",
    "thị xã",
    "thị trấn",
    "xã",
    "phường",
    "đặc khu",
)
_UBND = re.compile(r"\bubnd\b\.?")


def match_key(name: str | None) -> str | None:
    """Key for matching unit names across sources.

    Repairs legacy TCVN3/VNI text, NFC, old-style tones, lowercase, collapses whitespace; drops codes in
    brackets ("(001)"), a trailing province suffix (" - Tỉnh Phú Thọ"), and leading unit words: "UBND" /
    "Ủy ban nhân dân", "Tỉnh", "Thành phố", "TP.", "Huyện", "Quận", "Thị xã", "Thị trấn", "Xã", "Phường",
    "Đặc khu" (repeatedly: "UBND tỉnh Phú Thọ" → "phú thọ"). "UBND" inside a name becomes
    "ủy ban nhân dân" ("Văn phòng UBND tỉnh" → "văn phòng ủy ban nhân dân tỉnh").
    """
    if name is None:
        return None
    s = fix_legacy(str(name))
    s = canonical_tones(s).lower()
    s = _WS.sub(" ", s).strip()
    s = _BRACKET_CODE.sub(" ", s)
    s = _WS.sub(" ", s).strip()
    s = _PROVINCE_SUFFIX.sub("", s)
    s = _UBND.sub("ủy ban nhân dân", s)
    s = _WS.sub(" ", s).strip(" .,;:-–—")
    changed = True
    while changed:
        changed = False
        for p in _UNIT_PREFIXES:
            if s.startswith(p + " ") or (p.endswith(".") and s.startswith(p) and len(s) > len(p)):
                s = s[len(p) :].strip(" .,;:-–—")
                changed = True
                break
    return _WS.sub(" ", s).strip()


def ascii_key(name: str | None) -> str | None:
    """Accent-free lowercase key (đ → d), on top of :func:`match_key`."""
    if name is None:
        return None
    s = match_key(name)
    s = s.replace("đ", "d").replace("Đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return _WS.sub(" ", s).strip()


# --------------------------------------------------------------------------------------------------- legacy

# TCVN 5712:1993 (VN3 / "ABC"), code point -> character. Upper-case toned letters do not exist in VN3 (the
# ".VnTimeH" fonts draw the lower-case codes as capitals), so converted text has lower-case toned vowels.
TCVN3_TABLE: dict[int, str] = {
    0xA1: "Ă",
    0xA2: "Â",
    0xA3: "Ê",
    0xA4: "Ô",
    0xA5: "Ơ",
    0xA6: "Ư",
    0xA7: "Đ",
    0xA8: "ă",
    0xA9: "â",
    0xAA: "ê",
    0xAB: "ô",
    0xAC: "ơ",
    0xAD: "ư",
    0xAE: "đ",
    0xB5: "à",
    0xB6: "ả",
    0xB7: "ã",
    0xB8: "á",
    0xB9: "ạ",
    0xBB: "ằ",
    0xBC: "ẳ",
    0xBD: "ẵ",
    0xBE: "ắ",
    0xC6: "ặ",
    0xC7: "ầ",
    0xC8: "ẩ",
    0xC9: "ẫ",
    0xCA: "ấ",
    0xCB: "ậ",
    0xCC: "è",
    0xCE: "ẻ",
    0xCF: "ẽ",
    0xD0: "é",
    0xD1: "ẹ",
    0xD2: "ề",
    0xD3: "ể",
    0xD4: "ễ",
    0xD5: "ế",
    0xD6: "ệ",
    0xD7: "ì",
    0xD8: "ỉ",
    0xDC: "ĩ",
    0xDD: "í",
    0xDE: "ị",
    0xDF: "ò",
    0xE1: "ỏ",
    0xE2: "õ",
    0xE3: "ó",
    0xE4: "ọ",
    0xE5: "ồ",
    0xE6: "ổ",
    0xE7: "ỗ",
    0xE8: "ố",
    0xE9: "ộ",
    0xEA: "ờ",
    0xEB: "ở",
    0xEC: "ỡ",
    0xED: "ớ",
    0xEE: "ợ",
    0xEF: "ù",
    0xF1: "ủ",
    0xF2: "ũ",
    0xF3: "ú",
    0xF4: "ụ",
    0xF5: "ừ",
    0xF6: "ử",
    0xF7: "ữ",
    0xF8: "ứ",
    0xF9: "ự",
    0xFA: "ỳ",
    0xFB: "ỷ",
    0xFC: "ỹ",
    0xFD: "ý",
    0xFE: "ỵ",
}
_TCVN3_TRANS = {k: v for k, v in TCVN3_TABLE.items()}
# "ư" is 0xAD, the soft hyphen: copy-paste often drops it ("Mêng Kh¬ng" for "M­êng Kh­¬ng"). The rhymes
# ơng/ơc/ơu do not exist in Vietnamese, only ương/ước/ươu, so the lost ư is restored there.
_LOST_U = re.compile(r"(?<![ưƯ])([ơờởỡớợ])(?=(ng|c|u)(?![a-zà-ỹ]))")

# VNI-Windows: a base letter followed by mark characters. Two-character sequences first.
_VNI_PAIRS: dict[str, str] = {}


def _build_vni() -> None:
    plain = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
    circ = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
    breve = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}

    def add(base: str, mark: str, combining: str) -> None:
        for b, m in ((base, mark), (base.upper(), mark.upper())):
            _VNI_PAIRS[b + m] = unicodedata.normalize("NFC", b + combining)

    for v in "aeiouy":
        for m, t in plain.items():
            add(v, m, t)
    for v in "aeo":
        for m, t in circ.items():
            add(v, m, "\u0302" + t)
    for m, t in breve.items():
        add("a", m, "\u0306" + t)
    # ơ = ô, ư = ö as single characters, with tones after them
    for base, horn in (("ô", "o\u031b"), ("ö", "u\u031b")):
        for m, t in plain.items():
            _VNI_PAIRS[base + m] = unicodedata.normalize("NFC", horn + t)
            _VNI_PAIRS[base.upper() + m.upper()] = unicodedata.normalize("NFC", horn.upper() + t)


_build_vni()
_VNI_SINGLE = {
    "ô": "ơ",
    "Ô": "Ơ",
    "ö": "ư",
    "Ö": "Ư",
    "ñ": "đ",
    "Ñ": "Đ",
    "í": "í",
    "ì": "ì",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
    "Í": "Í",
    "Ì": "Ì",
    "Æ": "Ỉ",
    "Ó": "Ĩ",
    "Ò": "Ị",
    "Î": "Ỵ",
}
_VNI_ALL = {**_VNI_SINGLE, **_VNI_PAIRS}
# one pass, pairs before single characters, so a converted letter is never converted again
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_ALL, key=len, reverse=True)))
_VNI_MARKS = set("ùøûõïâáàåãäêéèúüë") | set("ùøûõïâáàåãäêéèúüë".upper())
_VIET_SPECIFIC = re.compile(
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]"
)
_VIET_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_VNI_MARKS_STRONG = set("øûïåäëüØÛÏÅÄËÜ")
_VNI_SINGLE_STRONG = set("ñÑöÖæÆîÎ")


def detect_legacy(text: str | None) -> str | None:
    """Guess whether ``text`` is TCVN3 or VNI mojibake (8-bit text read as Latin-1/cp1252).

    Returns "tcvn3", "vni" or None (proper Unicode Vietnamese, plain ASCII, or not enough evidence).
    Only characters that never occur in Unicode Vietnamese count as evidence (e.g. "¶", "¾", "¬", "ø",
    "ï"); a VNI mark follows a vowel, a TCVN3 letter replaces it.
    """
    if not text:
        return None
    t = unicodedata.normalize("NFC", text)
    if _VIET_SPECIFIC.search(t):
        return None
    vni = tcvn = 0
    prev = ""
    for c in t:
        o = ord(c)
        if 0xA0 < o <= 0xFF and c not in _VIET_LATIN1 and c not in "×÷":
            if c in _VNI_MARKS_STRONG and prev and prev in "aeiouyAEIOUYôöÔÖ":
                vni += 1
            elif c in _VNI_SINGLE_STRONG:
                pass  # ư/đ/ỉ/ỵ in VNI, ử/ủ/ổ/ợ in TCVN3: no evidence either way
            elif o in TCVN3_TABLE or not c.isalpha():
                tcvn += 1
        prev = c
    if vni == 0 and tcvn == 0:
        return None
    return "vni" if vni > tcvn else "tcvn3"


def from_tcvn3(text: str | None) -> str | None:
    """Convert TCVN3 (ABC) text decoded as Latin-1/cp1252 to Unicode NFC."""
    if text is None:
        return None
    out = "".join(TCVN3_TABLE.get(ord(c), c) for c in text)
    out = _LOST_U.sub(lambda m: "ư" + m.group(1), out)
    return unicodedata.normalize("NFC", out)


def from_vni(text: str | None) -> str | None:
    """Convert VNI-Windows text decoded as Latin-1/cp1252 to Unicode NFC."""
    if text is None:
        return None
    out = _VNI_RE.sub(lambda m: _VNI_ALL[m.group(0)], text)
    return unicodedata.normalize("NFC", out)


def fix_legacy(text: str | None) -> str | None:
    """Convert ``text`` if :func:`detect_legacy` recognises a legacy encoding, else NFC it."""
    if text is None:
        return None
    kind = detect_legacy(text)
    if kind == "tcvn3":
        return from_tcvn3(text)
    if kind == "vni":
        return from_vni(text)
    return nfc(text)


# --------------------------------------------------------------------------------------------------- numbers

_INT_PLAIN = re.compile(r"^[+-]?\d+$")
_INT_DOTTED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_INT_SPACED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+$")
_DEC_VN = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DEC_POINT = re.compile(r"^[+-]?\d*\.\d+$")


def _clean(value: object) -> str:
    return str(value).strip().replace("\u00a0", " ")


def parse_count(value: object) -> int | None:
    """A non-fractional count: 1497, "1497", "1.497" (thousands dot), "1 497". Empty → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueParseError("a whole number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or not value.is_integer():
            raise ValueParseError("a whole number", value)
        return int(value)
    s = _clean(value)
    if s == "":
        return None
    if _INT_PLAIN.match(s):
        return int(s)
    if _INT_DOTTED.match(s):
        return int(s.replace(".", ""))
    if _INT_SPACED.match(s):
        return int(re.sub(r"\s", "", s))
    if re.match(r"^[+-]?\d+,0+$", s):
        return int(s.split(",")[0])
    raise ValueParseError("a whole number (thousands separator '.')", value)


def parse_decimal(value: object) -> float | None:
    """A decimal with Vietnamese separators: "72,58" → 72.58, "1.234,5" → 1234.5, "1.497" → 1497.0.

    A lone dot followed by other than three digits ("2.5") is read as a decimal point (machine output).
    Damaged values such as "93," or "," are rejected.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueParseError("a decimal number", value)
    if isinstance(value, (int, float)):
        return float(value)
    s = _clean(value).replace(" ", "")
    if s == "":
        return None
    if _INT_PLAIN.match(s):
        return float(s)
    if _INT_DOTTED.match(s):
        return float(s.replace(".", ""))
    if _DEC_VN.match(s):
        return float(s.replace(".", "").replace(",", "."))
    if _DEC_POINT.match(s):
        return float(s)
    raise ValueParseError("a decimal number with decimal comma (e.g. 72,58)", value)


def parse_percent(value: object) -> float | None:
    """A percentage on the 0–100 scale: "72,58%" → 72.58, "72,58" → 72.58. "93,%" is rejected."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    s = _clean(value)
    if s == "":
        return None
    if s.endswith("%"):
        s = s[:-1].strip()
    try:
        return parse_decimal(s)
    except ValueParseError:
        raise ValueParseError(
            "a percentage such as 72,58%", value, "damaged or malformed percentage"
        ) from None


def infer_ratio_scale(values: Iterable[float | None]) -> str:
    """ "fraction" if every non-null value lies in [0, 1], else "percent"."""
    vals = [v for v in values if v is not None]
    if vals and all(0 <= v <= 1 for v in vals):
        return "fraction"
    return "percent"


def ratio_to_percent(value: float | None, scale: str) -> float | None:
    """Unify a ratio to 0–100. ``scale`` is "fraction" (0–1, DTI, vendor code) or "percent" (0–100, API)."""
    if value is None:
        return None
    if scale == "fraction":
        if not -1e-9 <= value <= 1 + 1e-9:
            raise ValueParseError("a ratio between 0 and 1", value)
        return value * 100.0
    if scale == "percent":
        if not -1e-9 <= value <= 100 + 1e-9:
            raise ValueParseError("a percentage between 0 and 100", value)
        return float(value)
    raise ValueError(f"unknown ratio scale {scale!r}")


def code_text(value: object, width: int | None = None) -> str | None:
    """A code as text, leading zeros kept or restored: code_text(4, width=2) → "04"; 4.0 → "4"."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    s = str(value).strip()
    if s == "":
        return None
    if width and s.isdigit() and len(s) < width:
        s = s.zfill(width)
    return s


# --------------------------------------------------------------------------------------------------- dates

_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_TS_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date_vn(value: object, *, allow_iso: bool = True) -> date | None:
    """A day-first date "15/01/2023" (also 15-01-2023, 15.01.2023). ISO "2023-01-15" is accepted when
    ``allow_iso``; year-first with slashes, two-digit years and impossible dates (31/02/2023) are rejected."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = _clean(value)
    if s == "":
        return None
    m = _DATE_DMY.match(s)
    if m:
        d, mo, y = (int(x) for x in m.groups())
    else:
        m = _ISO_DATE.match(s) if allow_iso else None
        if not m:
            raise ValueParseError("a date dd/mm/yyyy", value)
        y, mo, d = (int(x) for x in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueParseError("a date dd/mm/yyyy", value, "impossible date") from None


def parse_timestamp_vn(value: object) -> datetime | None:
    """A day-first timestamp "15/01/2023 08:42:10" (seconds optional); a bare date means midnight."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    s = _clean(value)
    if s == "":
        return None
    m = _TS_DMY.match(s)
    if not m:
        if _DATE_DMY.match(s):
            d = parse_date_vn(s)
            return datetime(d.year, d.month, d.day)
        raise ValueParseError("a timestamp dd/mm/yyyy HH:MM:SS", value)
    d, mo, y, hh, mi, ss = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss or 0))
    except ValueError:
        raise ValueParseError("a timestamp dd/mm/yyyy HH:MM:SS", value, "impossible date or time") from None


@lru_cache(maxsize=65536)
def _vocabulary_form(text: str) -> str:
    """How a vocabulary wording is compared: NFC, old-style tones, lowercase, spaces collapsed, trimmed.
    Cached: an export repeats a handful of wordings on every row, and a mapping's keys on every call."""
    return _WS.sub(" ", canonical_tones(text).strip().lower())


def map_value(value: object, mapping: dict[str, str], expected: str) -> str | None:
    """Map a vocabulary value (compared on NFC, old-style tones, lowercase, trimmed). Empty → None."""
    if value is None:
        return None
    s = _vocabulary_form(str(value))
    if s == "":
        return None
    for k, v in mapping.items():
        if _vocabulary_form(k) == s:
            return v
    raise ValueParseError(expected, value)
