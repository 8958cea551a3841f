"""Plans (kế hoạch, chỉ tiêu): the workbook a province's office fills (docs/PLANS.md): targets and externally
reported figures, each with its document."""
