"""What the suite sends and what came back: `Payload`, `Case`, `Outcome`.

The generation code makes these, the engine sends them, the checks judge them; the checks
import this module, never the generation code. A payload carries everything a check may expect
of its reply (the output variant, where its vectors or scores sit, the settings the reply must
name), worked out from the schema when the payload was made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from embedcheck.conformance.http.transport import Exchange
from embedcheck.schemas.validators import compiled


@dataclass(frozen=True)
class Payload:
    """One request body and everything the checks may expect of the reply."""

    body: Any
    schema: tuple[str, str]  # (subject, role) of the schema the claim is made against
    variant: str  # the branch it fits ("EmbedInput/TextBatch"), or was mutated from
    valid: bool = True
    mutation: str = ""  # the one violation an invalid payload carries
    field: str = ""  # JSON pointer of the violation
    texts: tuple[str, ...] = ()  # inputs whose vectors come back, in order
    expects: str = ""  # the output variant a valid payload must get ('' = any)
    vectors: str = ""  # the output property holding the vectors ('' = none expected)
    scores: str = ""  # the output property holding the scores ('' = none expected)
    score_id: str = ""  # the property of each score naming its context's index
    # Settings that change the vectors, as (key, value the reply must name, asked for): an
    # omitted one means the schema's default, and a reply may then leave it out.
    echo: tuple[tuple[str, Any, bool], ...] = ()
    count: int = 0  # vectors, or scores, the reply must hold
    queue: bool = False  # submitted to the async queue
    items: tuple[Payload, ...] = ()  # a queued batch: what each request expects
    auth: str = ""  # '' = the target's credentials, 'none' = no credentials, 'wrong' = bad ones
    probe: str = ""  # what a probe payload is for, in its scenario's words (long-input: "over")
    # Sent to this model's route instead of the unit's (a name that exists nowhere), where the
    # model sits in the URL (Workers AI, a Worker's {model}).
    route_model: str = ""

    @property
    def unicode_text(self) -> bool:
        """False when a string in the body holds a lone surrogate (`"\\ud800"`: JSON syntax,
        and a `type: string` to the schema, but no character), a noncharacter (U+FFFE,
        U+FDD0) or NUL. The schema does not say whether these are text, so such a payload may
        get a 2xx or a 4xx (never a 5xx): not claimed valid by the checks that demand an
        acceptance."""
        return not any(_NOT_TEXT.search(text) for text in strings(self.body))

    def describe(self) -> str:
        if self.valid:
            return f"valid {self.variant}" + (f" ({self.probe})" if self.probe else "")
        return f"invalid {self.variant}: {self.mutation} at {self.field or '/'}"


# What a JSON string may hold that is no text a server owes an embedding for: lone surrogates
# (no character at all), noncharacters (reserved for a program's internal use) and NUL. A
# bidi control is an ordinary character, and must be embedded.
_NOT_TEXT = re.compile(
    "[\ud800-\udfff\x00\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def claim_problem(payload: Payload) -> str:
    """'' when the payload is what it claims to be, else why it must not be sent."""
    schema = compiled(*payload.schema)
    if not payload.valid:
        if schema.is_valid(payload.body):
            return f"{payload.describe()} is in fact valid"
        return ""
    problem = schema.problem(payload.body)
    if problem:
        return f"{payload.describe()} is in fact invalid: {problem}"
    if schema.variants:
        fits = schema.matching(payload.body)
        if fits != [payload.variant.split("/")[0]]:
            return f"{payload.describe()} fits {fits or 'no variant'}"
    return ""


@dataclass(frozen=True)
class Case:
    """What one example sends: a scenario name and its payloads, in order."""

    scenario: str
    payloads: tuple[Payload, ...]

    def key(self) -> str:
        return canonical([self.scenario, [[p.body, p.auth, p.queue] for p in self.payloads]])


@dataclass(frozen=True)
class Outcome:
    case: Case
    exchanges: tuple[Exchange, ...]  # exchanges[i] answers case.payloads[i]
    polls: tuple[Exchange, ...] = ()  # async scenario: the polls after the submission
    waited: float = 0.0  # async scenario: seconds spent polling

    def pairs(self) -> Iterator[tuple[Payload, Exchange]]:
        """Each payload with its exchange, for exchanges that got a complete reply."""
        for payload, exchange in zip(self.case.payloads, self.exchanges, strict=False):
            if exchange.answered:
                yield payload, exchange

    @property
    def all_exchanges(self) -> tuple[Exchange, ...]:
        return self.exchanges + self.polls
