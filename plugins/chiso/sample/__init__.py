"""Sample exports generator: synthetic one-stop-shop, document-register and public-service-portal exports
in the formats of docs/FORMATS.md, deterministic for a given seed."""

from chiso.sample.generate import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
