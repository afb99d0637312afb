"""`report.html`: one self-contained page a person can read (failures, then the scorecard).

One Jinja environment, configured once. `view()` turns the report data into what the page shows
(cells with their mark and tooltip, failures grouped by check and column, columns grouped by
profile); the template only loops over it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from jinja2 import Environment, FileSystemLoader, select_autoescape

from embedcheck.conformance.reports.data import (
    FindingData,
    OmittedData,
    ReportData,
    TallyData,
    unjudged_reasons,
)
from embedcheck.conformance.reports.text import abbreviated, failing_input, printable

NAME = "report.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"
MARKS = {
    "passed": "✓",
    "failed": "✗",
    "warning": "⚠",
    "error": "!",
    "inconclusive": "?",
    "not-judged": "⊘",
    "n/a": "·",
}
HEADLINES = {
    "passed": "Every check passed.",
    "failed": "Some checks failed.",
    "incomplete": "Incomplete: some checks could not be judged.",
    "inconclusive": "Inconclusive: nothing could be judged.",
}


class Cell(TypedDict):
    status: str
    css: str
    mark: str
    title: str


class Group(TypedDict):
    check: str
    column: str
    summary: str
    anchor: str
    findings: list[FindingData]
    omitted: OmittedData | None


def _title(tally: TallyData | None, why: str) -> str:
    if tally is None or tally["status"] == "n/a":
        return "does not apply"
    status = tally["status"]
    if status == "passed":
        return f"{tally['passed']} examples passed"
    if status == "failed":
        return f"{tally['failed']} examples failed, {tally['passed']} passed"
    if status == "warning":
        return f"{tally['warned']} examples warned, {tally['passed']} passed"
    if status == "inconclusive":
        return f"inconclusive: {printable(why)}"
    if status == "not-judged":
        return f"not judged: {', '.join(tally['blocked_by'])} failed, leaving nothing to judge"
    return "the check itself crashed"


def cell(tally: TallyData | None, why: str) -> Cell:
    status = "n/a" if tally is None else tally["status"]
    return {
        "status": status,
        "css": status.replace("/", ""),
        "mark": MARKS[status],
        "title": _title(tally, why),
    }


def verdict(data: ReportData) -> str:
    """The run's verdict: the report's own, or (before it had one) from the passed flag."""
    return data.get("verdict") or ("passed" if data["passed"] else "failed")


def view(data: ReportData) -> dict[str, Any]:
    columns = data["columns"]
    profiles: dict[str, list[str]] = {}
    for column in columns:
        profiles.setdefault(column.partition(":")[0], []).append(column)
    ordered = [c for group in profiles.values() for c in group]
    omitted = {(o["check"], o["column"]): o for o in data["omitted"]}
    groups: dict[tuple[str, str], Group] = {}
    for finding in data["findings"]:
        key = (finding["check"], finding["column"])
        if key not in groups:
            groups[key] = {
                "check": finding["check"],
                "column": finding["column"],
                "summary": finding["summary"],
                "anchor": f"{finding['check']}-{finding['column']}".replace(":", "-"),
                "findings": [],
                "omitted": omitted.get(key),
            }
        groups[key]["findings"].append(finding)
    anchors = {key: g["anchor"] for key, g in groups.items()}
    whys = unjudged_reasons(data)
    rows = [
        {
            "check": check,
            "summary": data["checks"].get(check, ""),
            "cells": [
                {
                    **cell(row.get(c), whys.get((c, check), "")),
                    "anchor": anchors.get((check, c), ""),
                }
                for c in ordered
            ],
        }
        for check, row in data["scorecard"].items()
    ]
    state = verdict(data)
    return {
        "verdict": state,
        "headline": HEADLINES.get(state, state),
        "profiles": [(p, [c.partition(":")[2] for c in cols]) for p, cols in profiles.items()],
        "rows": rows,
        "groups": list(groups.values()),
        "failures": sum(
            1 for g in groups.values() for f in g["findings"] if f["severity"] != "warning"
        ),
        "warnings": sum(
            1 for g in groups.values() for f in g["findings"] if f["severity"] == "warning"
        ),
    }


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
    env.filters["text"] = lambda value: printable(str(value), lines=True)
    env.filters["body"] = lambda value: printable(abbreviated(str(value)), lines=True)
    env.filters["failing_input"] = failing_input
    return env


def render(data: ReportData) -> str:
    return environment().get_template("report.html.j2").render(report=data, view=view(data))


def write(data: ReportData, directory: Path) -> Path:
    path = directory / NAME
    # A lone surrogate from a server's JSON is written as its escape, not a crash.
    path.write_text(render(data), encoding="utf-8", errors="backslashreplace")
    return path
