"""`report.json`: the redacted run data, as is."""

from __future__ import annotations

import json
from pathlib import Path

from embedcheck.conformance.reports.data import ReportData

NAME = "report.json"


def write(data: ReportData, directory: Path) -> Path:
    path = directory / NAME
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # A lone surrogate (a server's JSON may carry one) becomes its JSON escape, `\udc80`.
    path.write_bytes(text.encode("utf-8", "backslashreplace"))
    return path
