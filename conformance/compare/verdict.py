"""The verdict: interchangeable, same model at lower precision, or incompatible, with the
evidence that decided it (the thresholds are in `thresholds`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from embedcheck.conformance.compare.diagnose import Finding
from embedcheck.conformance.compare.measure import Distribution, Retrieval
from embedcheck.conformance.compare.thresholds import Thresholds

INTERCHANGEABLE = "interchangeable"
LOWER_PRECISION = "same model, lower precision"
INCOMPATIBLE = "incompatible"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Verdict:
    name: str
    advice: str
    evidence: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.name == INTERCHANGEABLE else 1


def _cost(retrieval: Retrieval | None) -> str:
    if retrieval is None:
        return "ranking cost not measured (a retrieval text got no vector)"
    m = retrieval.mixed
    return (
        f"a mixed index (B's queries against A's documents) keeps {m.top_k_overlap:.1%} of A's "
        f"top {retrieval.k}, the same best document for {m.same_top_hit}/{m.queries} queries, "
        f"rank correlation {m.spearman:.4f}"
    )


def decide(
    cosines: Distribution,
    norm_gap: float,
    retrieval: Retrieval | None,
    findings: list[Finding],
    thresholds: Thresholds,
    *,
    dims: tuple[int, int],
    missing: int,
) -> Verdict:
    """The verdict and the evidence that decided it, strongest first."""
    causes = [f.summary for f in findings if f.cause != "precision"]
    if dims[0] != dims[1]:
        return Verdict(
            INCOMPATIBLE,
            "re-embed: vectors of different sizes cannot share an index",
            [f"dims differ: A {dims[0]}, B {dims[1]} (decided from the first reply)", *causes],
        )
    if missing:
        return Verdict(
            INCOMPLETE,
            "not judged: some texts got no vector from a side (see the problems); run again",
            [f"{missing} text(s) not compared"],
        )
    worst = f"lowest cosine {cosines.min:.7f}, median {cosines.median:.7f} over {cosines.count}"
    if norm_gap > thresholds.norm_tolerance:
        return Verdict(
            INCOMPATIBLE,
            "re-embed, or normalise both sides to unit length first (then compare again)",
            [
                f"norms differ by up to {norm_gap:.1%} (tolerance {thresholds.norm_tolerance:.1%})",
                *causes,
                worst,
            ],
        )
    if cosines.min >= thresholds.interchangeable:
        return Verdict(
            INTERCHANGEABLE,
            "mix freely: vectors from either side can share one index",
            [f"{worst} (threshold {thresholds.interchangeable})", _cost(retrieval)],
        )
    kept = retrieval is not None and retrieval.mixed.top_k_overlap >= thresholds.top_k_overlap
    if cosines.min >= thresholds.same_model and kept:
        return Verdict(
            LOWER_PRECISION,
            "mixing costs little (below); re-embed only if every rank matters",
            [
                f"{worst}: below {thresholds.interchangeable}, above {thresholds.same_model}",
                _cost(retrieval),
                *[f.summary for f in findings],
            ],
        )
    evidence = [*causes, worst]
    if retrieval is not None and not kept:
        evidence.append(_cost(retrieval))
    if math.isnan(cosines.min):
        evidence.append("no text could be compared")
    return Verdict(INCOMPATIBLE, "re-embed: do not mix these vectors in one index", evidence)
