"""The one-stop-shop system (Một cửa điện tử): dossier exports (CSV, paged JSON) and Biểu 06 workbooks."""
