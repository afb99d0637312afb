"""`report.json`: the redacted run data, as is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAME = "report.json"


def write(data: dict[str, Any], directory: Path) -> Path:
    path = directory / NAME
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
