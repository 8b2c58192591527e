"""Pure conversions between Xero JSON, domain values and CRM rows (no I/O)."""
