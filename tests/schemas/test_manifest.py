"""The vendored files are exactly what the manifest and the upstream pages say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from embedcheck.schemas import effective_schema, load_manifest, model, raw_schema
from embedcheck.schemas.capabilities import input_capabilities
from embedcheck.schemas.errors import SchemaError, UnknownModelError
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import (
    MANIFEST_PATH,
    hash_mismatches,
    manifest_text,
    parse_manifest,
    read_manifest,
    sha256_of,
)
from embedcheck.schemas.seed_import import DEFAULT_SEED_DIR, plan_workers_ai
from embedcheck.schemas.split import split_input, split_output
from tests.schemas.fake_upstream import copy_tree

# Every Workers AI model the manifest lists: one synced or added later is checked the same way.
WORKERS_AI_MODELS = [m.id for m in load_manifest().models if m.provider == "workers-ai"]

# Pinned on purpose: the dims wire-facts.md gives for the BAAI models (a manifest edit that
# changes one is a mistake, not a sync). To change one deliberately, edit it here too.
PINNED_DIMS = {
    "@cf/baai/bge-small-en-v1.5": 384,
    "@cf/baai/bge-base-en-v1.5": 768,
    "@cf/baai/bge-large-en-v1.5": 1024,
    "@cf/baai/bge-m3": 1024,
}


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
    # Only files whose manifest entry still says they were extracted from a seed: a file that
    # `schemas sync` brought up to date records its new source instead, and is not pinned.
    checked = 0
    for planned in plan_workers_ai(DEFAULT_SEED_DIR):
        vendored = load_manifest().file(
            planned.entry.subject, planned.entry.role, planned.entry.version
        )
        if vendored.extracted_from != planned.entry.extracted_from:
            continue
        checked += 1
        assert vendored.absolute.read_bytes() == planned.content, (
            f"{vendored.path} is not what {vendored.extracted_from} publishes: re-pin it with "
            "`python -m embedcheck.schemas.seed_import` (rewrites the files from the seeds), "
            "or sync it from upstream (`embedcheck schemas sync`), which records the new source"
        )
    assert checked, "no vendored file names a seed any more: drop this test or re-import"


def test_manifest_records_provenance_for_every_file() -> None:
    for entry in load_manifest().files:
        assert entry.origin in ("upstream", "derived", "authored"), entry.path
        assert entry.source_url.startswith("https://"), entry.path
        assert entry.retrieved and len(entry.sha256) == 64, entry.path
        assert entry.sha256 == sha256_of(entry.absolute)
        if entry.origin == "derived":
            assert entry.derived_from


@pytest.mark.parametrize("model_id", WORKERS_AI_MODELS)
def test_model_facts(model_id: str) -> None:
    record = model(model_id)
    assert record.dims > 0 and record.max_input_tokens > 0
    assert model(record.slug) == record
    roles = {f.role for f in load_manifest().files_of(model_id)}
    assert roles == {"input", "output", "sync-input", "sync-output", "batch-input", "batch-output"}
    # the flags are what the effective input schema says, never stored separately
    derived = input_capabilities(effective_schema(model_id, "input"))
    assert (record.pooling, record.scoring, record.batch) == (
        derived.pooling,
        derived.scoring,
        derived.batch,
    )


@pytest.mark.parametrize(("model_id", "dims"), sorted(PINNED_DIMS.items()))
def test_pinned_dims_of_the_baai_models(model_id: str, dims: int) -> None:
    assert model(model_id).dims == dims, (
        f"manifest.json gives {model_id} {model(model_id).dims} dims, wire-facts.md {dims}: if "
        "the change is deliberate, update PINNED_DIMS in tests/schemas/test_manifest.py"
    )


def test_an_old_manifest_with_flags_still_reads(tmp_path: Path) -> None:
    root = copy_tree(tmp_path / "schemas")
    data = json.loads((root / "manifest.json").read_bytes())
    for record in data["models"]:
        record.update(pooling=False, scoring=False, batch=False)  # stale flags: the schema wins
    (root / "manifest.json").write_text(dump_json(data), encoding="utf-8")
    old = read_manifest(root)
    for record in old.models:
        derived = input_capabilities(effective_schema(record.id, "input"))
        assert record.pooling is derived.pooling and record.batch is derived.batch
    # written back, the flags are gone and nothing else moved
    assert manifest_text(old) == MANIFEST_PATH.read_text(encoding="utf-8")
    assert '"pooling"' not in manifest_text(old).split('"files"')[0]


def test_a_record_with_an_unknown_field_is_one_line() -> None:
    data = {
        "models": [
            {
                "id": "x",
                "provider": "workers-ai",
                "slug": "x",
                "dims": 1,
                "max_input_tokens": 1,
                "dimensions": 3,
            }
        ],
        "files": [],
    }
    with pytest.raises(SchemaError, match="manifest model 'x': unknown field 'dimensions'"):
        parse_manifest(data)


def test_unknown_model_names_the_known_ones() -> None:
    with pytest.raises(UnknownModelError, match=re.escape("known: @cf/baai/bge-small-en-v1.5")):
        model("@cf/baai/bge-huge")


@pytest.mark.parametrize("model_id", WORKERS_AI_MODELS)
def test_split_files_follow_the_docs_site_rule(model_id: str) -> None:
    derived = {
        **split_input(raw_schema(model_id, "input")),
        **split_output(raw_schema(model_id, "output")),
    }
    for role, schema in derived.items():
        assert raw_schema(model_id, role) == schema, (
            f"{model_id} {role} does not follow its full schema: `embedcheck schemas sync` "
            "writes both together; a hand edit of one of them is the likely cause"
        )
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
