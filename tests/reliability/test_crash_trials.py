"""Crash trials: kill -9 a real ``xerodesk`` process at random moments, restart, compare.

Four phases, each with its own sandbox (a generated organisation) so that the
pushes of one phase never meet another's database:

- pull: ``xerodesk sync`` killed a random moment after it committed a page;
- push: the CRM gets customers, products and confirmed quotes before each
  trial; the sync is killed a random moment after it started sending them;
- write-back: killed within a few milliseconds of Xero answering a create,
  between Xero's commit and the CRM update;
- migration: ``xerodesk db upgrade`` of an empty database killed at a random
  moment, then upgraded again and synced.

After the trials of a phase a last run is let finish; the database must then
hold what an uninterrupted run into a fresh database holds (the CRM tables by
value), Xero must hold each pushed record exactly once, and every outbox row
must be done. Moments come from a seeded random source and are reported.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from tests.support.databases import DatabaseFactory
from tests.support.reliability import (
    MIGRATION_ORG,
    CrmBatch,
    canonical,
    differences,
    make_crm_batch,
    outbox_states,
    record,
    reliability_sandbox,
    run_xerodesk,
    sandbox_duplicates,
    sandbox_holds,
    scale,
    xerodesk,
)
from tests.support.sandbox import RunningSandbox
from xerodesk.store.database import open_engine
from xerodesk.store.xd_models import OutboxItem, SyncRun, SyncRunEntity

#: these run real processes and whole syncs: longer than the suite-wide timeout
pytestmark = pytest.mark.timeout(3600)

SCALE = scale()
TRIALS = SCALE.crash_trials_per_phase
SEED = 4242


def pages_saved(url: str) -> int:
    """Pages committed so far over every run (each page commits its count with it)."""
    try:
        engine = open_engine(url, check=False)
    except Exception:
        return 0
    try:
        with engine.connect() as connection:
            total = select(func.coalesce(func.sum(SyncRunEntity.pages), 0))
            return int(connection.scalar(total) or 0)
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def sends_started(url: str) -> int:
    engine = open_engine(url, check=False)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(OutboxItem.first_sent_at.is_not(None))
            return int(connection.scalar(query) or 0)
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def last_outcome(url: str) -> str | None:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            query = select(SyncRun.outcome).order_by(SyncRun.id.desc()).limit(1)
            outcome = connection.scalar(query)
            return None if outcome is None else str(outcome)
    finally:
        engine.dispose()


def put_calls(sandbox: RunningSandbox) -> int:
    counted = sandbox.state.counters.by_endpoint
    return sum(n for key, n in list(counted.items()) if key.startswith("PUT "))


def finish(sandbox: RunningSandbox, url: str, home: Path) -> None:
    """A sync let run to its end: it must end as a pass does (0, or 1 with reviews)."""
    status, _, err = run_xerodesk(["sync", "--db", url, "--xero", sandbox.base_url], home)
    assert status in (0, 1), err
    assert "Traceback" not in err, err
    assert last_outcome(url) == "ok", err


def kill_when(
    process: subprocess.Popen[str],
    ready: Callable[[], bool],
    delay: float,
    timeout: float = 300.0,
    poll: float = 0.01,
) -> bool:
    """Wait until ``ready()``, then ``delay`` seconds, then SIGKILL. False if it ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            time.sleep(delay)
            break
        time.sleep(poll)
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait(60)
    if process.stderr is not None:
        process.stderr.close()
    return alive


