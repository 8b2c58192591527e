"""Batched writes: per-record results and idempotency keys.

Records go to Xero at most 50 a call with ``summarizeErrors=false``, so a bad
record does not sink the batch: Xero answers 200 and marks each element with
``StatusAttributeString`` (``OK``/``WARNING``/``ERROR``) and its own
``ValidationErrors``. Each element becomes a ``RecordResult`` in the order sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from xerodesk.errors import XeroValidationError
from xerodesk.xero.endpoints import EntitySpec, XeroEndpoints
from xerodesk.xero.transport import (
    Transport,
    XeroRequest,
    XeroResponse,
    error_messages,
    validation_messages,
)

__all__ = [
    "MAX_KEY_LENGTH",
    "BatchWriter",
    "RecordResult",
    "batch_idempotency_key",
    "idempotency_key",
]

#: Xero refuses longer ``Idempotency-Key`` values.
MAX_KEY_LENGTH = 128

Status = Literal["OK", "WARNING", "ERROR"]


def idempotency_key(*parts: object) -> str:
    """A stable key from what identifies one write of one record.

    Give the CRM record's identity and version (``"contact", 42, 7``): the
    same write gets the same key on every retry, even after a restart, and a
    new version gets a new one. At most 128 characters, as Xero requires.
    """
    if not parts:
        raise ValueError("an idempotency key needs at least one part")
    text = "\x1f".join(str(part) for part in parts)
    return "xd-" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def batch_idempotency_key(method: str, entity: str, record_keys: Sequence[str]) -> str:
    """The key of one batch: derived from its records' keys, in order."""
    return idempotency_key(method.upper(), entity, *record_keys)


@dataclass(frozen=True)
class RecordResult:
    """What Xero made of one record of a write."""

    index: int
    key: str
    status: Status
    record: dict[str, Any] | None
    xero_id: str | None
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Xero's ``Xero-Correlation-Id`` of the call that carried the record
    correlation_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "ERROR"

    def error(self) -> XeroValidationError:
        """The typed error for a refused record (for the review queue)."""
        text = "; ".join(self.messages) if self.messages else "no reason given"
        return XeroValidationError(f"Xero refused the record: {text}", self.messages)


def results_from_response(
    response: XeroResponse,
    collection_key: str,
    id_field: str,
    keys: Sequence[str],
    offset: int,
) -> list[RecordResult]:
    """One result per key, from a 200 (per element) or a 400 (whole batch), each
    with the call's correlation id."""
    results = _results(response, collection_key, id_field, keys, offset)
    if response.correlation_id is None:
        return results
    return [replace(result, correlation_id=response.correlation_id) for result in results]


def _results(
    response: XeroResponse,
    collection_key: str,
    id_field: str,
    keys: Sequence[str],
    offset: int,
) -> list[RecordResult]:
    body = response.body if isinstance(response.body, dict) else {}
    if response.status == 400:
        return _from_validation_exception(body, id_field, keys, offset)
    elements = body.get(collection_key)
    if not isinstance(elements, list):
        elements = []
    results = []
    for position, key in enumerate(keys):
        element = elements[position] if position < len(elements) else None
        results.append(_from_element(element, id_field, key, offset + position))
    return results


def _from_element(element: Any, id_field: str, key: str, index: int) -> RecordResult:
    if not isinstance(element, dict):
        return RecordResult(
            index, key, "ERROR", None, None, ["Xero returned no result for this record"]
        )
    messages = validation_messages(element)
    status_text = str(element.get("StatusAttributeString") or "").upper()
    has_errors = bool(element.get("HasErrors") or element.get("HasValidationErrors"))
    status: Status
    if status_text == "ERROR" or messages or has_errors:
        status = "ERROR"
    elif status_text == "WARNING" or element.get("Warnings"):
        status = "WARNING"
    else:
        status = "OK"
    warnings = [
        w["Message"]
        for w in element.get("Warnings") or []
        if isinstance(w, dict) and isinstance(w.get("Message"), str)
    ]
    xero_id = element.get(id_field)
    return RecordResult(
        index=index,
        key=key,
        status=status,
        record=element,
        xero_id=str(xero_id) if xero_id and status != "ERROR" else None,
        messages=messages or (["Xero marked the record as an error"] if status == "ERROR" else []),
        warnings=warnings,
    )


def _from_validation_exception(
    body: dict[str, Any], id_field: str, keys: Sequence[str], offset: int
) -> list[RecordResult]:
    elements = body.get("Elements")
    if isinstance(elements, list) and len(elements) == len(keys):
        return [
            _refused(_from_element(element, id_field, key, offset + position))
            for position, (element, key) in enumerate(zip(elements, keys, strict=True))
        ]
    messages = error_messages(body) or ["Xero refused the batch"]
    return [
        RecordResult(offset + position, key, "ERROR", None, None, list(messages))
        for position, key in enumerate(keys)
    ]


def _refused(result: RecordResult) -> RecordResult:
    """Every element of a 400 failed, even one that lists no message of its own."""
    if result.status == "ERROR":
        return result
    return RecordResult(
        result.index,
        result.key,
        "ERROR",
        result.record,
        None,
        result.messages or ["Xero refused the batch this record was in"],
        result.warnings,
    )


class BatchWriter:
    """Writes for ``XeroClient``: batches of at most 50 under idempotency keys."""

    transport: Transport
    endpoints: XeroEndpoints

    async def save(
        self,
        spec: EntitySpec,
        records: Sequence[Mapping[str, Any]],
        *,
        record_keys: Sequence[str],
        method: str = "POST",
    ) -> list[RecordResult]:
        """Create or update (``POST``) or create only (``PUT``) records.

        ``record_keys`` are the caller's stable keys for the records (see
        ``idempotency_key``); each batch of at most ``spec.max_batch`` records
        is sent under a key derived from its records' keys, so a retry after a
        lost response is replayed by Xero instead of creating duplicates.
        Returns one ``RecordResult`` per record, in order.
        """
        if len(records) != len(record_keys):
            raise ValueError("one record key is needed per record")
        results: list[RecordResult] = []
        size = spec.max_batch
        for start in range(0, len(records), size):
            results.extend(
                await self.save_batch(
                    spec,
                    records[start : start + size],
                    record_keys=record_keys[start : start + size],
                    method=method,
                    offset=start,
                )
            )
        return results

    async def save_batch(
        self,
        spec: EntitySpec,
        records: Sequence[Mapping[str, Any]],
        *,
        record_keys: Sequence[str],
        method: str = "POST",
        offset: int = 0,
    ) -> list[RecordResult]:
        """One write call of at most ``spec.max_batch`` records."""
        if not records:
            return []
        if len(records) > spec.max_batch:
            raise ValueError(f"at most {spec.max_batch} {spec.name} records per call")
        if len(records) != len(record_keys):
            raise ValueError("one record key is needed per record")
        params = {"summarizeErrors": "false"}
        if spec.unitdp:
            params["unitdp"] = "4"
        response = await self.transport.call(
            XeroRequest(
                method.upper(),
                f"{self.endpoints.api}/{spec.path}",
                f"{method.upper()} {spec.name}",
                params,
                body={spec.collection_key: [dict(r) for r in records]},
                idempotency_key=batch_idempotency_key(method, spec.name, record_keys),
                accept_validation_errors=True,
            )
        )
        return results_from_response(
            response, spec.collection_key, spec.id_field, record_keys, offset
        )
