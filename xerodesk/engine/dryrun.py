"""A dry run: what a pass would change on each side, with nothing written anywhere.

The pass runs for real against Xero (reads only: a pull never writes to
Xero) and against the database through a ``RehearsalDbWorker``, whose writes
all roll back at the end. So the figures are those of the real writers, not
an estimate: records the CRM would gain, change or leave, review items the
pass would raise, the sweep's findings, and the pushes it would send (the
outbox's pending items plus what detection would queue). No push is sent, and
no run log, cursor, link or lease row is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import ProgressSink
from xerodesk.engine.dbworker import RehearsalDbWorker
from xerodesk.engine.lock import LEASE_NAME, RunnerBusyError, current_holder
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.push import PushState, detect_pushes
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem
from xerodesk.xero.client import XeroClient


@dataclass
class DryRunReport:
    """What a pass would do: the pull's figures and the pushes by kind."""

    report: PassReport
    pushes: dict[str, int] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return self.report.calls


def pending_pushes(connection: Connection) -> dict[str, int]:
    """Outbox items a pass would send, by kind."""
    rows = connection.execute(
        select(OutboxItem.kind, func.count())
        .where(OutboxItem.state.in_([PushState.PENDING.value, PushState.SENDING.value]))
        .group_by(OutboxItem.kind)
    )
    return {str(kind): int(count) for kind, count in rows}


def refuse_if_running(connection: Connection) -> None:
    """A dry run holds its changes until it ends: not beside a runner that writes."""
    holder = current_holder(connection, LEASE_NAME)
    if holder is not None and holder.expires_at is not None and holder.expires_at > utcnow():
        raise RunnerBusyError(holder)


async def dry_run(
    client: XeroClient,
    db: RehearsalDbWorker,
    request: PassRequest,
    progress: ProgressSink | None = None,
) -> DryRunReport:
    """Run ``request`` against ``db`` (rolled back by its ``close``) and report it."""
    await db.read(refuse_if_running)
    report = await PassRunner(client, db, progress).run(request)
    await db.write(detect_pushes, utcnow())
    return DryRunReport(report, await db.read(pending_pushes))
