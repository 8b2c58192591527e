"""resources/: the icon in every size and format, the desktop entry, AppStream metadata."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from xerodesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
THEME_SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("size", THEME_SIZES)
def test_theme_pngs_have_their_size(size: int) -> None:
    png = RESOURCES / f"icons/hicolor/{size}x{size}/apps/xerodesk.png"
    assert png_size(png.read_bytes()) == (size, size)


def test_the_package_carries_copies_of_the_theme_pngs() -> None:
    for asset in (ROOT / "xerodesk/gui/assets").glob("xerodesk-*.png"):
        size = int(asset.stem.split("-")[1])
        theme = RESOURCES / f"icons/hicolor/{size}x{size}/apps/xerodesk.png"
        assert asset.read_bytes() == theme.read_bytes(), f"{asset.name}: run scripts/render-icons"


def test_the_windows_icon_holds_png_images_up_to_256() -> None:
    data = (RESOURCES / "xerodesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        entry = data[6 + 16 * index : 22 + 16 * index]
        width, height, _colours, _reserved, _planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", entry
        )
        image = data[offset : offset + length]
        side = width or 256
        assert png_size(image) == (side, height or 256)
        assert bits == 32
        sizes.append(side)
    assert sizes == [16, 32, 48, 64, 128, 256]


def test_the_macos_icon_holds_png_images_up_to_1024() -> None:
    data = (RESOURCES / "xerodesk.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    found, at = {}, 8
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        found[kind] = png_size(data[at + 8 : at + length])[0]
        at += length
    assert found == {
        b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512,
        b"ic10": 1024,
    }  # fmt: skip


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[method-assign]
    parser.read(RESOURCES / "xerodesk.desktop")
    return parser["Desktop Entry"]


def test_the_desktop_entry_opens_the_app_with_a_real_command() -> None:
    entry = desktop_entry()
    program, *args = entry["Exec"].split()
    assert program == "xerodesk"
    assert build_parser().parse_args(args).command == "gui"
    assert entry["Icon"] == "xerodesk"
    assert entry["Terminal"] == "false"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils")
def test_the_desktop_entry_is_valid() -> None:
    done = subprocess.run(
        ["desktop-file-validate", str(RESOURCES / "xerodesk.desktop")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream")
def test_the_appstream_metadata_is_valid() -> None:
    done = subprocess.run(
        ["appstreamcli", "validate", "--no-net", "--pedantic",
         str(RESOURCES / "xerodesk.metainfo.xml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_app_loads_its_icon_from_the_package(tmp_path: Path) -> None:
    """In a process of its own (Qt stays out of this test process), away from resources/."""
    probe = (
        "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "from xerodesk.gui.icons import app_icon\n"
        "icon = app_icon()\n"
        "print(sorted(size.width() for size in icon.availableSizes()))\n"
        "print(icon.pixmap(256).toImage().pixelColor(128, 236).name())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
        timeout=120, check=True,
    )  # fmt: skip
    sizes, colour = done.stdout.split("\n")[:2]
    # the drawn fallback has a 24 px image and no 256; the package's PNGs are these
    assert sizes == "[16, 32, 48, 64, 128, 256]"
    assert colour == "#13b5ea"  # the circle's blue, below the arrows


def test_every_icon_file_is_rendered_from_the_svg_as_committed(tmp_path: Path) -> None:
    """``scripts/render-icons --check`` re-renders in memory and compares the pixels."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render-icons"), "--check"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


#: loads scripts/render-icons and judges pictures changed by one level and by forty
_JUDGE = """
import importlib.machinery, importlib.util, json, sys
from pathlib import Path
loader = importlib.machinery.SourceFileLoader("render_icons", sys.argv[1])
spec = importlib.util.spec_from_loader(loader.name, loader)
icons = importlib.util.module_from_spec(spec)
loader.exec_module(icons)
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QImage
app = QGuiApplication(sys.argv[:1])
root = Path(sys.argv[2])
assets = root / "xerodesk/gui/assets"
png = (assets / "xerodesk-256.png").read_bytes()

def changed(data, delta):
    image = QImage.fromData(data).convertToFormat(QImage.Format.Format_ARGB32)
    colour = image.pixelColor(128, 128)
    colour.setRed(min(255, colour.red() + delta) if colour.red() < 128 else colour.red() - delta)
    image.setPixelColor(128, 128, colour)
    out = QByteArray()
    buffer = QBuffer(out)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(out.data())

ico = root / "resources/xerodesk.ico"
entries = {fields[0] or 256: data for fields, data in icons.ico_entries(ico.read_bytes())}
def ico_with(delta):
    path = Path(sys.argv[3]) / f"changed-{delta}.ico"
    path.write_bytes(icons.ico_file({**entries, 256: changed(entries[256], delta)}))
    return icons.up_to_date(path, ico.read_bytes())

print(json.dumps({
    "png rounding": icons.same_png(png, changed(png, 1)),
    "png changed": icons.same_png(png, changed(png, 40)),
    "png resized": icons.same_png(png, (assets / "xerodesk-128.png").read_bytes()),
    "ico rounding": ico_with(1),
    "ico changed": ico_with(40),
}))
"""


def test_the_icon_check_forgives_rounding_but_not_a_changed_picture(tmp_path: Path) -> None:
    """Qt rounds antialiased edges a level differently on different processors."""
    done = subprocess.run(
        [sys.executable, "-c", _JUDGE, str(ROOT / "scripts/render-icons"), str(ROOT), tmp_path],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "png rounding": True,
        "png changed": False,
        "png resized": False,
        "ico rounding": True,
        "ico changed": False,
    }
