"""What a sync pass is asked to do (``PassRequest``), what it reports
(``PassReport``) and what it knows as it goes (``PassState``): the vocabulary
the pass runner in ``engine/passes.py``, the service, the dry run and the
app share."""

from __future__ import annotations

from dataclasses import dataclass, field

from xerodesk.domain.sync import PULL_ORDER, Counts, EntityKind
from xerodesk.engine.budget import CallPlan
from xerodesk.engine.pull import PullResult
from xerodesk.engine.sweep import SweepResult
from xerodesk.store.options import Options


@dataclass(frozen=True)
class PassRequest:
    trigger: str = "manual"
    full: bool = False
    only: tuple[EntityKind, ...] = PULL_ORDER


@dataclass
class PassReport:
    run_id: int
    outcome: str = "running"
    message: str | None = None
    entities: dict[str, PullResult] = field(default_factory=dict)
    calls: int = 0
    #: bytes of Xero's answers: as read (after decompression), and on the wire
    bytes_read: int = 0
    wire_bytes: int = 0
    new_review_items: int = 0
    #: the reconciliation sweep, when one ran
    sweep: SweepResult | None = None
    #: the pass's estimated calls against today's budget
    plan: CallPlan | None = None

    @property
    def counts(self) -> Counts:
        total = Counts()
        for result in self.entities.values():
            total += result.counts
        return total


@dataclass
class PassState:
    """What one pass knows as it goes."""

    options: Options
    request: PassRequest
    run_id: int
    report: PassReport
    #: ContactIDs of the sales documents this pass wrote
    touched_contacts: set[str] = field(default_factory=set)
    #: item codes on the lines of the sales documents this pass wrote
    moved_items: set[str] = field(default_factory=set)
    #: this pass read every item (their stock is fresh)
    items_read_whole: bool = False
    #: this pass read every contact (balances are fresh)
    contacts_read_whole: bool = False
    #: the entities whose reconciliation sweep is due in this pass
    sweep_due: tuple[EntityKind, ...] = ()
    #: the entities this pass reads for the first time (reconciled by that read)
    first_reads: tuple[EntityKind, ...] = ()
    swept: bool = False
    #: the ItemIDs of the whole list of items this pass read (the sweep looks
    #: for deletions in it); the ids only, not the records, which are let go
    listed_items: frozenset[str] | None = None
