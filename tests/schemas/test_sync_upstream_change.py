"""A realistic upstream change, served by a local fake docs site and by a fake model-schema API:
the list limit goes from 100 to 128, inputs gain an optional boolean, pooling gains a third
value. A sync must classify each change, leave a tree every command can read (full schemas,
split files and manifest hashes in step) and make `generate --check` see the drift; the same
change with a renamed title that breaks an overlay must write nothing. After the sync, the
generated client, the mock and the suite follow the new facts (the last test).

The model changed is picked from the manifest (the first with a pooling choice), not named.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from embedcheck.cli import main
from embedcheck.generator.naming import snake
from embedcheck.schemas.capabilities import input_capabilities
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.location import ROOT_ENV
from embedcheck.schemas.manifest import ModelRecord, hash_mismatches, read_manifest
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.store import effective_at, forget_cached
from tests.end_to_end.servers import ACCOUNT as RUN_ACCOUNT
from tests.end_to_end.servers import TOKEN as RUN_TOKEN
from tests.end_to_end.servers import forwarding, mock_process
from tests.schemas.conftest import Runner
from tests.schemas.fake_upstream import (
    ACCOUNT,
    TOKEN,
    Reply,
    Upstream,
    api_route,
    diff_line,
    docs_route,
    envelope,
    serve_docs,
    snapshot,
    vendored,
)

NEW_LIMIT = 128
NEW_FLAG = "normalize"
NEW_POOLING = "max"


def _walk(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _walk(value)


def changed_upstream(schema: Any) -> Any:
    """Every list limit 100 -> 128; every object declaring `text` gains an optional boolean;
    every pooling enum a third value. Returns a changed copy."""
    schema = json.loads(json.dumps(schema))
    for node in _walk(schema):
        if node.get("maxItems") == 100:
            node["maxItems"] = NEW_LIMIT
        properties = node.get("properties")
        if isinstance(properties, dict) and "text" in properties:
            properties[NEW_FLAG] = {"type": "boolean", "description": "L2-normalise the vectors"}
        if isinstance(properties, dict) and "enum" in properties.get("pooling", {}):
            properties["pooling"]["enum"].append(NEW_POOLING)
    return schema


def _rename_titles(schema: Any) -> Any:
    schema = json.loads(json.dumps(schema))
    for node in _walk(schema):
        if node.get("title") == "Async response":
            node["title"] = "Queued response"  # as upstream renames titles between versions
    return schema


@pytest.fixture
def model(root: Path) -> ModelRecord:
    """The first Workers AI model of the tree whose input offers a pooling choice."""
    for record in read_manifest(root).models:
        if record.provider == "workers-ai" and record.pooling:
            return record
    pytest.fail("no model with a pooling choice in the manifest: pick another change to test")


def serve_change(
    upstream: Upstream, root: Path, model: ModelRecord, source: str, output_too: bool = False
) -> None:
    """Serve the changed input (and with `output_too` the output, its pooling enum widened as
    the input's) from the docs site or the model-schema API."""
    new_input = changed_upstream(vendored(root, model.slug, "input"))
    output = vendored(root, model.slug, "output")
    if output_too:
        output = changed_upstream(output)
    if source == "docs":
        serve_docs(upstream, root)
        served = {**split_input(new_input), **split_output(output)}
        for role in SPLIT_ROLES:
            upstream.routes[docs_route(model.slug, role)] = Reply(
                body=dump_json(served[role]).encode()
            )
    else:
        upstream.routes[api_route(model.id)] = Reply(body=envelope(new_input, output))


def source_args(source: str, model: ModelRecord) -> list[str]:
    if source == "docs":
        return ["--model", model.slug]
    return ["--source", "api", "--model", model.slug, "--account-id", ACCOUNT, "--api-token", TOKEN]


def changes_below(out: str, header: str) -> list[list[str]]:
    lines = out.splitlines()
    at = lines.index(header)
    found = []
    for line in lines[at + 1 :]:
        if not line.startswith("    "):
            break
        found.append(diff_line(line))
    return found


@pytest.mark.parametrize("source", ["docs", "api"])
def test_an_upstream_change_flows_into_a_consistent_tree(
    upstream: Upstream,
    root: Path,
    sync: Runner,
    model: ModelRecord,
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serve_change(upstream, root, model, source)
    code, out, err = sync(*source_args(source, model))
    assert (code, err) == (0, ""), out
    folder = f"workers-ai/{model.slug}"
    # the diff classifies each change, in the file every downstream reader uses
    status = "changed (8 schema changes" + (", derived)" if source == "docs" else ")")
    expected = []
    for branch in ("/oneOf/0", "/oneOf/1/properties/requests/items"):
        expected += [
            ["breaking-server", f"{branch}/properties/text/oneOf/1/maxItems", "constraint-relaxed"],
            ["breaking-server", f"{branch}/properties/pooling/enum", "enum-widened"],
            ["breaking-server", f"{branch}/properties/{NEW_FLAG}", "property-added"],
            ["breaking-client", f"{branch}/properties/{NEW_FLAG}", "property-restricted"],
        ]
    assert changes_below(out, f"{folder}/input.json: {status}") == expected
    assert f"{folder}/output.json" not in out  # unchanged: counted, not listed
    # the tree is consistent: the full input (what generate, the mock and the suite read) has
    # the new facts, the split files follow it, and every manifest hash matches the bytes
    monkeypatch.setenv(ROOT_ENV, str(root))
    forget_cached()
    full = effective_at(root, model.id, "input")
    limits = sorted({n["maxItems"] for n in _walk(full) if "maxItems" in n})
    assert limits == [NEW_LIMIT]
    assert NEW_POOLING in full["oneOf"][0]["properties"]["pooling"]["enum"]
    assert input_capabilities(full).pooling and model.pooling
    assert hash_mismatches(read_manifest(root), root) == []
    derived = {**split_input(json.loads((root / folder / "input.json").read_bytes()))}
    for role, schema in derived.items():
        assert json.loads((root / folder / f"{role}.json").read_bytes()) == schema, role
    assert main(["schemas", "lint", "--effective", "--strict", model.id]) == 0
    # and the generated clients are now stale
    capsys.readouterr()
    assert main(["generate", "--check"]) == 1
    drift = capsys.readouterr()
    assert f"maxItems={NEW_LIMIT}" in drift.out or f"max_length={NEW_LIMIT}" in drift.out, (
        drift.out[:2000]
    )
    assert "is stale" in drift.err


def test_a_renamed_title_that_breaks_an_overlay_writes_nothing(
    upstream: Upstream, root: Path, sync: Runner, model: ModelRecord
) -> None:
    # titles come only with the full record: the docs site never serves the queued branch
    new_input = changed_upstream(vendored(root, model.slug, "input"))
    new_output = _rename_titles(vendored(root, model.slug, "output"))
    upstream.routes[api_route(model.id)] = Reply(body=envelope(new_input, new_output))
    before = snapshot(root)
    code, out, err = sync(*source_args("api", model))
    assert (code, err) == (1, "")
    assert snapshot(root) == before
    # the classified diff is still shown, then the failing op, then why nothing was written
    assert f"workers-ai/{model.slug}/input.json: changed (8 schema changes)" in out
    assert (
        f"no longer fits workers-ai/{model.slug}/output.json: op 1 "
        '{"op": "test", "path": "/oneOf/1/title", "value": "Async response"} failed: '
        "Queued response (<class 'str'>) is not equal to tested value Async response"
    ) in out
    assert out.splitlines()[-1].endswith(
        "nothing written (fix or re-pin the overlay named, or pass --force to write anyway)"
    )


def test_a_docs_change_that_breaks_an_overlay_writes_nothing(
    upstream: Upstream, root: Path, sync: Runner, model: ModelRecord
) -> None:
    serve_change(upstream, root, model, "docs")
    output = vendored(root, model.slug, "sync-output")
    output["properties"]["embeddings"] = output["properties"].pop("data")  # renamed upstream
    for role in ("sync-output", "batch-output"):
        upstream.routes[docs_route(model.slug, role)] = Reply(body=dump_json(output).encode())
    before = snapshot(root)
    code, out, _ = sync(*source_args("docs", model))
    assert code == 1
    assert snapshot(root) == before
    assert (
        'op 0 {"op": "test", "path": "/oneOf/0/properties/data/type", "value": "array"} failed'
        in out
    )


@pytest.mark.parametrize("output_too", [False, True], ids=["input-only", "output-too"])
def test_after_the_change_the_client_the_mock_and_the_suite_follow(
    upstream: Upstream,
    root: Path,
    sync: Runner,
    model: ModelRecord,
    output_too: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """sync -> generate -> mock -> run on the changed tree: 128 texts accepted, 129 refused, the
    new pooling value sent as a positive case and accepted. The output either keeps its two
    pooling values (a reply then cannot name the third) or gains the third too."""
    serve_change(upstream, root, model, "docs", output_too=output_too)
    assert sync(*source_args("docs", model))[0] == 0
    package = f"changed_{'both' if output_too else 'input'}_embeddings"
    client_dir = tmp_path / "client"
    assert main(["--schemas-dir", str(root), "generate", "--output", str(client_dir),
                 "--package-name", package]) == 0  # fmt: skip
    capsys.readouterr()
    monkeypatch.syspath_prepend(str(client_dir))
    generated = importlib.import_module(package)
    with mock_process(root) as mock, forwarding(mock) as proxy:
        # the mock: the new limit, the new flag and the new pooling value
        url = f"{mock}/client/v4/accounts/{RUN_ACCOUNT}/ai/run/{model.id}"
        auth = {"authorization": f"Bearer {RUN_TOKEN}"}
        at_limit = httpx.post(url, json={"text": ["a"] * NEW_LIMIT}, headers=auth)
        assert at_limit.status_code == 200 and at_limit.json()["result"]["shape"][0] == NEW_LIMIT
        over = httpx.post(url, json={"text": ["a"] * (NEW_LIMIT + 1)}, headers=auth)
        assert over.status_code == 400, over.text[:200]
        body = {"text": "a", "pooling": NEW_POOLING, NEW_FLAG: False}
        named = httpx.post(url, json=body, headers=auth).json()["result"].get("pooling")
        assert named == (NEW_POOLING if output_too else None)
        # the generated client
        with generated.Client(RUN_ACCOUNT, RUN_TOKEN, base_url=f"{proxy.url}/client/v4") as client:
            resource = getattr(client, snake(model.slug))
            reply = resource.embed(["a"] * NEW_LIMIT, pooling=NEW_POOLING, normalize=True)
            assert len(reply.data) == NEW_LIMIT
            with pytest.raises(generated.InputValidationError):
                resource.embed(["a"] * (NEW_LIMIT + 1))
            with pytest.raises(generated.InputValidationError):
                resource.embed("a", normalize="yes")
        assert len(proxy.posts()) == 1  # the refused two were never sent
        proxy.seen.clear()
        # the suite
        report = tmp_path / "report"
        code = main(
            [
                "--schemas-dir", str(root), "run", "--profile", "workers-ai",
                "--base-url", f"{proxy.url}/client/v4", "--account-id", RUN_ACCOUNT,
                "--api-token", RUN_TOKEN, "--model", model.slug, "--max-examples", "3",
                "--seed", "1", "--workers", "2", "--no-progress", "--report-dir", str(report),
            ]
        )  # fmt: skip
        findings = json.loads((report / "report.json").read_bytes())["findings"]
        assert code == 0, findings[:2]
    sent = [(s.json(), s.status) for s in proxy.posts()]
    plain = [(b, status) for b, status in sent if isinstance(b, dict) and "text" in b]
    assert any(b.get("pooling") == NEW_POOLING and status == 200 for b, status in plain)
    assert any(b.get(NEW_FLAG) is True and status == 200 for b, status in plain)
    sizes = {(len(b["text"]), status) for b, status in plain if isinstance(b["text"], list)}
    assert (NEW_LIMIT, 200) in sizes and (NEW_LIMIT + 1, 400) in sizes, sorted(sizes)
