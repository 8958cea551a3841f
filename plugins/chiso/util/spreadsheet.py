"""Text cells written for people (CSV or XLSX exports a person opens in a spreadsheet program).

Text that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return before one) is run as a formula by
Excel and LibreOffice: a dossier field holding ``=HYPERLINK(...)`` would become a live link or worse. The data
keeps such text as it was received; :func:`neutralise` is applied only where chiso writes a spreadsheet or a CSV
for people: the text is prefixed with an apostrophe, which the programs show as text. Numbers are not text and
pass unchanged (a negative count stays a number).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: formula-like text prefixed with ``'``; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [neutralise(v) for v in row]
