"""What the terminal shows: a progress bar while units run, then the scorecard and findings.

Both render from the redacted report data, like the files do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from embedcheck.conformance.reports.results import UnitResult

MARKS = {
    "passed": "[green]✓[/]",
    "failed": "[bold red]✗[/]",
    "error": "[bold magenta]![/]",
    "inconclusive": "[yellow]?[/]",
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


def summary(console: Console, data: dict[str, Any]) -> None:
    """The scorecard: a row per check, a column per model, one mark per profile in each cell."""
    columns: list[str] = data["columns"]
    profiles = list(dict.fromkeys(c.partition(":")[0] for c in columns))
    models = list(dict.fromkeys(c.partition(":")[2] for c in columns))
    table = Table(title="embedcheck scorecard", caption=f"each cell: {' | '.join(profiles)}")
    table.add_column("check", no_wrap=True)
    for model in models:
        table.add_column(_model_short(model), justify="center", no_wrap=True)
    for check, row in data["scorecard"].items():
        cells = []
        for model in models:
            marks = [row.get(f"{p}:{model}", {"status": "n/a"})["status"] for p in profiles]
            cells.append(" ".join(MARKS[m] for m in marks))
        table.add_row(check, *cells)
    console.print(table)
    console.print("[dim]✓ passed  ✗ failed  ? inconclusive (429/503 after retries)  · n/a[/]")
    for finding in data["findings"]:
        console.print(
            f"[bold red]✗ {finding['check']}[/] [cyan]{finding['profile']}:{finding['model']}[/]"
            f" ({finding['scenario']}, {finding['origin']}): {escape(finding['message'])}",
            highlight=False,
        )
    for line in data["errors"] + data["notes"]:
        console.print(f"[magenta]! {escape(line)}[/]", highlight=False)
    totals = data["totals"]
    style = {"passed": "bold green", "failed": "bold red"}.get(data["verdict"], "bold yellow")
    verdict = f"[{style}]{data['verdict'].upper()}[/]"
    for cell in data["unjudged"]:
        console.print(
            f"[yellow]? {cell['check']}[/] [cyan]{cell['column']}[/]: not judged, "
            f"{escape(cell['why'])}",
            highlight=False,
        )
    console.print(
        f"{verdict}: {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['inconclusive']} inconclusive (check x model) against "
        f"{escape(data.get('description', 'the target'))} in {data['duration_s']} s; "
        f"seed {data['seed']} (--seed {data['seed']} reruns the same examples)",
        highlight=False,
    )
    if data.get("reports"):
        console.print("reports: " + "  ".join(data["reports"]), highlight=False)
