"""Workbooks typed with legacy Vietnamese fonts (TCVN3 / ABC: .VnTime, .VnTimeH; VNI-Windows: VNI-Times).

Many offices still fill Biểu 06 and registers in templates typed with these fonts. The cells then hold
Latin-1 characters that only the font turns into Vietnamese: "Tæng céng" (TCVN3) or "Toång coäng" (VNI) for
"Tổng cộng". The workbook's charset is detected once from a sample of its text (``detect_charset``) before the
header is looked for, and every text cell is converted (``to_unicode``), so that the parsers see the Unicode
form. The character tables and the evidence rule are chiso.sources.normalize's (``from_tcvn3``,
``from_vni``, ``detect_legacy``); this module adds what a whole workbook needs:

* one decision for the workbook, not per cell: a short cell ("Sè", "STT") gives too little evidence alone;
* upper-case toned letters as converters write them. TCVN3 has none: they come either as the lower-case toned
  code alone (the .VnTimeH font draws it upper-case) or as the upper-case base letter followed by the
  lower-case toned code ("T¤æNG" for "TỔNG", "Aµ" for "À"). The pair is merged into one upper-case letter, and
  a toned letter in an otherwise upper-case cell or word (at least two upper-case letters: "TØNH" -> "TỈNH",
  but "Së" -> "Sở") is upper-cased. VNI writes "Á" as "AÙ"; some converters put the lower-case mark after the
  upper-case base ("Aù"), and some write "ỷ" as a lone "ë": both are read as meant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from chiso.sources.normalize import detect_legacy, from_tcvn3, from_vni

TCVN3 = "tcvn3"
VNI = "vni"

# grave, acute, hook above, tilde, dot below, as combining marks
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
# VNI: an upper-case base (A, E, I, O, U, Y, and Ô = Ơ, Ö = Ư) followed by a lower-case mark character
_VNI_LOWER_MARK_AFTER_UPPER = re.compile("([AEIOUYÔÖ])([ùøûõïâáàåãäêéèúüë])")
# VNI: a lone ë (not the breve's dot below after a / A) is ỷ for some converters
_VNI_LONE_E_DIAERESIS = re.compile("(?<![aA])([ëË])")


def _strip_tone(letter: str) -> str:
    """The letter without its tone mark (the circumflex, breve and horn stay): "ấ" -> "â"."""
    decomposed = unicodedata.normalize("NFD", letter)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))


def _tcvn3_upper_case(text: str) -> str:
    """Upper-case toned letters as TCVN3 converters write them: "Aµ" / "¢Ê" (upper-case base, then the toned
    lower-case letter of the same base) merged into one letter, and a toned lower-case letter in an otherwise
    upper-case word (the .VnTimeH way) upper-cased."""
    chars = list(text)
    merged: list[str] = []
    for ch in chars:
        if (
            merged
            and merged[-1].isupper()
            and ch.islower()
            and ch != _strip_tone(ch)
            and _strip_tone(ch) == merged[-1].lower()
        ):
            merged[-1] = ch.upper()
            continue
        merged.append(ch)
    text = "".join(merged)

    def toned_only(lower: list[str]) -> bool:
        return all(c != _strip_tone(c) or c in "ăâêôơưđ" for c in lower)

    letters = [c for c in text if c.isalpha()]
    if sum(c.isupper() for c in letters) >= 2 and toned_only([c for c in letters if c.islower()]):
        return text.upper()  # an upper-case cell: "§¥N VÞ" -> "ĐƠN VỊ"
    fixed = []
    for word in text.split(" "):
        letters = [c for c in word if c.isalpha()]
        lower = [c for c in letters if c.islower()]
        if sum(c.isupper() for c in letters) >= 2 and lower and toned_only(lower):
            word = word.upper()
        fixed.append(word)
    return " ".join(fixed)


def to_unicode(text: str, charset: str) -> str:
    """``text`` typed in ``charset`` (TCVN3 or VNI) as Unicode (NFC)."""
    if charset == TCVN3:
        return unicodedata.normalize("NFC", _tcvn3_upper_case(from_tcvn3(text)))
    text = _VNI_LOWER_MARK_AFTER_UPPER.sub(lambda m: m.group(1) + m.group(2).upper(), text)
    text = _VNI_LONE_E_DIAERESIS.sub(lambda m: "ỷ" if m.group(1) == "ë" else "Ỷ", text)
    return from_vni(text)


def detect_charset(texts: Iterable[str]) -> str | None:
    """TCVN3 or VNI when the sample (the text cells of a workbook's first rows) is typed in that legacy charset,
    by the evidence rule of chiso.sources.normalize.detect_legacy over the whole sample; None for Unicode (or
    plain ASCII)."""
    return detect_legacy("\n".join(t for t in texts if t))


def convert_rows(rows: Iterable[tuple[Any, ...]], charset: str) -> Iterator[tuple[Any, ...]]:
    """Rows of cell values with every text cell converted from ``charset``."""
    for row in rows:
        yield tuple(to_unicode(v, charset) if isinstance(v, str) else v for v in row)
