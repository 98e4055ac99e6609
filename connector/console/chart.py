"""The overview's chart of messages handled (done) and failed per hour over the last
24 h, as geometry for an inline SVG (server-rendered, no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 720, 180
LEFT, BOTTOM, TOP = 36, 22, 10


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    done_y: float
    done_h: float
    failed_y: float
    failed_h: float
    label: str  # "14:00" on every third hour, else ""
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    top: int
    peak: int
    bars: list[Bar]
    total_done: int
    total_failed: int


def build(buckets: list[tuple[datetime, int, int]]) -> Chart:
    """Stacked bars (done below, failed on top) scaled to the busiest hour."""
    peak = max([d + f for _, d, f in buckets] + [1])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(1, len(buckets))
    baseline = HEIGHT - BOTTOM
    bars = []
    for i, (at, done, failed) in enumerate(buckets):
        done_h = plot_h * done / peak
        failed_h = plot_h * failed / peak
        bars.append(
            Bar(
                x=LEFT + i * slot + 1,
                width=max(1.0, slot - 2),
                done_y=baseline - done_h,
                done_h=done_h,
                failed_y=baseline - done_h - failed_h,
                failed_h=failed_h,
                label=at.strftime("%H:00") if i % 3 == 0 else "",
                title=f"{at:%Y-%m-%d %H:00} UTC: {done} handled, {failed} failed",
            )
        )
    return Chart(
        WIDTH,
        HEIGHT,
        LEFT,
        baseline,
        TOP,
        peak,
        bars,
        sum(d for _, d, _ in buckets),
        sum(f for _, _, f in buckets),
    )
