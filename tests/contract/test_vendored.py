"""The vendored OpenAPI files are upstream's, byte for byte, as SOURCE lists them."""

from __future__ import annotations

import hashlib
import re

from tests.contract.spec import IDENTITY_URI, SPEC_DIR, identity_spec, problems, spec

LISTED = re.compile(r"^  (\S+)\s+([0-9a-f]{64})\s+([0-9a-f]{40})$", re.MULTILINE)


def listed() -> dict[str, tuple[str, str]]:
    """File name -> (sha256, git blob id), from the SOURCE file's table."""
    text = (SPEC_DIR / "SOURCE").read_text(encoding="utf-8")
    return {name: (sha, blob) for name, sha, blob in LISTED.findall(text)}


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def test_source_lists_the_specs_and_their_licence() -> None:
    assert set(listed()) == {"xero_accounting.yaml", "xero-identity.yaml", "LICENSE"}


def test_every_file_matches_its_hashes() -> None:
    for name, (sha, blob) in listed().items():
        data = (SPEC_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, f"{name} is not upstream's file"
        assert git_blob_id(data) == blob, f"{name} is not upstream's blob"


def test_the_folder_holds_nothing_else() -> None:
    present = {path.name for path in SPEC_DIR.iterdir()}
    assert present == set(listed()) | {"SOURCE"}


def test_the_licence_is_mit_and_both_specs_are_the_listed_version() -> None:
    licence = (SPEC_DIR / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    version = re.search(r"^Version\s*: (\S+)", (SPEC_DIR / "SOURCE").read_text(), re.MULTILINE)
    assert version is not None
    assert spec()["info"]["version"] == identity_spec()["info"]["version"] == version.group(1)


def test_the_identity_validator_catches_a_wrong_shape() -> None:
    assert problems({"expires_in": "1800"}, "AccessToken", IDENTITY_URI)
    assert problems({"tenantId": "not-a-uuid"}, "Connection", IDENTITY_URI)
    assert not problems(
        {"tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"}, "Connection", IDENTITY_URI
    )
