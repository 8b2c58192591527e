"""The measured passes: full sync, under real limits, no change, 1% changed.

Each pass is a real ``xerodesk sync`` process against the sandbox process; the
sandbox's counters say how many calls it made and how many were refused with
429. Between passes the counters are reset, so each pass is counted alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks.calls import ENTITIES, Minimum, changed_minimum, full_minimum
from benchmarks.harness import (
    CRM_TABLES,
    STATE_TABLES,
    BenchmarkError,
    Database,
    ProcessRun,
    SandboxProcess,
    redact,
    run_xerodesk,
    table_counts,
)
from xerodesk.store.database import open_engine
from xerodesk.store.xd_models import SyncRun, SyncRunEntity

#: collections edited for the 1% pass
EDITED = ("Contacts", "Items", "Invoices", "CreditNotes", "PurchaseOrders")
MIB = 1024 * 1024


@dataclass
class Context:
    sandbox: SandboxProcess
    workdir: Path
    counts: dict[str, int]

    def home(self, label: str) -> Path:
        path = self.workdir / f"home-{label}"
        path.mkdir(exist_ok=True)
        return path


def upgrade(context: Context, database: Database) -> dict[str, Any]:
    run = run_xerodesk(["db", "upgrade", "--db", database.url], context.home("upgrade"))
    check(run, "xerodesk db upgrade")
    return {"seconds": round(run.seconds, 3)}


def sync(
    context: Context,
    database: Database,
    label: str,
    *,
    full: bool = False,
    time_scale: float = 1.0,
) -> tuple[ProcessRun, dict[str, Any]]:
    """One ``xerodesk sync`` process, counted alone: calls, 429s, time, memory."""
    context.sandbox.control("POST", "/counters/reset")
    args = ["sync", "--db", database.url, "--xero", context.sandbox.base_url]
    if full:
        args.append("--full")
    run = run_xerodesk(args, context.home(label), time_scale=time_scale)
    check(run, f"xerodesk sync ({label})")
    counters = context.sandbox.control("GET", "/counters")
    figures = {
        "exit_code": run.exit_code,
        "seconds": round(run.seconds, 3),
        "cpu_seconds": round(run.cpu_seconds, 3),
        "calls": int(counters["calls"]),
        "calls_by_endpoint": counters["by_endpoint"],
        "rate_limited": int(counters["rate_limited"].get("total", 0)),
        "peak_rss_mib": round(run.peak_rss_bytes / MIB, 1),
        "entities": last_run_entities(database.url),
    }
    return run, figures


def check(run: ProcessRun, what: str) -> None:
    if run.exit_code not in (0, 1):
        lines = (run.stderr or run.stdout).strip().splitlines()
        detail = redact(lines[-1]) if lines else "no output"
        raise BenchmarkError(f"{what} exited with {run.exit_code}: {detail}")


def last_run_entities(url: str) -> dict[str, dict[str, int]]:
    """Per entity figures of the newest sync run, as the engine logged them."""
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            run_id = connection.scalar(select(SyncRun.id).order_by(SyncRun.id.desc()).limit(1))
            fields = ("created", "updated", "unchanged", "skipped", "errors", "pages", "calls")
            rows = connection.execute(
                select(SyncRunEntity.entity, *(getattr(SyncRunEntity, f) for f in fields)).where(
                    SyncRunEntity.run_id == run_id
                )
            )
            return {
                row[0]: dict(zip(fields, (int(v or 0) for v in row[1:]), strict=True))
                for row in rows
            }
    finally:
        engine.dispose()


def full_sync(context: Context, database: Database, minimum: Minimum) -> dict[str, Any]:
    """The first sync into an empty database (it reads everything), limits off.

    A plain ``xerodesk sync``, as after installing: ``--full`` would ask for a
    full resync, which also runs the reconciliation sweep of what is already
    in the CRM.
    """
    before = table_counts(database.url, CRM_TABLES)
    _, figures = sync(context, database, "full")
    after = table_counts(database.url, CRM_TABLES)
    state = table_counts(database.url, STATE_TABLES)
    written = {t: after[t] - before[t] for t in CRM_TABLES if after[t] != before[t]}
    rows = sum(written.values())
    records = sum(
        e["created"] + e["updated"] + e["unchanged"] for e in figures["entities"].values()
    )
    seconds = figures["seconds"]
    figures.update(
        {
            "records": records,
            "rows_written": rows,
            "rows_by_table": written,
            "state_rows": state,
            "rows_per_second": round(rows / seconds) if seconds else None,
            "records_per_second": round(records / seconds) if seconds else None,
            "minimum": minimum.as_json(),
            "calls_over_minimum": round(figures["calls"] / minimum.calls, 3),
        }
    )
    return figures


def no_change(context: Context, database: Database) -> dict[str, Any]:
    _, figures = sync(context, database, "no-change")
    figures["minimum"] = {"calls": ENTITIES, "why": "one call per entity read every pass"}
    return figures


def one_percent(context: Context, database: Database) -> dict[str, Any]:
    """Edit 1% of each collection through the sandbox, then an incremental pass."""
    since = _sandbox_now(context.sandbox)
    edits: dict[str, int] = {}
    for name in EDITED:
        count = max(1, math.ceil(context.counts.get(name, 0) / 100))
        if context.counts.get(name, 0):
            context.sandbox.control("POST", "/random-edit", {"collection": name, "count": count})
            edits[name] = count
    minimum = changed_minimum(context.sandbox, since)
    _, figures = sync(context, database, "one-percent")
    figures["edits"] = edits
    figures["minimum"] = minimum.as_json()
    figures["calls_over_minimum"] = round(figures["calls"] / minimum.calls, 3)
    return figures


def _sandbox_now(sandbox: SandboxProcess) -> datetime:
    raw = str(sandbox.control("GET", "/clock")["now"]).replace("Z", "+00:00")
    return datetime.fromisoformat(raw)


def real_limits(
    context: Context, database: Database, minimum: Minimum, scale: float
) -> dict[str, Any]:
    """A full sync under Xero's real limits, the sandbox clock ``scale`` times faster.

    The client is told the same scale, so its pacing counts sandbox seconds.
    The simulated time is the wall time times the scale.
    """
    sandbox = context.sandbox
    sandbox.control("POST", "/reset")
    sandbox.control("POST", "/limits", {"mode": "real"})
    sandbox.control("POST", "/clock", {"scale": scale})
    try:
        _, figures = sync(context, database, "real-limits", time_scale=scale)
    finally:
        sandbox.control("POST", "/clock", {"scale": 1.0})
        sandbox.control("POST", "/limits", {"mode": "off"})
    simulated = figures["seconds"] * scale / 60
    floor = minimum.calls / 60
    figures.update(
        {
            "clock_scale": scale,
            "simulated_minutes": round(simulated, 3),
            "floor_minutes": round(floor, 3),
            "over_floor": round(simulated / floor, 3),
            "minimum": minimum.as_json(),
        }
    )
    return figures


def prepare(sandbox: SandboxProcess) -> tuple[dict[str, int], Minimum]:
    state = sandbox.control("GET", "/state")
    return dict(state["counts"]), full_minimum(sandbox)
