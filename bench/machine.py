"""What a benchmark ran on (cores, CPU model, Python, the versions of the packages used), and
the small helpers every bench script shares: a Markdown table, progress lines on stderr."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "embedcheck",
    "schemathesis",
    "hypothesis",
    "httpx",
    "jsonschema",
    "jsonschema-rs",
    "starlette",
    "uvicorn",
    "httptools",
    "uvloop",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_seconds() -> float:
    """CPU (user + system) this process and its finished children have used so far: a tool run
    as a subprocess is counted once it has exited, with the processes it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: a shared machine's other work shows here."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe() -> list[str]:
    """Markdown list items describing this machine and the software under test."""
    versions = ", ".join(f"{p} {_version(p)}" for p in PACKAGES)
    return [
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- packages: {versions}",
        f"- load average at the start: {load_average()}",
    ]


START = time.perf_counter()


def progress(message: str) -> None:
    """A line on stderr, stamped with the seconds since the bench started."""
    print(f"[{time.perf_counter() - START:5.0f} s] {message}", file=sys.stderr, flush=True)


def table(
    header: Iterable[str], rows: Iterable[Iterable[object]], *, numbers: bool = False
) -> list[str]:
    """A Markdown table, as lines; `numbers`: every column after the first right-aligned."""
    head = list(header)
    rules = ["---"] + ["---:" if numbers else "---"] * (len(head) - 1)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def emit(lines: Iterable[str]) -> None:
    print("\n".join(lines), flush=True)
