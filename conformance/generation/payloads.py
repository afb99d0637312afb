"""Valid model inputs (the Workers AI dialect), derived from the effective input schema.

Every variant the layout finds gets payloads: TEXTS (a text, or a list of them), CONTEXTS
(contexts with and without the query) and BATCH (queued requests, each one of the request
variants). Beside the texts, every other property of a variant is sent, whether or not any code
knows its name: drawn from the schema (`schemas.instances.from_schema`: each enum value,
booleans, numbers and strings within their bounds, nested objects) or omitted, so defaults are
exercised both ways; the boundary cases send each of its boundary values once (`boundaries`).
A payload records what its reply must hold, from the layout: the output variant, where the
vectors or scores sit, how many, and the settings the reply must name.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation import invalid as rejections
from embedcheck.conformance.generation.limits import ModelLimits, TextForm, model_limits
from embedcheck.conformance.generation.mutations import example
from embedcheck.conformance.generation.texts import (
    CORPUS,
    WORDS,
    batch_texts,
    boundary_texts,
    texts,
)
from embedcheck.conformance.vocabulary import Payload, canonical
from embedcheck.schemas.instances import from_schema
from embedcheck.schemas.layout import (
    BATCH,
    CONTEXTS,
    SCORES,
    TEXTS,
    VECTORS,
    InputVariant,
    branches_of,
    types_of,
)
from embedcheck.schemas.location import schema_root

Schema = dict[str, Any]
DRAWN_ITEMS = 100  # the longest list drawn when the schema sets no maxItems (a cost bound)
UNBOUNDED_BATCH = 128  # the boundary batch when the schema sets no maxItems
MAX_CONTEXTS = 16
MAX_QUEUED = 4
QUEUED_TEXTS = 8  # texts per queued request: queued jobs stay small


# --- settings: the properties besides the texts ------------------------------------------------


def settings_strategy(variant: InputVariant) -> st.SearchStrategy[dict[str, Any]]:
    """The variant's other properties: required ones always, optional ones or not."""
    required = set(variant.required)
    fixed = {k: from_schema(v) for k, v in variant.settings.items() if k in required}
    optional = {k: from_schema(v) for k, v in variant.settings.items() if k not in required}
    return st.fixed_dictionaries(fixed, optional=optional)


def boundary_values(schema: Schema) -> list[Any]:
    """The values of a property worth sending once each: every enum value, both booleans,
    the default, numbers and lengths at their bounds, each branch, an object bare and with
    each of its own properties' boundary values."""
    if "const" in schema:
        return [schema["const"]]
    found: list[Any] = list(schema.get("enum", []))
    if "default" in schema:
        found.append(schema["default"])
    if "enum" in schema:
        return _distinct(found)
    for branch in branches_of(schema):
        found += boundary_values(branch)
    kinds = types_of(schema) if not branches_of(schema) else set()
    if "boolean" in kinds:
        found += [False, True]
    if kinds & {"integer", "number"}:
        found += [schema[k] for k in ("minimum", "maximum") if k in schema] or [example(schema)]
    if "string" in kinds:
        found.append(example(schema))
        if "maxLength" in schema:
            found.append("m" * int(schema["maxLength"]))
    if "array" in kinds:
        item = example(schema.get("items", {}))
        found.append([item] * max(int(schema.get("minItems", 0)), 1))
        if "maxItems" in schema:
            found.append([item] * int(schema["maxItems"]))
    if "object" in kinds:  # bare, then each property's own boundary values, one at a time
        bare = example(schema)
        found.append(bare)
        for key, sub in schema.get("properties", {}).items():
            found += [{**bare, key: value} for value in boundary_values(sub)]
    return _distinct(found)


def _distinct(values: list[Any]) -> list[Any]:
    return list({canonical(v): v for v in values}.values())


def setting_boundaries(variant: InputVariant) -> list[dict[str, Any]]:
    """One settings dict per boundary value of each property: the others omitted, save the
    required ones (at their example value)."""
    required = {k: example(v) for k, v in variant.settings.items() if k in variant.required}
    return [
        {**required, key: value}
        for key, schema in variant.settings.items()
        for value in boundary_values(schema)
    ]


# --- what a valid payload expects of its reply -------------------------------------------------


def _expected(lim: ModelLimits, variant: InputVariant, scored: bool, payload: Payload) -> Payload:
    """`payload` with what its reply must hold: the answering output variant, and where its
    vectors or scores sit."""
    answer = lim.layout.answer(variant, scored)
    if answer is None:
        return payload
    return replace(
        payload,
        expects=answer.name,
        vectors=answer.list if answer.kind == VECTORS else "",
        scores=answer.list if answer.kind == SCORES else "",
        score_id=answer.score_id,
    )


