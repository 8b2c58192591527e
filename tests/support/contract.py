"""The CRM schema contract (``docs/crm-schema.md``) read as its readers read it.

Column names are the backticked lower-case words of a table's row;
capitalised words are values (`Customer`), and the lower-case values and
option names a row mentions are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from xerodesk.store.options import REGISTRY

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "crm-schema.md"
VALUES = {"xero", "crm", "pending", "sent", "blocked", "failed"}


def contract_tables() -> dict[str, set[str]]:
    """Table -> columns (``id`` included) of every table the contract names."""
    text = CONTRACT.read_text(encoding="utf-8").split("## System options")[0]
    tables: dict[str, set[str]] = {}
    for line in text.splitlines():
        match = re.match(r"\| `(\w+)` \| (.+) \|$", line)
        if not match:
            continue
        table, spec = match.groups()
        names = set(re.findall(r"`([a-z][a-z_0-9]*)`", spec)) - VALUES - set(REGISTRY)
        if "`address_line1`..`address_line5`" in spec:
            names |= {f"address_line{i}" for i in range(1, 6)}
        tables[table] = names | {"id"}
    return tables
