"""A CRM database keeps the books of one Xero organisation (xd_organisation)."""

from __future__ import annotations

import pytest

from tests.support.databases import DatabaseFactory
from xerodesk.engine.control_types import database_owner, open_migrated
from xerodesk.errors import ConfigurationError
from xerodesk.store.organisation import claim_organisation


def test_the_first_organisation_is_kept_and_another_is_refused_by_name(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.fresh("sqlite")
    engine = open_migrated(url)
    try:
        assert database_owner(url) is None
        with engine.begin() as connection:
            claim_organisation(connection, "TENANT-A", "Harbour Books Ltd", "xero")
        with engine.begin() as connection:
            kept = claim_organisation(connection, "tenant-a", "Harbour Books Limited", "xero")
        assert kept is not None and kept.name == "Harbour Books Limited"
        with pytest.raises(ConfigurationError, match=r"Harbour Books Limited.*Other Co"):
            with engine.begin() as connection:
                claim_organisation(connection, "TENANT-B", "Other Co", "xero")
        owner = database_owner(url)
        assert owner is not None and owner.tenant_id == "TENANT-A"
    finally:
        engine.dispose()
