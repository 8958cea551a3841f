"""The document management system (QLVB): document register exports (XLSX, CSV)."""
