"""Background work for the widgets: one small operation API with one error path.

``Ops.run(coro, done=...)`` runs a coroutine as a task on the qasync loop;
its result goes to ``done`` and any failure to the one problem handler (a
banner in the window), never to a traceback. Each operation has a key, the
names of its work and of its ``done``, so that a problem can go once the
same operation next succeeds (``on_success``). The engine's database work
inside it runs on the database worker thread, so the window stays live.
Modelled on anki's ``QueryOp``/``CollectionOp``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from xerodesk.errors import XerodeskError

log = logging.getLogger(__name__)

T = TypeVar("T")
#: told the problem's text and the key of the operation that failed
ProblemHandler = Callable[[str, str], None]


class Ops:
    """Runs the widgets' coroutines and reports their failures in one place."""

    def __init__(
        self, on_problem: ProblemHandler, on_success: Callable[[str], None] | None = None
    ) -> None:
        self.on_problem = on_problem
        self.on_success = on_success
        self.closed = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(
        self,
        work: Awaitable[T],
        done: Callable[[T], None] | None = None,
        *,
        failed: Callable[[str], None] | None = None,
    ) -> asyncio.Task[T]:
        task = asyncio.ensure_future(work)
        if self.closed:  # the window is closing: nothing new starts
            task.cancel()
            return task
        self._tasks.add(task)
        key = operation_key(work, done)
        task.add_done_callback(lambda t: self._finished(t, key, done, failed))
        return task

    def _finished(
        self,
        task: asyncio.Task[T],
        key: str,
        done: Callable[[T], None] | None,
        failed: Callable[[str], None] | None,
    ) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            if done is not None:
                done(task.result())
            if self.on_success is not None:
                self.on_success(key)
            return
        text = problem_text(error)
        if not isinstance(error, XerodeskError):
            log.error("unexpected error in the app", exc_info=error)
        if failed is not None:
            failed(text)
        self.on_problem(text, key)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def wait_idle(self) -> None:
        """Wait for every operation in hand (tests, and closing the window)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def close(self) -> None:
        """Cancel the operations in hand and start no more."""
        self.closed = True
        for task in list(self._tasks):
            task.cancel()


def operation_key(work: object, done: Callable[..., object] | None) -> str:
    """Which operation this is: ``ConnectionTab.use_demo``, or for a query the
    callback that takes its result (``SyncController.query>StatusTab.show_plan``)."""
    name = str(getattr(work, "__qualname__", type(work).__name__))
    if done is not None:
        name += ">" + str(getattr(done, "__qualname__", type(done).__name__))
    return name


def problem_text(error: BaseException) -> str:
    """What to tell the user about ``error``: its own words, or a short general line."""
    if isinstance(error, XerodeskError):
        return str(error)
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error.strerror or error}"
    return f"Something went wrong ({type(error).__name__}); the details are in the log."
