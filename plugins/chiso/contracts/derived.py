"""What is derived from the contracts, as pure functions (tools/sync_contracts.py writes it; tests check it):

- each quality suite's schema and domain expectations: the ordered column list of the parsed table, and one
  ``expect_column_values_to_be_in_set`` per column with a vocabulary, whose ``value_set`` is the vocabulary's
  codes (the suites' other expectations are written by hand);
- the raw layer's section of docs/FORMATS.md (tables, columns, types, meanings, keys, vocabularies).
"""

from __future__ import annotations

import copy
from typing import Any

from chiso.contracts import vocabularies
from chiso.contracts.loader import TABLES as LOADER_TABLES
from chiso.contracts.model import Table
from chiso.contracts.raw import BATCH_COLUMNS, DATASETS

ORDERED_COLUMNS = "expect_table_columns_to_match_ordered_list"
IN_SET = "expect_column_values_to_be_in_set"

FORMATS_BEGIN = "<!-- BEGIN raw layer: generated from chiso.contracts by tools/sync_contracts.py; do not edit -->"
FORMATS_END = "<!-- END raw layer -->"


def parsed_columns(dataset: str) -> list[str]:
    """The columns of a parsed table (what the gate validates): ``source_row``, then the dataset's own."""
    return ["source_row"] + DATASETS[dataset].column_names


def value_sets(dataset: str) -> dict[str, list[Any]]:
    """Column → the codes it may hold, for every column of the dataset with a vocabulary."""
    return {c.name: list(c.vocabulary.codes) for c in DATASETS[dataset].columns if c.vocabulary is not None}


def sync_suite(dataset: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The suite with its contract-derived expectations as the contracts state them: the ordered column list
    and the value set of every vocabulary column (an expectation is added where one is missing)."""
    spec = copy.deepcopy(spec)
    expectations = spec["expectations"]
    ordered = [e for e in expectations if e["type"] == ORDERED_COLUMNS]
    if ordered:
        ordered[0]["kwargs"]["column_list"] = parsed_columns(dataset)
    else:
        expectations.insert(0, {
            "type": ORDERED_COLUMNS, "kwargs": {"column_list": parsed_columns(dataset)},
            "meta": {"why": "Schema: the parsed table has exactly the raw layer's columns, in "
                             "order (chiso.contracts); anything else would load misaligned."},
            "description": "Cấu trúc: bảng sau khi đọc có đúng các cột của lớp raw, đúng thứ tự (chiso.contracts); "
                           "khác đi thì dữ liệu sẽ nạp lệch cột.",
            "severity": "critical"})
    table = DATASETS[dataset]
    for column, codes in value_sets(dataset).items():
        found = [e for e in expectations if e["type"] == IN_SET and e["kwargs"].get("column") == column]
        for e in found:
            e["kwargs"]["value_set"] = codes
        if not found:
            vocab = table.column(column).vocabulary
            expectations.append({
                "type": IN_SET, "kwargs": {"column": column, "value_set": codes},
                "meta": {"why": f"Vocabulary ({vocab.name}, chiso.contracts): {vocab.doc}"},
                "description": f"Danh mục: giá trị của cột {column} phải thuộc danh mục mã đã khai báo trong "
                               "chiso.contracts; mã lạ sẽ bị đếm sai.",
                "severity": "critical"})
    return spec


# ---------------------------------------------------------------- docs/FORMATS.md
def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _table_markdown(table: Table, title: str) -> list[str]:
    lines = [f"### {title}", "", table.doc, "", "| column | type | meaning |", "|---|---|---|"]
    for c in table.columns:
        meaning = c.doc
        if c.vocabulary is not None:
            meaning += " One of: " + ", ".join(f"`{v}`" for v in c.vocabulary.codes) + f" ({c.vocabulary.name})."
        lines.append(f"| `{c.name}` | {c.type} | {_escape(meaning)} |")
    if table.key:
        lines += ["", "Key: " + ", ".join(f"`{k}`" for k in table.key) + "."]
    return lines + [""]


def formats_section() -> str:
    """The raw-layer section of docs/FORMATS.md, between its markers."""
    lines = [FORMATS_BEGIN, "", "## Batch columns", "",
             "The loader adds these columns in front of every dataset's own (`raw.<dataset>`); the parsers return "
             "`source_row` followed by the dataset's columns, with these names and types, in this order.", "",
             "| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {_escape(c.doc)} |" for c in BATCH_COLUMNS] + [""]
    lines += ["## Datasets", ""]
    for table in DATASETS.values():
        lines += _table_markdown(table, f"`raw.{table.name}` ({table.source_system})")
    lines += ["## The loader's tables", ""]
    for table in LOADER_TABLES.values():
        lines += _table_markdown(table, f"`raw.{table.name}`")
    lines += ["## Vocabularies", "",
              "Each code list with the wording the source systems export (the first wording is the current one; "
              "the parsers also accept the others).", "",
              "| vocabulary | code | export wording | meaning |", "|---|---|---|---|"]
    for vocab in vocabularies.ALL:
        for i, code in enumerate(vocab.codes):
            words = " / ".join(f"`{w}`" for w in vocab.labels.get(code, ()))
            shown = str(code).lower() if isinstance(code, bool) else str(code)
            lines.append(f"| {vocab.name if i == 0 else ''} | `{shown}` | {words} | "
                         f"{_escape(vocab.doc) if i == 0 else ''} |")
    lines += ["", FORMATS_END]
    return "\n".join(lines)


def sync_formats(text: str) -> str:
    """docs/FORMATS.md with its generated section replaced (appended when the markers are missing)."""
    if FORMATS_BEGIN in text and FORMATS_END in text:
        head, rest = text.split(FORMATS_BEGIN, 1)
        _, tail = rest.split(FORMATS_END, 1)
        return head + formats_section() + tail
    return text.rstrip("\n") + "\n\n" + formats_section() + "\n"
