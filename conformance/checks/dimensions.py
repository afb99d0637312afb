"""`dimensions` (OpenAI): honoured with renormalised vectors, or refused; never ignored.

The `dimensions` scenario sends its texts without the parameter first: that reply gives the
model's own length and each vector's norm. A valid value up to that length must give vectors of
exactly that length with the same norms (cut and renormalised, as OpenAI's text-embedding-3
models do), or be refused with a 4xx as a whole. Values outside (0, negative, above the model's
length, not an integer) must get a 4xx.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    CheckInconclusive,
    check,
    is_client_error,
    is_success,
    judged_elsewhere,
    short,
)
from embedcheck.conformance.checks.extract import Matrix, matrix, vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload

NORM_TOLERANCE = 0.01  # relative: float16 servers round norms to ~1e-3; a plain cut is off by 2x


def _vectors(ctx: CheckContext, payload: Payload, exchange: Exchange) -> Matrix | None:
    if not (is_success(exchange) and exchange.json.ok):
        return None
    return matrix(vectors_of(ctx, payload, ctx.output(exchange)))


def _norms(rows: Matrix) -> list[float]:
    return [round(float(n), 4) for n in np.linalg.norm(rows, axis=1)]


class _Judge:
    """Judges each reply to a `dimensions` value against the reference reply."""

    def __init__(self, ctx: CheckContext, reference: Matrix | None) -> None:
        self.ctx = ctx
        self.reference = reference
        self.native = reference.shape[1] if reference is not None else None
        self.undecided: list[str] = []

    def refused(self, payload: Payload, exchange: Exchange, value: Any, why: str) -> bool:
        """A value that must get a 4xx."""
        if is_client_error(exchange):
            return True  # the error body's shape is error-body's finding
        rows = _vectors(self.ctx, payload, exchange)
        width = rows.shape[1] if rows is not None else None
        raise CheckFailed(
            f"dimensions {short(value)} ({why}) answered HTTP {exchange.status}"
            + (f" with vectors of length {width}" if width is not None else ""),
            expected="4xx",
            actual={"status": exchange.status, "length": width},
            exchange=exchange,
        )

    def honoured(self, payload: Payload, exchange: Exchange, value: int) -> bool:
        """A value the model can give: that length and the reference's norms, or a 4xx."""
        if is_client_error(exchange):
            return True  # refusing the parameter is allowed; its body is error-body's finding
        rows = _vectors(self.ctx, payload, exchange)
        if rows is None or len(rows) != payload.count:
            raise CheckFailed(
                f"dimensions {value}: the reply does not hold {payload.count} equally long "
                "vectors of numbers",
                expected=f"{payload.count} vectors of length {value}",
                actual=None if rows is None else list(rows.shape),
                exchange=exchange,
            )
        width = rows.shape[1]
        if width != value:
            ignored = width == self.native
            raise CheckFailed(
                f"dimensions {value} "
                + ("ignored: " if ignored else "not honoured: ")
                + f"vectors of length {width}",
                expected=value,
                actual=width,
                exchange=exchange,
            )
        if self.reference is None or len(self.reference) != len(rows):
            self.undecided.append(f"no reference vectors to compare dimensions {value} with")
            return True  # the length was judged
        wanted, got = _norms(self.reference), _norms(rows)
        if not np.allclose(got, wanted, rtol=NORM_TOLERANCE, atol=0):
            raise CheckFailed(
                f"dimensions {value}: vectors cut without renormalising (norms {short(got)}, "
                f"{short(wanted)} without dimensions)",
                expected={"length": value, "norms": wanted},
                actual={"length": width, "norms": got},
                exchange=exchange,
            )
        return True

    def judge(self, payload: Payload, exchange: Exchange) -> bool:
        value = payload.body["dimensions"]
        if not payload.valid:
            return self.refused(payload, exchange, value, "not an integer >= 1")
        if self.native is None:
            if value > 1:  # 1 is within every model
                self.undecided.append(f"the model's length is unknown: dimensions {value}")
                return False
        elif value > self.native:
            return self.refused(payload, exchange, value, f"above the model's {self.native}")
        return self.honoured(payload, exchange, value)


@check(
    "dimensions-honoured",
    "`dimensions` gives vectors of that length, renormalised, or a 4xx; out-of-range values "
    "(0, negative, above the model's, non-integer) get a 4xx",
    profiles=("openai",),
    scenarios=("dimensions",),
)
def dimensions_honoured(ctx: CheckContext, outcome: Outcome) -> bool:
    pairs = list(outcome.pairs())
    plain = [(p, e) for p, e in pairs if "dimensions" not in p.body]
    reference = _vectors(ctx, *plain[0]) if plain else None
    judge = _Judge(ctx, reference)
    if reference is None:
        judge.undecided.append("the request without dimensions got no vectors back")
    judged = [
        judge.judge(p, e) for p, e in pairs if "dimensions" in p.body and not judged_elsewhere(e)
    ]
    if judge.undecided:
        raise CheckInconclusive("; ".join(judge.undecided))
    return any(judged)
