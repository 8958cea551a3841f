"""The layers of plugins/chiso import only what docs/ARCHITECTURE.md allows, and the product never imports the
sample generator (tools/sample, import name chiso_sample)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "plugins" / "chiso"
BASE = ("chiso.settings", "chiso.util")

# module (or package prefix) -> the chiso modules it may import (a prefix allows the whole package); the first
# matching rule applies. Every layer may import its own package.
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("chiso.settings", ()),
    ("chiso.util", ("chiso.util",)),
    ("chiso.contracts", ("chiso.contracts", "chiso.util")),
    ("chiso.sources", ("chiso.sources", "chiso.contracts", *BASE)),
    ("chiso.warehouse", ("chiso.warehouse", "chiso.contracts", *BASE)),
    ("chiso.ingest.landing", ("chiso.contracts", *BASE)),
    ("chiso.ingest.batch", ("chiso.ingest.landing", *BASE)),
    ("chiso.ingest.parse", ("chiso.ingest.batch", "chiso.sources", "chiso.contracts", *BASE)),
    ("chiso.ingest.load", ("chiso.ingest", "chiso.quality.history", "chiso.quality.alerts", "chiso.warehouse", "chiso.contracts", *BASE)),
    ("chiso.ingest", ("chiso.ingest",)),
    # the gate works on batch descriptors; it never parses (sources) nor loads (ingest.load)
    ("chiso.quality", ("chiso.quality", "chiso.ingest.batch", "chiso.warehouse", "chiso.contracts", *BASE)),
    ("chiso.people", ("chiso.people", "chiso.warehouse", "chiso.contracts", *BASE)),
    ("chiso.orchestration", ("chiso",)),
    ("chiso.cli", ("chiso",)),
    ("chiso", ()),  # chiso/__init__.py
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, text: str | None = None) -> set[str]:
    """Every module an import statement of the file names, lazy (in-function) imports included."""
    out = set()
    for node in ast.walk(ast.parse(text if text is not None else path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}  # `from chiso.quality import history`
    return out


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule(module: str) -> tuple[str, ...]:
    return next(allowed for prefix, allowed in RULES if _matches(module, prefix))


def _violations(texts: dict[Path, str] | None = None) -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        allowed = _rule(module)
        for name in sorted(_imports(path, (texts or {}).get(path))):
            if not _matches(name, "chiso") or _matches(name, module):
                continue
            # `from chiso.quality import history` names both chiso.quality and chiso.quality.history
            if any(_matches(name, a) or _matches(a, name) for a in allowed):
                continue
            out.append(f"{module} imports {name}")
    return out


def test_layers_import_only_what_they_may():
    assert _violations() == []


def test_the_rules_catch_a_forbidden_import():
    """A parser that reached for the warehouse, or the gate for a parser, would be reported."""
    parser = PACKAGE / "sources" / "motcua" / "dossier.py"
    gate = PACKAGE / "quality" / "gate.py"
    texts = {parser: parser.read_text(encoding="utf-8") + "\n\ndef _x():\n    from chiso.warehouse import backend\n",
             gate: gate.read_text(encoding="utf-8") + "\nfrom chiso.sources import parse\n"}
    found = _violations(texts)
    assert "chiso.sources.motcua.dossier imports chiso.warehouse.backend" in found
    assert "chiso.quality.gate imports chiso.sources" in found


def test_only_the_dags_and_the_command_line_import_orchestration():
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if _matches(module, "chiso.orchestration") or module == "chiso.cli":
            continue
        assert not any(_matches(n, "chiso.orchestration") for n in _imports(path)), module
    for path in sorted((REPO / "dags").glob("*.py")):
        chiso = {n for n in _imports(path) if _matches(n, "chiso")}
        assert chiso and all(_matches(n, "chiso.orchestration.dag_factory") for n in chiso), path.name


def test_the_product_never_names_the_generator():
    found = [f"{p.relative_to(REPO)}" for p in sorted(PACKAGE.rglob("*.py"))
             if "chiso_sample" in p.read_text(encoding="utf-8") or
             any(_matches(n, "chiso_sample") for n in _imports(p))]
    assert found == []


IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import chiso
names = [m.name for m in pkgutil.walk_packages(chiso.__path__, "chiso.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": len(names), "generator": sorted(m for m in sys.modules if m.startswith("chiso_sample"))}))
"""


@pytest.mark.timeout(120)
def test_importing_every_product_module_loads_no_generator():
    """In a fresh interpreter (the generator is installed in this environment: it must stay unloaded)."""
    proc = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["modules"] > 40 and out["generator"] == []
    # and the generator is there to be loaded: `chiso sample` comes from its entry point
    from importlib.metadata import entry_points

    assert [e.value for e in entry_points(group="chiso.commands", name="sample")] == ["chiso_sample.cli:register"]
