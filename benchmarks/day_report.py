"""RESULTS.md's section on the day in the life, from ``results/day/*.json``.

Each file is one day played by ``python -m benchmarks.day`` (see its module
docstring and notes.md); a file whose ``before`` names a commit is the same
day played by that commit's engine, for comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MB = 1_000_000
#: the targets: p95 Xero->CRM seconds at each budget (medium organisation)
P95_TARGETS = {1000: 15 * 60, 5000: 3 * 60}
#: a quiet day reads this many times fewer bytes than before
QUIET_FACTOR = 10
#: with webhooks: p95 seconds from a Xero change they announce to the CRM (Starter)
WEBHOOK_P95_TARGET = 30


def load_days(directory: Path) -> list[dict[str, Any]]:
    if not directory.is_dir():
        return []
    days = [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]
    return sorted(days, key=_order)


def _order(day: dict[str, Any]) -> tuple[str, int, bool, bool, bool]:
    s = day["settings"]
    hooks = bool(s.get("webhooks"))
    return (s["size"], s["budget"], s["xero_changes"] == 0, hooks, bool(day.get("before")))


def _hooked(day: dict[str, Any]) -> bool:
    return bool(day["settings"].get("webhooks"))


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f}"


def _latency(figures: dict[str, Any]) -> str:
    if not figures.get("changes"):
        return "–"
    parts = "/".join(_minutes(figures.get(k)) for k in ("p50_s", "p95_s", "max_s"))
    return f"{parts} ({figures['arrived']} of {figures['changes']})"


def _label(day: dict[str, Any]) -> str:
    s = day["settings"]
    kind = "quiet" if s["xero_changes"] == 0 and s["crm_changes"] == 0 else "busy"
    text = f"{s['size']} / {s['budget']:,} / {kind}" + (" + webhooks" if _hooked(day) else "")
    return f"{text} (before: {day['before']})" if day.get("before") else text


def _commit(day: dict[str, Any]) -> str:
    machine = day.get("machine") or {}
    commit = str(machine.get("commit") or day.get("before") or "–")
    return f"{commit} + uncommitted changes" if machine.get("uncommitted_changes") else commit


def day_rows(days: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| organisation / calls a day / day | passes | calls | read MB (wire) "
        "| Xero→CRM min p50/p95/max | CRM→Xero s p50/p95/max | pushes delayed | real s | commit |",
        "|---|---:|---:|---:|---|---|---:|---:|---|",
    ]
    for day in days:
        crm = day["crm_to_xero"]
        pushes = (
            "–"
            if not crm.get("changes")
            else "/".join(
                "–" if crm.get(k) is None else f"{crm[k]:.1f}" for k in ("p50_s", "p95_s", "max_s")
            )
        )
        rows.append(
            f"| {_label(day)} | {day['passes']} | {day['calls']:,} "
            f"| {day['bytes_read'] / MB:,.1f} ({day['wire_bytes'] / MB:,.1f}) "
            f"| {_latency(day['xero_to_crm'])} | {pushes} "
            f"| {day['pushes_delayed_by_budget']} | {day.get('real_seconds', '–')} "
            f"| {_commit(day)} |"
        )
    return rows


def day_checks(days: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """(target, result, holds) for each day that has a target."""
    checks: list[tuple[str, str, bool]] = []
    for day in days:
        s = day["settings"]
        if day.get("before") or s["xero_changes"] == 0:
            continue
        if _hooked(day):
            checks += _webhook_checks(day, days)
            continue
        target = P95_TARGETS.get(s["budget"])
        p95 = day["xero_to_crm"].get("p95_s")
        if s["size"] == "medium" and target is not None:
            checks.append(
                (
                    f"medium, {s['budget']:,} calls: p95 Xero→CRM ≤ {target // 60} min",
                    f"{_minutes(p95)} min",
                    p95 is not None and p95 <= target,
                )
            )
        delayed, calls = day["pushes_delayed_by_budget"], day["calls"]
        checks.append(
            (
                f"{s['size']}, {s['budget']:,} calls: no push delayed, calls within the budget",
                f"{delayed} delayed, {calls:,} calls",
                delayed == 0 and calls <= s["budget"],
            )
        )
    quiet = {(d["settings"]["size"], bool(d.get("before"))): d for d in days if _is_quiet(d)}
    for (size, before), was in quiet.items():
        now = quiet.get((size, False))
        if before and now is not None:
            factor = was["bytes_read"] / max(1, now["bytes_read"])
            checks.append(
                (
                    f"quiet day, {size}: ≥ {QUIET_FACTOR}× fewer bytes than before",
                    f"{was['bytes_read'] / MB:,.1f} MB → {now['bytes_read'] / MB:,.1f} MB "
                    f"({factor:,.0f}×)",
                    factor >= QUIET_FACTOR,
                )
            )
    return checks


def _webhook_checks(day: dict[str, Any], days: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """The webhook day's targets: announced changes within seconds, fewer calls than
    the same day polled alone, no push delayed."""
    s = day["settings"]
    name = f"{s['size']}, {s['budget']:,} calls, webhooks"
    p95 = day.get("xero_to_crm_announced", {}).get("p95_s")
    checks = [
        (
            f"{name}: p95 Xero→CRM of announced changes ≤ {WEBHOOK_P95_TARGET} s",
            "–" if p95 is None else f"{p95:.1f} s",
            p95 is not None and p95 <= WEBHOOK_P95_TARGET,
        ),
        (
            f"{name}: no push delayed, calls within the budget",
            f"{day['pushes_delayed_by_budget']} delayed, {day['calls']:,} calls",
            day["pushes_delayed_by_budget"] == 0 and day["calls"] <= s["budget"],
        ),
    ]
    polled = [
        d
        for d in days
        if not _hooked(d)
        and not d.get("before")
        and (d["settings"]["size"], d["settings"]["budget"]) == (s["size"], s["budget"])
        and not _is_quiet(d)
    ]
    if polled:
        was = polled[0]["calls"]
        checks.append(
            (
                f"{name}: fewer calls than polling alone",
                f"{day['calls']:,} against {was:,}",
                day["calls"] < was,
            )
        )
    return checks


def webhook_rows(days: list[dict[str, Any]]) -> list[str]:
    """The webhook days: latencies of what webhooks announce and of the rest."""
    hooked = [d for d in days if _hooked(d)]
    if not hooked:
        return []
    rows = [
        "| day | deliveries | reads by id | announced Xero→CRM s p50/p95/max "
        "| items (polled) Xero→CRM min p50/p95/max |",
        "|---|---:|---:|---|---|",
    ]
    for day in hooked:
        hooks = day.get("webhooks", {})
        announced = day.get("xero_to_crm_announced", {})
        seconds = "/".join(
            "–" if announced.get(k) is None else f"{announced[k]:.1f}"
            for k in ("p50_s", "p95_s", "max_s")
        )
        rows.append(
            f"| {_label(day)} | {hooks.get('deliveries', 0):,} | {hooks.get('reads', 0):,} "
            f"| {seconds} ({announced.get('arrived', 0)} of {announced.get('changes', 0)}) "
            f"| {_latency(day.get('xero_to_crm_items', {}))} |"
        )
    return rows


def _is_quiet(day: dict[str, Any]) -> bool:
    return day["settings"]["xero_changes"] == 0 and day["settings"]["crm_changes"] == 0


def day_section(directory: Path) -> str:
    """The section, or nothing when no day has been played."""
    days = load_days(directory)
    if not days:
        return ""
    out = [
        "## A day in the life",
        "",
        "Made by `scripts/uv run python -m benchmarks.day --size SIZE --budget CALLS "
        "[--quiet-day] [--webhooks]` (see notes.md, *The day in the life*); each writes "
        "`benchmarks/results/day/`.",
        "",
        "| target | result | holds |",
        "|---|---|:---:|",
    ]
    for target, result, holds in day_checks(days):
        out.append(f"| {target} | {result} | {'yes' if holds else '**no**'} |")
    out += ["", *day_rows(days), ""]
    extra = webhook_rows(days)
    if extra:
        out += [
            "With webhooks, Xero announces changes to contacts and invoices (payments "
            "included); items have no webhooks and wait for the scheduled passes, which "
            "come at most every `webhook_poll_minutes` (30) while webhooks work:",
            "",
            *extra,
            "",
        ]
    return "\n".join(out)
