"""Properties of compare's readings and verdicts (`analysis.analyse`, which the command runs):
vectors built to differ in one known way must be read as that, with the figures the user sees.

The vectors come from a small bag-of-words model: a random unit vector per word, a text's
vector the normalised mean of its words' (mean pooling). Long and short texts, a retrieval
set, and a second side that differs as a server may: the same (interchangeable), rescaled
(normalisation), inputs cut to their first words (truncation), rounded to bfloat16
(precision), or another model altogether.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from embedcheck.conformance.compare.analysis import Analysis, analyse
from embedcheck.conformance.compare.corpus import Corpus, Text
from embedcheck.conformance.compare.diagnose import UNRELATED_BELOW, PoolingProbe
from embedcheck.conformance.compare.measure import Matrix
from embedcheck.conformance.compare.thresholds import Thresholds
from embedcheck.conformance.compare.verdict import (
    INCOMPATIBLE,
    INCOMPLETE,
    INTERCHANGEABLE,
    LOWER_PRECISION,
)
from embedcheck.conformance.mock.embeddings import bfloat16

PROPERTY = settings(deadline=None, max_examples=30)  # no timing assertion in a correctness test
VOCABULARY = 5000
DEFAULTS = Thresholds()
DIMS = st.sampled_from([32, 64, 128])


@dataclass(frozen=True)
class BagOfWords:
    """Mean pooling over a random vector per word; `limit` cuts a text to its first words."""

    words: Matrix  # one unit vector per word of the vocabulary

    @classmethod
    def random(cls, seed: int, dims: int) -> BagOfWords:
        words = np.random.default_rng(seed).standard_normal((VOCABULARY, dims))
        return cls(words / np.linalg.norm(words, axis=1, keepdims=True))

    def embed(self, texts: list[str], limit: int | None = None) -> Matrix:
        rows = []
        for text in texts:
            ids = [int(word[1:]) for word in text.split()][:limit]
            v = self.words[ids].mean(axis=0)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows)


@dataclass(frozen=True)
class Setup:
    corpus: Corpus
    model: BagOfWords
    short: int  # texts of at most `limit` words
    long: int  # texts of 3x `limit` words or more
    limit: int

    @property
    def texts(self) -> list[str]:
        return self.corpus.all_texts()

    def reference(self) -> Matrix:
        return self.model.embed(self.texts)

    def judge(
        self,
        b: Matrix,
        missing: int = 0,
        probe: Callable[[], list[PoolingProbe]] | None = None,
    ) -> Analysis:
        """Side A the reference, side B `b`: what `embedcheck compare` would conclude."""
        return analyse(self.corpus, self.reference(), b, DEFAULTS, missing=missing, probe=probe)


def _text(rng: np.random.Generator, words: int) -> str:
    """`words` distinct words ("w17 w4031 ..."): each counts as one estimated token."""
    return " ".join(f"w{i}" for i in rng.choice(VOCABULARY, words, replace=False))


def make_setup(
    seed: int = 0, dims: int = 64, limit: int = 16, long: int = 4, short: int = 12
) -> Setup:
    rng = np.random.default_rng(seed)
    texts = [Text(_text(rng, int(rng.integers(3, limit + 1))), "short") for _ in range(short)]
    texts += [
        Text(_text(rng, int(rng.integers(3 * limit, 6 * limit))), "long") for _ in range(long)
    ]
    queries = tuple(_text(rng, int(rng.integers(3, limit + 1))) for _ in range(4))
    documents = tuple(_text(rng, int(rng.integers(3, limit + 1))) for _ in range(16))
    corpus = Corpus(tuple(texts), queries, documents, "generated")
    return Setup(corpus, BagOfWords.random(seed, dims), short, long, limit)


@st.composite
def setups(draw: st.DrawFn, dims: st.SearchStrategy[int] = DIMS) -> Setup:
    long = draw(st.integers(3, 12))
    return make_setup(
        seed=draw(st.integers(0, 2**32 - 1)),
        dims=draw(dims),
        limit=draw(st.integers(8, 40)),
        long=long,
        short=draw(st.integers(long + 1, 30)),  # most texts short: the median agrees under a cut
    )


def causes(result: Analysis) -> list[str]:
    return [f.cause for f in result.findings]


@PROPERTY
@given(setups())
def test_the_same_vectors_are_interchangeable(setup: Setup) -> None:
    result = setup.judge(setup.reference())
    assert result.verdict.name == INTERCHANGEABLE and result.verdict.exit_code == 0
    assert result.findings == []
    assert result.cosines.count == setup.short + setup.long
    assert result.cosines.min >= 1 - 1e-12
    assert result.verdict.evidence[0].startswith("lowest cosine 1.0000000, median 1.0000000")
    assert result.retrieval is not None and result.retrieval.mixed.top_k_overlap == 1.0
    assert "keeps 100.0% of A's top 10" in result.verdict.evidence[1]


@PROPERTY
@given(setups(), st.floats(1.05, 20) | st.floats(0.05, 0.95))
def test_a_pure_rescaling_is_read_as_normalisation(setup: Setup, scale: float) -> None:
    b = scale * setup.reference()
    result = setup.judge(b)
    assert causes(result) == ["normalisation"]
    gap = abs(1 - scale) / max(1.0, scale)
    norm_b = float(np.median(np.linalg.norm(b[: len(setup.corpus.texts)], axis=1)))
    assert result.verdict.name == INCOMPATIBLE and result.verdict.exit_code == 1
    assert result.verdict.advice.startswith("re-embed, or normalise both sides to unit length")
    assert result.verdict.evidence[0] == f"norms differ by up to {gap:.1%} (tolerance 1.0%)"
    summary = result.findings[0].summary
    assert f"median norm A 1, B {norm_b:.4g} (up to {gap:.1%} apart)" in summary
    assert "directions agree (median cosine 1.000000)" in summary


@PROPERTY
@given(setups())
def test_a_prefix_truncation_of_long_texts_is_read_as_truncation(setup: Setup) -> None:
    result = setup.judge(setup.model.embed(setup.texts, limit=setup.limit))
    assert causes(result) == ["truncation"]
    cut = min(t.tokens for t in setup.corpus.texts if t.kind == "long")
    summary = result.findings[0].summary
    assert summary.startswith(
        f"truncation: the {setup.short} texts under ~{cut} tokens agree (lowest cosine 1.0000)"
    )
    assert f"100% of the {setup.long} from ~{cut} tokens on diverge" in summary
    assert result.verdict.name == INCOMPATIBLE and result.verdict.evidence[0] == summary
    # The retrieval set is short texts only: truncation leaves its rankings alone.
    assert result.retrieval is not None and result.retrieval.sides.top_k_overlap == 1.0


@PROPERTY
@given(setups())
def test_bfloat16_rounding_is_the_same_model_at_lower_precision(setup: Setup) -> None:
    rounded = bfloat16(setup.reference().astype(np.float32)).astype(np.float64)
    result = setup.judge(rounded)
    assert causes(result) == ["precision"]
    assert result.verdict.name == LOWER_PRECISION and result.verdict.exit_code == 1
    assert DEFAULTS.same_model <= result.cosines.min < DEFAULTS.interchangeable
    assert result.findings[0].summary.startswith(
        f"precision: every text agrees closely but not at float32 level (lowest cosine "
        f"{result.cosines.min:.7f}"
    )
    assert any(line.startswith("a mixed index") for line in result.verdict.evidence)


@PROPERTY
@given(setups(dims=st.just(128)), st.integers(0, 2**32 - 1))
def test_another_model_is_read_as_a_different_model(setup: Setup, other_seed: int) -> None:
    dims = setup.model.words.shape[1]
    other = BagOfWords.random(2**32 + other_seed, dims)  # the same words, other vectors
    result = setup.judge(other.embed(setup.texts))
    assert causes(result) == ["model"]
    assert result.cosines.median < UNRELATED_BELOW
    assert result.verdict.name == INCOMPATIBLE
    assert result.findings[0].summary.startswith(
        f"different model: the vectors are unrelated (median cosine {result.cosines.median:.4f}"
    )


@PROPERTY
@given(setups())
def test_the_readings_do_not_depend_on_which_side_is_a(setup: Setup) -> None:
    a, b = setup.reference(), setup.model.embed(setup.texts, limit=setup.limit)
    forward, backward = setup.judge(b), analyse(setup.corpus, b, a, DEFAULTS)
    assert causes(forward) == causes(backward)
    assert forward.verdict.name == backward.verdict.name
    assert forward.retrieval is not None and backward.retrieval is not None
    assert math.isclose(
        forward.retrieval.sides.spearman, backward.retrieval.sides.spearman, abs_tol=1e-12
    )
    assert forward.retrieval.sides.top_k_overlap == backward.retrieval.sides.top_k_overlap
    for m, n in zip(forward.measures, backward.measures, strict=True):
        assert math.isclose(m.cosine, n.cosine, abs_tol=1e-12)


@PROPERTY
@given(setups())
def test_a_confirming_pooling_probe_names_pooling_not_another_model(setup: Setup) -> None:
    other = BagOfWords.random(2**32, setup.model.words.shape[1]).embed(setup.texts)  # not A
    asked: list[bool] = []

    def probe() -> list[PoolingProbe]:
        asked.append(True)
        return [PoolingProbe("A", "mean", "B", 8, 0.99995)]

    result = setup.judge(other, probe=probe)
    assert asked == [True]
    assert causes(result) == ["pooling"]
    assert result.findings[0].summary == (
        "pooling: side A asked for pooling=mean gives side B's vectors (lowest cosine 0.999950 "
        "on 8 texts): the sides pool differently"
    )
    assert result.verdict.name == INCOMPATIBLE and result.verdict.evidence[0].startswith("pooling")


def test_no_probe_is_sent_when_the_sides_agree() -> None:
    def never() -> list[PoolingProbe]:
        raise AssertionError("a pooling probe was sent for sides that agree")

    setup = make_setup()
    assert setup.judge(setup.reference(), probe=never).verdict.name == INTERCHANGEABLE


def test_different_dims_decide_without_measuring() -> None:
    setup = make_setup()
    a = setup.reference()
    result = analyse(setup.corpus, a, a[:, :-1], DEFAULTS, missing=3)
    assert result.measures == [] and result.retrieval is None and result.findings == []
    assert result.verdict.name == INCOMPATIBLE
    dims = a.shape[1]
    assert result.verdict.evidence == [
        f"dims differ: A {dims}, B {dims - 1} (decided from the first reply)"
    ]


def test_texts_without_a_vector_are_never_a_pass() -> None:
    setup = make_setup()
    b = setup.reference()
    b[0] = np.nan
    result = setup.judge(b, missing=1)
    assert result.verdict.name == INCOMPLETE and result.verdict.exit_code == 1
    assert result.verdict.evidence == ["1 text(s) not compared"]
