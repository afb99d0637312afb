"""`junit.xml`: one test suite per profile:model, one test case per check.

CI systems show a failed check with its message and the curl command that reproduces it;
inconclusive checks are skipped, checks that did not apply are left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

NAME = "junit.xml"


def _failure_text(finding: dict[str, Any]) -> str:
    lines = [
        finding["message"],
        f"expected: {finding['expected']}",
        f"actual: {finding['actual']}",
        f"scenario: {finding['scenario']} ({finding['origin']} example)",
        *(f"payload: {p}" for p in finding["payloads"]),
    ]
    lines += [f"reproduce: {e['curl']}" for e in finding["exchanges"] if e["failing"]]
    return "\n".join(lines)


def build(data: dict[str, Any]) -> ET.Element:
    findings = {(f"{f['profile']}:{f['model']}", f["check"]): f for f in data["findings"]}
    root = ET.Element(
        "testsuites", name=f"embedcheck: {data.get('description', '')}", time=str(data["duration_s"])
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
            if tally["status"] in ("failed", "error"):
                counts["failures"] += 1
                finding = findings.get((column, check))
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=finding["message"] if finding else f"{check}: {tally['status']}",
                )
                failure.text = _failure_text(finding) if finding else "see report.json errors"
            elif tally["status"] == "inconclusive":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message="inconclusive: 429/503 after retries")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def write(data: dict[str, Any], directory: Path) -> Path:
    path = directory / NAME
    tree = ET.ElementTree(build(data))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
