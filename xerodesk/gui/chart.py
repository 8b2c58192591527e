"""The chart of Xero API calls against the per-minute and per-day limits (QtCharts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QWidget

from xerodesk.engine.controller import CallUsage

WINDOW_MINUTES = 10.0


class LimitChart(QChartView):
    """One measure over the last minutes, with its limit as a dashed line."""

    def __init__(self, title: str, measure: str, limit: str, colour: str) -> None:
        chart = QChart()
        chart.setTitle(title)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(chart.margins() * 0)
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        self.measure = QLineSeries()
        self.measure.setName(measure)
        self.measure.setPen(QPen(QColor(colour), 2))
        self.limit = QLineSeries()
        self.limit.setName(limit)
        pen = QPen(QColor("#b00020"), 1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.limit.setPen(pen)
        self.x_axis = QValueAxis()
        self.x_axis.setRange(-WINDOW_MINUTES, 0)
        self.x_axis.setTitleText("minutes ago")
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        for series in (self.measure, self.limit):
            chart.addSeries(series)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.measure, self.limit):
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.set_points([], 1)

    def set_points(self, points: Sequence[tuple[float, float]], limit: int) -> None:
        self.measure.replace([QPointF(x, y) for x, y in points])
        self.limit.replace([QPointF(-WINDOW_MINUTES, limit), QPointF(0, limit)])
        top = max([limit, *(y for _x, y in points)])
        self.y_axis.setRange(0, max(1.0, top * 1.15))


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
        recent = [u for u in history if (now - u.taken_at).total_seconds() <= WINDOW_MINUTES * 60]
        minute = [(-(now - u.taken_at).total_seconds() / 60, u.calls_last_minute) for u in recent]
        day = [(-(now - u.taken_at).total_seconds() / 60, u.used_today) for u in recent]
        latest = history[-1] if history else None
        self.minute.set_points(minute, latest.minute_limit if latest else 60)
        self.day.set_points(day, latest.daily_limit if latest else 5000)
