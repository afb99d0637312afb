"""What the probes send: cases for what no request schema can say about a reply.

- unknown model: a model name that exists nowhere, which must be refused, not served (in the
  OpenAI body, or in the URL of the other profiles);
- usage: English texts alone, in a batch, and repeated, whose `usage` counts are compared;
- dimensions: the same texts without `dimensions` (the reference), then with valid values
  (1, a small one, the model's dims) and out-of-range ones (0, negative, above dims,
  non-integer).

The checks read everything they need from the payloads themselves (the texts, the `model` and
`dimensions` sent), so they never import this module. The scenarios that send these cases are
registered in `scenarios`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation.invalid import invalid
from embedcheck.conformance.generation.openai import OPENAI_REQUEST, openai_payload
from embedcheck.conformance.generation.texts import CORPUS
from embedcheck.conformance.vocabulary import Case, Payload

UNKNOWN_MODEL = "unknown-model"
USAGE = "usage"
DIMENSIONS = "dimensions"

# Names no server serves: one plainly made up, one a near miss of the model under test.
NO_SUCH_MODEL = "embedcheck-no-such-model-7f3a"
NEAR_MISS = "-embedcheck-does-not-exist"
UNKNOWN_DIMS_ABOVE = 100_000  # above any model's dims, when the model's are not known
UNKNOWN_DIMS_SMALL = 16


def _text_or_texts(model: str, value: str | list[str]) -> Payload:
    return openai_payload(model, value, "texts" if isinstance(value, list) else "text", "float")


# --- unknown model ----------------------------------------------------------------------------


def unknown_model_cases(model: str) -> list[Case]:
    """OpenAI: the names in the body."""
    names = (NO_SUCH_MODEL, model + NEAR_MISS)
    return [Case(UNKNOWN_MODEL, tuple(_text_or_texts(name, CORPUS[0]) for name in names))]


def unknown_route_cases(model: str, payload: Payload) -> list[Case]:
    """Where the model sits in the URL: `payload` (valid for `model`) sent to the routes of
    names that exist nowhere."""
    names = (f"@cf/embedcheck/{NO_SUCH_MODEL}", model + NEAR_MISS)
    return [Case(UNKNOWN_MODEL, tuple(replace(payload, route_model=name) for name in names))]


# --- usage ------------------------------------------------------------------------------------


def repeated(text: str, times: int) -> str:
    return " ".join([text] * times)


def usage_case(model: str, sentences: list[str], times: int = 4) -> Case:
    """The sentences in one batch, each alone, then the first one repeated 2 and `times` times:
    the batch's count is compared with the sum of the singles, the repeats with the first."""
    batch = _text_or_texts(model, list(sentences))
    singles = [_text_or_texts(model, s) for s in sentences]
    repeats = [_text_or_texts(model, repeated(sentences[0], n)) for n in sorted({2, times})]
    return Case(USAGE, (batch, *singles, *repeats))


def usage_cases(model: str) -> list[Case]:
    return [usage_case(model, list(CORPUS[:3]))]


def usage_strategy(model: str) -> st.SearchStrategy[Case]:
    sentences = st.lists(st.sampled_from(CORPUS), min_size=2, max_size=4, unique=True)
    return st.builds(lambda xs, n: usage_case(model, xs, n), sentences, st.integers(2, 6))


# --- dimensions -------------------------------------------------------------------------------


def _with_dimensions(model: str, texts: list[str], value: Any) -> Payload:
    body = {"model": model, "input": texts, "encoding_format": "float", "dimensions": value}
    schema_ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if schema_ok:
        return Payload(
            body=body,
            schema=OPENAI_REQUEST,
            variant="texts",
            texts=tuple(texts),
            count=len(texts),
        )
    mutation = "below-minimum" if isinstance(value, int | float) and value < 1 else "wrong-type"
    return invalid(OPENAI_REQUEST, body, "CreateEmbeddingRequest", mutation, "/dimensions")


def dimensions_case(model: str, texts: list[str], values: list[Any]) -> Case:
    """The texts without `dimensions` first (the reference length and norms), then with each
    value."""
    reference = _text_or_texts(model, list(texts))
    return Case(DIMENSIONS, (reference, *(_with_dimensions(model, texts, v) for v in values)))


def valid_dimensions(dims: int | None) -> list[int]:
    if dims is None:
        return [1, UNKNOWN_DIMS_SMALL]
    return sorted({1, max(1, min(32, dims // 2)), dims})


def refused_dimensions(dims: int | None) -> list[Any]:
    return [0, -1, (dims + 1) if dims else UNKNOWN_DIMS_ABOVE, 2.5]


def dimensions_cases(model: str, dims: int | None) -> list[Case]:
    values = valid_dimensions(dims) + refused_dimensions(dims)
    return [dimensions_case(model, list(CORPUS[:2]), values)]


def dimensions_strategy(model: str, dims: int | None) -> st.SearchStrategy[Case]:
    top = dims or 2 * UNKNOWN_DIMS_SMALL
    inside = st.integers(1, top)
    outside: st.SearchStrategy[Any] = st.sampled_from(
        (0, -1, -top, 0.5, 2.5, float(top) + 0.5, (dims + 1) if dims else UNKNOWN_DIMS_ABOVE)
    )
    if dims:
        outside = outside | st.integers(dims + 1, 10 * dims)
    texts = st.lists(st.sampled_from(CORPUS), min_size=1, max_size=3, unique=True)
    return st.builds(
        lambda xs, vs: dimensions_case(model, xs, vs),
        texts,
        st.lists(inside | outside, min_size=1, max_size=2),
    )
