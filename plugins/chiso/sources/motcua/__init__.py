"""The one-stop-shop system (Hệ thống thông tin giải quyết thủ tục hành chính, "một cửa điện tử").

- ``dossier.py``: dossier exports → ``motcua_dossier``: CSV (``motcua-dossier-csv``, docs/FORMATS.md §1), parsed in
  DuckDB SQL in one pass, the applicant's ID number turned into ``applicant_key`` inside DuckDB; and the paged
  JSON of a vendor's REST search (``motcua-dossier-json``), mapped to the CSV's columns.
- ``bieu06.py``: Biểu 06/VPCP/KSTT workbooks (``motcua-bieu06-xlsx``, §2) → ``motcua_bieu06``: the header found by
  its labels, units, sections and the printed total, with the reconciliation of the printed totals.

Columns, statuses and channels: chiso.contracts (raw.MOTCUA_DOSSIER, vocabularies.DOSSIER_STATUS, exports).
"""
