"""What a schema diff reports: one Change per fact, and how its effect becomes a class.

The rules themselves are explained in `diff`; this module only holds the data and the
two tables every rule goes through (effect -> classification, and the effect of a `not`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["request", "response"]
Classification = Literal["breaking-client", "breaking-server", "compatible"]
# What a change does to the set of valid instances (or, for the few semantic kinds, to what an
# implementation must understand): fewer, more, some of each, or none at all.
Effect = Literal["narrowing", "widening", "both", "none"]
Party = Literal["client", "server", "any"]

DIRECTIONS: tuple[Direction, ...] = ("request", "response")
CLASSIFICATIONS: tuple[Classification, ...] = ("breaking-client", "breaking-server", "compatible")


@dataclass(frozen=True)
class Change:
    path: str  # JSON pointer into NEW ("" is the root); removals point where the thing was
    kind: str
    classification: Classification
    detail: str
    effect: Effect = "none"

    def breaks(self, party: Party) -> bool:
        """Whether this change breaks that party. A `both` change breaks clients and servers,
        although its classification (one value) says breaking-client."""
        if party == "any":
            return self.classification != "compatible"
        if party == "client":
            return self.classification == "breaking-client"
        return self.classification == "breaking-server" or self.effect == "both"


def classify(effect: Effect, direction: Direction) -> Classification:
    """Narrowing a request breaks clients, widening it breaks servers; responses mirror that.
    A change that does both is reported as breaking-client: deployed callers are hurt first."""
    if effect == "none":
        return "compatible"
    if effect == "both":
        return "breaking-client"
    if direction == "request":
        return "breaking-client" if effect == "narrowing" else "breaking-server"
    return "breaking-client" if effect == "widening" else "breaking-server"


def client_breaking_effect(direction: Direction) -> Effect:
    """The effect that classifies as breaking-client in this direction."""
    return "narrowing" if direction == "request" else "widening"


def flipped(effect: Effect) -> Effect:
    """Inside `not`, accepting more of the subschema means accepting less of the whole."""
    if effect == "narrowing":
        return "widening"
    if effect == "widening":
        return "narrowing"
    return effect
