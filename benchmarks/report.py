"""Machine details, and RESULTS.md made from every result file.

Each run of the command writes ``results/<size>-<database>.json``; RESULTS.md
is then rebuilt from all the files there, so it always shows the newest run
of each size and database side by side, with the targets and which hold.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from xerodesk import __version__

SIZES = ("small", "medium", "large")
KINDS = ("sqlite", "postgresql", "mariadb")

#: targets of the benchmark, checked on every result
CALLS_FACTOR = 1.05
FLOOR_FACTOR = 1.10
LARGE_SECONDS = {"sqlite": 60.0, "postgresql": 120.0, "mariadb": 120.0}
#: the issue's "300 MB", read as 300,000,000 bytes (286.1 MiB), the stricter reading
RSS_LIMIT_BYTES = 300_000_000
RSS_MIB = RSS_LIMIT_BYTES / 2**20
RSS_GROWTH = 1.25
LINES_PER_SECOND = 20_000


def machine() -> dict[str, Any]:
    """What the figures were taken on, load included (the machine may be shared)."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "xerodesk": __version__,
        "commit": _commit(),
        "uncommitted_changes": _dirty(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def _dirty() -> bool | None:
    """Whether the checkout had changes not yet committed (figures are of the tree),
    the benchmark's own results aside (a run rewrites them for the next)."""
    try:
        out = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ":(top)",
                ":(top,exclude)benchmarks/results",
                ":(top,exclude)benchmarks/RESULTS.md",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return bool(out.stdout.strip())


def load_results(directory: Path) -> list[dict[str, Any]]:
    results = []
    for path in sorted(directory.glob("*.json")):
        results.append(json.loads(path.read_text()))

    def order(result: dict[str, Any]) -> tuple[int, int, str]:
        size, kind = result.get("size", ""), result.get("database", {}).get("kind", "")
        return (
            SIZES.index(size) if size in SIZES else len(SIZES),
            KINDS.index(kind) if kind in KINDS else len(KINDS),
            size,
        )

    return sorted(results, key=order)


def _get(result: dict[str, Any], *path: str) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _load(values: Any) -> str:
    return " ".join(f"{v:.2f}" for v in values) if isinstance(values, list) else "–"


def _version(text: Any) -> str:
    """A server's version without the build details some servers add."""
    value = str(text or "–").replace("PostgreSQL PostgreSQL", "PostgreSQL")
    return value.split(" on ", 1)[0]


def _commit_of(machine: dict[str, Any]) -> str:
    commit = machine.get("commit") or "–"
    return f"{commit} + uncommitted changes" if machine.get("uncommitted_changes") else commit


def _seconds(figures: dict[str, Any]) -> str:
    if figures.get("seconds") is None:
        return "–"
    return f"{_fmt(figures.get('seconds'))} ({_fmt(figures.get('cpu_seconds'))})"


def _label(result: dict[str, Any]) -> str:
    return f"{result['size']} / {result['database']['kind']}"


def tables(results: list[dict[str, Any]]) -> str:
    """The Markdown tables of every result."""
    out = ["### Full sync, limits off", ""]
    out.append(
        "| size / database | records | rows written | wall s | CPU s | rows/s | calls | minimum "
        "| calls ÷ min | 429s | peak RSS MiB |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        f = r.get("full") or {}
        out.append(
            f"| {_label(r)} | {_fmt(f.get('records'))} | {_fmt(f.get('rows_written'))} "
            f"| {_fmt(f.get('seconds'))} | {_fmt(f.get('cpu_seconds'))} "
            f"| {_fmt(f.get('rows_per_second'))} "
            f"| {_fmt(f.get('calls'))} | {_fmt(_get(f, 'minimum', 'calls'))} "
            f"| {_fmt(f.get('calls_over_minimum'), 3)} | {_fmt(f.get('rate_limited'))} "
            f"| {_fmt(f.get('peak_rss_mib'))} |"
        )
    out += ["", "### Full sync under real limits (sandbox clock scaled)", ""]
    out.append(
        "| size / database | clock × | wall s | simulated min | floor min (calls ÷ 60) "
        "| simulated ÷ floor | calls | 429s |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        f = r.get("real_limits") or {}
        out.append(
            f"| {_label(r)} | {_fmt(f.get('clock_scale'))} | {_fmt(f.get('seconds'))} "
            f"| {_fmt(f.get('simulated_minutes'), 2)} | {_fmt(f.get('floor_minutes'), 2)} "
            f"| {_fmt(f.get('over_floor'), 3)} | {_fmt(f.get('calls'))} "
            f"| {_fmt(f.get('rate_limited'))} |"
        )
    out += ["", "### Incremental passes", ""]
    out.append(
        "| size / database | no change: calls | s (CPU s) | 1% changed: edits | calls | minimum "
        "| s (CPU s) | calls by endpoint (1%) |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        n = r.get("no_change") or {}
        p = r.get("one_percent") or {}
        endpoints = ", ".join(
            f"{k} {v}" for k, v in sorted((p.get("calls_by_endpoint") or {}).items())
        )
        out.append(
            f"| {_label(r)} | {_fmt(n.get('calls'))} | {_seconds(n)} "
            f"| {_fmt(sum((p.get('edits') or {}).values()) or None)} | {_fmt(p.get('calls'))} "
            f"| {_fmt(_get(p, 'minimum', 'calls'))} | {_seconds(p)} | {endpoints} |"
        )
    out += ["", "### Engine throughput (map and write invoice pages, no network)", ""]
    out.append("| size / database | pages | invoices | lines | s | CPU s | lines/s | lines/CPU s |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        t = r.get("throughput") or {}
        out.append(
            f"| {_label(r)} | {_fmt(t.get('pages'))} | {_fmt(t.get('invoices'))} "
            f"| {_fmt(t.get('lines'))} | {_fmt(t.get('seconds'), 2)} "
            f"| {_fmt(t.get('cpu_seconds'), 2)} | {_fmt(t.get('lines_per_second'))} "
            f"| {_fmt(t.get('lines_per_cpu_second'))} |"
        )
    return "\n".join(out)


def checks(results: list[dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    """Every target against every result that measures it: (target, result, holds)."""
    found: list[tuple[str, str, bool | None]] = []

    def add(target: str, result: dict[str, Any], holds: bool | None, detail: str) -> None:
        found.append((target, f"{_label(result)}: {detail}", holds))

    for r in results:
        full, real = r.get("full") or {}, r.get("real_limits") or {}
        none, pct = r.get("no_change") or {}, r.get("one_percent") or {}
        kind = r["database"]["kind"]
        if full.get("calls") is not None:
            ratio = full["calls_over_minimum"]
            add(
                f"full sync calls ≤ {CALLS_FACTOR} × minimum",
                r,
                ratio <= CALLS_FACTOR,
                f"{ratio:.3f}",
            )
            add(
                f"peak RSS < 300 MB ({RSS_MIB:.1f} MiB)",
                r,
                full["peak_rss_mib"] < RSS_MIB,
                f"{full['peak_rss_mib']} MiB",
            )
            if r["size"] == "large":
                limit = LARGE_SECONDS[kind]
                add(
                    f"large full sync < {limit:.0f} s",
                    r,
                    full["seconds"] < limit,
                    f"{full['seconds']:.1f} s wall, {full.get('cpu_seconds', 0):.1f} s CPU",
                )
        if none.get("calls") is not None:
            add(
                "no-change pass: one call per entity",
                r,
                none["calls"] <= none["minimum"]["calls"],
                f"{none['calls']} calls",
            )
        if pct.get("calls") is not None:
            minimum = pct["minimum"]["calls"]
            add(
                "1% pass reads only changed pages",
                r,
                pct["calls"] <= minimum,
                f"{pct['calls']} calls, minimum {minimum}",
            )
        if real.get("calls") is not None:
            add(
                "zero 429s under real limits",
                r,
                real["rate_limited"] == 0,
                f"{real['rate_limited']}",
            )
            add(
                f"simulated time ≤ {FLOOR_FACTOR} × floor",
                r,
                real["over_floor"] <= FLOOR_FACTOR,
                f"{real['over_floor']:.3f} (clock × {real['clock_scale']})",
            )
        lines = _get(r, "throughput", "lines_per_second")
        if lines is not None and kind == "sqlite":
            per_cpu = _get(r, "throughput", "lines_per_cpu_second") or 0
            detail = f"{lines:,} a second of wall time, {per_cpu:,} a CPU second"
            trials = _get(r, "throughput", "trials_lines_per_second")
            if trials:
                detail += f" (median of {len(trials)} trials, {min(trials):,}–{max(trials):,})"
            add("≥ 20,000 invoice lines/s into SQLite", r, lines >= LINES_PER_SECOND, detail)
    found.extend(_flat_memory(results))
    return found


def _flat_memory(results: list[dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    """Peak RSS side by side over the sizes of each database; flat when the largest
    size needs at most a quarter more than the one before it."""
    found: list[tuple[str, str, bool | None]] = []
    for kind in KINDS:
        sized = [
            (r["size"], _get(r, "full", "peak_rss_mib"))
            for r in results
            if r["database"]["kind"] == kind and r["size"] in SIZES
        ]
        sized = [(size, rss) for size, rss in sized if rss is not None]
        if len(sized) < 2:
            continue
        detail = " → ".join(f"{size} {rss} MiB" for size, rss in sized)
        holds = sized[-1][1] <= RSS_GROWTH * sized[-2][1]
        found.append((f"peak RSS flat as the size grows ({kind})", detail, holds))
    return found


def results_markdown(results: list[dict[str, Any]], notes: str = "") -> str:
    out = [
        "# Benchmark results",
        "",
        "Made by `scripts/uv run python -m benchmarks` (see README, *Benchmark*); "
        "each run writes `benchmarks/results/<size>-<database>.json` and rebuilds this file "
        "from all of them. Do not edit by hand.",
        "",
    ]
    out += ["## Targets", "", "| target | result | holds |", "|---|---|:---:|"]
    for target, detail, holds in checks(results):
        mark = "–" if holds is None else ("yes" if holds else "**no**")
        out.append(f"| {target} | {detail} | {mark} |")
    out.append("")
    if notes:
        out += [notes.strip(), ""]
    out += ["## Figures", "", tables(results), "", "## Machines", ""]
    out.append(
        "| size / database | when (UTC) | commit | CPU | cores | RAM GiB | OS | Python "
        "| database | load at start → end |"
    )
    out.append("|---|---|---|---|---:|---:|---|---|---|---|")
    for r in results:
        m = r.get("machine") or {}
        load = f"{_load(m.get('load_average'))} → {_load(r.get('load_after'))}"
        out.append(
            f"| {_label(r)} | {r.get('started_at', '–')} | {_commit_of(m)} "
            f"| {m.get('cpu')} | {m.get('cores')} "
            f"| {m.get('memory_gib')} | {m.get('os')} | {m.get('python')} "
            f"| {_version(r['database'].get('version'))} | {load} |"
        )
    return "\n".join(out) + "\n"
