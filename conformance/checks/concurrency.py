"""Requests in flight together must not change each other's vectors.

Scenario layout (built in `embedcheck.conformance.generation.scenarios`): concurrency sends
K distinct single-text requests one at a time in the run's quiet phase (nothing else in
flight: the reference), then the same K requests together, `--workers` of them in flight at a
time (the scenario is not planned with --workers 1). A server that batches
concurrent requests together and mixes them up (ggml-org/llama.cpp#26282) passes every
one-request check and fails this one.
"""

from __future__ import annotations

import numpy as np

from embedcheck.conformance.checks.base import READS_VECTORS, CheckContext, CheckFailed, check
from embedcheck.conformance.checks.relations import row_cosines, vector_matrices
from embedcheck.conformance.vocabulary import Outcome


@check(
    "concurrency-isolation",
    "requests sent at once get the vectors they get alone (cosine >= determinism tolerance)",
    scenarios=("concurrency",),
    after=READS_VECTORS,
)
def concurrency_isolation(ctx: CheckContext, outcome: Outcome) -> bool:
    found = vector_matrices(ctx, outcome)
    if found is None or len(found) % 2 or not found:
        return False  # other checks report failed, malformed or missing vectors
    half = len(found) // 2
    alone, together = np.vstack(found[:half]), np.vstack(found[half:])
    sims = row_cosines(alone, together)
    worst = int(np.argmin(sims))
    if sims[worst] < ctx.tolerances.determinism_cosine:
        text = outcome.case.payloads[worst].texts[0]
        raise CheckFailed(
            f"request {worst} ({text!r}) sent with others in flight vs alone: "
            f"cosine {sims[worst]:.6f}",
            expected=f"cosine >= {ctx.tolerances.determinism_cosine}",
            actual=float(sims[worst]),
            exchange=outcome.exchanges[half + worst],
        )
    return True
