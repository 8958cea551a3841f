"""The public-service portal (Cổng dịch vụ công).

- ``catalogue.py``: the online-service catalogue CSV (``dvc-catalogue-csv``, docs/FORMATS.md §4) → ``dvc_service``.
- ``api766.py``: the national Decision 766 evaluation API's responses (``dvc-766-json``, §5) →
  ``dvc_766_unit`` + ``dvc_766_measure``, values exactly as published, the period from the capture manifest;
  the formalities catalogue pages (``dvc-formalities-json``) are recognised and refused.

Columns, groups and levels: chiso.contracts (raw.DVC_*, vocabularies.GROUP_766, ONLINE_LEVEL, SERVICE_STATE).
"""
