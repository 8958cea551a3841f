"""Installed in every Python process the test session starts (tests/conftest.py puts this folder first on
PYTHONPATH): records each file or folder the process opens outside the checkout but beside it (in the
checkout's parent folder), so that a DAG run, a dbt run or a script that reads a folder beside the checkout fails the test
that started it. The records go to the file named by ``PYTEST_OUTSIDE_READS_LOG``, one path per line."""

from __future__ import annotations

import os
import sys

_LOG = os.environ.get("PYTEST_OUTSIDE_READS_LOG")
_CHECKOUT = os.environ.get("PYTEST_OUTSIDE_READS_CHECKOUT")


def _install() -> None:
    if not (_LOG and _CHECKOUT):
        return
    checkout = os.path.abspath(_CHECKOUT)
    parent = os.path.dirname(checkout)
    if parent == os.path.dirname(parent):  # the checkout sits at the filesystem's root: nothing is "beside" it
        return
    inside, beside = checkout + os.sep, parent + os.sep
    # a clone in the temporary folder (git clone . /tmp/fresh) has pytest's and the libraries' temporary
    # files beside it (tempfile's names: a prefix, then 8 of [a-z0-9_]: tmpk3j_x9a2, openpyxl.zbige81x,
    # pymp-hgf4ufc8): those are not a folder the product could read its data from
    import re

    temporary = re.compile(r"(pytest-of-|chiso-outside-reads-)|(tmp|.*[.-])[a-z0-9_]{8}$")

    def hook(event: str, args: tuple) -> None:
        if event not in ("open", "os.listdir", "os.scandir") or not args:
            return
        path = args[0]
        if path is None or isinstance(path, int):
            return
        flags = args[2] if event == "open" and len(args) > 2 else None
        if isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            return  # a file written or created (tempfile probes the temporary folder so): not a read
        try:
            full = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if full.startswith(beside) and full != checkout and not full.startswith(inside) and full != _LOG:
            if temporary.match(full[len(beside):].split(os.sep, 1)[0]):
                return
            with open(_LOG, "a", encoding="utf-8") as fh:  # re-enters the hook with _LOG: ignored above
                fh.write(f"{full}\t{' '.join(sys.argv)[:200]}\n")

    sys.addaudithook(hook)


def _chain() -> None:
    """Run the sitecustomize this one shadows, if the interpreter has one further along its path."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path[1:]:
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.abspath(entry or ".") != here and os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_shadowed_sitecustomize", candidate)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


_install()
if __name__ == "sitecustomize":  # imported by site at start-up (not by tests/conftest.py)
    _chain()
