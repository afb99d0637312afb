"""`compare.html`: one self-contained page read at a glance: the verdict, a histogram of the
per-text cosines (inline SVG), the worst texts, the rankings, the evidence.

The bars are laid out here (a plain render model); the template only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from embedcheck.conformance.compare.measure import BINS

NAME = "compare.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 924, 290, 48, 56, 44  # the page's column, in px
GREEN, AMBER, RED = "#2e9e5b", "#d99a1e", "#c9413b"
# Behind the bars, each verdict's range of cosines in a pale tint of its colour: where the
# bars stand reads at a glance, however few bins are filled.
TINTS = {GREEN: "#e3f4ea", AMBER: "#fbf0d9", RED: "#f8e1df"}


@dataclass(frozen=True)
class Zone:
    x: float
    width: float
    tint: str
    colour: str
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    colour: str


def _colour(lower: float, thresholds: dict[str, Any]) -> str:
    if lower >= thresholds["interchangeable"]:
        return GREEN
    return AMBER if lower >= thresholds["same_model"] else RED


def bars(data: dict[str, Any]) -> tuple[list[Bar], list[Zone], int]:
    """The histogram's bars, worst bin on the left; the verdicts' zones behind them; and the
    count the axis goes up to. A bin is coloured by its lower edge: a threshold set between
    two edges colours the bin it falls in by the verdict below it."""
    thresholds = data["thresholds"]
    lowers = {label: lower for lower, label in BINS}
    rows = list(reversed(data["histogram"]))
    top = max([row["count"] for row in rows] + [1])
    slot = (WIDTH - LEFT - 8) / len(rows)
    plot = HEIGHT - TOP - BOTTOM
    result = []
    for i, row in enumerate(rows):
        height = plot * row["count"] / top
        result.append(
            Bar(
                x=LEFT + i * slot + 3,
                y=TOP + plot - height,
                width=slot - 6,
                height=height,
                label=row["label"],
                count=row["count"],
                colour=_colour(lowers[row["label"]], thresholds),
            )
        )
    names = {  # the thresholds are on the axis, where the zones meet
        RED: "incompatible",
        AMBER: "same model, lower precision",
        GREEN: "interchangeable",
    }
    zones: list[Zone] = []
    for i, bar in enumerate(result):
        if zones and zones[-1].colour == bar.colour:
            last = zones.pop()
            zones.append(Zone(last.x, last.width + slot, last.tint, last.colour, last.label))
        else:
            zones.append(
                Zone(LEFT + i * slot, slot, TINTS[bar.colour], bar.colour, names[bar.colour])
            )
    return result, zones, top


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(data: dict[str, Any]) -> str:
    histogram, zones, top = bars(data)
    chart = {
        "width": WIDTH,
        "height": HEIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "left": LEFT,
        "max": top,
    }
    colour = {"interchangeable": GREEN, "same model, lower precision": AMBER}
    return (
        environment()
        .get_template("compare.html.j2")
        .render(
            report=data,
            bars=histogram,
            zones=zones,
            chart=chart,
            verdict_colour=colour.get(data["verdict"], RED),
            colours={"green": GREEN, "amber": AMBER, "red": RED},
        )
    )


def write(data: dict[str, Any], directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(data), encoding="utf-8")
    return path
