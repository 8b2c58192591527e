"""The engine's progress events drawn on a terminal: one live line per entity."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from xerodesk.domain.sync import Phase, ProgressEvent

_FINAL = (Phase.DONE, Phase.FAILED, Phase.CANCELLED)


class TerminalProgress:
    """A ``ProgressSink`` that redraws the current entity's line a few times a second.

    On a terminal the line is rewritten in place; elsewhere (a log, a pipe)
    only each entity's final line is written.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self._last_draw = 0.0
        self._width = 0

    def __call__(self, event: ProgressEvent) -> None:
        final = event.phase in _FINAL
        now = time.monotonic()
        if not final and (not self.live or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        line = describe(event)
        if self.live:
            padding = " " * max(0, self._width - len(line))
            self.stream.write("\r" + line + padding + ("\n" if final else ""))
            self._width = 0 if final else len(line)
        elif final:
            self.stream.write(line + "\n")
        self.stream.flush()


def describe(event: ProgressEvent) -> str:
    """One line for an event, e.g. ``invoices  writing  3,000 of 100,000  3 pages  4 calls``."""
    done = event.counts.done
    amount = f"{done:,} of {event.expected:,}" if event.expected else f"{done:,}"
    parts = [f"{event.entity:<16}", f"{event.phase.value:<10}", f"{amount} records"]
    if event.pages:
        parts.append(f"{event.pages} page{'s' if event.pages != 1 else ''}")
    if event.calls:
        parts.append(f"{event.calls} call{'s' if event.calls != 1 else ''}")
    if event.minute_remaining is not None:
        parts.append(f"{event.minute_remaining} left this minute")
    if event.message:
        parts.append(event.message)
    return "  ".join(parts)
