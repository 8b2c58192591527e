"""Pure typed values: Decimal money, enums, progress events and records; no I/O."""
