"""Scenarios: what one example sends, for which profiles and models, drawn how.

Each scenario turns payload strategies into `Case`s (one or more requests judged together) and
lists boundary cases that are sent on every run, whatever Hypothesis draws. `weight` is the
share of `--max-examples` a scenario gets: relations cost several requests per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation import openai as O
from embedcheck.conformance.generation import payloads as P
from embedcheck.conformance.generation import probes
from embedcheck.conformance.generation.limits import ModelLimits, model_limits
from embedcheck.conformance.generation.long_inputs import SCENARIO as SCENARIO_LONG_INPUT
from embedcheck.conformance.generation.long_inputs import long_input_case
from embedcheck.conformance.generation.texts import CORPUS, texts
from embedcheck.conformance.profiles import ModelSpec, Target
from embedcheck.conformance.vocabulary import Case, Payload
from embedcheck.schemas import effective_schema
from embedcheck.schemas import layout as L
from embedcheck.schemas.layout import InputVariant, truncation_switch

MODEL_PROFILES = frozenset({"workers-ai", "worker"})
ALL_PROFILES = frozenset({"workers-ai", "worker", "openai"})

CaseStrategy = Callable[[Target, ModelSpec], st.SearchStrategy[Case]]
Boundaries = Callable[[Target, ModelSpec], list[Case]]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    profiles: frozenset[str]
    weight: float
    strategy: CaseStrategy | None  # None: boundary cases only
    boundaries: Boundaries
    needs: Callable[[Target, ModelSpec], bool] = lambda target, model: True
    shrink_cap: int | None = None  # fewer shrinking examples when each one is slow
    waits: bool = False  # mostly sleeps (polls): started early so other units fill the wait
    requests: float = 1.0  # requests per example, roughly: how long a unit runs, for scheduling
    # Sent in the run's quiet phase, with nothing else in flight; its case's second half goes
    # out all at once (see `engine.unit`).
    quiet: bool = False

    @property
    def generates(self) -> bool:
        """Whether Hypothesis draws examples for it (else: boundary cases only)."""
        return self.strategy is not None and self.weight > 0

    def applies(self, target: Target, model: ModelSpec) -> bool:
        return target.profile in self.profiles and self.needs(target, model)


def _limits(model: ModelSpec) -> ModelLimits:
    assert model.record is not None, "model profiles run known models only"
    return model_limits(model.record.id)


def _variants(model: ModelSpec, kind: str) -> tuple[InputVariant, ...]:
    return _limits(model).layout.of_kind(kind)


def _single(name: str) -> Callable[[Payload], Case]:
    return lambda payload: Case(name, (payload,))


def _texts_variant(model: ModelSpec) -> InputVariant:
    variant = _limits(model).layout.first(L.TEXTS)
    assert variant is not None, "a model's layout has a texts variant (read_layout checks)"
    return variant


def text_payload(
    target: Target,
    model: ModelSpec,
    text: str | list[str],
    settings: dict[str, Any] | None = None,
) -> Payload:
    """A plain valid embedding request for `text` in the target's dialect."""
    if target.kind.openai_dialect:
        kind = "texts" if isinstance(text, list) else "text"
        return O.openai_payload(model.name, text, kind, "float")
    lim, variant = _limits(model), _texts_variant(model)
    forms = lim.forms(variant)
    form = next((f for f in forms if (f.items is not None) == isinstance(text, list)), forms[0])
    return P.texts_payload(lim, variant, text, settings, form.name)


def _texts(target: Target) -> st.SearchStrategy[str | list[str]]:
    one = texts()
    return one | st.lists(one, min_size=1, max_size=4)


# --- the model input variants, each kind found by the layout ---------------------------------


