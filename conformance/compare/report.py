"""What a comparison found, as data (`compare.json`), and its terminal summary.

The terminal and the page render from the redacted data, as the files do; NaN (a text not
compared) is written as null, so the JSON stays JSON.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from embedcheck.conformance.compare.collect import SideVectors
from embedcheck.conformance.compare.corpus import Corpus
from embedcheck.conformance.compare.diagnose import Finding, PoolingProbe
from embedcheck.conformance.compare.measure import (
    Distribution,
    Retrieval,
    TextMeasure,
    histogram,
)
from embedcheck.conformance.compare.thresholds import Thresholds
from embedcheck.conformance.compare.verdict import INTERCHANGEABLE, LOWER_PRECISION, Verdict
from embedcheck.conformance.http.network import DIRECT
from embedcheck.conformance.reports.redact import Redactor

JSON_NAME = "compare.json"
WORST_SHOWN = 10
CLIP = 240  # characters of a text shown in the worst list
COLOURS = {INTERCHANGEABLE: "green", LOWER_PRECISION: "yellow"}


def _clean(value: Any) -> Any:
    """NaN and infinities as null, recursively (JSON has no spelling for them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _clip(text: str) -> str:
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"


@dataclass
class Comparison:
    description: str
    network: str  # which proxy for which scheme, which CAs (`Network.describe`)
    a: SideVectors
    b: SideVectors
    corpus: Corpus
    sent: int  # distinct texts sent to each side
    measures: list[TextMeasure]
    cosines: Distribution
    retrieval: Retrieval | None
    findings: list[Finding]
    probes: list[PoolingProbe]
    verdict: Verdict
    thresholds: Thresholds
    seconds: float
    redactor: Redactor
    reports: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def worst(self) -> list[TextMeasure]:
        compared = [m for m in self.measures if m.compared]
        return sorted(compared, key=lambda m: m.cosine)[:WORST_SHOWN]

    def by_kind(self) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[float]] = defaultdict(list)
        for m in self.measures:
            groups[m.kind].append(m.cosine)
        result = {}
        for kind, values in groups.items():
            d = Distribution.of(values)
            result[kind] = {"texts": len(values), "median": d.median, "min": d.min}
        return result

    def _side(self, held: SideVectors) -> dict[str, Any]:
        side = held.side
        return {
            "profile": side.target.profile,
            "url": side.target.base_url,
            "model": side.model.name,
            "pooling": side.pooling or None,
            "dims": held.dims,
            "requests": held.requests,
            "problems": held.problems,
        }

    def to_data(self) -> dict[str, Any]:
        data = {
            "tool": "embedcheck compare",
            "verdict": self.verdict.name,
            "exit_status": self.exit_code,
            "advice": self.verdict.advice,
            "evidence": self.verdict.evidence,
            "description": self.description,
            "network": self.network,
            "sides": {"A": self._side(self.a), "B": self._side(self.b)},
            "corpus": {
                "source": self.corpus.source,
                "texts": len(self.corpus.texts),
                "sent": self.sent,
                "retrieval_queries": len(self.corpus.queries),
                "retrieval_documents": len(self.corpus.documents),
            },
            "cosine": asdict(self.cosines),
            "histogram": [
                {"label": label, "count": count}
                for label, count in histogram([m.cosine for m in self.measures])
            ],
            "by_kind": self.by_kind(),
            "norms": {
                "A": asdict(Distribution.of([m.norm_a for m in self.measures])),
                "B": asdict(Distribution.of([m.norm_b for m in self.measures])),
            },
            "retrieval": asdict(self.retrieval) if self.retrieval else None,
            "findings": [asdict(f) for f in self.findings],
            "pooling_probes": [asdict(p) for p in self.probes],
            "thresholds": asdict(self.thresholds),
            "worst": [self._text(m) for m in self.worst()],
            "texts": [self._text(m, clip=False) for m in self.measures],
            "seconds": round(self.seconds, 3),
        }
        masked: dict[str, Any] = self.redactor.data(_clean(data))
        return masked

    @staticmethod
    def _text(m: TextMeasure, clip: bool = True) -> dict[str, Any]:
        item = asdict(m)
        if clip:
            item["text"] = _clip(m.text)
        return item

    def write(self, directory: Path) -> list[Path]:
        from embedcheck.conformance.compare import page  # Jinja only when a page is written

        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from embedcheck.conformance.errors import ConfigError

            raise ConfigError(f"cannot create the report directory {directory}: {exc}") from None
        data = self.to_data()
        json_path = directory / JSON_NAME
        json_path.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        self.reports = [json_path, page.write(data, directory)]
        return self.reports


def _figure(value: Any, digits: int = 7) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def summary(console: Console, data: dict[str, Any], reports: Sequence[Path] = ()) -> None:
    """The verdict, its evidence and the figures that matter, from the redacted data."""
    colour = COLOURS.get(data["verdict"], "bold red")
    sides = data["sides"]
    for name in ("A", "B"):
        s = sides[name]
        pooling = f", pooling {s['pooling']}" if s["pooling"] else ""
        console.print(
            f"side {name}: {escape(s['profile'])} at {escape(s['url'])}, model "
            f"{escape(s['model'])}{pooling} — {s['dims']} dims, {s['requests']} requests"
        )
    if data["network"] != DIRECT.resolve().describe():  # only what differs from going direct
        console.print(f"network: {escape(data['network'])}")
    corpus = data["corpus"]
    console.print(
        f"texts: {corpus['texts']} ({escape(corpus['source'])}) + "
        f"{corpus['retrieval_queries']} queries x {corpus['retrieval_documents']} documents; "
        f"{corpus['sent']} distinct texts sent to each side in {data['seconds']:.2f} s"
    )
    c = data["cosine"]
    if c["count"]:
        console.print(
            f"cosine A·B per text: min {_figure(c['min'])}  p1 {_figure(c['p01'])}  "
            f"median {_figure(c['median'])}  max {_figure(c['max'])}"
        )
    r = data["retrieval"]
    if r:
        table = Table(title=f"retrieval agreement (top {r['k']} of {r['documents']} documents)")
        for column in ("rankings", f"top-{r['k']} overlap", "same top hit", "rank correlation"):
            table.add_column(column)
        for key, label in (("sides", "A vs B"), ("mixed", "B queries x A docs vs A")):
            agreement = r[key]
            table.add_row(
                label,
                f"{agreement['top_k_overlap']:.1%}",
                f"{agreement['same_top_hit']}/{agreement['queries']}",
                f"{agreement['spearman']:.4f}",
            )
        console.print(table)
    if data["worst"] and c["count"] and c["min"] is not None and c["min"] < 1 - 1e-12:
        console.print("lowest cosines:")
        for m in data["worst"][:5]:
            text = m["text"].replace("\n", " ")
            text = text if len(text) <= 60 else text[:59] + "…"
            console.print(
                f"  {_figure(m['cosine'])}  {escape('[' + m['kind'] + ']')} {escape(text)}"
            )
    for side in ("A", "B"):
        for problem in sides[side]["problems"]:
            console.print(f"[red]side {side}: {escape(problem)}[/]")
    console.print(f"[{colour}]verdict: {escape(data['verdict'])}[/] — {escape(data['advice'])}")
    for line in data["evidence"]:
        console.print(f"  • {escape(line)}")
    for path in reports:
        console.print(f"[dim]report: {escape(str(path))}[/]")
