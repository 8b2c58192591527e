"""The vendored OpenAPI files are upstream's, byte for byte, as SOURCE lists them."""

from __future__ import annotations

import hashlib
import re

from tests.contract.spec import (
    IDENTITY_URI,
    SPEC_DIR,
    identity_spec,
    problems,
    spec,
    webhook_problems,
    webhooks_spec,
)

LISTED = re.compile(r"^  (\S+)\s+([0-9a-f]{64})\s+([0-9a-f]{40})$", re.MULTILINE)


def listed() -> dict[str, tuple[str, str]]:
    """File name -> (sha256, git blob id), from the SOURCE file's table."""
    text = (SPEC_DIR / "SOURCE").read_text(encoding="utf-8")
    return {name: (sha, blob) for name, sha, blob in LISTED.findall(text)}


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def test_source_lists_the_specs_and_their_licence() -> None:
    assert set(listed()) == {
        "xero_accounting.yaml",
        "xero-identity.yaml",
        "xero-webhooks.yaml",
        "LICENSE",
    }


def test_every_file_matches_its_hashes() -> None:
    for name, (sha, blob) in listed().items():
        data = (SPEC_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, f"{name} is not upstream's file"
        assert git_blob_id(data) == blob, f"{name} is not upstream's blob"


def test_the_folder_holds_nothing_else() -> None:
    present = {path.name for path in SPEC_DIR.iterdir()}
    assert present == set(listed()) | {"SOURCE"}


def test_the_licence_is_mit_and_every_spec_is_the_listed_version() -> None:
    licence = (SPEC_DIR / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    version = re.search(r"^Version\s*: (\S+)", (SPEC_DIR / "SOURCE").read_text(), re.MULTILINE)
    assert version is not None
    versions = {s["info"]["version"] for s in (spec(), identity_spec(), webhooks_spec())}
    assert versions == {version.group(1)}


def test_the_identity_validator_catches_a_wrong_shape() -> None:
    assert problems({"expires_in": "1800"}, "AccessToken", IDENTITY_URI)
    assert problems({"tenantId": "not-a-uuid"}, "Connection", IDENTITY_URI)
    assert not problems(
        {"tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"}, "Connection", IDENTITY_URI
    )


def test_the_webhook_validator_catches_a_wrong_shape() -> None:
    event = {
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        "resourceId": "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        "eventDateUtc": "2024-06-21T01:15:39.902",
        "eventType": "UPDATE",
        "eventCategory": "CONTACT",
        "tenantId": "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f",
        "tenantType": "ORGANISATION",
    }
    body = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "X"}
    assert not webhook_problems(body)
    assert webhook_problems({**body, "events": [{**event, "eventType": "DELETE"}]})
    assert webhook_problems({k: v for k, v in body.items() if k != "entropy"})
    assert webhook_problems({**body, "events": [{**event, "eventDateUtc": "yesterday"}]})
