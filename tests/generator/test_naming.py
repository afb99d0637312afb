"""Identifiers for whatever a schema calls things."""

from __future__ import annotations

import keyword

from hypothesis import given
from hypothesis import strategies as st

from embedcheck.generator.naming import pascal, snake, unique


def test_examples() -> None:
    assert snake("bge-small-en-v1.5") == "bge_small_en_v1_5"
    assert pascal("bge-small-en-v1.5") == "BgeSmallEnV1_5"
    assert pascal("bge-m3") == "BgeM3" and pascal("v2.10.3") == "V2_10_3"
    assert snake("truncateInputs") == "truncate_inputs"
    assert snake("class") == "class_" and snake("match") == "match_"
    assert snake("é") == "e" and snake("日本") == "value" and snake("1st") == "value_1st"
    assert unique("a", {"a", "a_2"}) == "a_3"


@given(st.text(max_size=20))
def test_any_text_gives_an_ascii_identifier(text: str) -> None:
    for name in (snake(text), pascal(text)):
        assert name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
