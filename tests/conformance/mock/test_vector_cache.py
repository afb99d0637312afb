"""The memo of serialised vectors changes nothing on the wire and stays within its budget."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockConfig
from conformance.mock.embeddings import Embedder
from conformance.mock.vector_cache import VectorJsonCache
from schemas import model
from tests.conformance.mock.wire import LARGE, M3, OPENAI, mock_client, run_url

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (run_url(LARGE), {"text": ["a", "b", "a", "c"], "pooling": "cls"}),
        (run_url(M3), {"contexts": [{"text": "x"}, {}]}),
        (OPENAI, {"model": "baai/bge-m3", "input": ["x", "y"]}),
    ],
)
async def test_replies_are_byte_identical_with_and_without_the_memo(
    path: str, body: dict[str, object]
) -> None:
    async with (
        mock_client() as memo,
        mock_client(MockConfig(vector_cache_bytes=0)) as plain,
    ):
        first = (await memo.post(path, json=body)).content
        again = (await memo.post(path, json=body)).content  # served from the memo
        without = (await plain.post(path, json=body)).content
    assert first == again == without
    assert json.loads(first)  # and it is still JSON


def test_memo_keeps_rows_within_its_byte_budget() -> None:
    small = model("bge-small-en-v1.5")
    one_row = len(VectorJsonCache(Embedder(frozenset()), 10**9).rows(small, ["x"], "mean")[0])
    cache = VectorJsonCache(Embedder(frozenset()), max_bytes=3 * one_row + one_row // 2)
    first = cache.rows(small, ["a", "b", "c", "d"], "mean")
    assert len(cache) == 3  # "a" went first
    assert cache.rows(small, ["b", "c", "d", "a"], "mean") == first[1:] + first[:1]
    assert len(cache) == 3


def test_memo_is_off_when_a_fault_alters_vectors() -> None:
    from conformance.mock.state import MockState

    assert MockState.build(MockConfig()).runner.cache is not None
    faulty = MockState.build(MockConfig(faults=frozenset({"nondeterministic"})))
    assert faulty.runner.cache is None
    envelope_only = MockState.build(MockConfig(faults=frozenset({"wrong-content-type"})))
    assert envelope_only.runner.cache is not None
