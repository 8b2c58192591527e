"""The app's icon: ``resources/xerodesk.svg`` when installed beside it, else drawn."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

_SVG = Path(__file__).resolve().parents[2] / "resources" / "xerodesk.svg"


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
    if _SVG.exists() and not busy:
        icon = QIcon(str(_SVG))
        if not icon.isNull():
            return icon
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        icon.addPixmap(_drawn(size, busy))
    return icon