class Phase:
    """One phase's trials, for the figures."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.rng = random.Random(f"{SEED}-{name}-{kind}")
        self.moments: list[float] = []
        self.killed = 0
        self.divergences: list[str] = []
        self.started = time.monotonic()

    def delay(self, low: float, high: float) -> float:
        moment = round(self.rng.uniform(low, high), 4)
        self.moments.append(moment)
        return moment

    def compare(self, label: str, got: str, expected: dict[str, Any]) -> None:
        diff = differences(canonical(got), expected)
        if diff:
            self.divergences.append(f"{label}: {diff}")

    def report(self, **extra: Any) -> None:
        record(
            f"crash_{self.name}_{self.kind}",
            {
                "database": self.kind,
                "organisation": SCALE.org,
                "seed": SEED,
                "trials": len(self.moments),
                "killed_mid_run": self.killed,
                "kill_moments_s": self.moments,
                "divergences": len(self.divergences),
                "divergence_details": self.divergences,
                "seconds": round(time.monotonic() - self.started, 1),
                **extra,
            },
        )
        assert self.divergences == [], self.divergences


def settle(sandbox: RunningSandbox, url: str, home: Path) -> None:
    """Two syncs let run to their end. A fresh database applies merges older than its
    first sync only on its second pass (the winner must be in the CRM first), so
    databases are compared once a pass over an unchanged Xero changes nothing."""
    finish(sandbox, url, home)
    finish(sandbox, url, home)


def reference(sandbox: RunningSandbox, factory: DatabaseFactory, kind: str, home: Path) -> Any:
    """The CRM tables after uninterrupted syncs into a fresh database."""
    url = factory.fresh(kind)
    settle(sandbox, url, home)
    return canonical(url)


@pytest.fixture(scope="module")
def pull_sandbox() -> Any:
    running = reliability_sandbox(generate=SCALE.org, seed=7)
    yield running
    running.close()


@pytest.mark.parametrize("kind", SCALE.pull_crash_kinds)
def test_kills_during_pulls(
    pull_sandbox: RunningSandbox, database_factory: DatabaseFactory, tmp_path: Path, kind: str
) -> None:
    phase = Phase("pull", kind)
    expected = reference(pull_sandbox, database_factory, kind, tmp_path / "clean")
    url = database_factory.fresh(kind)
    for _ in range(TRIALS):
        before = pages_saved(url)
        process = xerodesk(["sync", "--db", url, "--xero", pull_sandbox.base_url], tmp_path)
        moment = phase.delay(0.0, 0.3)
        ready = lambda b=before: pages_saved(url) > b  # noqa: E731
        phase.killed += kill_when(process, ready, moment)
    settle(pull_sandbox, url, tmp_path)
    phase.compare("pull", url, expected)
    phase.report()
    assert phase.killed >= max(1, TRIALS * 2 // 3), "too few kills landed mid-pass"


@pytest.mark.parametrize("kind", SCALE.crash_kinds)
def test_kills_during_pushes_and_write_backs(
    database_factory: DatabaseFactory, tmp_path: Path, kind: str
) -> None:
    """Trials alternate: killed while sending, and killed just after Xero answered a
    create (before or while the CRM row gets its Xero id)."""
    sandbox = reliability_sandbox(generate=SCALE.org, seed=8)
    try:
        push, write_back = Phase("push", kind), Phase("write_back", kind)
        generated = sandbox_duplicates(sandbox)
        url = database_factory.fresh(kind)
        finish(sandbox, url, tmp_path)  # the organisation pulled, as a CRM in use has it
        engine = open_engine(url)
        batches: list[CrmBatch] = []
        try:
            for trial in range(TRIALS):
                for phase in (push, write_back):
                    tag = f"{phase.name[0].upper()}{trial}"
                    batches.append(make_crm_batch(engine, tag, 2))
                    if phase is push:
                        before = sends_started(url)
                        ready = lambda b=before: sends_started(url) > b  # noqa: E731
                        moment = phase.delay(0.0, 0.15)
                    else:
                        puts = put_calls(sandbox)
                        ready = lambda b=puts: put_calls(sandbox) > b  # noqa: E731
                        moment = phase.delay(0.0, 0.01)
                    process = xerodesk(["sync", "--db", url, "--xero", sandbox.base_url], tmp_path)
                    phase.killed += kill_when(process, ready, moment, poll=0.002)
            settle(sandbox, url, tmp_path)
            states = outbox_states(engine)
        finally:
            engine.dispose()
        expected = reference(sandbox, database_factory, kind, tmp_path / "clean")
        push.compare("after the push trials", url, expected)
        duplicates = sandbox_duplicates(sandbox, generated)
        held: dict[str, int] = {}
        for batch in batches:
            for key, count in sandbox_holds(sandbox, batch).items():
                held[key] = held.get(key, 0) + count
        pushed = sum(len(b.references) for b in batches)
        if duplicates:
            push.divergences.append(f"duplicates in Xero: {duplicates}")
        if held != {"contacts": pushed, "items": pushed, "invoices": pushed}:
            push.divergences.append(f"Xero holds {held} of {pushed} each")
        if states != {"done": 3 * pushed}:
            push.divergences.append(f"outbox {states}")
        shared = {"crm_records_pushed": 3 * pushed, "outbox": states, "duplicates": duplicates}
        write_back.report(**shared)
        push.report(**shared)
        assert push.killed >= max(1, TRIALS // 2), "too few kills landed mid-push"
        assert write_back.killed >= max(1, TRIALS // 2), "too few kills landed after a create"
    finally:
        sandbox.close()


@pytest.fixture(scope="module")
def migration_sandbox() -> Any:
    running = reliability_sandbox(generate=MIGRATION_ORG, seed=7)
    yield running
    running.close()


@pytest.mark.parametrize("kind", SCALE.crash_kinds)
def test_kills_during_migration(
    migration_sandbox: RunningSandbox, database_factory: DatabaseFactory, tmp_path: Path, kind: str
) -> None:
    """Each killed upgrade is upgraded again and synced (the ``small`` organisation
    at every size: what is tested is the schema, not the amount pulled)."""
    phase = Phase("migration", kind)
    clean = database_factory.empty(kind)
    started = time.monotonic()
    status, _, err = run_xerodesk(["db", "upgrade", "--db", clean], tmp_path)
    assert status == 0, err
    upgrade_seconds = time.monotonic() - started
    finish(migration_sandbox, clean, tmp_path)
    expected = canonical(clean)
    for trial in range(TRIALS):
        url = database_factory.empty(kind)
        process = xerodesk(["db", "upgrade", "--db", url], tmp_path)
        moment = phase.delay(0.0, upgrade_seconds)
        phase.killed += kill_when(process, lambda: True, moment)
        status, _, err = run_xerodesk(["db", "upgrade", "--db", url], tmp_path)
        if status != 0 or "Traceback" in err:
            phase.divergences.append(f"trial {trial}: upgrade after the kill: {err.strip()}")
            continue
        finish(migration_sandbox, url, tmp_path)
        phase.compare(f"trial {trial}", url, expected)
    phase.report(upgrade_seconds=round(upgrade_seconds, 2), organisation=MIGRATION_ORG)
