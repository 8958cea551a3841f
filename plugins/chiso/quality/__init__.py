"""The data-quality gate: Great Expectations suites compiled to SQL, results, Data Docs, alerts, freshness."""
