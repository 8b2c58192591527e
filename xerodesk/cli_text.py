"""What the command line prints: status, the call plan, a record's history, pass summaries.

Plain text for a terminal, built from the engine's reports; ``xerodesk.cli``
parses, calls the app and prints these.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xerodesk.engine.budget import CallPlan
    from xerodesk.engine.dryrun import DryRunReport
    from xerodesk.engine.outlook import SyncOutlook
    from xerodesk.engine.pass_types import PassReport
    from xerodesk.engine.schedule import PassSchedule
    from xerodesk.engine.sweep import SweepResult
    from xerodesk.engine.webhooks.health import WebhookHealth
    from xerodesk.store.audit import AuditRecord


def status_text(data: dict[str, object]) -> str:
    lines = ["Entity               Modified since"]
    for cursor in data["cursors"]:  # type: ignore[attr-defined]
        lines.append(f"{cursor['entity']:<20} {cursor['modified_since'] or 'never'}")
    if len(lines) == 1:
        lines.append("(no sync has run yet)")
    outbox = data["outbox"] or {}
    review = data["open_review"] or {}
    lines.append(f"Outbox: {json.dumps(outbox)}")
    lines.append(f"Open review items: {json.dumps(review)}")
    return "\n".join(lines)


def calls_text(plan: CallPlan) -> str:
    usage = plan.usage
    xero = (
        f"; Xero last said {usage.xero_remaining} left" if usage.xero_remaining is not None else ""
    )
    lines = [
        f"Xero calls today: {usage.used} used of {usage.daily_budget}{xero}; "
        f"{usage.calls_left} left",
        f"Next pass: about {plan.total} calls",
    ]
    for step in plan.steps:
        note = "" if step.fits else "  (not today: resumes on the next day's calls)"
        lines.append(f"  {step.name:<18} {step.kind:<12} {step.calls:>6}{note}")
    return "\n".join(lines)


def schedule_text(schedule: PassSchedule) -> str:
    minutes = schedule.interval.total_seconds() / 60
    return (
        f"Next scheduled pass: {schedule.due_at:%Y-%m-%d %H:%M} UTC ({schedule.reason}); "
        f"a pass every {minutes:.0f} min at about {schedule.pass_cost} calls is "
        f"{schedule.forecast_calls} calls a day, with {schedule.reserve} kept for sending "
        "orders and customers"
    )


def outlook_text(outlook: SyncOutlook) -> str:
    """Each entity's last read from Xero, then today's calls, forecast and warning."""
    lines = ["Last read from Xero (whole, without error):"]
    for entry in outlook.freshness:
        at = f" (at {entry.last_read_at:%Y-%m-%d %H:%M} UTC)" if entry.last_read_at else ""
        lines.append(f"  {entry.line}{at}")
    today = outlook.today
    lines.append(
        f"Today: {today.calls_used:,} of {today.daily_budget:,} Xero calls used, "
        f"{today.calls_left:,} left ({today.push_reserve:,} kept for sending orders and "
        f"customers); about {today.forecast_calls:,} in the next 24 hours at this rate"
    )
    lines.append(today.data_text())
    label = {"ok": "OK", "low": "Warning", "spent": "Warning"}.get(today.level, today.level)
    lines.append(f"{label}: {today.message()}")
    lines.extend(webhook_lines(outlook.webhooks))
    return "\n".join(lines)


def webhook_lines(health: WebhookHealth) -> list[str]:
    """How Xero's webhooks stand, when a service listens for them (nothing otherwise)."""
    if health.listening_since is None:
        return []
    last = health.last_delivery_at
    delivered = f"last delivery {last:%Y-%m-%d %H:%M} UTC" if last else "no delivery yet"
    line = f"Webhooks: on since {health.listening_since:%Y-%m-%d %H:%M} UTC, {delivered}"
    if health.waiting:
        line += f", {health.waiting} change(s) waiting to be read"
    if not health.looks_off:
        return [line]
    return [
        line,
        f"Warning: Xero's webhooks look off: nothing has come from Xero while syncs found "
        f"{health.unannounced} change(s) it did not announce; syncing as often as without "
        "webhooks. Check the webhook in Xero's developer portal (it is switched off after a "
        "day of failed deliveries) and send the intent to receive again.",
    ]


def history_text(entries: Sequence[AuditRecord]) -> str:
    """The entries as a table: when, side, record, field, old -> new, run, correlation."""

    def cut(value: str | None, width: int = 40) -> str:
        text = "(empty)" if value is None else value.replace("\n", " ")
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [("When (UTC)", "Side", "Record", "Field", "Change", "Run", "Xero correlation id")]
    for e in entries:
        record = f"{e.record_table}:{e.record_id}" if e.record_id is not None else e.record_table
        change = (
            cut(e.new_value)
            if e.field in ("created", "linked")
            else (f"{cut(e.old_value)} -> {cut(e.new_value)}")
        )
        when = e.changed_at.strftime("%Y-%m-%d %H:%M:%S")
        run = str(e.run_id) if e.run_id is not None else ""
        rows.append((when, e.side, record, e.field, change, run, e.correlation_id or ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        + ("  " + row[-1] if row[-1] else "")
        for row in rows
    )


def pass_summary(report: PassReport) -> str:
    lines = [
        f"{'Entity':<18}{'Created':>9}{'Updated':>9}{'Unchanged':>11}{'Skipped':>9}{'Pages':>7}"
    ]
    for name, result in report.entities.items():
        c = result.counts
        lines.append(
            f"{name:<18}{c.created:>9}{c.updated:>9}{c.unchanged:>11}{c.skipped:>9}{result.pages:>7}"
        )
    if report.sweep is not None:
        lines.append(sweep_line(report.sweep))
    lines.append(f"Run {report.run_id}: {report.outcome}, {report.calls} Xero calls")
    if report.new_review_items:
        lines.append(f"{report.new_review_items} new item(s) to review: see 'xerodesk status'")
    return "\n".join(lines)


def sweep_line(sweep: SweepResult) -> str:
    closed = ", ".join(f"{n} {e}" for e, n in sweep.documents_closed.items()) or "none"
    return (
        f"Sweep ({sweep.calls} calls): {sweep.items_deleted} product(s) deleted in Xero, "
        f"documents newly deleted or voided: {closed}, {sweep.merged} merged contact(s)"
    )


def dry_run_summary(dry: DryRunReport) -> str:
    """What a pass would do, on each side; the dry run itself wrote nothing."""
    report = dry.report
    lines = [
        "Dry run: nothing was written to the database or sent to Xero.",
        "In the CRM, a pass would:",
        f"{'Entity':<18}{'Create':>9}{'Update':>9}{'Unchanged':>11}{'Skip':>9}",
    ]
    for name, result in report.entities.items():
        c = result.counts
        lines.append(f"{name:<18}{c.created:>9}{c.updated:>9}{c.unchanged:>11}{c.skipped:>9}")
    if report.sweep is not None:
        lines.append(sweep_line(report.sweep))
    pushes = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(dry.pushes.items())) or "nothing"
    lines.append(f"To Xero, a pass would push: {pushes}")
    if report.new_review_items:
        lines.append(f"It would raise {report.new_review_items} review item(s)")
    lines.append(f"The dry run read Xero with {dry.calls} call(s) ({report.outcome})")
    return "\n".join(lines)
