"""What the two sides' vectors say about each other: per text, over the corpus, as rankings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedcheck.conformance.compare.corpus import Text

Matrix = NDArray[np.float64]  # one vector a row
Vector = NDArray[np.float64]
# Histogram bins of the per-text cosine, by how many nines it has: a linear axis would put
# fp32 noise, bf16 rounding and int8 quantisation in one bar. (lower edge, label)
BINS = (
    (1 - 1e-7, "≥ 0.9999999"),
    (1 - 1e-6, "0.999999"),
    (1 - 1e-5, "0.99999"),
    (1 - 1e-4, "0.9999"),
    (1 - 1e-3, "0.999"),
    (0.99, "0.99"),
    (0.98, "0.98"),
    (0.9, "0.9"),
    (0.5, "0.5"),
    (0.0, "0"),
    (-math.inf, "< 0"),
)


def unit_rows(m: Matrix) -> Matrix:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    result: Matrix = m / np.where(norms == 0, 1.0, norms)
    return result


def _cosines_of_units(ua: Matrix, ub: Matrix) -> Vector:
    with np.errstate(invalid="ignore", over="ignore"):
        result: Vector = np.einsum("ij,ij->i", ua, ub)
    return np.clip(result, -1.0, 1.0)


def row_cosines(a: Matrix, b: Matrix) -> Vector:
    """The cosine of each row of `a` with the same row of `b` (NaN where either is missing or
    not finite; 0 where one is the zero vector)."""
    return _cosines_of_units(unit_rows(a), unit_rows(b))


@dataclass(frozen=True)
class TextMeasure:
    index: int
    text: str
    kind: str
    tokens: int  # estimated
    cosine: float  # NaN: not compared (a side gave no vector)
    norm_a: float
    norm_b: float
    max_diff: float  # largest difference of one component, both vectors scaled to norm 1
    worst_dim: int  # where that difference is

    @property
    def compared(self) -> bool:
        return not math.isnan(self.cosine)


def per_text(texts: Sequence[Text], a: Matrix, b: Matrix) -> list[TextMeasure]:
    n = len(texts)
    a, b = a[:n], b[:n]
    # Each pass over the n x dims matrices once: on a 1,000-text corpus they are most of the
    # time compare spends outside sending.
    with np.errstate(invalid="ignore", over="ignore"):
        na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
        ua = a / np.where(na == 0, 1.0, na)[:, None]
        ub = b / np.where(nb == 0, 1.0, nb)[:, None]
        cos = _cosines_of_units(ua, ub)
        diff = np.abs(ua - ub, out=ua)
    diff[np.isnan(diff)] = -1.0  # a NaN component is never the largest difference
    worst = np.argmax(diff, axis=1) if diff.size else np.zeros(n, dtype=np.intp)
    largest = diff[np.arange(n), worst] if diff.size else np.zeros(n)
    largest[largest < 0] = np.nan  # nothing to compare: no component of either was a number
    return [
        TextMeasure(
            index=i,
            text=text.text,
            kind=text.kind,
            tokens=text.tokens,
            cosine=cosine,
            norm_a=norm_a,
            norm_b=norm_b,
            max_diff=max_diff,
            worst_dim=worst_dim,
        )
        for i, (text, cosine, norm_a, norm_b, max_diff, worst_dim) in enumerate(
            zip(
                texts,
                cos.tolist(),
                na.tolist(),
                nb.tolist(),
                largest.tolist(),
                worst.tolist(),
                strict=True,
            )
        )
    ]


@dataclass(frozen=True)
class Distribution:
    count: int
    min: float
    p01: float
    p05: float
    median: float
    mean: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float] | Vector) -> Distribution:
        v = np.asarray([x for x in values if not math.isnan(x)], dtype=np.float64)
        if not v.size:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan, nan)
        p01, p05, median = np.percentile(v, [1, 5, 50])
        return cls(
            int(v.size),
            float(v.min()),
            float(p01),
            float(p05),
            float(median),
            float(v.mean()),
            float(v.max()),
        )


def histogram(cosines: Sequence[float]) -> list[tuple[str, int]]:
    """(bin label, count) from the highest bin down; NaN (not compared) is left out."""
    counts = [0] * len(BINS)
    for value in cosines:
        if math.isnan(value):
            continue
        for i, (lower, _) in enumerate(BINS):
            if value >= lower:
                counts[i] += 1
                break
    return [(label, count) for (_, label), count in zip(BINS, counts, strict=True)]


def _ranks(scores: Matrix) -> Matrix:
    """Rank of each document per query (0 = best); ties broken by position."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(scores.shape[1])[None, :]
    result: Matrix = ranks.astype(np.float64)
    return result


def _spearman(x: Matrix, y: Matrix) -> Vector:
    """Spearman's rho of each row pair (rank correlation; 1 = the same order)."""
    rx, ry = _ranks(x), _ranks(y)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denominator = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    result: Vector = (rx * ry).sum(axis=1) / np.where(denominator == 0, 1.0, denominator)
    return result


@dataclass(frozen=True)
class Agreement:
    """How far one ranking of the documents follows another, averaged over the queries."""

    top_k_overlap: float  # share of the reference's top k also in the other's top k
    spearman: float  # rank correlation over all documents
    same_top_hit: int  # queries whose best document is the same
    queries: int

    @classmethod
    def of(cls, reference: Matrix, other: Matrix, k: int) -> Agreement:
        k = min(k, reference.shape[1])
        top_ref = np.argsort(-reference, axis=1, kind="stable")[:, :k]
        top_other = np.argsort(-other, axis=1, kind="stable")[:, :k]
        overlap = [len(set(r) & set(o)) / k for r, o in zip(top_ref, top_other, strict=True)]
        return cls(
            top_k_overlap=float(np.mean(overlap)),
            spearman=float(np.mean(_spearman(reference, other))),
            same_top_hit=int((top_ref[:, 0] == top_other[:, 0]).sum()),
            queries=int(reference.shape[0]),
        )


@dataclass(frozen=True)
class Retrieval:
    k: int
    documents: int
    sides: Agreement  # A's ranking (A queries, A documents) vs B's (B queries, B documents)
    mixed: Agreement  # A's ranking vs B's queries against A's documents: a mixed index


def retrieval(
    queries_a: Matrix, docs_a: Matrix, queries_b: Matrix, docs_b: Matrix, k: int
) -> Retrieval | None:
    """Rankings of the built-in documents per query, compared; None if a vector is missing."""
    parts = (queries_a, docs_a, queries_b, docs_b)
    if any(not np.isfinite(p).all() for p in parts):
        return None
    qa, da, qb, db = (unit_rows(p) for p in parts)
    pure_a, pure_b, mixed = qa @ da.T, qb @ db.T, qb @ da.T
    return Retrieval(
        k=min(k, da.shape[0]),
        documents=int(da.shape[0]),
        sides=Agreement.of(pure_a, pure_b, k),
        mixed=Agreement.of(pure_a, mixed, k),
    )
