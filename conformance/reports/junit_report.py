"""`junit.xml`: one test suite per profile:model, one test case per check.

CI systems show a failed check with every distinct failure (message, input, and the curl command
that reproduces it); inconclusive checks, and checks not judged because a check they depend on
failed, are skipped with the reason; checks that did not apply are left out. A check that only
warned passes, its warnings in a `warning` property and in `system-out` (with --strict it is a
failure of type "warning", as the run then fails on it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from embedcheck.conformance.reports.data import (
    FindingData,
    OmittedData,
    ReportData,
    unjudged_reasons,
)
from embedcheck.conformance.reports.text import finding_text, printable

NAME = "junit.xml"


def _failure(
    check: str, findings: list[FindingData], omitted: OmittedData | None, kind: str = ""
) -> ET.Element:
    more = len(findings) - 1 + (omitted["kinds"] if omitted else 0)
    first = printable(findings[0]["message"]) if findings else f"{check}: failed"
    message = first + (f" (+{more} more distinct failures)" if more > 0 else "")
    failure = ET.Element("failure", message=message)
    if kind:
        failure.set("type", kind)
    parts = [finding_text(f) for f in findings] or ["see report.json errors"]
    if omitted:
        parts.append(
            f"... and {omitted['kinds']} more distinct failures "
            f"({omitted['examples']} failing examples) not shown"
        )
    failure.text = "\n\n".join(parts)
    return failure


def skipped_message(status: str, blocked_by: list[str], why: str) -> str:
    if status == "not-judged":
        return f"not judged: {', '.join(blocked_by)} failed, leaving nothing to judge"
    return f"inconclusive: {printable(why)}"


def _warnings(case: ET.Element, findings: list[FindingData]) -> None:
    """A passing case's warnings: one property each, the whole text in system-out."""
    properties = ET.SubElement(case, "properties")
    for finding in findings:
        ET.SubElement(properties, "property", name="warning", value=printable(finding["message"]))
    out = ET.SubElement(case, "system-out")
    out.text = "\n\n".join("warning: " + finding_text(f) for f in findings)


def build(data: ReportData) -> ET.Element:
    findings: dict[tuple[str, str], list[FindingData]] = {}
    for finding in data["findings"]:
        findings.setdefault((finding["column"], finding["check"]), []).append(finding)
    omitted = {(o["column"], o["check"]): o for o in data["omitted"]}
    whys = unjudged_reasons(data)
    root = ET.Element(
        "testsuites",
        name=f"embedcheck: {data.get('description', '')}",
        time=str(data["duration_s"]),
    )
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for column in data["columns"]:
        suite = ET.SubElement(root, "testsuite", name=column)
        properties = ET.SubElement(suite, "properties")
        target = data.get("description", "")
        ET.SubElement(properties, "property", name="target", value=target)
        ET.SubElement(properties, "property", name="verdict", value=data["verdict"])
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for check, row in data["scorecard"].items():
            tally = row.get(column)
            if tally is None or tally["status"] == "n/a":
                continue
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=column, name=check)
            cell = (column, check)
            if tally["status"] in ("failed", "error"):
                counts["failures"] += 1
                case.append(_failure(check, findings.get(cell, []), omitted.get(cell)))
            elif tally["status"] == "warning" and data["strict"]:
                counts["failures"] += 1
                case.append(_failure(check, findings.get(cell, []), omitted.get(cell), "warning"))
            elif tally["status"] == "warning":
                _warnings(case, findings.get(cell, []))
            elif tally["status"] in ("inconclusive", "not-judged"):
                counts["skipped"] += 1
                message = skipped_message(tally["status"], tally["blocked_by"], whys.get(cell, ""))
                ET.SubElement(case, "skipped", message=message)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def write(data: ReportData, directory: Path) -> Path:
    path = directory / NAME
    tree = ET.ElementTree(build(data))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
