"""What the differences between the two sides look like, each reading with its evidence.

- pooling: one side, asked for another `pooling`, gives the other side's vectors (a probe on a
  few texts, where a side takes `pooling`); without a probe, cosines of 0.2-0.98 look like another
  pooling of the same model (CLS vs mean of all-MiniLM: median 0.46, see
  `bench/calibrate_compare.py`)
- truncation: short texts agree, long ones diverge, with a length that separates them
- normalisation: the directions agree, the norms do not
- model: cosines of unrelated vectors (median below 0.2), rankings that disagree
- precision: every text agrees closely but not at float32 level, whatever its length
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedcheck.conformance.compare.measure import Distribution, Retrieval, TextMeasure
from embedcheck.conformance.compare.thresholds import Thresholds

# Median cosine under which the vectors look unrelated (another model): all-MiniLM-L6-v2 CLS vs
# mean pooling gives a median of 0.46, the same model in rotated axes -0.02.
UNRELATED_BELOW = 0.2
TRUNCATION_SHARE = 0.8  # of the texts from the cut on, at least this share must diverge
MIN_AGREEING = 3  # texts below the cut that must agree before a cut means anything


@dataclass(frozen=True)
class Finding:
    cause: str  # pooling | truncation | normalisation | model | precision
    summary: str  # one line, with the numbers


@dataclass(frozen=True)
class PoolingProbe:
    """Side `side` asked for `pooling` on a few texts: how close it came to the other side."""

    side: str
    pooling: str
    other: str
    texts: int
    min_cosine: float


def norm_gap(measures: Sequence[TextMeasure]) -> float:
    """The largest relative difference between the two sides' norms of one text."""
    gaps = [
        abs(m.norm_a - m.norm_b) / max(m.norm_a, m.norm_b)
        for m in measures
        if m.compared and max(m.norm_a, m.norm_b) > 0
    ]
    return max(gaps, default=0.0)


def _truncation(measures: Sequence[TextMeasure], t: Thresholds) -> Finding | None:
    compared = sorted((m for m in measures if m.compared), key=lambda m: m.tokens)
    diverging = [m for m in compared if m.cosine < t.same_model]
    if not diverging:
        return None
    cut = diverging[0].tokens
    below = [m for m in compared if m.tokens < cut]
    from_cut = [m for m in compared if m.tokens >= cut]
    share = sum(m.cosine < t.same_model for m in from_cut) / len(from_cut)
    if len(below) < MIN_AGREEING or share < TRUNCATION_SHARE:
        return None
    shortest = Distribution.of([m.cosine for m in below])
    longest = Distribution.of([m.cosine for m in from_cut])
    return Finding(
        "truncation",
        f"truncation: the {len(below)} texts under ~{cut} tokens agree (lowest cosine "
        f"{shortest.min:.4f}) while {share:.0%} of the {len(from_cut)} from ~{cut} tokens on "
        f"diverge (median {longest.median:.4f}): one side cuts long inputs shorter",
    )


def _normalisation(
    measures: Sequence[TextMeasure], cosines: Distribution, t: Thresholds
) -> Finding | None:
    gap = norm_gap(measures)
    if gap <= t.norm_tolerance:
        return None
    norms_a = Distribution.of([m.norm_a for m in measures if m.compared])
    norms_b = Distribution.of([m.norm_b for m in measures if m.compared])
    directions = (
        f"directions agree (median cosine {cosines.median:.6f})"
        if cosines.median >= t.same_model
        else f"directions differ too (median cosine {cosines.median:.4f})"
    )
    return Finding(
        "normalisation",
        f"normalisation: median norm A {norms_a.median:.4g}, B {norms_b.median:.4g} "
        f"(up to {gap:.1%} apart); {directions}",
    )


def _pooling(
    probes: Sequence[PoolingProbe], cosines: Distribution, t: Thresholds
) -> Finding | None:
    matched = [p for p in probes if p.min_cosine >= t.same_model]
    if matched:
        p = max(matched, key=lambda p: p.min_cosine)
        return Finding(
            "pooling",
            f"pooling: side {p.side} asked for pooling={p.pooling} gives side {p.other}'s vectors "
            f"(lowest cosine {p.min_cosine:.6f} on {p.texts} texts): the sides pool differently",
        )
    if UNRELATED_BELOW <= cosines.median < t.same_model:
        return Finding(
            "pooling",
            f"pooling (likely): cosines are related but not the same (median "
            f"{cosines.median:.4f}, lowest {cosines.min:.4f}), as another pooling of the same "
            "model gives (CLS vs mean of all-MiniLM: median 0.46)",
        )
    return None


def _model(cosines: Distribution, retrieval: Retrieval | None) -> Finding:
    ranking = ""
    if retrieval is not None:
        ranking = (
            f"; rankings disagree (top-{retrieval.k} overlap {retrieval.sides.top_k_overlap:.0%}, "
            f"rank correlation {retrieval.sides.spearman:.2f})"
        )
    return Finding(
        "model",
        f"different model: the vectors are unrelated (median cosine {cosines.median:.4f}, "
        f"lowest {cosines.min:.4f}){ranking}",
    )


def diagnose(
    measures: Sequence[TextMeasure],
    retrieval: Retrieval | None,
    thresholds: Thresholds,
    probes: Sequence[PoolingProbe] = (),
) -> list[Finding]:
    """The readings that fit, most specific first; [] when the sides agree at float32 level."""
    cosines = Distribution.of([m.cosine for m in measures])
    if not cosines.count:
        return []
    findings = [
        f
        for f in (
            _normalisation(measures, cosines, thresholds),
            _truncation(measures, thresholds),
            _pooling(probes, cosines, thresholds),
        )
        if f is not None
    ]
    confirmed_pooling = any(p.min_cosine >= thresholds.same_model for p in probes)
    if cosines.median < UNRELATED_BELOW and not confirmed_pooling:
        findings.append(_model(cosines, retrieval))
    elif thresholds.same_model <= cosines.min < thresholds.interchangeable and not findings:
        lengths = np.array([m.tokens for m in measures if m.compared], dtype=np.float64)
        gaps = np.array([1 - m.cosine for m in measures if m.compared])
        trend = float(np.corrcoef(lengths, gaps)[0, 1]) if gaps.std() and lengths.std() else 0.0
        findings.append(
            Finding(
                "precision",
                f"precision: every text agrees closely but not at float32 level (lowest cosine "
                f"{cosines.min:.7f}, median {cosines.median:.7f}; correlation with length "
                f"{trend:+.2f}), as rounding or low-precision inference gives",
            )
        )
    return findings
