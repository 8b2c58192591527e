"""Pushing to Xero: new CRM customers, new products and confirmed orders, once each.

The runner's API:

- ``watch_for_pushes(db, on_found, interval=1.0)`` / ``Detector``: notice the
  CRM's commits within seconds (PostgreSQL LISTEN/NOTIFY, else polling) and
  queue them in the ``xd_outbox``;
- ``push_pending(client, db, options, run_id)``: send what is due;
- ``retry_push``, ``release_quote``, ``link_to_existing_contact``: the review
  queue's actions.
"""

from __future__ import annotations

from xerodesk.engine.push.actions import link_to_existing_contact, release_quote, retry_push
from xerodesk.engine.push.detect import detect_pushes
from xerodesk.engine.push.model import (
    Detected,
    PushKind,
    PushReport,
    PushState,
    QuoteState,
    SentRecord,
)
from xerodesk.engine.push.send import OnSent, push_pending
from xerodesk.engine.push.watch import Detector, OnFound, watch_for_pushes

__all__ = [
    "Detected",
    "Detector",
    "OnFound",
    "OnSent",
    "PushKind",
    "PushReport",
    "PushState",
    "QuoteState",
    "SentRecord",
    "detect_pushes",
    "link_to_existing_contact",
    "push_pending",
    "release_quote",
    "retry_push",
    "watch_for_pushes",
]
