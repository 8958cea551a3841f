"""The warehouse: its connection behind a small backend interface, the raw layer's DDL, and dbt."""
