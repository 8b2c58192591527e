"""The version comes from one place (xerodesk/__init__.py) and every face reports it."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import xerodesk

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "packaging" / "launcher.py"


def test_the_version_is_declared_once_in_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "xerodesk/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", xerodesk.__version__)


def test_installed_metadata_and_the_command_agree(tmp_path: Path) -> None:
    assert importlib.metadata.version("xerodesk") == xerodesk.__version__
    done = subprocess.run(
        [sys.executable, "-m", "xerodesk", "--version"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == f"xerodesk {xerodesk.__version__}"


def test_the_bundle_entry_point_reports_the_same_version(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(LAUNCHER), "--version"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == f"xerodesk {xerodesk.__version__}"


def test_the_appstream_release_is_the_current_version() -> None:
    tree = ET.parse(ROOT / "resources" / "xerodesk.metainfo.xml")
    releases = [release.get("version") for release in tree.getroot().iter("release")]
    assert releases[0] == xerodesk.__version__


def test_the_spec_reads_the_version_from_the_package() -> None:
    spec = (ROOT / "packaging" / "xerodesk.spec").read_text()
    assert '"xerodesk" / "__init__.py"' in spec
    assert xerodesk.__version__ not in spec
