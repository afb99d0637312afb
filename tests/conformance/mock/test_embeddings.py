"""The vector engine: deterministic unit vectors, independent of batch position."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from embedcheck.conformance.mock.embeddings import Embedder, count_tokens, scores
from embedcheck.schemas import model

CLEAN = Embedder(frozenset())
SMALL = model("bge-small-en-v1.5")
M3 = model("bge-m3")


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(), min_size=1, max_size=12), index=st.integers(min_value=0))
def test_batch_rows_are_the_texts_own_unit_vectors(texts: list[str], index: int) -> None:
    rows = CLEAN.embed(SMALL, texts, "mean")
    assert rows.shape == (len(texts), 384) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    i = index % len(texts)
    np.testing.assert_array_equal(rows[i], CLEAN.embed(SMALL, [texts[i]], "mean")[0])
    np.testing.assert_array_equal(rows[i], CLEAN.vector(SMALL, texts[i], "mean"))


@settings(max_examples=30, deadline=None)
@given(a=st.text(), b=st.text())
def test_distinct_keys_give_distinct_vectors(a: str, b: str) -> None:
    same_text = a == b
    va, vb = CLEAN.embed(SMALL, [a, b], "mean")
    assert np.array_equal(va, vb) == same_text
    assert not np.array_equal(va, CLEAN.embed(SMALL, [a], "cls")[0])  # pooling is in the seed
    assert not np.array_equal(CLEAN.embed(M3, [a], "cls")[0][:384], va)  # so is the model


def test_unrelated_texts_are_nearly_orthogonal_and_scores_are_cosines() -> None:
    rows = CLEAN.embed(M3, [f"text {i}" for i in range(50)], "cls")
    query = CLEAN.vector(M3, "query", "cls")
    cosines = scores(query, rows)
    np.testing.assert_allclose(cosines, rows @ query, atol=1e-6)
    assert float(np.abs(cosines).max()) < 0.2


def test_empty_batch_gives_an_empty_matrix() -> None:
    assert CLEAN.embed(SMALL, [], "mean").shape == (0, 384)
    assert scores(CLEAN.vector(M3, "q", "cls"), CLEAN.embed(M3, [], "cls")).shape == (0,)


def test_token_count_is_words_and_punctuation() -> None:
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("   ") == 0
    assert count_tokens("漢字 kanji") == 2
