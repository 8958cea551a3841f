"""Sample exports generator: synthetic one-stop-shop, document-register and public-service-portal exports in
the formats of docs/FORMATS.md, deterministic for a given seed. A development tool: chiso never imports it;
its exports reach the warehouse like any province's, through data/incoming.

``generate`` is imported on first use, so that ``chiso --help`` (which loads ``chiso_sample.cli`` through the
``chiso.commands`` entry point) does not pay for NumPy and the writers."""

from __future__ import annotations

__all__ = ["GenerationSummary", "generate"]


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(name)
    import importlib

    module = importlib.import_module("chiso_sample.generator")  # a module not named like its function: importing
    for public in __all__:  # it directly cannot rebind the package's name `generate` to the module
        globals()[public] = getattr(module, public)
    return globals()[name]
