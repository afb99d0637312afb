"""`report.html`: one self-contained page a person can read (scorecard, then each failure).

One Jinja environment, configured once; the template only loops over the report data.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

NAME = "report.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pretty"] = _pretty
    return env


def render(data: dict[str, Any]) -> str:
    return environment().get_template("report.html.j2").render(report=data)


def write(data: dict[str, Any], directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(data), encoding="utf-8")
    return path
