"""Write every report file of a run, report.json first; one writer failing stops no other.

A writer that fails (a full disk, a read-only file, a bug of ours on odd data) costs its own
file only: the others are still written, and the failure comes back as one line naming the
file and the reason, for the terminal and run.log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from embedcheck.conformance.reports import html_report, json_report, junit_report
from embedcheck.conformance.reports.data import ReportData

log = logging.getLogger("embedcheck.reports")

Writer = Callable[[ReportData, Path], Path]
# report.json first: the machine-readable record is the one that must survive.
WRITERS: tuple[tuple[str, Writer], ...] = (
    (json_report.NAME, json_report.write),
    (junit_report.NAME, junit_report.write),
    (html_report.NAME, html_report.write),
)


@dataclass
class Written:
    paths: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "could not write X: why"


def write_reports(
    data: ReportData, directory: Path, writers: tuple[tuple[str, Writer], ...] = WRITERS
) -> Written:
    written = Written()
    for name, write in writers:
        try:
            written.paths.append(write(data, directory))
        except Exception as exc:  # any failure costs this one file only
            problem = f"could not write {directory / name}: {type(exc).__name__}: {exc}"
            log.error("%s", problem, exc_info=True)
            written.failures.append(problem)
    return written
