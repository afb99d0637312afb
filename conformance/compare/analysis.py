"""From two sides' vectors of a corpus to the verdict: measure, read the causes, decide.

Pure (no I/O): `job` calls it with what the endpoints gave, `bench/calibrate_compare.py` with
a real model's variants, the tests with vectors built to differ in one known way. A pooling
probe needs the endpoints, so it comes in as a callable, asked only when the cosines are low
enough for pooling to be a reading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from embedcheck.conformance.compare.corpus import Corpus
from embedcheck.conformance.compare.diagnose import Finding, PoolingProbe, diagnose, norm_gap
from embedcheck.conformance.compare.measure import (
    Distribution,
    Matrix,
    Retrieval,
    TextMeasure,
    per_text,
    retrieval,
)
from embedcheck.conformance.compare.thresholds import Thresholds
from embedcheck.conformance.compare.verdict import Verdict, decide


def rows(matrix: Matrix, positions: Sequence[int]) -> Matrix:
    """The rows at `positions`: a view where they follow each other (a corpus file's texts
    come first, in order), else a copy."""
    start = positions[0] if positions else 0
    if list(positions) == list(range(start, start + len(positions))):
        view: Matrix = matrix[start : start + len(positions)]
        return view
    picked: Matrix = matrix[list(positions)]
    return picked


@dataclass(frozen=True)
class Analysis:
    measures: list[TextMeasure]  # [] when the dims differ
    cosines: Distribution
    retrieval: Retrieval | None
    findings: list[Finding]
    probes: list[PoolingProbe]
    verdict: Verdict


def analyse(
    corpus: Corpus,
    a: Matrix,
    b: Matrix,
    thresholds: Thresholds,
    *,
    missing: int = 0,
    probe: Callable[[], list[PoolingProbe]] | None = None,
) -> Analysis:
    """`a` and `b` hold a row per `corpus.all_texts()` (NaN rows: no vector; `missing` says
    how many texts lack one); `probe` runs the pooling probes when they could tell."""
    dims = (int(a.shape[1]), int(b.shape[1]))
    measures: list[TextMeasure] = []
    found = None
    probes: list[PoolingProbe] = []
    if dims[0] == dims[1]:
        where = {text: i for i, text in enumerate(corpus.all_texts())}
        corpus_rows = [where[t.text] for t in corpus.texts]
        measures = per_text(corpus.texts, rows(a, corpus_rows), rows(b, corpus_rows))
        q = [where[t] for t in corpus.queries]
        d = [where[t] for t in corpus.documents]
        found = retrieval(rows(a, q), rows(a, d), rows(b, q), rows(b, d), thresholds.top_k)
        cosines = Distribution.of([m.cosine for m in measures])
        if probe is not None and cosines.count and cosines.min < thresholds.same_model:
            probes = probe()
    else:
        missing = 0  # decided by the dims; the rest of the corpus was never sent
    findings = diagnose(measures, found, thresholds, probes)
    cosines = Distribution.of([m.cosine for m in measures])
    verdict = decide(
        cosines, norm_gap(measures), found, findings, thresholds, dims=dims, missing=missing
    )
    return Analysis(measures, cosines, found, findings, probes, verdict)
