"""Shared parts of the reliability suite (tests/reliability).

The suite runs at a size read from ``XERODESK_RELIABILITY_SIZE``: ``small``
(the default, what ``make test`` runs) or ``medium`` (``make reliability``).
Each test records its figures with ``record``: printed, and written as JSON
under ``XERODESK_RELIABILITY_RESULTS`` when that folder is set.

Also here: the CRM tables compared by value, a batch of CRM records that
push (customers, products, confirmed quotes), duplicate counts in the
sandbox, and ``xerodesk`` child processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, func, select

from tests.engine.push_support import crm_customer, crm_product, crm_quote
from tests.support.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    RunningSandbox,
    start_sandbox,
)
from xerodesk.store import models, xd_models  # noqa: F401  (register the tables)
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine
from xerodesk.store.xd_models import OutboxItem, ReviewItem

SIZE_ENV = "XERODESK_RELIABILITY_SIZE"
RESULTS_ENV = "XERODESK_RELIABILITY_RESULTS"
REPO = Path(__file__).resolve().parents[2]

#: the CRM tables a pull writes (quotes are the CRM's own; their pushes are checked
#: through the outbox and the sandbox)
TABLES = (
    "company",
    "division",
    "sales_ledger",
    "purchase_ledger",
    "contact",
    "product",
    "stock_level",
    "warehouse",
    "sales_order_header",
    "sales_transaction",
    "purchase_order_header",
    "purchase_transaction",
    "vat_code",
    "currency",
)
#: columns that legitimately differ between two databases holding the same
#: records: where a row was first made (the CRM, or a pull) is our bookkeeping
IGNORED_COLUMNS = frozenset({"origin"})


@dataclass(frozen=True)
class Scale:
    """How big each part of the suite runs."""

    name: str
    org: str  # sandbox organisation (a generator size)
    crash_trials_per_phase: int  # pull, push, write-back, migration
    pull_crash_kinds: tuple[str, ...]  # databases of the pull phase
    crash_kinds: tuple[str, ...]  # databases of the push, write-back and migration phases
    crm_batch: int  # CRM customers/products/quotes made for push phases
    soak_kinds: tuple[str, ...]
    fault_rate: float  # probability of each fault kind per call
    db_fault_rounds: int
    hypothesis_examples: int
    concurrency_seconds: float
    concurrency_kinds: tuple[str, ...]


#: the organisation the migration trials sync after each upgrade: the kill is of
#: the schema's upgrade, which does not depend on how much there is to pull
MIGRATION_ORG = "small"

SCALES = {
    # what ``make test`` runs in CI: every module, each a reduced but real version
    "small": Scale(
        name="small",
        org="small",
        crash_trials_per_phase=1,
        pull_crash_kinds=("sqlite",),
        crash_kinds=("sqlite",),
        crm_batch=8,
        soak_kinds=("sqlite",),
        fault_rate=0.03,
        db_fault_rounds=1,
        hypothesis_examples=10,
        concurrency_seconds=20.0,
        concurrency_kinds=("postgresql",),
    ),
    # ``make reliability``: about 15 minutes on two workers on the 2-core development machine
    "medium": Scale(
        name="medium",
        org="medium",
        crash_trials_per_phase=13,
        pull_crash_kinds=("sqlite", "postgresql"),
        crash_kinds=("sqlite", "postgresql"),
        crm_batch=40,
        soak_kinds=("sqlite", "postgresql", "mariadb"),
        fault_rate=0.03,
        db_fault_rounds=3,
        hypothesis_examples=100,
        concurrency_seconds=240.0,
        concurrency_kinds=("postgresql",),
    ),
}


def scale() -> Scale:
    name = os.environ.get(SIZE_ENV, "small").strip().lower() or "small"
    if name not in SCALES:
        raise ValueError(f"{SIZE_ENV}={name!r}: use one of {', '.join(SCALES)}")
    return SCALES[name]


def record(name: str, figures: dict[str, Any]) -> None:
    """Print one test's figures; also write them as JSON when a results folder is set."""
    payload = {"test": name, "size": scale().name, **figures}
    text = json.dumps(payload, indent=2, sort_keys=True, default=str)
    print(f"\n[reliability] {name}: {json.dumps(figures, sort_keys=True, default=str)}")
    folder = os.environ.get(RESULTS_ENV)
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{name}.json").write_text(text + "\n", encoding="utf-8")


def scale_figures() -> dict[str, Any]:
    return asdict(scale())


# --- the CRM database by value ------------------------------------------------


