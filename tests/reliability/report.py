"""Print the figures the reliability suite wrote (``make reliability`` runs this).

    python -m tests.reliability.report FOLDER

Reads every ``*.json`` the tests wrote under FOLDER and prints one line per
test, then the totals the suite promises: crash trials and divergences,
faults survived, secrets found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SHOWN = (
    "database",
    "organisation",
    "trials",
    "outcome",
    "killed_mid_run",
    "divergences",
    "calls",
    "retries",
    "faults_total",
    "faults",
    "landed_mid_pass",
    "exit_statuses",
    "endings",
    "examples",
    "valid",
    "valid_with_nul_reviewed",
    "damaged",
    "damaged_reviewed",
    "damaged_landed",
    "watch_scheduled_passes",
    "gui_passes",
    "gui_refused",
    "overlapping_runs",
    "hits",
    "secrets_checked",
    "seconds",
)


def load(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "reliability/results")
    results = load(folder)
    if not results:
        print(f"no results under {folder}", file=sys.stderr)
        return 1
    for result in results:
        shown = ", ".join(f"{k}={result[k]}" for k in SHOWN if k in result)
        print(f"{result['test']:<32} {shown}")
    crash = [r for r in results if r["test"].startswith("crash_")]
    soak = [r for r in results if r["test"].startswith("fault_soak_")]
    print()
    print(
        f"crash trials: {sum(r['trials'] for r in crash)}, "
        f"killed mid-run: {sum(r['killed_mid_run'] for r in crash)}, "
        f"divergences: {sum(r['divergences'] for r in crash)}"
    )
    print(
        f"fault soak: {sum(r['calls'] for r in soak)} calls, "
        f"{sum(r['retries'] for r in soak)} retries, "
        f"{sum(r['faults_total'] for r in soak)} faults survived"
    )
    secrets = [r for r in results if r["test"] == "secrets_scan"]
    if secrets:
        print(f"secrets: {secrets[0]['secrets_checked']} checked, {secrets[0]['hits']} found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
