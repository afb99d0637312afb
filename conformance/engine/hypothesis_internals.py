"""Every private Hypothesis API embedcheck touches, in one place, each checked at import.

Three speed-ups reach into Hypothesis' internals (none changes what a run finds):
- `mine_local_constants`: Hypothesis mines the source of every loaded local module for
  constants, once per process, on the first draw that wants one (~0.2 s); doing it before
  workers fork saves each of them that.
- `stop_managing_numpy_random`: Hypothesis saves, seeds and restores numpy's global PRNG around
  each example whenever numpy is loaded (~0.2 ms of CPU an example, a tenth of a worker's time).
- `set_database_key`: the example database's key for a unit, given rather than derived
  (Hypothesis would hash the inner test's source, the same for every unit, at ~5 ms a unit).

An upgrade that renames any of them must fail loudly here, at import, naming the Hypothesis
version, rather than silently lose the speed-up (or, for the database key, replay one unit's
failures in another). Upgrading Hypothesis is then one review: this file.
"""

from __future__ import annotations

import importlib
import inspect
import random
from collections.abc import Callable, MutableMapping
from typing import Any

import hypothesis

PROVIDERS = "hypothesis.internal.conjecture.providers"
ENTROPY = "hypothesis.internal.entropy"
CORE = "hypothesis.core"
DATABASE_KEY = "_hypothesis_internal_database_key"


class HypothesisInternalsChanged(RuntimeError):
    """A private Hypothesis API embedcheck relies on is gone or changed shape."""


def _changed(what: str) -> HypothesisInternalsChanged:
    return HypothesisInternalsChanged(
        f"Hypothesis {hypothesis.__version__} changed {what}, a private API embedcheck uses: "
        "install a Hypothesis version embedcheck supports, or update "
        "embedcheck/conformance/engine/hypothesis_internals.py"
    )


def _attribute(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise _changed(f"{module}.{name} (missing)") from None


def _local_constants() -> Callable[[], object]:
    function = _attribute(PROVIDERS, "_get_local_constants")
    if not callable(function) or inspect.signature(function).parameters:
        raise _changed(f"{PROVIDERS}._get_local_constants (no longer a no-argument function)")
    return function  # type: ignore[no-any-return]


def _managed_randoms() -> MutableMapping[Any, object]:
    managed = _attribute(ENTROPY, "RANDOMS_TO_MANAGE")
    _attribute(ENTROPY, "NP_RANDOM")  # present, None until numpy's wrapper is registered
    if not isinstance(managed, MutableMapping):
        raise _changed(f"{ENTROPY}.RANDOMS_TO_MANAGE (no longer a mapping)")
    return managed


def _check_database_key() -> None:
    # Hypothesis reads the key off the wrapped test in its engine; if the name is not in its
    # source any more, the key given here would be ignored without a word.
    try:
        source = inspect.getsource(importlib.import_module(CORE))
    except (ImportError, OSError):
        raise _changed(f"{CORE} (its source cannot be read)") from None
    if DATABASE_KEY not in source:
        raise _changed(f"the test attribute {DATABASE_KEY} (no longer read by {CORE})")


def check() -> None:
    """Raise HypothesisInternalsChanged unless every private API used here has its shape."""
    _local_constants()
    _managed_randoms()
    _check_database_key()


def mine_local_constants() -> None:
    """Let Hypothesis mine the loaded modules for constants now, once for this process."""
    _local_constants()()


def stop_managing_numpy_random() -> None:
    """Hypothesis no longer saves, seeds and restores numpy's global PRNG around examples.
    Only for processes that run nothing but units: elsewhere a user's tests may rely on it."""
    managed = _managed_randoms()
    entropy = importlib.import_module(ENTROPY)
    wrapper = _attribute(ENTROPY, "NP_RANDOM")
    for key, value in list(managed.items()):
        if wrapper is not None and value is wrapper:
            del managed[key]
    # While NP_RANDOM is None, Hypothesis registers a wrapper on first use: a stand-in that
    # nothing manages keeps it from doing so.
    setattr(entropy, "NP_RANDOM", wrapper or random.Random())  # noqa: B010


def set_database_key(test: Callable[..., object], key: bytes) -> None:
    """The example database's key for a `@given` test, instead of a hash of its source."""
    setattr(test, DATABASE_KEY, key)


check()
