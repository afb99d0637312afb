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
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 760, 260, 24, 56, 44
GREEN, AMBER, RED = "#2e9e5b", "#d99a1e", "#c9413b"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    colour: str


def bars(data: dict[str, Any]) -> tuple[list[Bar], int]:
    """The histogram's bars, worst bin on the left, and the count the axis goes up to."""
    thresholds = data["thresholds"]
    lowers = {label: lower for lower, label in BINS}
    rows = list(reversed(data["histogram"]))
    top = max([row["count"] for row in rows] + [1])
    slot = (WIDTH - LEFT - 8) / len(rows)
    plot = HEIGHT - TOP - BOTTOM
    result = []
    for i, row in enumerate(rows):
        lower = lowers[row["label"]]
        colour = (
            GREEN
            if lower >= thresholds["interchangeable"]
            else AMBER
            if lower >= thresholds["same_model"]
            else RED
        )
        height = plot * row["count"] / top
        result.append(
            Bar(
                x=LEFT + i * slot + 3,
                y=TOP + plot - height,
                width=slot - 6,
                height=height,
                label=row["label"],
                count=row["count"],
                colour=colour,
            )
        )
    return result, top


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
    histogram, top = bars(data)
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
            chart=chart,
            verdict_colour=colour.get(data["verdict"], RED),
            colours={"green": GREEN, "amber": AMBER, "red": RED},
        )
    )


def write(data: dict[str, Any], directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(data), encoding="utf-8")
    return path
