"""Search for one instance that several schemas all accept (Hypothesis, shrunk, repeatable).

`schemas lint` asks it for an instance two oneOf variants share; `schemas diff` for one that
the old schema accepted and two new variants now share.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as InvalidSchema

from embedcheck.schemas.instances import from_schema, keys_mentioned

SEARCH_EXAMPLES = 400
SEARCH_SETTINGS = settings(
    max_examples=SEARCH_EXAMPLES,
    derandomize=True,  # the same schemas always give the same report
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def common_instance(accept: list[Any], generate_from: list[Any] | None = None) -> tuple[bool, Any]:
    """(True, smallest instance found valid against every schema in `accept`) or (False,
    None). Candidates are shaped like the schemas in `generate_from` (default: `accept`),
    carrying every key any of them mentions. Cached by content."""
    shapes = accept if generate_from is None else generate_from
    return _search(json.dumps([accept, shapes], sort_keys=True))


@cache
def _search(key: str) -> tuple[bool, Any]:
    accept, shapes = json.loads(key)
    for schema in accept:
        try:
            Draft202012Validator.check_schema(schema)
        except InvalidSchema:
            return False, None  # a schema no validator can use has no instances to find
    validators = [Draft202012Validator(s) for s in accept]
    keys = sorted(keys_mentioned(shapes))
    candidates = st.one_of([from_schema(shape, keys) for shape in shapes])
    try:
        found = find(
            candidates, lambda x: all(v.is_valid(x) for v in validators), settings=SEARCH_SETTINGS
        )
    except NoSuchExample:
        return False, None
    return True, found