def _one_request(
    name: str,
    summary: str,
    profiles: frozenset[str],
    weight: float,
    kind: str,
    **options: Any,
) -> Scenario:
    """A scenario whose cases are one valid payload each, of every variant of `kind`."""

    def strategy(target: Target, model: ModelSpec) -> st.SearchStrategy[Case]:
        lim = _limits(model)
        found = [P.variant_payloads(lim, v) for v in _variants(model, kind)]
        return st.one_of(found).map(_single(name))

    def boundaries(target: Target, model: ModelSpec) -> list[Case]:
        lim = _limits(model)
        return [
            Case(name, (p,)) for v in _variants(model, kind) for p in P.variant_boundaries(lim, v)
        ]

    return Scenario(
        name,
        summary,
        profiles,
        weight,
        strategy,
        boundaries,
        needs=lambda t, m: bool(_variants(m, kind)),
        **options,
    )


EMBED = _one_request(
    "embed",
    "every texts variant (a text, a list of texts) with every other property of the schema",
    MODEL_PROFILES,
    1.0,
    L.TEXTS,
)
CONTEXTS_SCENARIO = _one_request(
    "contexts",
    "every contexts variant, with a query (scores) and without (context vectors)",
    MODEL_PROFILES,
    0.5,
    L.CONTEXTS,
)
ASYNC = _one_request(
    "async",
    "every batch variant through the queue: submit, poll until done, map ids",
    frozenset({"workers-ai"}),
    0.1,
    L.BATCH,
    shrink_cap=3,  # a failing job may cost the whole --async-timeout per example
    waits=True,
)


REJECT = Scenario(
    "reject",
    "one schema violation per payload, from the mutation catalogue: each must get a 4xx",
    MODEL_PROFILES,
    1.0,
    lambda t, m: P.invalid_payloads(_limits(m).subject).map(_single("reject")),
    lambda t, m: [Case("reject", (p,)) for p in P.invalid_boundaries(_limits(m).subject)],
)

# --- relations between requests -------------------------------------------------------------


def _twice(target: Target, model: ModelSpec, text: str | list[str]) -> Case:
    payload = text_payload(target, model, text)
    return Case("determinism", (payload, payload))


DETERMINISM = Scenario(
    "determinism",
    "the same request twice",
    ALL_PROFILES,
    0.2,
    lambda t, m: _texts(t).map(lambda x: _twice(t, m, x)),
    lambda t, m: [_twice(t, m, list(CORPUS[:3]))],
    requests=2,
)


def _batch_case(target: Target, model: ModelSpec, sentences: list[str]) -> Case:
    batch = text_payload(target, model, sentences)
    singles = tuple(text_payload(target, model, s) for s in sentences)
    return Case("batch", (batch, *singles))


# Large batches: the sizes the public bugs showed (ollama/ollama#6262 degrades from 16 texts
# up), each sent where the schema's maxItems allows it, and the schema's maxItems itself.
LARGE_BATCHES = (16, 32, 64, 100)


def distinct_texts(count: int) -> list[str]:
    """`count` plainly different sentences: the corpus, then pairs of its sentences."""
    pairs = (f"{a}, and {b[0].lower()}{b[1:]}" for a in CORPUS for b in CORPUS if a != b)
    found = [*CORPUS, *pairs][:count]
    assert len(found) == count, f"the corpus makes {len(found)} distinct texts, not {count}"
    return found


def max_batch(target: Target, model: ModelSpec) -> int | None:
    """The most texts one request may hold, from the effective schema (None: no maxItems)."""
    if target.kind.openai_dialect:
        return O.openai_limits().max_items
    forms = _limits(model).forms(_texts_variant(model))
    lists = [f.items for f in forms if f.items is not None]
    return lists[0].max_items if lists else 0


def large_batch_sizes(target: Target, model: ModelSpec) -> list[int]:
    cap = max_batch(target, model)
    if cap is None or cap >= LARGE_BATCHES[-1]:
        return list(LARGE_BATCHES)
    return [n for n in LARGE_BATCHES if n < cap] + ([cap] if cap >= LARGE_BATCHES[0] else [])


