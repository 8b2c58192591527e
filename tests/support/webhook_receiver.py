"""A webhook receiver on loopback for tests: records what it is sent, answers as told.

``WebhookReceiver(key, mode)`` serves from a thread (``with`` starts and stops
it); ``url`` is where to register it. Modes: ``"verify"`` answers 200 to a
correctly signed body and 401 otherwise, as Xero asks of a receiver;
``"200"`` and ``"500"`` answer that whatever is sent. ``received`` holds each
request's raw body and headers (lower-case names), in arrival order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def signature(self) -> str:
        return self.headers.get("x-xero-signature", "")


def signature_of(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class WebhookReceiver:
    def __init__(self, key: str, mode: str = "verify") -> None:
        self.key = key
        self.mode = mode
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.answer(body, headers.get("x-xero-signature", ""))
                with receiver.arrived:  # kept before answering: the sender may look at once
                    receiver.received.append(Received(self.path, headers, body, status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}/webhooks/xero"

    def answer(self, body: bytes, signature: str) -> int:
        if self.mode == "verify":
            good = hmac.compare_digest(signature, signature_of(body, self.key))
            return 200 if good else 401
        return int(self.mode)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The requests once ``count`` have arrived (fails the test after ``timeout``)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} deliveries arrived")
            return list(self.received)

    def bodies(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
