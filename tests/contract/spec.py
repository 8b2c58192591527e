"""Xero's official OpenAPI specs (Accounting, Identity and Webhooks), for contract tests.

The specs are vendored unchanged in ``third_party/xero-openapi`` (see its
``SOURCE``). They are read without YAML timestamp resolution (so
``DateString`` values stay strings) and validated with ``$ref`` resolution
through a ``referencing`` registry.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30ReadValidator, OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[2] / "third_party" / "xero-openapi"
SPEC_FILE = SPEC_DIR / "xero_accounting.yaml"
IDENTITY_FILE = SPEC_DIR / "xero-identity.yaml"
WEBHOOKS_FILE = SPEC_DIR / "xero-webhooks.yaml"
URI = "urn:xero:accounting"
IDENTITY_URI = "urn:xero:identity"
WEBHOOKS_URI = "urn:xero:webhooks"
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoTimestamps(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """A safe loader that leaves ISO dates as strings."""


_NoTimestamps.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoTimestamps)
    assert isinstance(loaded, dict)
    return loaded


@cache
def spec() -> dict[str, Any]:
    return _load(SPEC_FILE)


@cache
def identity_spec() -> dict[str, Any]:
    return _load(IDENTITY_FILE)


@cache
def webhooks_spec() -> dict[str, Any]:
    return _load(WEBHOOKS_FILE)


@cache
def _registry() -> Registry:
    return Registry().with_resources(
        [
            (URI, Resource.from_contents(spec(), DRAFT4)),  # type: ignore[arg-type]
            (IDENTITY_URI, Resource.from_contents(identity_spec(), DRAFT4)),  # type: ignore[arg-type]
            (WEBHOOKS_URI, Resource.from_contents(webhooks_spec(), DRAFT202012)),  # type: ignore[arg-type]
        ]
    )


@cache
def validator(schema: str, uri: str = URI) -> OAS30ReadValidator:
    return OAS30ReadValidator(
        {"$ref": f"{uri}#/components/schemas/{schema}"},
        registry=_registry(),
        format_checker=OAS30ReadValidator.FORMAT_CHECKER,
    )


def problems(instance: Any, schema: str, uri: str = URI) -> list[str]:
    """Every way ``instance`` (as JSON) breaks the schema, with its path."""
    plain = json.loads(json.dumps(instance))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator(schema, uri).iter_errors(plain)
    ]


def assert_valid(instance: Any, schema: str, uri: str = URI) -> None:
    """``instance`` is valid against a schema of the Accounting spec (or,
    with ``uri=IDENTITY_URI``, of the Identity spec)."""
    found = problems(instance, schema, uri)
    assert not found, f"{schema}: " + "; ".join(found[:10])


def example(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
    """The example body the spec gives for one operation's response."""
    operation = spec()["paths"][path][method]
    content = operation["responses"][status]["content"]["application/json"]
    value = content["example"]
    assert isinstance(value, dict)
    return json.loads(json.dumps(value))


def _webhook_formats() -> Any:
    """OpenAPI 3.1's formats, but ``date-time`` as Xero writes ``eventDateUtc``: UTC
    without an offset ("2024-06-21T01:15:39.902", as in the spec's own examples),
    which RFC 3339's date-time would refuse."""
    checker: Any = copy.copy(OAS31Validator.FORMAT_CHECKER)
    checker.checkers = dict(checker.checkers)

    def xero_date_time(value: object) -> bool:
        if isinstance(value, str):
            datetime.fromisoformat(value)
        return True

    checker.checks("date-time", raises=ValueError)(xero_date_time)
    return checker


@cache
def webhook_validator(schema: str) -> OAS31Validator:
    """The Webhooks spec is OpenAPI 3.1 (JSON Schema 2020-12)."""
    return OAS31Validator(
        {"$ref": f"{WEBHOOKS_URI}#/components/schemas/{schema}"},
        registry=_registry(),
        format_checker=_webhook_formats(),
    )


def webhook_problems(instance: Any, schema: str = "WebhookEvent") -> list[str]:
    """Every way a delivery body breaks Xero's published webhook schema."""
    plain = json.loads(json.dumps(instance))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in webhook_validator(schema).iter_errors(plain)
    ]