def _echo(
    lim: ModelLimits, variant: InputVariant, settings: dict[str, Any]
) -> tuple[tuple[str, Any, bool], ...]:
    """What the reply should name of the vector settings: the value asked for, else the
    default; none the output schema could not name (`ModelLayout.nameable`)."""
    echo = []
    for key, schema in lim.layout.echoed(variant).items():
        asked = key in settings
        value = settings[key] if asked else schema.get("default")
        if lim.layout.nameable(variant, key, value):
            echo.append((key, value, asked))
    return tuple(echo)


def texts_payload(
    lim: ModelLimits,
    variant: InputVariant,
    value: str | list[str],
    settings: dict[str, Any] | None = None,
    form: str = "",
) -> Payload:
    """A valid input of a TEXTS variant: `value` in its texts property, plus `settings`."""
    settings = settings or {}
    items = tuple(value) if isinstance(value, list) else (value,)
    payload = Payload(
        body={variant.texts: value, **settings},
        schema=lim.schema,
        variant=f"{variant.name}/{form}" if form else variant.name,
        texts=items,
        echo=_echo(lim, variant, settings),
        count=len(items),
    )
    return _expected(lim, variant, False, payload)


def contexts_payload(
    lim: ModelLimits,
    variant: InputVariant,
    contexts: list[str],
    query: str | None,
    settings: dict[str, Any] | None = None,
) -> Payload:
    """A valid input of a CONTEXTS variant; with a query it asks for scores."""
    item = variant.properties[variant.texts].get("items", {})
    base = example(item) if isinstance(example(item), dict) else {}
    body: dict[str, Any] = {variant.texts: [{**base, variant.context_text: t} for t in contexts]}
    scored = query is not None and bool(variant.query)
    if scored:
        body[variant.query] = query
    body.update(settings or {})
    payload = Payload(
        body=body,
        schema=lim.schema,
        variant=variant.name,
        texts=tuple(contexts),
        count=len(contexts),
    )
    return _expected(lim, variant, scored, payload)


def batch_payload(
    lim: ModelLimits,
    variant: InputVariant,
    items: list[Payload],
    settings: dict[str, Any] | None = None,
) -> Payload:
    """A BATCH input for the async queue; `items` say what each queued request expects."""
    payload = Payload(
        body={variant.texts: [item.body for item in items], **(settings or {})},
        schema=lim.schema,
        variant=variant.name,
        count=len(items),
        queue=True,
        items=tuple(items),
    )
    return _expected(lim, variant, False, payload)


# --- Hypothesis strategies -------------------------------------------------------------------


def _form_values(form: TextForm, cap: int) -> st.SearchStrategy[tuple[str, str | list[str]]]:
    name = form.name
    if form.items is None:
        return texts(form.text).map(lambda value: (name, value))
    batch = batch_texts(form.text, form.items.capped(cap), form.items.min_items)
    return batch.map(lambda value: (name, value))


def texts_payloads(
    lim: ModelLimits, variant: InputVariant, cap: int = DRAWN_ITEMS
) -> st.SearchStrategy[Payload]:
    forms = st.one_of([_form_values(form, cap) for form in lim.forms(variant)])
    return st.builds(
        lambda pair, settings: texts_payload(lim, variant, pair[1], settings, pair[0]),
        forms,
        settings_strategy(variant),
    )


def contexts_payloads(lim: ModelLimits, variant: InputVariant) -> st.SearchStrategy[Payload]:
    text, listed = lim.context_bounds(variant)
    contexts = st.lists(
        texts(text), min_size=max(listed.min_items, 1), max_size=listed.capped(MAX_CONTEXTS)
    )
    query = st.none() | texts(lim.query_bounds(variant)) if variant.query else st.none()
    return st.builds(
        lambda c, q, s: contexts_payload(lim, variant, c, q, s),
        contexts,
        query,
        settings_strategy(variant),
    )


def request_payloads(lim: ModelLimits, variant: InputVariant) -> st.SearchStrategy[Payload]:
    """Payloads of one input variant, whatever its kind (a queued request's, here)."""
    if variant.kind == CONTEXTS:
        return contexts_payloads(lim, variant)
    return texts_payloads(lim, variant, QUEUED_TEXTS)


def batch_payloads(lim: ModelLimits, variant: InputVariant) -> st.SearchStrategy[Payload]:
    item = st.one_of([request_payloads(lim, v) for v in variant.requests])
    listed = lim.requests_bounds(variant)
    items = st.lists(item, min_size=max(listed.min_items, 1), max_size=listed.capped(MAX_QUEUED))
    return st.builds(
        lambda xs, s: batch_payload(lim, variant, xs, s), items, settings_strategy(variant)
    )


def variant_payloads(lim: ModelLimits, variant: InputVariant) -> st.SearchStrategy[Payload]:
    if variant.kind == BATCH:
        return batch_payloads(lim, variant)
    return request_payloads(lim, variant)


# --- boundary cases: sent on every run -----------------------------------------------------------


