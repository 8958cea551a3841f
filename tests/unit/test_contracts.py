"""One contract: every place that states a raw dataset's columns, types or code lists agrees with
plugins/chiso/contracts (the quality suites, the dbt sources, docs/FORMATS.md, the warehouse's tables, the
parsers' vocabularies)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from chiso import contracts, settings
from chiso.contracts import derived, exports, vocabularies
from chiso.contracts.loader import LANDING_MANIFEST

REPO = Path(__file__).resolve().parents[2]
STAGING = REPO / "dbt_project" / "models" / "staging"


def _suite(dataset: str) -> dict:
    return json.loads((REPO / "expectations" / f"{dataset}.json").read_text(encoding="utf-8"))


def test_every_dataset_has_a_suite_and_every_suite_a_dataset():
    assert sorted(p.stem for p in (REPO / "expectations").glob("*.json")) == sorted(contracts.DATASETS)


@pytest.mark.parametrize("dataset", list(contracts.DATASETS))
def test_suite_schema_and_domain_expectations_are_the_contracts(dataset):
    """The ordered column list and every vocabulary column's value set are the contract's (tools/sync_contracts.py
    writes them); every column an expectation names exists."""
    spec = _suite(dataset)
    assert spec == derived.sync_suite(dataset, spec), f"run tools/sync_contracts.py: expectations/{dataset}.json"
    columns = set(derived.parsed_columns(dataset))
    for e in spec["expectations"]:
        named = {e["kwargs"].get(k) for k in ("column", "column_A", "column_B")} - {None}
        assert named <= columns, (dataset, e["type"], named - columns)
    in_set = {e["kwargs"]["column"]: e["kwargs"]["value_set"] for e in spec["expectations"]
              if e["type"] == derived.IN_SET}
    assert {c: in_set.get(c) for c in derived.value_sets(dataset)} == derived.value_sets(dataset)


def test_sync_writes_what_a_changed_contract_says():
    """The derivation is real: a suite that disagrees with the contract comes back in line, a missing
    vocabulary expectation is added."""
    spec = _suite("qlvb_document")
    broken = json.loads(json.dumps(spec))
    broken["expectations"][0]["kwargs"]["column_list"] = ["source_row", "period_month"]
    broken["expectations"] = [e for e in broken["expectations"] if e["kwargs"].get("column") != "form"]
    for e in broken["expectations"]:
        if e["kwargs"].get("column") == "direction":
            e["kwargs"]["value_set"] = ["incoming"]
    fixed = derived.sync_suite("qlvb_document", broken)
    assert fixed["expectations"][0]["kwargs"]["column_list"] == derived.parsed_columns("qlvb_document")
    form = [e for e in fixed["expectations"] if e["kwargs"].get("column") == "form"]
    assert len(form) == 1 and form[0]["kwargs"]["value_set"] == ["electronic", "paper"]
    direction = [e for e in fixed["expectations"] if e["kwargs"].get("column") == "direction"]
    assert direction[0]["kwargs"]["value_set"] == ["incoming", "outgoing"]


def test_formats_md_states_the_contract():
    text = (REPO / "docs" / "FORMATS.md").read_text(encoding="utf-8")
    assert text == derived.sync_formats(text), "run tools/sync_contracts.py: docs/FORMATS.md"
    section = derived.formats_section()
    for name, table in contracts.DATASETS.items():
        assert f"`raw.{name}`" in section and all(f"| `{c}` |" in section for c in table.column_names)
    assert "sha256(content SHA-256 + '\\|' + the file's name" in section


def _sources() -> dict[str, dict]:
    """source name -> its YAML (every _<source>__sources.yml of the staging folder)."""
    out = {}
    for path in sorted(STAGING.rglob("_*__sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            assert path.name == f"_{source['name']}__sources.yml", path
            out[source["name"]] = source
    return out


def _accepted_values(column: dict) -> list | None:
    for t in column.get("data_tests") or []:
        if isinstance(t, dict) and "accepted_values" in t:
            spec = t["accepted_values"]
            return (spec.get("arguments") or spec)["values"]
    return None


def test_dbt_sources_are_the_contracts_tables():
    sources = _sources()
    assert set(sources) == {"loader"} | {t.source_system for t in contracts.DATASETS.values()}
    for name, source in sources.items():
        assert source["schema"] == "raw"
        expected = (contracts.LOADER_TABLES if name == "loader" else
                    {d: t for d, t in contracts.DATASETS.items() if t.source_system == name})
        tables = {t["name"]: t for t in source["tables"]}
        if name == "loader":
            assert set(tables) <= set(expected), set(tables) - set(expected)
        else:
            assert set(tables) == set(expected), (name, set(tables) ^ set(expected))
        for table_name, table in tables.items():
            contract = expected[table_name] if name == "loader" else contracts.raw_table(table_name)
            for column in table.get("columns") or []:
                assert column["name"] in contract.column_names, (table_name, column["name"])
                declared = contract.column(column["name"])
                values = _accepted_values(column)
                if values is not None:
                    assert declared.vocabulary is not None, (table_name, column["name"], "no vocabulary")
                    assert values == list(declared.vocabulary.codes), (table_name, column["name"])
                if column["name"] == "batch_id":
                    assert "sha256(content SHA-256 + '|'" in column["description"], table_name


def test_dbt_sources_test_every_text_vocabulary_the_loader_does_not_check_itself():
    """The string code lists the gate checks are also tested by dbt on the raw layer (what a hand edit of the
    warehouse would break)."""
    sources = _sources()
    tested = {(t["name"], c["name"]) for s in sources.values() for t in s["tables"] for c in t.get("columns") or []
              if _accepted_values(c) is not None}
    wanted = {(d, c.name) for d, t in contracts.DATASETS.items() for c in t.columns
              if c.vocabulary is not None and c.type == "VARCHAR" and c.vocabulary is not vocabularies.GROUP_766
              and c.vocabulary is not vocabularies.PERIOD_TYPE_766}
    wanted.add(("landing_manifest", "status"))
    assert wanted <= tested, wanted - tested


def test_warehouse_tables_are_created_from_the_contracts(chiso_data):
    from chiso.warehouse import backend, schema

    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        for table in schema.raw_tables():
            got = con.execute("select column_name, data_type from information_schema.columns where "
                              "table_schema = 'raw' and table_name = ? order by ordinal_position",
                              [table.name]).fetchall()
            assert got == table.pairs(), table.name
    finally:
        con.close()
    assert LANDING_MANIFEST.column("supersede_key").formerly == "slot"


def test_the_parsers_read_every_wording_of_the_vocabularies():
    from chiso.sources.common import words
    from chiso.sources.dvc import catalogue
    from chiso.sources.motcua import dossier
    from chiso.sources.normalize import map_value
    from chiso.sources.qlvb import register

    assert vocabularies.DOSSIER_STATUS.label_map() == dossier.STATUS_LABELS
    for mapping, vocab in ((register.DIRECTION, vocabularies.DOCUMENT_DIRECTION),
                           (register.FORM, vocabularies.DOCUMENT_FORM),
                           (register.SECRECY, vocabularies.CONFIDENTIALITY),
                           (register.YESNO, vocabularies.YES_NO),
                           (catalogue.LEVELS, vocabularies.ONLINE_LEVEL),
                           (catalogue.STATES, vocabularies.SERVICE_STATE)):
        assert mapping == words(vocab)
        for code in vocab.codes:
            for label in vocab.labels[code]:
                assert map_value(label, mapping, "?") == str(code).lower()
    # the register's header labels are the contract's (the variant without a comma also accepted)
    assert {k for k in register.LABELS} == {label.lower() for label, _ in exports.REGISTER_HEADER} | {"số ký hiệu"}
