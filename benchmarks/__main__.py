"""``python -m benchmarks``: measure a sync of one size into one database.

    python -m benchmarks --size medium --db sqlite

starts ``xerodesk sandbox --generate SIZE`` as a process, waits until it
answers, and measures real ``xerodesk sync`` processes against it:

1. a full sync into a fresh database, limits off: wall time, rows written per
   second, calls against the minimum, 429s, peak memory;
2. a pass with nothing changed, then one after editing 1% of each collection
   through the sandbox: calls and time;
3. a full sync into another fresh database under Xero's real limits with the
   sandbox clock scaled (``--clock-scale``): simulated minutes against the
   floor of the minimum calls ÷ 60;
4. the engine's own throughput: invoice pages mapped and written, no network.

The figures go to ``benchmarks/results/<size>-<db>.json`` (``--out``) and
``benchmarks/RESULTS.md`` is rebuilt from every result there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report, scenarios
from benchmarks.day_report import day_section
from benchmarks.harness import KINDS, BenchmarkError, Databases, SandboxProcess
from benchmarks.throughput import invoice_lines_per_second

HERE = Path(__file__).parent
PARTS = ("full", "incremental", "real", "throughput")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--size", default="small", help="small, medium, large or counts (default small)"
    )
    parser.add_argument("--db", default="sqlite", choices=KINDS, help="database (default sqlite)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the organisation")
    parser.add_argument(
        "--clock-scale",
        type=float,
        default=1.0,
        help="sandbox clock speed for the real-limits pass (default 1: Xero's own pace)",
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"what to measure, comma separated (default all: {','.join(PARTS)})",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder of result files")
    parser.add_argument(
        "--results-md",
        type=Path,
        default=HERE / "RESULTS.md",
        help="the Markdown report rebuilt from the result files ('-' for none)",
    )
    parser.add_argument("--report-only", action="store_true", help="only rebuild the report")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if parts - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}")
    args.parts = parts
    if args.clock_scale <= 0:
        parser.error("--clock-scale must be positive")
    return args


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "size": args.size,
        "seed": args.seed,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": report.machine(),
    }
    databases = Databases(workdir)
    say(f"starting the sandbox with a {args.size} organisation…")
    sandbox = SandboxProcess(args.size, args.seed, workdir)
    try:
        result["sandbox_ready_seconds"] = round(sandbox.ready_seconds, 1)
        counts, minimum = scenarios.prepare(sandbox)
        result["organisation"] = counts
        context = scenarios.Context(sandbox, workdir, counts)
        database = databases.fresh(args.db)
        result["database"] = {"kind": database.kind, "version": database.version}
        if {"full", "incremental"} & args.parts:
            result["upgrade"] = scenarios.upgrade(context, database)
            say("full sync, limits off…")
            result["full"] = scenarios.full_sync(context, database, minimum)
            say(_line(result["full"]))
        if "incremental" in args.parts:
            say("pass with no change…")
            result["no_change"] = scenarios.no_change(context, database)
            say(_line(result["no_change"]))
            say("pass after editing 1% of the records…")
            result["one_percent"] = scenarios.one_percent(context, database)
            say(_line(result["one_percent"]))
        if "real" in args.parts:
            say(f"full sync under real limits, sandbox clock × {args.clock_scale:g}…")
            real_db = databases.fresh(args.db)
            scenarios.upgrade(context, real_db)
            result["real_limits"] = scenarios.real_limits(
                context, real_db, minimum, args.clock_scale
            )
            say(_line(result["real_limits"]))
        if "throughput" in args.parts:
            say("engine throughput: invoice pages mapped and written…")
            sandbox.control("POST", "/reset")
            result["throughput"] = invoice_lines_per_second(context, databases.fresh(args.db))
            say(f"  {result['throughput']['lines_per_second']:,} lines/s")
    finally:
        sandbox.close()
        databases.drop_all()
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def _line(figures: dict[str, Any]) -> str:
    text = (
        f"  {figures['seconds']:.1f} s, {figures['calls']} calls"
        f" (minimum {figures['minimum']['calls']}), {figures['rate_limited']} × 429,"
        f" peak RSS {figures['peak_rss_mib']} MiB"
    )
    if "simulated_minutes" in figures:
        text += f", {figures['simulated_minutes']} simulated min (floor {figures['floor_minutes']})"
    return text


def say(text: str) -> None:
    print(text, flush=True)


def write_report(out: Path, target: Path) -> None:
    notes = HERE / "notes.md"
    text = report.results_markdown(
        report.load_results(out), notes.read_text() if notes.exists() else ""
    )
    day = day_section(out / "day")
    target.write_text(f"{text}\n{day}" if day else text)
    say(f"wrote {target}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not args.report_only:
        with tempfile.TemporaryDirectory(prefix="xerodesk-bench-") as tmp:
            try:
                result = measure(args, Path(tmp))
            except BenchmarkError as error:
                print(f"benchmark: {error}", file=sys.stderr)
                return 1
        args.out.mkdir(parents=True, exist_ok=True)
        name = args.size if args.size in report.SIZES else "custom"
        path = args.out / f"{name}-{args.db}.json"
        path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        say(f"wrote {path}")
    if str(args.results_md) != "-":
        write_report(args.out, args.results_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
