"""Small helpers every layer may use: SQL text (identifiers, literals) and JSON-safe values."""
