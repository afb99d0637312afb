"""The private Hypothesis APIs embedcheck uses: present in the installed version, used for
real, and a renamed or reshaped one fails loudly, naming the Hypothesis version."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import hypothesis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase

from embedcheck.conformance.engine import hypothesis_internals as hi


def test_the_installed_hypothesis_has_every_api_used() -> None:
    hi.check()


def _assert_loud(call: Callable[[], object], what: str) -> None:
    with pytest.raises(hi.HypothesisInternalsChanged) as raised:
        call()
    message = str(raised.value)
    assert "\n" not in message
    assert f"Hypothesis {hypothesis.__version__}" in message and what in message


@pytest.mark.parametrize(
    ("module", "name", "use"),
    [
        (hi.PROVIDERS, "_get_local_constants", hi.mine_local_constants),
        (hi.ENTROPY, "RANDOMS_TO_MANAGE", hi.stop_managing_numpy_random),
        (hi.ENTROPY, "NP_RANDOM", hi.stop_managing_numpy_random),
    ],
)
def test_a_missing_attribute_fails_loudly(
    module: str, name: str, use: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(importlib.import_module(module), name)
    _assert_loud(hi.check, name)
    _assert_loud(use, name)


def test_a_reshaped_attribute_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module(hi.PROVIDERS), "_get_local_constants", len)
    _assert_loud(hi.mine_local_constants, "_get_local_constants")
    monkeypatch.undo()
    monkeypatch.setattr(importlib.import_module(hi.ENTROPY), "RANDOMS_TO_MANAGE", [])
    _assert_loud(hi.stop_managing_numpy_random, "RANDOMS_TO_MANAGE")


def test_a_database_key_hypothesis_no_longer_reads_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inspect, "getsource", lambda _: "def run_engine(self): ...")
    _assert_loud(hi.check, hi.DATABASE_KEY)


def test_the_database_key_given_is_the_one_hypothesis_saves_under() -> None:
    database = InMemoryExampleDatabase()

    @settings(database=database, max_examples=20)
    @given(st.integers())
    def failing(number: int) -> None:
        assert number < 5

    hi.set_database_key(failing, b"unit-key-1")
    with pytest.raises(AssertionError):
        failing()
    keys = set(database.data)
    assert keys and all(key.startswith(b"unit-key-1") for key in keys)
