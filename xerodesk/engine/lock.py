"""One runner per database: two apps, or an app and a service, never sync at once.

Every database keeps a lease row in ``xd_lease`` saying who runs the sync and
since when, renewed by a heartbeat and taken over once it expires (its holder
died). On PostgreSQL a session advisory lock guards it too: the server drops
it the moment the holder's connection dies.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from xerodesk.errors import XerodeskError
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import RunnerLease

log = logging.getLogger(__name__)

LEASE_NAME = "sync"
LEASE_TTL = timedelta(seconds=90)
#: the advisory lock key on PostgreSQL ("xerodesk" in ASCII, folded into 63 bits)
ADVISORY_KEY = 0x7865726F6465736B


class RunnerBusyError(XerodeskError):
    """Another runner holds the database; its text says who and since when."""

    exit_status = 2

    def __init__(self, holder: LeaseHolder) -> None:
        since = holder.acquired_at.strftime("%Y-%m-%d %H:%M UTC") if holder.acquired_at else "?"
        super().__init__(
            f"another xerodesk ({holder.holder} on {holder.host or 'an unknown host'}, "
            f"pid {holder.pid}) has been syncing this database since {since}"
        )
        self.holder = holder


@dataclass(frozen=True)
class LeaseHolder:
    holder: str | None
    host: str | None
    pid: int | None
    acquired_at: datetime | None
    expires_at: datetime | None


def runner_identity(label: str = "xerodesk") -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def current_holder(connection: Connection, name: str = LEASE_NAME) -> LeaseHolder | None:
    row = connection.execute(
        select(
            RunnerLease.holder,
            RunnerLease.host,
            RunnerLease.pid,
            RunnerLease.acquired_at,
            RunnerLease.expires_at,
        ).where(RunnerLease.name == name)
    ).first()
    if row is None or row.holder is None:
        return None
    return LeaseHolder(*row)


def try_take_lease(
    connection: Connection, holder: str, ttl: timedelta = LEASE_TTL, name: str = LEASE_NAME
) -> LeaseHolder | None:
    """Take or renew the lease; None when taken, else who holds it.

    The guarded UPDATE is atomic on every database: of two runners racing for
    an expired lease, exactly one matches the row.
    """
    now = utcnow()
    previous = current_holder(connection, name)
    values = {
        "holder": holder,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "heartbeat_at": now,
        "expires_at": now + ttl,
    }
    free = or_(
        RunnerLease.holder.is_(None), RunnerLease.holder == holder, RunnerLease.expires_at < now
    )
    if previous is not None and _died_here(previous):
        # the holder ran on this machine and its process is gone: no need to wait
        free = or_(free, RunnerLease.holder == previous.holder)
    result = connection.execute(
        update(RunnerLease).where(RunnerLease.name == name).where(free).values(**values)
    )
    if result.rowcount:
        if previous is None or previous.holder != holder:
            connection.execute(
                update(RunnerLease)
                .where(RunnerLease.name == name, RunnerLease.holder == holder)
                .values(acquired_at=now)
            )
        return None
    if previous is not None:
        return previous
    try:
        with connection.begin_nested():
            connection.execute(insert(RunnerLease).values(name=name, acquired_at=now, **values))
    except IntegrityError:
        return current_holder(connection, name) or LeaseHolder("someone", None, None, None, None)
    return None


def _died_here(holder: LeaseHolder) -> bool:
    """True when ``holder`` ran on this host and its process no longer exists."""
    if holder.host != socket.gethostname() or not holder.pid or holder.pid == os.getpid():
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def release_lease(connection: Connection, holder: str, name: str = LEASE_NAME) -> None:
    connection.execute(
        update(RunnerLease)
        .where(RunnerLease.name == name, RunnerLease.holder == holder)
        .values(holder=None, expires_at=None, acquired_at=None)
    )


class RunnerLock:
    """The lease (and, on PostgreSQL, an advisory lock) held by this runner."""

    def __init__(self, engine: Engine, holder: str | None = None, ttl: timedelta = LEASE_TTL):
        self.engine = engine
        self.holder = holder or runner_identity()
        self.ttl = ttl
        self._advisory: Connection | None = None

    def acquire(self) -> None:
        """Take the database or raise RunnerBusyError naming who has it."""
        if self.engine.dialect.name == "postgresql" and self._advisory is None:
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            if not got.scalar():
                connection.close()
                with self.engine.connect() as probe:
                    busy = current_holder(probe) or LeaseHolder(
                        "another runner", None, None, None, None
                    )
                raise RunnerBusyError(busy)
            connection.commit()
            self._advisory = connection
        with self.engine.begin() as connection:
            holder = try_take_lease(connection, self.holder, self.ttl)
        if holder is not None:
            self._drop_advisory()
            raise RunnerBusyError(holder)

    def heartbeat(self) -> None:
        """Renew the lease; raise RunnerBusyError if another runner took it over."""
        with self.engine.begin() as connection:
            holder = try_take_lease(connection, self.holder, self.ttl)
        if holder is not None:
            raise RunnerBusyError(holder)

    def release(self) -> None:
        try:
            with self.engine.begin() as connection:
                release_lease(connection, self.holder)
        finally:
            self._drop_advisory()

    def _drop_advisory(self) -> None:
        if self._advisory is not None:
            try:
                self._advisory.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._advisory.commit()
            finally:
                self._advisory.close()
                self._advisory = None
