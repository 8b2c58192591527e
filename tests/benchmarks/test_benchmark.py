"""The benchmark command runs end to end on a tiny organisation, so it cannot rot.

``python -m benchmarks`` is run as a user would run it (its own process, which
starts the sandbox and the sync processes); the result file must have every
figure, with sane values: calls at least the minimum, no 429 with limits off,
rows written, memory measured. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ORG = "contacts=60,items=30,invoices=300,credit_notes=30,purchase_orders=20"
ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "results"
    report = tmp_path / "RESULTS.md"
    command = [sys.executable, "-m", "benchmarks", "--size", ORG, "--out", str(out)]
    completed = subprocess.run(
        [*command, "--results-md", str(report), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    files = list(out.glob("*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text()), report.read_text()


def _pass_is_sane(figures: dict[str, Any]) -> None:
    assert figures["exit_code"] in (0, 1)
    assert figures["seconds"] > 0
    assert figures["peak_rss_mib"] > 20
    assert figures["calls"] == sum(figures["calls_by_endpoint"].values())
    assert figures["calls"] >= 1


def test_every_figure_on_sqlite(tmp_path: Path) -> None:
    result, report = _run(tmp_path, "--db", "sqlite", "--clock-scale", "10")
    assert result["database"]["kind"] == "sqlite"
    assert result["organisation"]["Invoices"] == 300
    for key in ("cpu", "cores", "memory_gib", "os", "python"):
        assert result["machine"][key]

    full = result["full"]
    _pass_is_sane(full)
    assert full["rate_limited"] == 0
    assert full["calls"] >= full["minimum"]["calls"] >= 8
    assert full["records"] > 300
    assert full["rows_by_table"]["sales_transaction"] > 300
    assert full["rows_written"] == sum(full["rows_by_table"].values())
    assert full["entities"]["invoices"]["created"] == full["minimum"]["records"]["Invoices"]

    none = result["no_change"]
    _pass_is_sane(none)
    assert none["rate_limited"] == 0
    assert sum(e["created"] + e["updated"] for e in none["entities"].values()) == 0

    changed = result["one_percent"]
    _pass_is_sane(changed)
    assert changed["edits"]["Invoices"] == 3
    assert changed["calls"] >= changed["minimum"]["calls"]
    assert changed["entities"]["invoices"]["updated"] >= 1

    real = result["real_limits"]
    _pass_is_sane(real)
    assert real["clock_scale"] == 10
    assert real["calls"] >= real["minimum"]["calls"]
    assert real["simulated_minutes"] > 0 and real["floor_minutes"] > 0

    lines = result["throughput"]
    assert lines["lines"] > 300 and lines["invoices"] > 0
    assert lines["lines_per_second"] > 0
    trials = lines["trials_lines_per_second"]  # the median of the trials is reported
    assert len(trials) == 5 and trials == sorted(trials)
    assert lines["lines_per_second"] == trials[2]

    assert "## Targets" in report and f"{ORG} / sqlite" in report
    assert "xerodesk:xerodesk" not in json.dumps(result)


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_full_and_incremental_on_a_server(tmp_path: Path, kind: str) -> None:
    result, _ = _run(tmp_path, "--db", kind, "--parts", "full,incremental")
    assert result["database"]["kind"] == kind
    assert kind.replace("postgresql", "postgres") in result["database"]["version"].lower()
    full = result["full"]
    _pass_is_sane(full)
    assert full["rate_limited"] == 0
    assert full["calls"] >= full["minimum"]["calls"]
    assert full["rows_by_table"]["sales_transaction"] > 300
    assert result["no_change"]["calls"] >= 1
    assert "real_limits" not in result and "throughput" not in result
