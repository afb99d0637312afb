"""Routing by branch agrees with jsonschema's own `oneOf` verdict, loosening is targeted, and
on every schema the mock judges bodies by, jsonschema-rs (which decides) agrees with
python-jsonschema (which explains refusals)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from embedcheck.conformance.mock.errors import ApiError
from embedcheck.conformance.mock.faults import FAULTS
from embedcheck.conformance.mock.validation import (
    batch_item_schema,
    loosened,
    model_validators,
    route,
)
from embedcheck.schemas import effective_schema, model, models
from embedcheck.schemas.instances import any_json, from_schema, keys_mentioned
from embedcheck.schemas.validators import Judge, compile_schema

MODELS = {
    name: model_validators(model(name), frozenset()) for name in ("bge-base-en-v1.5", "bge-m3")
}
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["text", "pooling", "requests", "query", "contexts", "x"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(MODELS)), instance=values)
def test_route_accepts_exactly_what_the_whole_schema_accepts(name: str, instance: Any) -> None:
    validators = MODELS[name]
    try:
        branch = route(validators.input, instance)
    except ApiError as error:
        assert not validators.input.whole.is_valid(instance)
        assert error.status == 400 and error.code == 5006
        return
    assert validators.input.whole.is_valid(instance)
    _, chosen = validators.input.variants[branch]
    assert chosen.full.is_valid(instance)


def test_loosening_touches_only_what_the_fault_names() -> None:
    schema = effective_schema("bge-base-en-v1.5", "input")
    empty_ok = Draft202012Validator(loosened(schema, frozenset({"accept-empty-string"})))
    assert empty_ok.is_valid({"text": ""})
    assert not empty_ok.is_valid({"text": ["a"] * 101})
    assert not empty_ok.is_valid({"text": "a", "pooling": "max"})
    big_ok = Draft202012Validator(loosened(schema, frozenset({"accept-101-items"})))
    assert big_ok.is_valid({"text": ["a"] * 101}) and not big_ok.is_valid({"text": ""})
    pooling_ok = Draft202012Validator(loosened(schema, frozenset({"accept-unknown-pooling"})))
    assert pooling_ok.is_valid({"text": "a", "pooling": "max"})
    assert effective_schema("bge-base-en-v1.5", "input") == schema  # the shared copy is intact
    assert loosened(schema, frozenset()) is schema


def _families() -> list[tuple[str, Any, list[Judge]]]:
    """Each schema the mock validates bodies against (clean and loosened by every fault that
    loosens), with all the judges a body of that schema meets: the whole and, for a `oneOf`,
    the rest and each branch, which is what `route` asks jsonschema-rs."""
    families: list[tuple[str, Any, list[Judge]]] = []
    everything = frozenset(FAULTS)
    for record in models():
        if record.provider != "workers-ai":
            continue
        for faults in (frozenset(), everything):
            schema = loosened(effective_schema(record.id, "input"), faults)
            compiled = model_validators(record, faults)
            for part, branches in (("input", compiled.input), ("item", compiled.item)):
                if branches is not None:
                    source = (
                        schema if part == "input" else batch_item_schema(compiled.layout, schema)
                    )
                    rest = [] if branches.rest is None else [branches.rest]
                    checkers = [branches.judge, *rest, *(j for _, j in branches.variants)]
                    families.append((f"{record.slug} {part} {len(faults)}", source, checkers))
    for faults in (frozenset(), everything):
        schema = loosened(effective_schema("openai-embeddings", "request"), faults, openai=True)
        families.append((f"openai {len(faults)}", schema, [compile_schema(schema).judge]))
    poll = effective_schema("workers-ai-queue", "poll-request")
    families.append(("poll", poll, [compile_schema(poll).judge]))
    return families


FAMILIES = _families()
NEAR_VALID = [st.one_of(from_schema(s, keys_mentioned(s)), any_json) for _, s, _ in FAMILIES]


@settings(max_examples=800, deadline=None)
@given(data=st.data(), which=st.integers(min_value=0, max_value=len(FAMILIES) - 1))
def test_jsonschema_rs_and_python_jsonschema_agree(data: st.DataObject, which: int) -> None:
    name, _, checkers = FAMILIES[which]
    instance = data.draw(NEAR_VALID[which], label=name)
    for checker in checkers:
        assert checker.fast.is_valid(instance) == checker.full.is_valid(instance), name