def canonical(url: str, tables: Iterable[str] = TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every CRM table's rows by value, sorted: integer ids and links left out, and
    the bookkeeping columns of ``IGNORED_COLUMNS``."""
    engine = open_engine(url)
    try:
        result: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for name in tables:
                table = Base.metadata.tables[name]
                columns = [
                    c
                    for c in table.c
                    if c.name not in IGNORED_COLUMNS
                    and not (
                        isinstance(c.type, Integer) and (c.name == "id" or c.name.endswith("_id"))
                    )
                ]
                rows = connection.execute(select(*columns)).all()
                result[name] = sorted((tuple(r) for r in rows), key=repr)
        return result
    finally:
        engine.dispose()


def differences(
    got: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """Per table, how many rows are in one and not the other (empty when equal)."""
    out: dict[str, int] = {}
    for table in expected:
        left, right = Counter(got.get(table, [])), Counter(expected[table])
        missing = sum((right - left).values()) + sum((left - right).values())
        if missing:
            out[table] = missing
    return out


def outbox_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(OutboxItem.state, func.count()).group_by(OutboxItem.state)
        ).all()
    return {str(state): int(count) for state, count in rows}


def open_review_count(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(ReviewItem).where(ReviewItem.resolved_at.is_(None))
        return int(connection.scalar(query) or 0)


# --- CRM records that push ----------------------------------------------------


@dataclass
class CrmBatch:
    """What a batch made in the CRM, by the keys Xero will know them by."""

    contact_numbers: list[str]
    codes: list[str]
    references: list[str]


def make_crm_batch(engine: Engine, tag: str, count: int) -> CrmBatch:
    """``count`` customers, products and confirmed quotes (one line of the product,
    one free line), as the CRM writes them; names are hostile on purpose."""
    numbers: list[str] = []
    codes: list[str] = []
    refs: list[str] = []
    for i in range(count):
        ledger = crm_customer(engine, f"O'Brien & Søn {tag}-{i}; DROP TABLE sales_ledger;--")
        code = f"{tag}-P{i}"
        product = crm_product(engine, code, description=f'Widget "{tag}" № {i}')
        reference = f"{tag}-Q{i}"
        crm_quote(
            engine,
            ledger,
            reference,
            [
                (product, "Widget", str(1 + i % 5), f"{10 + i}.25", None, "OUTPUT2"),
                (None, "Fitting — labour", "1.5", "42.10", "5", "OUTPUT2"),
            ],
        )
        numbers.append(f"CRM-{ledger}")
        codes.append(code)
        refs.append(reference)
    return CrmBatch(numbers, codes, refs)


def sandbox_duplicates(
    sandbox: RunningSandbox, before: dict[str, dict[str, int]] | None = None
) -> dict[str, dict[str, int]]:
    """Keys held by more than one record in the sandbox: contacts by ContactNumber,
    items by Code, sales invoices by Reference (empty when none). Keys repeated as
    often in ``before`` (the organisation as generated) are left out."""
    export = sandbox.state.org.export()
    keys = {
        "contacts": [c.get("ContactNumber") for c in export["Contacts"]],
        "items": [i.get("Code") for i in export["Items"]],
        "invoices": [i.get("Reference") for i in export["Invoices"] if i.get("Type") == "ACCREC"],
    }
    out: dict[str, dict[str, int]] = {}
    for kind, values in keys.items():
        counted = Counter(v for v in values if v)
        known = (before or {}).get(kind, {})
        repeated = {k: n for k, n in counted.items() if n > 1 and known.get(k) != n}
        if repeated:
            out[kind] = repeated
    return out


def sandbox_holds(sandbox: RunningSandbox, batch: CrmBatch) -> dict[str, int]:
    """How many of a batch's records the sandbox holds, by kind (each at most once)."""
    export = sandbox.state.org.export()
    numbers = {c.get("ContactNumber") for c in export["Contacts"]}
    codes = {i.get("Code") for i in export["Items"]}
    refs = {i.get("Reference") for i in export["Invoices"] if i.get("Type") == "ACCREC"}
    return {
        "contacts": sum(n in numbers for n in batch.contact_numbers),
        "items": sum(c in codes for c in batch.codes),
        "invoices": sum(r in refs for r in batch.references),
    }


# --- xerodesk child processes -------------------------------------------------


#: child processes and their sandboxes run time this much faster than real time,
#: so that the client's own pacing (60 calls a Xero minute) does not hold them up
TIME_SCALE = 20.0


#: the sandbox's day starts here, half an hour after the ECB's rates are out
#: (``xerodesk.sandbox.rates.PUBLISHED_AT``): at ``TIME_SCALE`` the next rates come
#: 23.5 sandbox hours later, 70 real minutes, so every database a test syncs gets
#: the same rates, whatever the time of day the suite runs at
STEADY_RATES_AT = time(15, 30)


def steady_rates_start(now: datetime) -> datetime:
    """The latest ``STEADY_RATES_AT`` at or before ``now`` (UTC)."""
    start = datetime.combine(now.astimezone(UTC).date(), STEADY_RATES_AT, tzinfo=UTC)
    return start if start <= now else start - timedelta(days=1)


def reliability_sandbox(**options: Any) -> RunningSandbox:
    """A sandbox whose clock runs ``TIME_SCALE`` times faster than real time, from a
    moment whose exchange rates hold for the whole of a test."""
    options.setdefault("rate_limits", "off")
    return start_sandbox(
        clock_scale=TIME_SCALE, clock_start=steady_rates_start(datetime.now(UTC)), **options
    )


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "XERODESK_TIME_SCALE": str(TIME_SCALE),
        "XERODESK_HOME": str(home),
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
        **extra,
    }
    env.pop(SIZE_ENV, None)
    return env


def xerodesk(
    args: list[str], home: Path, *, stdout: Any = subprocess.DEVNULL, **extra: str
) -> subprocess.Popen[str]:
    """Start ``xerodesk ARGS`` as a real child process (stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "xerodesk", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(home, **extra),
        cwd=REPO,
    )


def run_xerodesk(args: list[str], home: Path, timeout: float = 900) -> tuple[int, str, str]:
    process = xerodesk(args, home, stdout=subprocess.PIPE)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
