"""The wheel carries what the app loads at run time: migrations, the icon, the command."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

import xerodesk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [str(ROOT / "scripts" / "uv"), "build", "--wheel", "--quiet", "--out-dir", str(out)],
        cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob(f"xerodesk-{xerodesk.__version__}-py3-none-any.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def names(wheel: zipfile.ZipFile) -> set[str]:
    return set(wheel.namelist())


def test_every_migration_and_the_alembic_template_ship(wheel: zipfile.ZipFile) -> None:
    migrations = ROOT / "xerodesk" / "store" / "migrations"
    expected = {
        path.relative_to(ROOT).as_posix()
        for path in migrations.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    for needed in ("env.py", "script.py.mako"):
        assert f"xerodesk/store/migrations/{needed}" in expected
    assert any(name.startswith("xerodesk/store/migrations/versions/0001_") for name in expected)
    assert expected <= names(wheel)


def test_the_icon_the_app_loads_ships_byte_for_byte(wheel: zipfile.ZipFile) -> None:
    assets = sorted((ROOT / "xerodesk" / "gui" / "assets").glob("xerodesk-*.png"))
    assert len(assets) == 6
    for asset in assets:
        assert wheel.read(f"xerodesk/gui/assets/{asset.name}") == asset.read_bytes()


def test_the_command_and_the_version(wheel: zipfile.ZipFile) -> None:
    info = f"xerodesk-{xerodesk.__version__}.dist-info"
    entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "xerodesk = xerodesk.cli:main" in entry_points
    metadata = wheel.read(f"{info}/METADATA").decode()
    assert f"Version: {xerodesk.__version__}\n" in metadata
    assert "xerodesk/py.typed" in names(wheel)


def test_nothing_from_outside_the_package(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in names(wheel)}
    assert tops == {"xerodesk", f"xerodesk-{xerodesk.__version__}.dist-info"}
    assert not [name for name in names(wheel) if "__pycache__" in name or name.endswith(".pyc")]
