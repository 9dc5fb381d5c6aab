"""The quarterly pack's charts, as PNG bytes, drawn off screen with matplotlib.

Each theme has a colour AND a marker shape, so nothing is told by colour alone; the
colours are from the Okabe-Ito set, which people with colour-blindness can tell apart.
No pyplot: each chart is its own Figure, so charts can be drawn in worker threads
(call these through asyncio.to_thread; they are CPU work).
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Sequence
from typing import Literal

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from bot.domain.model import BUDGET_LABELS, THEME_LABELS, Budget, Theme
from bot.domain.roadmap_review import EFFORT_ORDER, Point
from bot.domain.themes import THEME_ORDER

WIDTH, HEIGHT, DPI = 1000, 600, 100  # pixels, and pixels to the inch

# Theme -> (colour, marker): filled circle, square, triangle, diamond.
THEME_STYLE: dict[Theme, tuple[str, str]] = {
    Theme.PEOPLE_AND_SKILLS: ("#0072B2", "o"),
    Theme.DESIGN_PLAN_IMPLEMENT: ("#E69F00", "s"),
    Theme.ORGANISATION_AND_PROCESS: ("#009E73", "^"),
    Theme.TECHNOLOGY_AND_ARCHITECTURE: ("#CC79A7", "D"),
}
BAR_COLOUR = "#1d70b8"
_UNKNOWN_AT = len(EFFORT_ORDER) + 0.5  # "Not known yet" stands apart, right of the scale
_SMALLEST, _LARGEST = 40.0, 1400.0  # bubble areas, in points squared


def _figure(
    width: int, height: int, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout=layout)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def bubble_area(people: int, most: int) -> float:
    """The bubble's area grows with the square root of the people affected, so one huge
    request does not hide the rest."""
    if most <= 0:
        return _SMALLEST
    return _SMALLEST + (_LARGEST - _SMALLEST) * math.sqrt(max(people, 0) / most)


def _x(point: Point) -> float:
    """The effort band's place, spread a little (the same way every time) so requests in
    one band do not sit on top of each other."""
    spread = (zlib.crc32(point.reference.encode()) % 1000) / 1000 * 0.5 - 0.25
    if point.effort is Budget.UNKNOWN:
        return _UNKNOWN_AT + spread
    return EFFORT_ORDER.index(point.effort) + spread


def _effort_axis(axes: object) -> None:
    positions = [*range(len(EFFORT_ORDER)), _UNKNOWN_AT]
    labels = [_wrapped(BUDGET_LABELS[b]) for b in EFFORT_ORDER]
    labels.append("Not known\nyet")
    axes.set_xticks(positions, labels)  # type: ignore[attr-defined]
    axes.set_xlim(-0.6, _UNKNOWN_AT + 0.6)  # type: ignore[attr-defined]
    axes.axvline(len(EFFORT_ORDER) - 0.25, color="#505a5f", linestyle="--", linewidth=1)  # type: ignore[attr-defined]


def _wrapped(label: str) -> str:
    """A band's label on two lines, so neighbours do not run into each other."""
    words = label.replace(" expected", "").split(" ")
    half = max(1, len(words) // 2)
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


def value_effort_chart(points: Sequence[Point], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """Priority score (0 to 100) against estimated cost; bubble size is people affected;
    colour and shape are the theme."""
    figure = _figure(width, height, layout=None)
    figure.subplots_adjust(left=0.08, right=0.68, bottom=0.16, top=0.92)
    axes = figure.add_subplot()
    most = max((p.people for p in points), default=0)
    shown: list[Theme] = []
    for theme in THEME_ORDER:
        mine = [p for p in points if p.theme is theme]
        if not mine:
            continue
        shown.append(theme)
        colour, marker = THEME_STYLE[theme]
        axes.scatter(
            [_x(p) for p in mine],
            [p.score for p in mine],
            s=[bubble_area(p.people, most) for p in mine],
            c=colour,
            marker=marker,
            alpha=0.6,
            edgecolors="#0b0c0c",
            linewidths=0.6,
        )
    _effort_axis(axes)
    axes.set_ylim(0, 105)
    axes.set_xlabel("Estimated cost (from the budget answer)")
    axes.set_ylabel("Priority score (0 to 100)")
    axes.set_title("Value against effort: each shape is one request")
    axes.grid(axis="y", color="#dddddd")
    themes = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=THEME_STYLE[t][1],
            color=THEME_STYLE[t][0],
            markeredgecolor="#0b0c0c",
            markersize=10,
            label=THEME_LABELS[t],
        )
        for t in shown
    ]
    if themes:
        first = axes.legend(
            handles=themes,
            title="Theme",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
        axes.add_artist(first)
    sizes = _size_key(most)
    if sizes:
        keys = [
            axes.scatter(
                [],
                [],
                s=bubble_area(n, most),
                c="#ffffff",
                edgecolors="#0b0c0c",
                label=f"{n:,} people",
            )
            for n in sizes
        ]
        axes.legend(
            handles=keys,
            title="People affected",
            loc="lower left",
            bbox_to_anchor=(1.01, 0.0),
            frameon=False,
            labelspacing=1.6,
            borderpad=1,
        )
    if not points:
        axes.text(len(EFFORT_ORDER) / 2, 50, "No requests to show", ha="center", fontsize=14)
    return _png(figure)


def _size_key(most: int) -> list[int]:
    """Three round numbers of people for the size key, up to the most affected."""
    if most <= 0:
        return []
    top = 10 ** int(math.log10(most))
    steps = sorted({max(1, top // 100), max(1, top // 10), top})
    return steps


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    axis_label: str,
    width: int = WIDTH,
    height: int = 400,
) -> bytes:
    """Plain horizontal bars, each with its number written at its end."""
    figure = _figure(width, height)
    axes = figure.add_subplot()
    places = list(range(len(labels)))[::-1]  # the first label at the top
    axes.barh(places, values, color=BAR_COLOUR, height=0.6)
    axes.set_yticks(places, list(labels))
    for place, value in zip(places, values, strict=True):
        axes.text(value, place, f" {value:,}", va="center", fontsize=11)
    axes.set_xlim(0, max([*values, 1]) * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(axis_label)
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
