"""Formula-like text is neutralised where chiso writes cells for people; data and numbers are kept."""

from __future__ import annotations

import csv
import io

import pytest
from chiso.util.spreadsheet import neutralise, neutralise_row


@pytest.mark.parametrize(
    "text", ["=1+1", "+84912345678", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=1", "\r=1"]
)
def test_formula_like_text_becomes_text(text):
    out = neutralise(text)
    assert out == "'" + text and out[1:] == text, "the text is kept, only prefixed"


@pytest.mark.parametrize("value", ["Sở Nội vụ", "", "12", 12, -3, 1.5, None, "a=b"])
def test_other_values_pass_unchanged(value):
    assert neutralise(value) == value


def test_a_csv_row_written_for_people_opens_as_text():
    buf = io.StringIO()
    csv.writer(buf).writerow(neutralise_row(["=cmd|' /C calc'!A0", "Sở Tư pháp", -4]))
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == ["'=cmd|' /C calc'!A0", "Sở Tư pháp", "-4"]
