"""Overlays make outputs discriminable without changing which inputs are accepted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.instances import any_json, from_schema, keys_mentioned
from embedcheck.schemas.manifest import load_manifest
from embedcheck.schemas.overlay import apply_overlays, load_overlays, parse_overlay
from embedcheck.schemas.store import effective_schema, raw_schema

INPUT_FILES = [
    (f.subject, f.role)
    for f in load_manifest().files
    if f.version == "current" and f.role in ("input", "sync-input", "batch-input", "request")
]


def near_instances(schema: Any) -> st.SearchStrategy[Any]:
    """Valid-looking instances, instances with extra or clashing keys, and arbitrary JSON."""
    keys = sorted(keys_mentioned(schema))
    return from_schema(schema) | from_schema(schema, keys) | any_json


@pytest.mark.parametrize(("subject", "role"), INPUT_FILES)
def test_raw_and_effective_inputs_accept_the_same_instances(subject: str, role: str) -> None:
    raw = Draft202012Validator(raw_schema(subject, role))
    effective = Draft202012Validator(effective_schema(subject, role))

    @settings(max_examples=150, deadline=None)
    @given(near_instances(raw_schema(subject, role)))
    def agree(instance: Any) -> None:
        assert raw.is_valid(instance) == effective.is_valid(instance), json.dumps(instance)

    agree()
    # The agreement means something only if the search reaches both sides of the boundary.
    strategy = near_instances(raw_schema(subject, role))
    quick = settings(max_examples=2000, database=None, deadline=None)
    find(strategy, raw.is_valid, settings=quick)
    find(strategy, lambda x: not raw.is_valid(x), settings=quick)


def test_every_overlay_targets_a_vendored_file_and_applies() -> None:
    paths = {f.path for f in load_manifest().files}
    for overlay in load_overlays():
        for target in overlay.targets:
            assert target in paths, (overlay.path.name, target)
    for entry in load_manifest().files:
        effective_schema(entry.subject, entry.role, entry.version)  # raises if one no longer fits


def test_effective_outputs_reject_a_reply_that_fits_two_variants() -> None:
    validator = Draft202012Validator(effective_schema("bge-base-en-v1.5", "output"))
    assert validator.is_valid({"shape": [1, 2], "data": [[0.1, 0.2]], "pooling": "mean"})
    assert validator.is_valid({"request_id": "abc"})
    assert not validator.is_valid({})
    assert not validator.is_valid({"shape": [1, 2], "data": [[0.1, 0.2]], "request_id": "abc"})
    m3 = Draft202012Validator(effective_schema("bge-m3", "output"))
    assert m3.is_valid({"response": [], "shape": [0, 1024]})  # contexts embeddings, not scores
    assert m3.is_valid({"response": [{"id": 0, "score": 0.5}]})
    assert not m3.is_valid({"response": [], "shape": [0, 1024], "data": []})


def test_an_overlay_op_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"targets": ["x.json"], "ops": [{"op": "add", "path": "/a", "value": 1}]})
    )
    with pytest.raises(SchemaError, match="op 0 has no 'reason'"):
        parse_overlay(path)


def test_an_overlay_that_no_longer_fits_upstream_says_so() -> None:
    (overlay,) = [o for o in load_overlays() if o.path.name == "bge-m3-output.json"]
    changed_upstream = json.loads(json.dumps(raw_schema("bge-m3", "output")))
    changed_upstream["oneOf"][3]["title"] = "Queued"
    with pytest.raises(SchemaError, match=r"bge-m3-output\.json no longer fits"):
        apply_overlays(changed_upstream, "workers-ai/bge-m3/output.json", [overlay])
