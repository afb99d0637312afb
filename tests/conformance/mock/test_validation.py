"""Routing by branch agrees with jsonschema's own `oneOf` verdict, and loosening is targeted."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conformance.mock.errors import ApiError
from conformance.mock.validation import loosened, model_validators
from schemas import effective_schema, model

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
        branch = validators.input.route(instance)
    except ApiError as error:
        assert not validators.input.whole.is_valid(instance)
        assert error.status == 400 and error.code == 5006
        return
    assert validators.input.whole.is_valid(instance)
    chosen = dict(validators.input.branches)[branch]
    assert chosen.is_valid(instance)


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
