"""The document management and operation system (QLVB: hệ thống quản lý văn bản và điều hành).

- ``register.py``: document register exports, XLSX (``qlvb-register-xlsx``) or CSV (``qlvb-register-csv``),
  docs/FORMATS.md §3 → ``qlvb_document``: the header found by its labels, the summary column never read.

Columns and wordings: chiso.contracts (raw.QLVB_DOCUMENT, exports.REGISTER_HEADER, vocabularies).
"""
