"""Fault soak: a sync against a sandbox failing every way at a few percent per call.

The sandbox serves a generated organisation (``small`` in CI, ``medium`` in the
full run) with 500s, 503s, held calls the client times out on, connection
resets, 429 storms and writes whose answer is lost after Xero committed them,
each at a few percent of calls. The CRM starts with customers, products and
confirmed quotes to push. Passes (push, pull, push, as ``xerodesk sync`` runs
them) repeat until one finds nothing left to send. Then, faults off, a fresh
database takes one clean full pull of the same organisation: the two CRM
databases must hold the same rows, every pushed record must be in Xero exactly
once, and every outbox row done.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support.databases import DatabaseFactory
from tests.support.reliability import (
    canonical,
    differences,
    make_crm_batch,
    open_review_count,
    outbox_states,
    record,
    reliability_sandbox,
    sandbox_duplicates,
    sandbox_holds,
    scale,
)
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox
from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pass_types import PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.push import push_pending
from xerodesk.errors import XerodeskError
from xerodesk.store.database import open_engine
from xerodesk.store.types import utcnow
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import ScaledClock
from xerodesk.xero.endpoints import XeroEndpoints
from xerodesk.xero.identity import TokenEndpoint
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.tokens import ClientCredentialsTokens

#: these run real processes and whole syncs: longer than the suite-wide timeout
pytestmark = pytest.mark.timeout(3600)

SCALE = scale()
SEED = 20261125
#: the client gives up on a call after this many seconds; held calls last longer
CLIENT_TIMEOUT = 2.0
HELD_SECONDS = 3
RETRY = RetryPolicy(attempts=8, base_delay=0.1, max_delay=1.0, rate_limited_attempts=60)
MAX_PASSES = 8
QUEUED = ("lost", "timeout", "500", "503", "reset", "storm429", "lost")
#: smaller pages than Xero's largest: more calls, so more of them meet a fault
PAGE_SIZE = 100
#: sandbox and client time run this much faster than real time, so that the
#: client's own pacing (60 calls a Xero minute) does not make the soak wait
TIME_SCALE = 20.0


def fault_spec(rate: float, seed: int) -> str:
    kinds = ("500", "503", f"timeout@{HELD_SECONDS}", "reset", "storm429@3", "lost")
    parts = []
    for kind in kinds:
        name, _, param = kind.partition("@")
        parts.append(f"{name}={rate}" + (f":{param}" if param else ""))
    return ",".join([*parts, f"seed={seed}"])


def soak_client(sandbox: RunningSandbox) -> XeroClient:
    clock = ScaledClock(TIME_SCALE)
    endpoints = XeroEndpoints.for_base(sandbox.base_url)
    endpoint = TokenEndpoint(
        endpoints, TEST_CLIENT_ID, Secret(TEST_CLIENT_SECRET), clock=clock, retry=RETRY
    )
    client = XeroClient(
        ClientCredentialsTokens(endpoint, clock),
        sandbox.state.org.tenant_id,
        endpoints=endpoints,
        clock=clock,
        time_scale=TIME_SCALE,
        retry=RETRY,
        timeout=CLIENT_TIMEOUT,
        page_size=PAGE_SIZE,
    )
    client.close_with(endpoint.aclose)
    return client


async def soak(sandbox: RunningSandbox, engine: Engine) -> dict[str, Any]:
    """Passes under faults until one sends nothing; returns what it took."""
    db = DbWorker(engine)
    passes: list[str] = []
    sent = 0
    try:
        client = soak_client(sandbox)
        async with client:
            runner = PassRunner(client, db)
            for number in range(MAX_PASSES):
                # deferred pushes wait for their next attempt: let this pass find them due
                due = utcnow() + timedelta(hours=number + 1)
                before = await push_pending(client, db, now=due)
                try:
                    report = await runner.run(PassRequest(trigger="soak", full=number == 0))
                    outcome = report.outcome
                except XerodeskError as error:  # a call that failed every retry
                    outcome = f"failed: {error}"
                after = await push_pending(client, db, now=due)
                passes.append(outcome)
                sent_now = before.sent + after.sent + before.deferred + after.deferred
                sent += before.sent + after.sent
                if outcome == "ok" and sent_now == 0 and number > 0:
                    break
            usage = client.usage()
    finally:
        db.close()
    return {
        "passes": passes,
        "pushes_sent": sent,
        "calls": usage.calls,
        "retries": usage.retries,
        "by_outcome": dict(usage.by_outcome),
    }


async def clean_pull(sandbox: RunningSandbox, engine: Engine) -> None:
    db = DbWorker(engine)
    try:
        async with soak_client(sandbox) as client:
            report = await PassRunner(client, db).run(PassRequest(trigger="clean", full=True))
        assert report.outcome == "ok"
    finally:
        db.close()


@pytest.mark.parametrize("kind", SCALE.soak_kinds)
async def test_a_sync_under_every_fault_ends_as_a_clean_one(
    database_factory: DatabaseFactory, kind: str
) -> None:
    sandbox = reliability_sandbox(generate=SCALE.org, seed=11)
    try:
        url = database_factory.fresh(kind)
        engine = open_engine(url)
        try:
            generated = sandbox_duplicates(sandbox)
            batch = make_crm_batch(engine, "SOAK", SCALE.crm_batch)
            spec = fault_spec(SCALE.fault_rate, SEED)
            # at random, and one of each kind for certain: a lost answer and a
            # held call hit the first creates (Xero commits, the client hears nothing)
            sandbox.control("POST", "/faults", {"spec": spec, "queue": list(QUEUED)})
            started = time.monotonic()
            figures = await soak(sandbox, engine)
            figures["seconds"] = round(time.monotonic() - started, 1)
            counters = sandbox.control("GET", "/counters")
            sandbox.control("POST", "/faults", {"clear": True})
            states = outbox_states(engine)
            reviews = open_review_count(engine)
        finally:
            engine.dispose()

        clean_url = database_factory.fresh(kind)
        clean_engine = open_engine(clean_url)
        try:
            await clean_pull(sandbox, clean_engine)
            clean_reviews = open_review_count(clean_engine)
        finally:
            clean_engine.dispose()
        diff = differences(canonical(url), canonical(clean_url))
        duplicates = sandbox_duplicates(sandbox, generated)
        held = sandbox_holds(sandbox, batch)
        faults = {k: v for k, v in Counter(counters["faults"]).items() if v}
        record(
            f"fault_soak_{kind}",
            {
                **figures,
                "database": kind,
                "organisation": SCALE.org,
                "fault_spec": spec,
                "faults_survived": faults,
                "faults_total": sum(faults.values()),
                "crm_records_pushed": 3 * SCALE.crm_batch,
                "outbox": states,
                "open_reviews": reviews,
                "open_reviews_clean_run": clean_reviews,
                "differing_rows": diff,
                "sandbox_duplicates": duplicates,
            },
        )
        assert figures["passes"][-1] == "ok", figures["passes"]
        assert diff == {}, f"the soaked database differs from a clean pull: {diff}"
        assert duplicates == {}
        n = SCALE.crm_batch
        assert held == {"contacts": n, "items": n, "invoices": n}
        assert states == {"done": 3 * n}
        assert reviews == clean_reviews, "faults made review items a clean pull has not"
        for fault in ("500", "503", "timeout", "reset", "storm429", "lost"):
            assert faults.get(fault, 0) > 0, f"no {fault} fault was injected: {faults}"
    finally:
        sandbox.close()
