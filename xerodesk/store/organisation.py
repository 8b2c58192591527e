"""Which Xero organisation a CRM database belongs to (``xd_organisation``).

A database holds one organisation's customers, invoices and links; syncing it
with a second organisation would mix two sets of books. The first connection
records the organisation, and a later one to any other is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, inspect, select, update

from xerodesk.errors import ConfigurationError
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import SyncedOrganisation

__all__ = ["OwnOrganisation", "claim_organisation", "read_owner", "recorded_organisation"]

_TABLE = SyncedOrganisation.__tablename__


@dataclass(frozen=True)
class OwnOrganisation:
    tenant_id: str
    name: str

    @property
    def shown(self) -> str:
        return self.name or self.tenant_id


def recorded_organisation(connection: Connection) -> OwnOrganisation | None:
    row = connection.execute(
        select(SyncedOrganisation.tenant_id, SyncedOrganisation.name).order_by(
            SyncedOrganisation.id
        )
    ).first()
    return OwnOrganisation(row.tenant_id, row.name) if row is not None else None


def read_owner(engine: Engine) -> OwnOrganisation | None:
    """The database's organisation, without changing anything (``None``: none yet,
    or a database older than the record)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_TABLE):
            return None
        return recorded_organisation(connection)


def claim_organisation(
    connection: Connection, tenant_id: str, name: str, xero: str
) -> OwnOrganisation | None:
    """Record the organisation if none is, or keep its name current; refuse another."""
    own = recorded_organisation(connection)
    if not tenant_id:
        return own
    if own is None:
        connection.execute(
            insert(SyncedOrganisation).values(
                tenant_id=tenant_id, name=name, xero=xero, recorded_at=utcnow()
            )
        )
        return OwnOrganisation(tenant_id, name)
    if own.tenant_id.lower() != tenant_id.lower():
        raise ConfigurationError(refusal(own, name or tenant_id))
    if name and name != own.name:
        connection.execute(
            update(SyncedOrganisation)
            .where(SyncedOrganisation.tenant_id == own.tenant_id)
            .values(name=name)
        )
    return OwnOrganisation(own.tenant_id, name or own.name)


def refusal(own: OwnOrganisation, other: str) -> str:
    return (
        f"This CRM database is synced with the Xero organisation “{own.shown}”, so it "
        f"cannot be synced with “{other}”: that would mix two sets of books. Open the "
        f"database of “{other}”, or choose a new database file for it."
    )
