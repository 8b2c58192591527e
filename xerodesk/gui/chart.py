"""The chart of Xero API calls against the per-minute and per-day limits.

A small painted widget rather than QtCharts: PySide6's QtCharts bindings
(6.12) corrupt reference counts when a series' points change, which ends the
process at exit or sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from xerodesk.engine.controller import CallUsage

WINDOW_MINUTES = 10.0
LIMIT_COLOUR = "#b00020"


class LimitChart(QWidget):
    """One measure over the last minutes, with its limit as a dashed line."""

    def __init__(self, title: str, measure: str, limit: str, colour: str) -> None:
        super().__init__()
        self.title, self.measure, self.limit_name = title, measure, limit
        self.colour = QColor(colour)
        self.points: list[tuple[float, float]] = []
        self.limit = 1
        self.setMinimumSize(260, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def set_points(self, points: Sequence[tuple[float, float]], limit: int) -> None:
        self.points, self.limit = list(points), limit
        latest = f"{points[-1][1]:,.0f}" if points else "none yet"
        self.setAccessibleDescription(f"{self.measure}: {latest}; {self.limit_name}: {limit:,}")
        self.setToolTip(self.accessibleDescription())
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        metrics = self.fontMetrics()
        line = metrics.height()
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignCenter, self.title)
        top = max([float(self.limit), *(y for _x, y in self.points)]) * 1.15 or 1.0
        left = metrics.horizontalAdvance(f"{top:,.0f}") + 8
        plot = QRectF(left, line * 1.5, self.width() - left - 8, self.height() - line * 4)

        def at(x: float, y: float) -> QPointF:
            return QPointF(
                plot.left() + (x + WINDOW_MINUTES) / WINDOW_MINUTES * plot.width(),
                plot.bottom() - y / top * plot.height(),
            )

        painter.setPen(QPen(text.lighter(160) if text.lightness() < 128 else text.darker(160)))
        painter.drawRect(plot)
        painter.setPen(text)
        for value in (0.0, float(self.limit)):
            spot = at(-WINDOW_MINUTES, value)
            box = QRectF(0, spot.y() - line / 2, left - 4, line)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:,.0f}"
            )
        axis = QRectF(plot.left(), plot.bottom() + 2, plot.width(), line)
        painter.drawText(axis, Qt.AlignmentFlag.AlignLeft, f"{WINDOW_MINUTES:.0f} min ago")
        painter.drawText(axis, Qt.AlignmentFlag.AlignRight, "now")
        dashed = QPen(QColor(LIMIT_COLOUR), 1.5, Qt.PenStyle.DashLine)
        painter.setPen(dashed)
        painter.drawLine(at(-WINDOW_MINUTES, self.limit), at(0, self.limit))
        painter.setPen(QPen(self.colour, 2))
        if len(self.points) > 1:
            painter.drawPolyline(QPolygonF([at(x, y) for x, y in self.points]))
        if self.points:
            painter.setBrush(self.colour)
            painter.drawEllipse(at(*self.points[-1]), 3, 3)
        self._legend(
            painter, QRectF(plot.left(), plot.bottom() + line + 2, plot.width(), line), dashed
        )
        painter.end()

    def _legend(self, painter: QPainter, box: QRectF, dashed: QPen) -> None:
        y = box.center().y()
        painter.setPen(QPen(self.colour, 2))
        painter.drawLine(QPointF(box.left(), y), QPointF(box.left() + 18, y))
        painter.setPen(self.palette().windowText().color())
        measure = QRectF(box.left() + 22, box.top(), box.width() / 2, box.height())
        painter.drawText(measure, Qt.AlignmentFlag.AlignLeft, self.measure)
        middle = box.left() + box.width() / 2
        painter.setPen(dashed)
        painter.drawLine(QPointF(middle, y), QPointF(middle + 18, y))
        painter.setPen(self.palette().windowText().color())
        limit = QRectF(middle + 22, box.top(), box.width() / 2 - 22, box.height())
        painter.drawText(limit, Qt.AlignmentFlag.AlignLeft, self.limit_name)


class CallsChart(QWidget):
    """Calls in the last minute against the minute limit; calls today against the day's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minute = LimitChart(
            "API calls per minute", "calls in the last minute", "limit a minute", "#1565c0"
        )
        self.day = LimitChart("API calls today", "calls used today", "daily budget", "#2e7d32")
        self.setAccessibleName("Chart of Xero API calls against the limits")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.minute)
        layout.addWidget(self.day)

    def show_usage(self, history: Sequence[CallUsage]) -> None:
        now = datetime.now(UTC)
        window = WINDOW_MINUTES * 60
        recent = [u for u in history if (now - u.taken_at).total_seconds() <= window]
        minute = [(-(now - u.taken_at).total_seconds() / 60, u.calls_last_minute) for u in recent]
        day = [(-(now - u.taken_at).total_seconds() / 60, u.used_today) for u in recent]
        latest = history[-1] if history else None
        self.minute.set_points(minute, latest.minute_limit if latest else 60)
        self.day.set_points(day, latest.daily_limit if latest else 5000)