def _large_batch_case(target: Target, model: ModelSpec, size: int) -> Case:
    """A batch of `size` texts, then three of them alone (first, middle, last): enough to see
    a batch that degrades or shuffles, at a few requests per size."""
    sentences = distinct_texts(size)
    batch = text_payload(target, model, sentences)
    sampled = sorted({0, size // 2, size - 1})
    singles = tuple(text_payload(target, model, sentences[i]) for i in sampled)
    return Case("batch", (batch, *singles))


def _batch_boundaries(target: Target, model: ModelSpec) -> list[Case]:
    large = [_large_batch_case(target, model, n) for n in large_batch_sizes(target, model)]
    return [_batch_case(target, model, list(CORPUS[:4])), *large]


BATCH = Scenario(
    "batch",
    "distinct sentences in one batch, then each alone; large batches up to the schema's "
    "maxItems, then a few of their texts alone",
    ALL_PROFILES,
    0.2,
    lambda t, m: st.lists(st.sampled_from(CORPUS), min_size=2, max_size=6, unique=True).map(
        lambda xs: _batch_case(t, m, xs)
    ),
    _batch_boundaries,
    requests=4.5,  # the batch, then 2 to 6 texts alone
)

# Distinct requests of the concurrency scenario, sent `--workers` at a time (the run's own
# bound on requests in flight): enough to fill any --workers up to 8, few enough to cost little.
CONCURRENT = 8


def _concurrency_case(target: Target, model: ModelSpec) -> Case:
    """`CONCURRENT` distinct texts one at a time (the reference), then the same requests all
    at once."""
    singles = tuple(text_payload(target, model, s) for s in distinct_texts(CONCURRENT))
    return Case("concurrency", (*singles, *singles))


CONCURRENCY = Scenario(
    "concurrency",
    f"{CONCURRENT} distinct requests one at a time with nothing else in flight, then together "
    "(--workers at a time)",
    ALL_PROFILES,
    0.0,
    None,
    lambda t, m: [_concurrency_case(t, m)],
    requests=2 * CONCURRENT,
    quiet=True,
)


def vector_setting(model: ModelSpec) -> tuple[str, list[Any]] | None:
    """A setting that changes the vectors (an enum the reply echoes, e.g. `pooling`) and every
    value of it, the default last: however many values the schema lists."""
    variant = _texts_variant(model)
    for key, schema in _limits(model).layout.echoed(variant).items():
        values = list(schema["enum"])
        default = schema.get("default", values[0])
        others = [v for v in values if v != default]
        if others and default in values:
            return key, [*others, default]
    return None


def _setting_case(target: Target, model: ModelSpec, sentences: list[str]) -> Case:
    found = vector_setting(model)
    assert found is not None, "the scenario applies to models with a vector setting"
    key, values = found
    return Case("pooling", tuple(text_payload(target, model, sentences, {key: v}) for v in values))


POOLING = Scenario(
    "pooling",
    "the same sentences with each value of a setting that changes vectors (cls, then mean)",
    MODEL_PROFILES,
    0.2,
    lambda t, m: st.lists(st.sampled_from(CORPUS), min_size=1, max_size=3, unique=True).map(
        lambda xs: _setting_case(t, m, xs)
    ),
    lambda t, m: [_setting_case(t, m, [CORPUS[0]])],
    requests=2,
    needs=lambda t, m: vector_setting(m) is not None,
)


def _auth_cases(target: Target, model: ModelSpec) -> list[Case]:
    base = text_payload(target, model, CORPUS[0])
    return [
        Case(
            "auth",
            (
                replace(base, auth="none"),
                replace(base, auth="wrong"),
            ),
        )
    ]


AUTH = Scenario(
    "auth",
    "no token, then a wrong token",
    ALL_PROFILES,
    0.0,
    None,
    _auth_cases,
    needs=lambda t, m: t.token is not None,
)

# --- OpenAI ---------------------------------------------------------------------------------


def _openai_case(payload: Payload) -> Case:
    """A base64 request travels with its float twin, so the decoded values can be compared."""
    if payload.body.get("encoding_format") != "base64":
        return Case("openai-embed", (payload,))
    twin = replace(payload, body={**payload.body, "encoding_format": "float"})
    return Case("openai-embed", (payload, twin))


OPENAI_EMBED = Scenario(
    "openai-embed",
    "strings, string lists, token ids and token-id lists, float and base64",
    frozenset({"openai"}),
    1.0,
    lambda t, m: O.openai_payloads(m.name).map(_openai_case),
    lambda t, m: [_openai_case(p) for p in O.openai_boundaries(m.name)],
)
OPENAI_REJECT = Scenario(
    "openai-reject",
    "one request-schema violation per payload: each must get a 4xx",
    frozenset({"openai"}),
    1.0,
    lambda t, m: O.openai_invalid_payloads(m.name).map(_single("openai-reject")),
    lambda t, m: [Case("openai-reject", (p,)) for p in O.openai_invalid_boundaries(m.name)],
)

# --- OpenAI probes of what no schema says (cases in `probes`) ---------------------------------


def _unknown_model_cases(target: Target, model: ModelSpec) -> list[Case]:
    if target.kind.openai_dialect:
        return probes.unknown_model_cases(model.name)
    return probes.unknown_route_cases(model.name, text_payload(target, model, CORPUS[0]))


def _names_model_in_url(target: Target, model: ModelSpec) -> bool:
    """A Worker URL without {model} serves one model whatever it is called: nothing to ask."""
    kind = target.kind
    return kind.openai_dialect or bool(kind.model_path) or "{model}" in target.base_url


UNKNOWN_MODEL = Scenario(
    probes.UNKNOWN_MODEL,
    "a model name that exists nowhere (in the OpenAI body, or in the URL): refused with a 4xx, "
    "not served by another model",
    ALL_PROFILES,
    0.0,
    None,
    _unknown_model_cases,
    needs=_names_model_in_url,
    requests=2,
)
OPENAI_USAGE = Scenario(
    probes.USAGE,
    "English texts in a batch, alone, and repeated: their usage counts compared",
    frozenset({"openai"}),
    0.1,
    lambda t, m: probes.usage_strategy(m.name),
    lambda t, m: probes.usage_cases(m.name),
    requests=7,
)
OPENAI_DIMENSIONS = Scenario(
    probes.DIMENSIONS,
    "texts without `dimensions`, then with valid and out-of-range values",
    frozenset({"openai"}),
    0.1,
    lambda t, m: probes.dimensions_strategy(m.name, m.dims),
    lambda t, m: probes.dimensions_cases(m.name, m.dims),
    requests=3,
)

# --- texts at a model's token limit ------------------------------------------------------------


def _long_input_cases(target: Target, model: ModelSpec) -> list[Case]:
    assert model.max_input_tokens is not None, "the scenario needs the model's max_input_tokens"
    if target.kind.openai_dialect:
        schema = effective_schema(*O.OPENAI_REQUEST)
    else:
        schema = _texts_variant(model).schema
    return [
        long_input_case(
            lambda text, settings: text_payload(target, model, text, settings or None),
            model.max_input_tokens,
            truncation_switch(schema),
        )
    ]


LONG_INPUT = Scenario(
    SCENARIO_LONG_INPUT,
    "texts just under, at and over the model's max_input_tokens, with the schema's truncation "
    "switch (if any) off and on",
    ALL_PROFILES,
    0.0,
    None,
    _long_input_cases,
    needs=lambda t, m: m.max_input_tokens is not None,
    requests=5,
)

SCENARIOS: tuple[Scenario, ...] = (
    EMBED,
    CONTEXTS_SCENARIO,
    REJECT,
    DETERMINISM,
    BATCH,
    CONCURRENCY,
    POOLING,
    ASYNC,
    AUTH,
    OPENAI_EMBED,
    OPENAI_REJECT,
    UNKNOWN_MODEL,
    OPENAI_USAGE,
    OPENAI_DIMENSIONS,
    LONG_INPUT,
)
