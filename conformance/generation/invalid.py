"""Invalid payloads: a valid body of one variant carrying exactly one violation of the catalogue.

The same list of violations drives both kinds of case: the boundary cases write each one's fixed
bad value into a fixed valid body, the Hypothesis strategy draws the bad value and the valid
body. Only violations whose boundary case the schema really refuses are kept (a wrong type for
one branch of a `oneOf` may be another branch's right one); `claim_problem` still re-checks every
drawn payload before it is sent. "Two variants at once" merges valid bodies of two variants,
kept where the merged body fits both and the schema therefore refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation.mutations import Violation, violations
from embedcheck.conformance.vocabulary import Payload, canonical
from embedcheck.schemas.validators import compiled

TWO_VARIANTS = "two-variants"


def invalid(schema: tuple[str, str], body: Any, variant: str, mutation: str, where: str) -> Payload:
    """A payload carrying one violation of the schema `(subject, role)`."""
    return Payload(
        body=body, schema=schema, variant=variant, valid=False, mutation=mutation, field=where
    )


@dataclass(frozen=True)
class Start:
    """A variant the mutations start from: its schema, one valid body, and drawn ones."""

    name: str
    schema: dict[str, Any]
    base: Any
    bodies: st.SearchStrategy[Any]


@dataclass(frozen=True)
class Planned:
    start: Start
    violation: Violation
    fixed: Payload  # the boundary case
    drawn: st.SearchStrategy[Any]  # bad values of the kinds the schema refuses there


def _merged(a: Any, b: Any) -> Any:
    return {**a, **b} if isinstance(a, dict) and isinstance(b, dict) else a


Pair = tuple[Start, Start, Payload]


def plan(claim: tuple[str, str], starts: tuple[Start, ...]) -> tuple[list[Planned], list[Pair]]:
    """The violations that hold (with their boundary case), and the two-variants cases."""
    schema = compiled(*claim)
    seen: set[str] = set()
    planned = []
    for start in starts:
        for violation in violations(start.schema):
            refused = [
                (value, drawn)
                for value, drawn in violation.bad_values()
                if not schema.is_valid(violation.applied(start.base, value))
            ]
            if not refused:
                continue  # e.g. a wrong type for one branch that another branch takes
            body = violation.applied(start.base, refused[0][0])
            key = canonical(body)
            if key in seen:
                continue
            seen.add(key)
            case = invalid(claim, body, start.name, violation.name, violation.pointer)
            drawn = st.one_of([d for _, d in refused])
            planned.append(Planned(start, violation, case, drawn))
    pairs = []
    for a, b in combinations(starts, 2):
        body = _merged(a.base, b.base)
        if len(schema.matching(body)) >= 2 and not schema.is_valid(body):
            pairs.append((a, b, invalid(claim, body, f"{a.name}+{b.name}", TWO_VARIANTS, "/")))
    return planned, pairs


def boundaries(claim: tuple[str, str], starts: tuple[Start, ...]) -> list[Payload]:
    planned, pairs = plan(claim, starts)
    return [p.fixed for p in planned] + [case for _, _, case in pairs]


def _drawn(claim: tuple[str, str], planned: Planned) -> st.SearchStrategy[Payload]:
    violation, start = planned.violation, planned.start

    def make(base: Any, bad: Any) -> Payload:
        body = violation.applied(base, bad)
        return invalid(claim, body, start.name, violation.name, violation.pointer)

    return st.builds(make, start.bodies, planned.drawn)


def _pair(claim: tuple[str, str], a: Start, b: Start) -> st.SearchStrategy[Payload]:
    name = f"{a.name}+{b.name}"
    return st.builds(
        lambda x, y: invalid(claim, _merged(x, y), name, TWO_VARIANTS, "/"), a.bodies, b.bodies
    )


def strategy(claim: tuple[str, str], starts: tuple[Start, ...]) -> st.SearchStrategy[Payload]:
    planned, pairs = plan(claim, starts)
    options = [_drawn(claim, p) for p in planned]
    options += [_pair(claim, a, b) for a, b, _ in pairs]
    return st.one_of(options)
