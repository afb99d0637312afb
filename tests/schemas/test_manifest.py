"""The vendored files are exactly what the manifest and the upstream pages say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from embedcheck.schemas import effective_schema, load_manifest, model, raw_schema
from embedcheck.schemas.errors import UnknownModelError
from embedcheck.schemas.manifest import hash_mismatches, sha256_of
from embedcheck.schemas.seed_import import DEFAULT_SEED_DIR, plan_workers_ai
from embedcheck.schemas.split import split_input, split_output

WORKERS_AI_MODELS = [
    ("@cf/baai/bge-small-en-v1.5", 384),
    ("@cf/baai/bge-base-en-v1.5", 768),
    ("@cf/baai/bge-large-en-v1.5", 1024),
    ("@cf/baai/bge-m3", 1024),
]


def test_every_vendored_file_matches_its_recorded_hash() -> None:
    assert hash_mismatches(load_manifest()) == []


def test_a_changed_byte_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = load_manifest()
    entry = manifest.file("@cf/baai/bge-m3", "input")
    copy = tmp_path / entry.path
    copy.parent.mkdir(parents=True)
    copy.write_bytes(entry.absolute.read_bytes().replace(b'"minLength": 1', b'"minLength": 2', 1))
    monkeypatch.setattr(type(entry), "absolute", property(lambda self: tmp_path / self.path))
    problems = hash_mismatches(manifest)
    assert any(p.startswith("workers-ai/bge-m3/input.json: sha256") for p in problems)


@pytest.mark.skipif(not DEFAULT_SEED_DIR.is_dir(), reason="shared/seeds not beside the checkout")
def test_upstream_files_are_byte_for_byte_what_the_seeds_publish() -> None:
    for planned in plan_workers_ai(DEFAULT_SEED_DIR):
        vendored = load_manifest().file(
            planned.entry.subject, planned.entry.role, planned.entry.version
        )
        assert vendored.absolute.read_bytes() == planned.content, vendored.path


def test_manifest_records_provenance_for_every_file() -> None:
    for entry in load_manifest().files:
        assert entry.origin in ("upstream", "derived", "authored"), entry.path
        assert entry.source_url.startswith("https://"), entry.path
        assert entry.retrieved and len(entry.sha256) == 64, entry.path
        assert entry.sha256 == sha256_of(entry.absolute)
        if entry.origin == "derived":
            assert entry.derived_from


@pytest.mark.parametrize(("model_id", "dims"), WORKERS_AI_MODELS)
def test_model_facts(model_id: str, dims: int) -> None:
    record = model(model_id)
    assert record.dims == dims
    assert model(record.slug) == record
    roles = {f.role for f in load_manifest().files_of(model_id)}
    assert roles == {"input", "output", "sync-input", "sync-output", "batch-input", "batch-output"}


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(UnknownModelError, match=re.escape("known: @cf/baai/bge-small-en-v1.5")):
        model("@cf/baai/bge-huge")


@pytest.mark.parametrize(("model_id", "dims"), WORKERS_AI_MODELS)
def test_split_files_follow_the_docs_site_rule(model_id: str, dims: int) -> None:
    derived = {
        **split_input(raw_schema(model_id, "input")),
        **split_output(raw_schema(model_id, "output")),
    }
    for role, schema in derived.items():
        assert raw_schema(model_id, role) == schema
    assert "requests" in raw_schema(model_id, "batch-input")["properties"]
    assert "request_id" not in json.dumps(raw_schema(model_id, "sync-output"))


def test_legacy_bge_base_is_kept_as_an_earlier_version() -> None:
    assert load_manifest().versions("@cf/baai/bge-base-en-v1.5") == ["2024-text-only", "current"]
    legacy = raw_schema("bge-base-en-v1.5", "input", "2024-text-only")
    assert "pooling" not in legacy["properties"]


def test_effective_output_variants_carry_stable_names() -> None:
    names = [v["x-embedcheck-name"] for v in effective_schema("bge-m3", "output")["oneOf"]]
    assert names == [
        "QueryScoresOutput",
        "ContextEmbeddingsOutput",
        "EmbeddingOutput",
        "AsyncResponse",
    ]
