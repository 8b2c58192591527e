"""The app's icon, from PNGs shipped inside the package (``assets/``).

They are rendered from ``resources/xerodesk.svg`` by ``scripts/render-icons``,
so the wheel and the bundle carry the icon without the repository beside them.
While a pass runs the icon is drawn in amber instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

_ASSETS = Path(__file__).resolve().with_name("assets")
_SIZES = (16, 32, 48, 64, 128, 256)


def _drawn(size: int, busy: bool) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#13b5ea" if not busy else "#f59e0b"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.5))
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "xd")
    painter.end()
    return pixmap


def app_icon(busy: bool = False) -> QIcon:
    """The window and tray icon; amber while a pass runs."""
    if not busy:
        icon = QIcon()
        for size in _SIZES:
            png = _ASSETS / f"xerodesk-{size}.png"
            if png.exists():
                icon.addFile(str(png))
        if not icon.isNull():
            return icon
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        icon.addPixmap(_drawn(size, busy))
    return icon
