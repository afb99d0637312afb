"""Properties of compare's measures: per-text cosines and norms, their distribution and
histogram, and the retrieval agreement (top-k overlap, rank correlation) it reports."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from embedcheck.conformance.compare.corpus import Text
from embedcheck.conformance.compare.measure import (
    BINS,
    Agreement,
    Distribution,
    Matrix,
    histogram,
    per_text,
    retrieval,
    row_cosines,
)

# No deadline: a timing assertion has no place in a correctness test (a loaded machine is slow).
PROPERTY = settings(deadline=None, max_examples=80)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def matrices(draw: st.DrawFn, min_rows: int = 1, max_rows: int = 12) -> Matrix:
    """Rows of a few dims, none of them (nearly) the zero vector."""
    rows = draw(st.integers(min_rows, max_rows))
    dims = draw(st.integers(2, 16))
    m = draw(hnp.arrays(np.float64, (rows, dims), elements=finite))
    m[np.linalg.norm(m, axis=1) < 1e-3, 0] = 1.0
    return m


def texts(n: int) -> list[Text]:
    return [Text(f"text {i}", "file") for i in range(n)]


def score_matrices(
    queries: int, documents: int, distinct: bool = True
) -> st.SearchStrategy[Matrix]:
    elements = st.floats(-1, 1, allow_nan=False, width=32)
    return hnp.arrays(np.float64, (queries, documents), elements=elements, unique=distinct)


@PROPERTY
@given(matrices())
def test_a_vector_set_against_itself_has_cosine_one_everywhere(m: Matrix) -> None:
    measures = per_text(texts(len(m)), m, m.copy())
    for measure, row in zip(measures, m, strict=True):
        assert abs(measure.cosine - 1) < 1e-12
        assert measure.max_diff < 1e-12
        assert measure.norm_a == measure.norm_b
        assert math.isclose(measure.norm_a, float(np.linalg.norm(row)), rel_tol=1e-12)
        assert measure.compared


@PROPERTY
@given(matrices(), st.floats(0.01, 100) | st.floats(-100, -0.01))
def test_a_rescaled_vector_keeps_its_direction(m: Matrix, scale: float) -> None:
    cosines = row_cosines(m, scale * m)
    assert np.allclose(cosines, math.copysign(1.0, scale), atol=1e-12)
    measures = per_text(texts(len(m)), m, scale * m)
    for measure in measures:
        assert math.isclose(measure.norm_b, abs(scale) * measure.norm_a, rel_tol=1e-9)


@PROPERTY
@given(matrices(), st.data())
def test_cosines_are_bounded_and_symmetric(m: Matrix, data: st.DataObject) -> None:
    other = data.draw(hnp.arrays(np.float64, m.shape, elements=finite))
    cosines = row_cosines(m, other)
    assert np.all((cosines >= -1) & (cosines <= 1))
    assert np.array_equal(cosines, row_cosines(other, m))


@PROPERTY
@given(matrices(min_rows=2))
def test_a_text_without_a_vector_is_not_compared(m: Matrix) -> None:
    b = m.copy()
    b[0] = np.nan
    first, second = per_text(texts(len(m)), m, b)[:2]
    assert not first.compared and math.isnan(first.cosine) and math.isnan(first.max_diff)
    assert second.compared and abs(second.cosine - 1) < 1e-12


def test_the_largest_component_difference_is_named() -> None:
    a = np.array([[1.0, 0.0, 0.0, 0.0]])
    b = np.array([[1.0, 0.0, 0.1, 0.0]])
    (measure,) = per_text(texts(1), a, b)
    assert measure.worst_dim == 2
    assert math.isclose(measure.max_diff, 0.1 / math.sqrt(1.01), rel_tol=1e-12)
    assert math.isclose(measure.cosine, 1 / math.sqrt(1.01), rel_tol=1e-12)


@PROPERTY
@given(st.lists(st.floats(-1, 1) | st.just(math.nan), max_size=60))
def test_the_histogram_counts_every_compared_text_once_in_its_bin(values: list[float]) -> None:
    counts = histogram(values)
    assert [label for label, _ in counts] == [label for _, label in BINS]
    expected = [0] * len(BINS)
    for value in values:
        if not math.isnan(value):
            # the first bin (from the top) whose lower edge the value reaches
            expected[next(i for i, (lower, _) in enumerate(BINS) if value >= lower)] += 1
    assert [n for _, n in counts] == expected
    assert sum(expected) == sum(not math.isnan(v) for v in values)


def test_the_histogram_separates_float32_noise_from_bfloat16() -> None:
    counts = dict(histogram([1.0, 1 - 5e-8, 1 - 1.5e-6, 0.995, 0.46, -0.1]))
    assert counts["≥ 0.9999999"] == 2
    assert counts["0.99999"] == 1  # bf16 rounding: 0.9999985
    assert counts["0.99"] == 1 and counts["0"] == 1 and counts["< 0"] == 1


@PROPERTY
@given(st.lists(st.floats(-1, 1), min_size=1, max_size=80))
def test_a_distribution_is_ordered(values: list[float]) -> None:
    d = Distribution.of(values)
    assert d.count == len(values)
    assert d.min <= d.p01 <= d.p05 <= d.median <= d.max
    assert d.min - 1e-12 <= d.mean <= d.max + 1e-12


def test_a_distribution_of_nothing_compared_is_empty() -> None:
    d = Distribution.of([math.nan, math.nan])
    assert d.count == 0 and math.isnan(d.min) and math.isnan(d.median)


@PROPERTY
@given(
    st.integers(1, 6).flatmap(lambda q: st.integers(2, 30).flatmap(lambda n: score_matrices(q, n))),
    st.integers(1, 12),
)
def test_a_ranking_agrees_with_itself(scores: Matrix, k: int) -> None:
    same = Agreement.of(scores, scores.copy(), k)
    assert same.top_k_overlap == 1.0
    assert math.isclose(same.spearman, 1.0, rel_tol=1e-12)
    assert same.same_top_hit == same.queries == scores.shape[0]


@PROPERTY
@given(
    st.integers(1, 6).flatmap(
        lambda q: st.integers(2, 30).flatmap(
            lambda n: st.tuples(score_matrices(q, n, False), score_matrices(q, n, False))
        )
    ),
    st.integers(1, 12),
)
def test_agreement_is_symmetric_and_bounded(pair: tuple[Matrix, Matrix], k: int) -> None:
    x, y = pair
    forward, backward = Agreement.of(x, y, k), Agreement.of(y, x, k)
    assert 0 <= forward.top_k_overlap <= 1
    assert -1 - 1e-12 <= forward.spearman <= 1 + 1e-12
    assert forward.top_k_overlap == backward.top_k_overlap
    assert math.isclose(forward.spearman, backward.spearman, abs_tol=1e-12)
    assert forward.same_top_hit == backward.same_top_hit


@PROPERTY
@given(
    st.integers(1, 6).flatmap(lambda q: st.integers(4, 30).flatmap(lambda n: score_matrices(q, n)))
)
def test_a_reversed_ranking_has_rank_correlation_minus_one(scores: Matrix) -> None:
    reversed_ = Agreement.of(scores, -scores, scores.shape[1] // 2)
    assert math.isclose(reversed_.spearman, -1.0, rel_tol=1e-12)
    assert reversed_.top_k_overlap == 0.0  # the top half and the bottom half share nothing
    assert reversed_.same_top_hit == 0


@PROPERTY
@given(matrices(min_rows=3, max_rows=8), st.integers(1, 5))
def test_retrieval_of_identical_sides_keeps_every_ranking(m: Matrix, k: int) -> None:
    queries, documents = m[:1], m[1:]
    found = retrieval(queries, documents, queries.copy(), documents.copy(), k)
    assert found is not None
    assert found.k == min(k, len(documents)) and found.documents == len(documents)
    assert found.sides.top_k_overlap == found.mixed.top_k_overlap == 1.0


def test_retrieval_with_a_missing_vector_is_not_measured() -> None:
    m = np.eye(4)
    broken = m.copy()
    broken[2, 1] = np.nan
    assert retrieval(m[:1], m[1:], broken[:1], broken[1:], 2) is None
