"""What the terminal shows: a progress bar while units run, then the scorecard and findings.

Both render from the redacted report data, like the files do.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from embedcheck.conformance.reports.data import ReportData
from embedcheck.conformance.reports.results import UnitResult
from embedcheck.conformance.reports.text import failing_input, printable, shown

log = logging.getLogger("embedcheck.progress")

MARKS = {
    "passed": "[green]✓[/]",
    "failed": "[bold red]✗[/]",
    "warning": "[bold yellow]⚠[/]",
    "error": "[bold magenta]![/]",
    "inconclusive": "[yellow]?[/]",
    "not-judged": "[yellow]⊘[/]",
    "n/a": "[dim]·[/]",
}


class Tracker:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: Any = None
        self.failed = 0

    def start(self, units: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task("checking", total=units)

    def advance(self, unit: UnitResult) -> None:
        log.info("finished %s %s", unit.column, unit.scenario)
        self.failed += sum(1 for t in unit.tallies.values() if t.failed)
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                advance=1,
                description=f"{unit.column} {unit.scenario}"
                + (f" [red]{self.failed} failing[/]" if self.failed else ""),
            )


@contextlib.contextmanager
def progress(console: Console, *, enabled: bool = True) -> Iterator[Tracker]:
    stderr = Console(stderr=True)
    if not enabled or not stderr.is_terminal:
        yield Tracker(None)
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    with bar:
        yield Tracker(bar)


def _model_short(model: str) -> str:
    return model.removeprefix("bge-").removesuffix("-v1.5")


def _print(console: Console, line: str) -> None:
    """One logical line, never wrapped (grep finds a FAILED line or a path whole)."""
    console.print(line, highlight=False, soft_wrap=True)


def scorecard(data: ReportData) -> Table:
    """A row per check, a column per model, one mark per profile in each cell."""
    columns: list[str] = data["columns"]
    profiles = list(dict.fromkeys(c.partition(":")[0] for c in columns))
    models = list(dict.fromkeys(c.partition(":")[2] for c in columns))
    table = Table(title="embedcheck scorecard", caption=f"each cell: {' | '.join(profiles)}")
    table.add_column("check", no_wrap=True)
    for model in models:
        table.add_column(escape(_model_short(model)), justify="center", no_wrap=True)
    for check, row in data["scorecard"].items():
        cells = []
        for model in models:
            marks = [row.get(f"{p}:{model}", {"status": "n/a"})["status"] for p in profiles]
            cells.append(" ".join(MARKS[m] for m in marks))
        table.add_row(check, *cells)
    return table


def _findings(console: Console, data: ReportData) -> None:
    """Every distinct failure, grouped by check and column: message, then the failing input."""
    omitted = {(o["check"], o["column"]): o for o in data["omitted"]}
    shown_groups: set[tuple[str, str]] = set()
    for finding in data["findings"]:
        key = (finding["check"], finding["column"])
        if key not in shown_groups:
            shown_groups.add(key)
            group = [f for f in data["findings"] if (f["check"], f["column"]) == key]
            more = omitted.get(key)
            extra = f" (+{more['kinds']} more not shown)" if more else ""
            failures = sum(1 for f in group if f["severity"] != "warning")
            warnings = len(group) - failures
            counts = [
                f"{n} distinct {word}{'s' if n != 1 else ''}"
                for n, word in ((failures, "failure"), (warnings, "warning"))
                if n
            ]
            mark = "[bold red]✗" if failures else "[bold yellow]⚠"
            _print(
                console,
                f"{mark} {finding['check']}[/] [cyan]{escape(finding['column'])}[/]: "
                f"{', '.join(counts)}{extra}",
            )
        label = "[yellow]warning:[/] " if finding["severity"] == "warning" else ""
        _print(
            console,
            f"  - {label}{escape(shown(finding['message'], 240))} "
            f"[dim]({finding['scenario']}, {finding['origin']}, x{finding['seen']})[/]",
        )
        _print(console, f"    [dim]input:[/] {escape(failing_input(finding))}")


def _warned(data: ReportData) -> str:
    """What the warnings did to the verdict, for the summary line."""
    cells = data["totals"]["warning"]
    if not cells:
        return ""
    if data["strict"]:
        return " (--strict: warnings fail the run)"
    return f" with {cells} warning cell{'s' if cells != 1 else ''} (--strict fails on them)"


def summary(console: Console, data: ReportData) -> None:
    """The scorecard, every distinct failure with its input, the verdict and the report paths.

    On a terminal the table fits its width; elsewhere (CI logs, pipes) nothing is wrapped:
    the table takes the width it needs and each line stays one line."""
    table = scorecard(data)
    if console.is_terminal:
        console.print(table)
    else:
        wide = console.options.update(max_width=10_000)
        width = Measurement.get(console, wide, table).maximum
        console.print(table, width=max(width, console.width), crop=False)
    console.print(
        "[dim]✓ passed  ✗ failed  ⚠ warning (the contract is silent; fails only with "
        "--strict)  ? inconclusive (could not judge: why below)  "
        "⊘ not judged (a check it depends on failed)  · n/a[/]",
        soft_wrap=True,
    )
    _findings(console, data)
    if data["findings"] and "mock" in data:
        _print(
            console,
            f"reproduce: {escape(data['mock']['command'])}   "
            "(then the finding's curl line in report.html or junit.xml)",
        )
    for line in data["errors"] + data["notes"]:
        _print(console, f"[magenta]! {escape(shown(line, 2000))}[/]")
    totals = data["totals"]
    state = data.get("verdict") or ("passed" if data["passed"] else "failed")
    colour = "green" if state == "passed" else "red" if state == "failed" else "yellow"
    interrupted = " (interrupted: partial report)" if data["interrupted"] else ""
    for cell in data.get("unjudged", []):
        _print(
            console,
            f"[yellow]? {cell['check']}[/] [cyan]{cell['column']}[/]: could not be judged: "
            f"{escape(printable(cell['why']))}",
        )
    _print(
        console,
        f"[bold {colour}]{state.upper()}[/]{interrupted}{_warned(data)}: "
        f"{totals['passed']} passed, {totals['warning']} with warnings, "
        f"{totals['failed']} failed, {totals['inconclusive']} inconclusive, "
        f"{totals['not-judged']} not judged (check x model) against "
        f"{escape(printable(data.get('description', 'the target')))} in {data['duration_s']} s; "
        f"seed {data['seed']} (--seed {data['seed']} reruns the same examples)",
    )
    if data.get("reports"):
        _print(console, "reports: " + "  ".join(escape(p) for p in data["reports"]))
