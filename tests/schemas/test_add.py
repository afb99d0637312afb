"""`embedcheck schemas add`: a model the project has never seen, from local files or from a
local fake upstream, into a private schemas tree; and the overlay derivation it relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from embedcheck.cli import main
from embedcheck.schemas import location
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.lint import ambiguities
from embedcheck.schemas.manifest import hash_mismatches, read_manifest
from embedcheck.schemas.overlay import NAME_KEY, OVERLAP_KEY, apply_overlays, overlay_from
from embedcheck.schemas.overlay_derive import derive_overlay, overlay_document
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.store import effective_at, forget_cached
from tests.schemas import synthetic_model as syn
from tests.schemas.fake_upstream import (
    ACCOUNT,
    API_PATH,
    DOCS_PATH,
    TOKEN,
    Reply,
    Upstream,
    api_route,
    docs_route,
    envelope,
    snapshot,
)

FACTS = ["--dims", str(syn.DIMS), "--max-input-tokens", str(syn.MAX_INPUT_TOKENS)]


def _write(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    path.write_text(dump_json(value), encoding="utf-8")
    return path


def add(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["schemas", "add", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def local_files(tmp_path: Path, output: Any = None) -> list[str]:
    source = tmp_path / "upstream"
    source.mkdir(exist_ok=True)
    given_input = _write(source, "input.json", syn.input_schema())
    given_output = _write(source, "output.json", output or syn.output_schema())
    return ["--input", str(given_input), "--output", str(given_output)]


def test_a_synthetic_model_from_local_files_is_added_lint_clean(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = local_files(tmp_path)
    code, out, err = add(capsys, syn.MODEL_ID, *FACTS, *files, "--schemas-dir", str(root))
    assert (code, err) == (0, ""), out
    assert out.splitlines()[-1] == (
        f"added {syn.MODEL_ID} ({syn.DIMS} dims): wrote 11 files into {root}"
    )
    manifest = read_manifest(root)
    record = manifest.model(syn.SLUG)
    assert (record.id, record.dims, record.max_input_tokens) == (
        syn.MODEL_ID,
        syn.DIMS,
        syn.MAX_INPUT_TOKENS,
    )
    # capabilities come from the schema, not from flags
    assert (record.batch, record.pooling, record.scoring) == (True, False, False)
    folder = f"workers-ai/{syn.SLUG}"
    roles = {f.role: f for f in manifest.files_of(syn.MODEL_ID)}
    assert set(roles) == {"input", "output", *SPLIT_ROLES}
    # the given files byte-for-byte, with their provenance; split files derived from them
    assert (root / folder / "input.json").read_bytes() == Path(files[1]).read_bytes()
    assert roles["input"].origin == "upstream"
    assert roles["input"].source_url == Path(files[1]).resolve().as_uri()
    assert roles["sync-input"].origin == "derived"
    assert roles["sync-input"].derived_from == f"{folder}/input.json"
    assert hash_mismatches(manifest, root) == []
    split = split_input(syn.input_schema())
    assert json.loads((root / folder / "sync-input.json").read_bytes()) == split["sync-input"]
    # the whole tree, the new model included, is lint --effective --strict clean
    assert main(["--schemas-dir", str(root), "schemas", "lint", "--effective", "--strict"]) == 0
    lint_out = capsys.readouterr().out
    current = [f for f in manifest.files if f.version == "current"]
    assert f"no ambiguous oneOf variants in {len(current)} effective schemas" in lint_out


def test_the_overlays_written_are_reasoned_and_pinned(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = add(
        capsys, syn.MODEL_ID, *FACTS, *local_files(tmp_path), "--schemas-dir", str(root)
    )
    assert code == 0, out
    output_overlay = json.loads((root / "overlays" / f"{syn.SLUG}-output.json").read_bytes())
    input_overlay = json.loads((root / "overlays" / f"{syn.SLUG}-input.json").read_bytes())
    for overlay in (output_overlay, input_overlay):
        assert (
            "embedcheck schemas add" in overlay["description"]
            and "Review" in overlay["description"]
        )
        assert all(op["reason"].strip() for op in overlay["ops"])
        kinds = [op["op"] for op in overlay["ops"]]
        assert "test" in kinds and kinds.index("test") == 0  # pins first, as the hand-written ones
        assert kinds == sorted(kinds, key=lambda k: k != "test")
    ops = {(op["op"], op["path"]): op["value"] for op in output_overlay["ops"]}
    # output variants: required keys from their carrying properties, the enum left optional
    assert ops[("add", "/oneOf/0/required")] == ["shape", "data"]
    assert ops[("add", "/oneOf/1/required")] == ["request_id"]
    assert ops[("add", "/oneOf/0/not")] == {"required": ["request_id"]}
    assert ops[("add", "/oneOf/1/not")] == {
        "anyOf": [{"required": ["shape"]}, {"required": ["data"]}]
    }
    assert ops[("test", "/oneOf/0/properties/data/type")] == "array"
    assert ops[("add", f"/oneOf/0/{NAME_KEY}")] == "EmbeddingOutput"
    assert ops[("add", f"/oneOf/1/{NAME_KEY}")] == "AsyncResponse"  # not from the title
    ops = {(op["op"], op["path"]): op["value"] for op in input_overlay["ops"]}
    assert ops[("test", "/oneOf/0/required")] == ["text"]
    assert ops[("add", f"/{OVERLAP_KEY}")] == "reject"
    assert ops[("add", f"/oneOf/0/{NAME_KEY}")] == "EmbedInput"
    assert ops[("add", f"/oneOf/0/properties/text/oneOf/1/{NAME_KEY}")] == "TextBatch"
    # the effective schema: a real reply matches exactly one output variant
    forget_cached()
    output = Draft202012Validator(effective_at(root, syn.MODEL_ID, "output"))
    assert output.is_valid({"shape": [1, syn.DIMS], "data": [[0.0] * syn.DIMS], "encoding": "int8"})
    assert output.is_valid({"request_id": "r-1"})
    assert not output.is_valid({})
    # the input overlay accepts exactly what upstream accepts
    raw_input = Draft202012Validator(syn.input_schema())
    effective_input = Draft202012Validator(effective_at(root, syn.MODEL_ID, "input"))
    for body in (
        {"text": ["a"] * syn.MAX_ITEMS, "encoding": "binary", "normalize": False},
        {"text": ["a"] * (syn.MAX_ITEMS + 1)},
        {"text": "a", "encoding": "float16"},
        {"text": "a", "requests": [{"text": "b"}]},
    ):
        assert raw_input.is_valid(body) == effective_input.is_valid(body), body


def test_an_ambiguity_no_rule_resolves_is_named_and_nothing_is_written(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = syn.output_schema()
    output["oneOf"].append({"type": "object", "properties": {}})  # nothing to tell it apart
    before = snapshot(root)
    code, out, _ = add(
        capsys, syn.MODEL_ID, *FACTS, *local_files(tmp_path, output), "--schemas-dir", str(root)
    )
    assert code == 1
    assert snapshot(root) == before
    assert (
        f"error: workers-ai/{syn.SLUG}/output.json oneOf at /: variant #2 declares no "
        "properties, so no required keys can be derived for it"
    ) in out
    assert out.splitlines()[-1].endswith("problems above: nothing written")


def test_an_input_variant_without_required_keys_cannot_be_overlaid(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given_input = syn.input_schema()
    del given_input["oneOf"][1]["required"]  # {} now fits the batch variant and, with text, both
    source = tmp_path / "up"
    source.mkdir()
    code, out, _ = add(
        capsys,
        syn.MODEL_ID,
        *FACTS,
        "--input",
        str(_write(source, "input.json", given_input)),
        "--output",
        str(_write(source, "output.json", syn.output_schema())),
        "--schemas-dir",
        str(root),
    )
    assert code == 1
    assert "input variant #1 declares no required keys" in out
    assert "an input overlay may not change what is accepted" in out
    assert not (root / "workers-ai" / syn.SLUG).exists()


def test_a_model_from_the_docs_site_gets_full_schemas_derived(
    upstream: Upstream, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served = {**split_input(syn.input_schema()), **split_output(syn.output_schema())}
    for role in SPLIT_ROLES:
        upstream.routes[docs_route(syn.SLUG, role)] = Reply(body=dump_json(served[role]).encode())
    code, out, err = add(
        capsys,
        syn.MODEL_ID,
        *FACTS,
        "--schemas-dir",
        str(root),
        "--docs-base-url",
        upstream.base + DOCS_PATH,
    )
    assert (code, err) == (0, ""), out
    assert len(upstream.seen) == 4
    entries = {f.role: f for f in read_manifest(root).files_of(syn.MODEL_ID)}
    assert entries["input"].origin == "derived"
    assert entries["input"].derived_from == (
        f"workers-ai/{syn.SLUG}/batch-input.json, workers-ai/{syn.SLUG}/sync-input.json"
    )
    assert entries["sync-input"].origin == "upstream"  # served bytes, kept as served
    full_output = json.loads((root / "workers-ai" / syn.SLUG / "output.json").read_bytes())
    # a model with a batch input answers queued requests with {request_id}: that branch added
    assert [sorted(v["properties"]) for v in full_output["oneOf"]] == [
        ["data", "encoding", "shape"],
        ["request_id"],
    ]
    assert (
        main(["--schemas-dir", str(root), "schemas", "lint", "--effective", "--strict", syn.SLUG])
        == 0
    )


def test_a_model_from_the_model_schema_api(
    upstream: Upstream, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream.routes[api_route(syn.MODEL_ID)] = Reply(
        body=envelope(syn.input_schema(), syn.output_schema())
    )
    code, out, err = add(
        capsys,
        syn.MODEL_ID,
        *FACTS,
        "--schemas-dir",
        str(root),
        "--source",
        "api",
        "--api-base-url",
        upstream.base + API_PATH,
        "--account-id",
        ACCOUNT,
        "--api-token",
        TOKEN,
    )
    assert (code, err) == (0, ""), out
    assert TOKEN not in out
    ((_, headers),) = upstream.seen
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    entry = read_manifest(root).file(syn.MODEL_ID, "input")
    assert entry.source_url.endswith(
        f"/accounts/{{account_id}}/ai/models/schema?model={syn.MODEL_ID}"
    )
    assert json.loads((root / entry.path).read_bytes()) == syn.input_schema()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["@cf/baai/bge-m3"],
            "@cf/baai/bge-m3 is already in the manifest; "
            "`embedcheck schemas sync --model bge-m3` updates it",
        ),
        (["@cf/acme/x", "--input", "/nope.json"], "--input and --output go together"),
        (
            ["@cf/acme/../..", "--input", "a", "--output", "b"],
            "cannot name a folder after model id",
        ),
    ],
)
def test_bad_requests_are_one_line(
    root: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str, tmp_path: Path
) -> None:
    files = [] if "--input" in argv else local_files(tmp_path)
    before = snapshot(root)
    code, out, err = add(capsys, *argv, *FACTS, *files, "--schemas-dir", str(root))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err, err
    assert snapshot(root) == before


# --- the derivation rules, on the vendored models (whatever the manifest lists) -------------


def _vendored_targets() -> list[tuple[str, str, str]]:
    manifest = read_manifest(location.PACKAGED_ROOT)
    return [
        (m.id, f.role, f.path)
        for m in manifest.models
        for f in manifest.files_of(m.id)
        if f.role in ("input", "output")
    ]


def _names(schema: Any, pointer: str = "") -> dict[str, str]:
    """Every variant name in the schema, by the JSON pointer of its variant."""
    found = {pointer: schema[NAME_KEY]} if isinstance(schema, dict) and NAME_KEY in schema else {}
    children = (
        schema.items()
        if isinstance(schema, dict)
        else enumerate(schema)
        if isinstance(schema, list)
        else []
    )
    for key, value in children:
        found |= _names(value, f"{pointer}/{key}")
    return found


@pytest.mark.parametrize(("model_id", "role", "path"), _vendored_targets())
def test_derived_overlays_match_the_hand_written_ones(model_id: str, role: str, path: str) -> None:
    raw = json.loads((location.PACKAGED_ROOT / path).read_bytes())
    derived = derive_overlay(path, raw, kind=role, name=True)
    assert derived.problems == []
    overlay = overlay_from(overlay_document(derived, model_id, "today"), Path(f"/{role}.json"))
    mine = apply_overlays(raw, path, [overlay])
    theirs = effective_at(location.PACKAGED_ROOT, model_id, role)
    assert ambiguities(mine) == []
    hand_named = _names(theirs)
    assert hand_named and {p: _names(mine).get(p) for p in hand_named} == hand_named
    if role == "output":  # the same required keys on every variant
        assert [v.get("required") for v in mine["oneOf"]] == [
            v.get("required") for v in theirs["oneOf"]
        ]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["text", "requests", "contexts", "query", "pooling", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(body=JSON_VALUES)
def test_derived_input_overlays_never_change_what_is_accepted(body: Any) -> None:
    for model_id, role, path in _vendored_targets():
        if role != "input":
            continue
        raw = json.loads((location.PACKAGED_ROOT / path).read_bytes())
        overlay = overlay_from(
            overlay_document(derive_overlay(path, raw, kind="input", name=True), model_id, "t"),
            Path("/i.json"),
        )
        effective = apply_overlays(raw, path, [overlay])
        assert Draft202012Validator(raw).is_valid(body) == Draft202012Validator(effective).is_valid(
            body
        )
