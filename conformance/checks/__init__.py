"""Every check, registered by importing its module: `REGISTRY` maps check names to checks."""

from __future__ import annotations

from embedcheck.conformance.checks import (
    auth,
    concurrency,
    dimensions,
    long_input,
    models,
    openai,
    queue,
    relations,
    shapes,
    status,
    usage,
    vectors,
)
from embedcheck.conformance.checks.base import (
    REGISTRY,
    Check,
    CheckContext,
    CheckFailed,
    CheckWarning,
    Tolerances,
)

__all__ = [
    "ALL",
    "REGISTRY",
    "Check",
    "CheckContext",
    "CheckFailed",
    "CheckWarning",
    "Tolerances",
    "auth",
    "concurrency",
    "dimensions",
    "long_input",
    "models",
    "openai",
    "queue",
    "relations",
    "select",
    "shapes",
    "status",
    "usage",
    "vectors",
]


# Report order: the HTTP layer first, then bodies, vectors, relations, and the special flows.
MODULES = (
    status,
    shapes,
    vectors,
    relations,
    concurrency,
    queue,
    auth,
    openai,
    models,
    usage,
    dimensions,
    long_input,
)
ALL: tuple[Check, ...] = tuple(
    c for m in MODULES for c in REGISTRY.values() if c.fn.__module__ == m.__name__
)
assert len(ALL) == len(REGISTRY), "every check module is listed in MODULES"


def select(include: list[str] | None = None, exclude: list[str] | None = None) -> list[Check]:
    """Checks by name, in report order; unknown names raise KeyError naming them."""
    unknown = sorted((set(include or []) | set(exclude or [])) - REGISTRY.keys())
    if unknown:
        raise KeyError(", ".join(unknown))
    return [c for c in ALL if (not include or c.name in include) and c.name not in (exclude or [])]
