"""Write what is derived from the contracts (plugins/chiso/contracts) into the files that state it:

- expectations/<dataset>.json: the ordered column list and the value set of every vocabulary column;
- docs/FORMATS.md: the raw-layer section between its markers.

    .venv/bin/python tools/sync_contracts.py          # after changing a contract
    .venv/bin/python tools/sync_contracts.py --check  # exit 1 if a file is out of date (tests do the same)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chiso import settings
from chiso.contracts import DATASETS, derived

REPO = Path(__file__).resolve().parents[1]
FORMATS = REPO / "docs" / "FORMATS.md"


def suite_text(dataset: str, text: str) -> str:
    spec = derived.sync_suite(dataset, json.loads(text))
    return json.dumps(spec, indent=2, ensure_ascii=False) + ("\n" if text.endswith("\n") else "")


def targets() -> dict[Path, str]:
    """Every derived file → what it should hold."""
    out = {}
    for dataset in DATASETS:
        path = settings.expectations_dir() / f"{dataset}.json"
        out[path] = suite_text(dataset, path.read_text(encoding="utf-8"))
    out[FORMATS] = derived.sync_formats(FORMATS.read_text(encoding="utf-8"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is out of date")
    check = parser.parse_args().check
    stale = []
    for path, text in targets().items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{path.relative_to(REPO)}: {'out of date' if check else 'updated'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
