"""Checks that compare vectors across requests: what no schema can say.

Scenario layouts (built in `embedcheck.conformance.generation.scenarios`):
- determinism: the same payload twice;
- batch: a batch of distinct corpus sentences, then each sentence alone (a large batch: a few
  of its sentences alone, compared with the batch rows at their positions);
- pooling: the same texts with each value of a setting that changes vectors (`cls`, then the
  default `mean`; as many requests as the schema's enum has values).
"""

from __future__ import annotations

import numpy as np

from embedcheck.conformance.checks.base import (
    READS_VECTORS,
    CheckContext,
    CheckFailed,
    check,
    is_success,
)
from embedcheck.conformance.checks.extract import Matrix, cosines, matrix, vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload


def vector_matrices(ctx: CheckContext, outcome: Outcome) -> list[Matrix] | None:
    """One matrix per exchange when every exchange succeeded with well-formed vectors."""
    found = []
    if len(outcome.exchanges) != len(outcome.case.payloads):
        return None
    for payload, exchange in zip(outcome.case.payloads, outcome.exchanges, strict=True):
        if not (exchange.answered and is_success(exchange) and exchange.json.ok):
            return None
        rows = matrix(vectors_of(ctx, payload, ctx.output(exchange)))
        if rows is None or len(rows) != payload.count or not np.isfinite(rows).all():
            return None  # other checks report malformed, missing or non-finite vectors
        found.append(rows)
    widths = {m.shape[1] for m in found}
    return found if len(widths) == 1 else None


def _batch_and_singles(ctx: CheckContext, outcome: Outcome) -> tuple[Matrix, Matrix] | None:
    """The batch rows of the texts sent alone too, and their vectors alone, row for row."""
    found = vector_matrices(ctx, outcome)
    if found is None or len(found) < 3:
        return None
    texts = outcome.case.payloads[0].texts
    positions = [texts.index(p.texts[0]) for p in outcome.case.payloads[1:]]
    return found[0][positions], np.vstack(found[1:])


def _distinguishable(singles: Matrix, same: float) -> bool:
    sims = cosines(singles, singles)
    np.fill_diagonal(sims, -1.0)
    return bool(sims.max() < same)


def row_cosines(first: Matrix, second: Matrix) -> Matrix:
    """The cosine of each row of `first` with the same row of `second`."""
    sims: Matrix = np.sum(first * second, axis=1) / np.maximum(
        np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1), 1e-300
    )
    return sims


@check(
    "determinism",
    "the same request twice gives the same vectors",
    scenarios=("determinism",),
    after=READS_VECTORS,
)
def determinism(ctx: CheckContext, outcome: Outcome) -> bool:
    found = vector_matrices(ctx, outcome)
    if found is None or len(found) != 2:
        return False
    first, second = found
    sims = row_cosines(first, second)
    worst = int(np.argmin(sims))
    if sims[worst] < ctx.tolerances.determinism_cosine:
        raise CheckFailed(
            f"vector {worst} differs between two identical requests: cosine {sims[worst]:.6f}",
            expected=f"cosine >= {ctx.tolerances.determinism_cosine}",
            actual=float(sims[worst]),
            exchange=outcome.exchanges[1],
        )
    return True


@check(
    "order-kept",
    "vector i of a batch belongs to text i (compared with each text sent alone)",
    scenarios=("batch",),
    after=(*READS_VECTORS, "distinct-vectors"),
)
def order_kept(ctx: CheckContext, outcome: Outcome) -> bool:
    pair = _batch_and_singles(ctx, outcome)
    if pair is None:
        return False
    batch, singles = pair
    if not _distinguishable(singles, ctx.tolerances.same_cosine):
        return False  # the texts' own vectors cannot be told apart: distinct-vectors reports
    best = np.argmax(cosines(batch, singles), axis=1)
    order = best.tolist()
    if order != list(range(len(order))):
        wrong = next(i for i, j in enumerate(order) if i != j)
        raise CheckFailed(
            f"batch vector {wrong} is the vector of text {order[wrong]}; "
            f"batch position -> text: {order}",
            expected=list(range(len(order))),
            actual=order,
            exchange=outcome.exchanges[0],
        )
    return True


