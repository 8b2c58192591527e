"""Sync status: a full resync asks first with its calls, Stop says Stopped on every row
not finished, the whole pass's progress and time left, and today's calls live."""

from __future__ import annotations

import time
from typing import Any

import qasync
from PySide6.QtCore import Qt

from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox, start_sandbox
from xerodesk.domain.sync import PULL_ORDER, Counts, EntityKind, Phase
from xerodesk.engine.budget import CallPlan
from xerodesk.engine.controller import EntityProgress
from xerodesk.engine.eta import overall
from xerodesk.engine.pass_types import PassRequest
from xerodesk.engine.passes import current_plan
from xerodesk.gui.main_window import MainWindow
from xerodesk.gui.text import plural
from xerodesk.store.views import list_runs


def test_a_full_resync_asks_first_with_its_calls_and_cancel_spends_none(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    sqlite_url: str,
) -> None:
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller

    async def body() -> None:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()
        await controller.wait_for_pass()
        await window.ops.wait_idle()
        runs = len(await controller.query(list_runs))
        request = PassRequest("full_resync", True, (EntityKind.INVOICES,))
        plan: CallPlan = await controller.query(current_plan, request)
        assert plan.total > 0
        tab.scope.setCurrentIndex(tab.scope.findData("invoices"))
        qtbot.mouseClick(tab.resync_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.question is not None, 10, "the question")
        question = tab.question
        assert question is not None and not controller.running
        text = question.text()
        assert "Sales invoices" in text and f"about {plural(plan.total, 'Xero call')}" in text
        assert controller.usage is not None
        assert f"{controller.usage.remaining_today:,} of" in text and "left today" in text
        assert question.defaultButton() is question.cancel
        qtbot.mouseClick(question.cancel, Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.question is None, 10, "answered")
        await window.ops.wait_idle()
        assert not controller.running and len(await controller.query(list_runs)) == runs
        # the menu asks the same way
        full = next(
            a
            for menu in window.menuBar().actions()
            for a in (menu.menu().actions() if menu.menu() else [])
            if a.text().replace("&", "") == "Full resync of everything"
        )
        full.trigger()
        await wait_until(lambda: tab.question is not None, 10, "the question again")
        everything = tab.question
        assert everything is not None and "A full resync of everything" in everything.text()
        qtbot.mouseClick(everything.resync, Qt.MouseButton.LeftButton)
        await wait_until(lambda: controller.running, 10, "the resync starts")
        summary = await controller.wait_for_pass()
        assert summary.full and summary.only == tuple(k.value for k in PULL_ORDER)
        await window.ops.wait_idle()

    run(qloop, body())


def test_after_stop_every_row_not_finished_says_stopped(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    sandbox = start_sandbox(generate="small", rate_limits="off")
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller

    async def body() -> None:
        await connected(controller, sqlite_url, sandbox)
        assert controller.sync_now()
        assert (await controller.wait_for_pass()).outcome == "ok"
        await window.ops.wait_idle()
        assert controller.full_resync(None)
        await wait_until(
            lambda: controller.progress["contacts"].phase is not Phase.WAITING, 20, "contacts"
        )
        qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
        assert (await controller.wait_for_pass()).outcome == "cancelled"
        await wait_until(lambda: tab.resync_button.isEnabled(), 10, "idle again")
        await window.ops.wait_idle()

    try:
        run(qloop, body())
    finally:
        sandbox.close()
    outcomes = {}
    for row, kind in enumerate(PULL_ORDER):
        phase = controller.progress[kind.value].phase
        outcome = tab.table.item(row, 3)
        assert outcome is not None
        outcomes[kind.value] = outcome.text()
        word = "Finished" if phase is Phase.DONE else "Stopped"
        assert outcome.text() == word, (kind, phase, outcome.text())
        assert tab.bars[kind.value].format().startswith(word), tab.bars[kind.value].format()
    assert "Stopped" in outcomes.values() and outcomes["tax_rates"] == "Finished"
    assert outcomes["purchase_orders"] == "Stopped"  # reached last: stopped before it


def test_the_whole_pass_shows_its_progress_elapsed_and_time_left(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller
    values: list[int] = []
    texts: list[str] = []
    calls: list[tuple[str, str]] = []

    def record() -> None:
        if controller.running:
            values.append(tab.overall.bar.value())
            texts.append(tab.overall.time.text())

    def record_calls() -> None:
        calls.append((tab.calls_line.text(), window.status.calls.text()))

    window.bridge.progress_changed.connect(record)
    window.bridge.usage_changed.connect(record_calls)

    async def body() -> None:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()  # a first import: nothing known of the sizes
        record()
        await controller.wait_for_pass()
        await window.ops.wait_idle()

    run(qloop, body())
    assert texts[0].startswith("Elapsed") and texts[0].endswith("estimating…")
    assert all(t.startswith("Elapsed ") for t in texts)
    assert all(t.endswith(("left", "estimating…")) for t in texts)
    assert values == sorted(values) and len(values) > 1
    assert tab.overall.bar.value() == 100
    assert tab.overall.time.text().startswith("Finished after ")
    # today's calls: live, and the same figures as the status bar's
    usage = controller.usage
    assert calls and usage is not None and usage.used_today > 0
    # both read the controller's figures when they redraw (the bar also every second,
    # which may not have come yet): redrawn at one moment, they say the same
    window.status.refresh()
    tab._show_usage()
    now = f"{usage.remaining_today:,} of {usage.daily_limit:,} left today"
    assert now in tab.calls_line.text() and now in window.status.calls.text()
    for line, bar in calls:
        left = line.split("</b> ")[1].split(" (")[0]
        assert left in bar, (line, bar)


def test_time_left_is_the_pace_so_far_once_every_size_is_known(
    window: MainWindow, qloop: qasync.QEventLoop
) -> None:
    progress = {
        "contacts": EntityProgress("contacts", Phase.DONE, pages=2),
        "invoices": EntityProgress(
            "invoices", Phase.WRITING, counts=Counts(1000), expected=3000, pages=1
        ),
        "items": EntityProgress("items", Phase.WAITING),
        "credit_notes": EntityProgress("credit_notes", included=False),
    }
    known = overall(progress, {"contacts": 2, "items": 1, "invoices": None}, 60.0)
    assert (known.done, known.total) == (3, 6) and known.remaining == 60.0
    assert known.fraction == 0.5
    unknown = overall(progress, {"contacts": 2, "invoices": None}, 60.0)
    assert unknown.total is None and unknown.remaining is None
    assert unknown.fraction == 1 / 3  # by entities: one of three has ended
    controller = window.controller
    controller.progress = progress
    controller._sizes = {"contacts": 2, "items": 1, "invoices": None}
    controller._clock = (time.monotonic() - 60, None)
    controller.running = True
    try:
        window.status_tab.overall.refresh()
        assert window.status_tab.overall.bar.value() == 50
        text = window.status_tab.overall.time.text()
        assert text.startswith("Elapsed 1 min 0") and text.endswith("· about 1 min left")
        controller._sizes = None
        window.status_tab.overall.refresh()
        assert window.status_tab.overall.time.text().endswith("· estimating…")
    finally:
        controller.running = False
        window.status_tab.overall.refresh()
