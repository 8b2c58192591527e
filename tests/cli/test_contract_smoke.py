"""The shared contract smoke test, run from the outside against our own command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
SMOKE = REPO.parent / "shared" / "tools" / "contract-smoke"


def _xerodesk() -> str:
    local = Path(sys.executable).with_name("xerodesk")
    found = str(local) if local.exists() else shutil.which("xerodesk")
    assert found, "the xerodesk command is not installed in this environment"
    return found


@pytest.mark.parametrize("stage", ["sync"])  # each stage includes the ones before
def test_contract_smoke(stage: str) -> None:
    assert SMOKE.exists(), f"the shared contract smoke test is missing at {SMOKE}"
    result = subprocess.run(
        [sys.executable, str(SMOKE), stage, "--xerodesk", _xerodesk()],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
