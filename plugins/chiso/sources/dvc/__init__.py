"""The public-service portal (Cổng DVC): online-service catalogue CSV and the national 766 evaluation API."""