def _sized(values: list[str], low: int, high: int) -> list[str]:
    """`values` repeated up to `low` items and cut to `high`."""
    return (values * -(-low // len(values)))[: max(len(values), low)][:high]


def _many(count: int) -> list[str]:
    return [f"{WORDS[i % len(WORDS)]} {i}" for i in range(count)]


def texts_boundaries(lim: ModelLimits, variant: InputVariant) -> list[Payload]:
    """Each limit at its edge, and each boundary value of every other property."""
    cases: list[Payload] = []
    for form in lim.forms(variant):
        edge = boundary_texts(form.text)
        if form.items is None:
            cases += [texts_payload(lim, variant, t, form=form.name) for t in edge]
            continue
        low, high = max(form.items.min_items, 1), form.items.max_items or UNBOUNDED_BATCH
        many = [form.text.fit(t) for t in _many(high)]
        lists = [_sized([edge[0]], low, high), many, _sized(edge, low, high)]
        cases += [texts_payload(lim, variant, v, form=form.name) for v in lists]
    plain = _first_value(lim, variant)
    cases += [texts_payload(lim, variant, plain, s) for s in setting_boundaries(variant)]
    return _unique(cases)


def _first_value(lim: ModelLimits, variant: InputVariant) -> str | list[str]:
    """A plain valid value of the texts property: one corpus sentence, fitted to its form."""
    form = lim.forms(variant)[0]
    text = form.text.fit(CORPUS[0])
    return text if form.items is None else [text] * max(form.items.min_items, 1)


def contexts_boundaries(lim: ModelLimits, variant: InputVariant) -> list[Payload]:
    text, listed = lim.context_bounds(variant)
    edge = boundary_texts(text)
    low, top = max(listed.min_items, 1), listed.max_items or len(CORPUS)
    corpus = _sized([text.fit(t) for t in CORPUS], low, top)
    query = lim.query_bounds(variant)
    first = _sized([corpus[0]], low, top)
    cases = [
        contexts_payload(lim, variant, first, query.fit(CORPUS[1])),
        contexts_payload(lim, variant, corpus, None),
        contexts_payload(lim, variant, _sized(edge, low, top), query.fit("a")),
    ]
    cases += [contexts_payload(lim, variant, first, None, s) for s in setting_boundaries(variant)]
    return _unique(cases)


def request_boundaries(lim: ModelLimits, variant: InputVariant) -> list[Payload]:
    """A few plain requests of a variant, for a queued batch."""
    if variant.kind == CONTEXTS:
        text, _ = lim.context_bounds(variant)
        contexts = [text.fit(t) for t in CORPUS[4:7]]
        return [contexts_payload(lim, variant, contexts, lim.query_bounds(variant).fit(CORPUS[7]))]
    value = _first_value(lim, variant)
    found = [texts_payload(lim, variant, value)]
    listed = [f for f in lim.forms(variant) if f.items is not None]
    if listed and (listed[0].items and (listed[0].items.max_items or 3) >= 3):
        form = listed[0]
        found.append(
            texts_payload(lim, variant, [form.text.fit(t) for t in CORPUS[1:4]], form=form.name)
        )
    return found


def batch_boundaries(lim: ModelLimits, variant: InputVariant) -> list[Payload]:
    items = [p for v in variant.requests for p in request_boundaries(lim, v)]
    top = lim.requests_bounds(variant).max_items
    return [batch_payload(lim, variant, items[:top] if top else items)]


def variant_boundaries(lim: ModelLimits, variant: InputVariant) -> list[Payload]:
    if variant.kind == BATCH:
        return batch_boundaries(lim, variant)
    if variant.kind == CONTEXTS:
        return contexts_boundaries(lim, variant)
    if variant.kind == TEXTS:
        return texts_boundaries(lim, variant)
    return []


def _unique(payloads: list[Payload]) -> list[Payload]:
    seen: dict[str, Payload] = {}
    for payload in payloads:
        seen.setdefault(canonical(payload.body), payload)
    return list(seen.values())


# --- invalid inputs: the mutation catalogue over every variant ----------------------------------


def mutation_starts(subject: str) -> tuple[rejections.Start, ...]:
    """Where the mutations start: one valid body of each variant, and drawn ones."""
    return _mutation_starts(schema_root(), subject)


@cache
def _mutation_starts(root: Path, subject: str) -> tuple[rejections.Start, ...]:
    lim = model_limits(subject)
    found = []
    for variant in lim.layout.inputs:
        fixed = variant_boundaries(lim, variant)
        if not fixed:
            continue  # a variant of no kind the suite knows: nothing valid to start from
        bodies = variant_payloads(lim, variant).map(lambda p: p.body)
        found.append(rejections.Start(variant.name, variant.schema, fixed[0].body, bodies))
    return tuple(found)


def invalid_payloads(subject: str) -> st.SearchStrategy[Payload]:
    return rejections.strategy((subject, "input"), mutation_starts(subject))


def invalid_boundaries(subject: str) -> list[Payload]:
    return rejections.boundaries((subject, "input"), mutation_starts(subject))