@check(
    "batch-invariance",
    "a text's vector inside a batch matches the text sent alone (cosine >= tolerance)",
    scenarios=("batch",),
    after=(*READS_VECTORS, "order-kept", "distinct-vectors"),
)
def batch_invariance(ctx: CheckContext, outcome: Outcome) -> bool:
    pair = _batch_and_singles(ctx, outcome)
    if pair is None:
        return False
    batch, singles = pair
    sims = cosines(batch, singles)
    if np.argmax(sims, axis=1).tolist() != list(range(len(batch))):
        return False  # a shuffled batch is order-kept's finding
    own = np.diag(sims)
    worst = int(np.argmin(own))
    if own[worst] < ctx.tolerances.batch_cosine:
        raise CheckFailed(
            f"text {worst} in the batch vs alone: cosine {own[worst]:.6f}",
            expected=f"cosine >= {ctx.tolerances.batch_cosine}",
            actual=float(own[worst]),
            exchange=outcome.exchanges[0],
        )
    return True


def _same_pair(vectors: Matrix, same: float) -> tuple[int, int, float] | None:
    sims = cosines(vectors, vectors)
    np.fill_diagonal(sims, -1.0)
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return (int(i), int(j), float(sims[i, j])) if sims[i, j] >= same else None


@check(
    "distinct-vectors",
    "plainly different sentences get different vectors",
    scenarios=("batch",),
    after=READS_VECTORS,
)
def distinct_vectors(ctx: CheckContext, outcome: Outcome) -> bool:
    found = vector_matrices(ctx, outcome)
    if found is None or len(found) < 3:
        return False
    labelled: list[tuple[Matrix, Exchange]] = [(found[0], outcome.exchanges[0])]
    labelled.append((np.vstack(found[1:]), outcome.exchanges[1]))
    for vectors, exchange in labelled:
        same = _same_pair(vectors, ctx.tolerances.same_cosine)
        if same is not None:
            i, j, sim = same
            texts = outcome.case.payloads[0].texts
            raise CheckFailed(
                f"texts {i} and {j} ({texts[i]!r}, {texts[j]!r}) got the same vector "
                f"(cosine {sim:.6f})",
                expected=f"cosine < {ctx.tolerances.same_cosine}",
                actual=sim,
                exchange=exchange,
            )
    return True


def _setting(first: Payload, second: Payload) -> str:
    """What two payloads of the same texts ask differently, e.g. `pooling 'cls' vs 'mean'`."""
    a, b = first.body, second.body
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return "two settings"
    keys = [k for k in {**a, **b} if a.get(k) != b.get(k)]
    return ", ".join(f"{k} {a.get(k)!r} vs {b.get(k)!r}" for k in keys) or "the same settings"


@check(
    "pooling-differs",
    "each value of a setting that shapes vectors (pooling: cls, mean) gives different vectors",
    scenarios=("pooling",),
    after=READS_VECTORS,
)
def pooling_differs(ctx: CheckContext, outcome: Outcome) -> bool:
    found = vector_matrices(ctx, outcome)
    if found is None or len(found) < 2:
        return False
    payloads = outcome.case.payloads
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            sims = np.diag(cosines(found[i], found[j]))
            worst = int(np.argmax(sims))
            if sims[worst] >= ctx.tolerances.same_cosine:
                raise CheckFailed(
                    f"text {worst}: {_setting(payloads[i], payloads[j])} gave the same vector "
                    f"(cosine {sims[worst]:.6f})",
                    expected=f"cosine < {ctx.tolerances.same_cosine}",
                    actual=float(sims[worst]),
                    exchange=outcome.exchanges[j],
                )
    return True
