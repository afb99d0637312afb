"""`embedcheck schemas sync` against a real local HTTP server playing the upstream.

Every test syncs into a copy of the schemas tree under tmp_path; nothing reaches the internet.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedcheck.cli import main
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import MANIFEST_PATH, load_manifest, sha256_of, write_manifest
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.sync_http import mask
from tests.schemas.conftest import Runner
from tests.schemas.fake_upstream import (
    ACCOUNT,
    DOCS_PATH,
    TOKEN,
    Reply,
    Upstream,
    api_route,
    diff_line,
    edited,
    envelope,
    manifest_entries,
    serve_docs,
    snapshot,
    vendored,
    workers_ai_slugs,
)


def test_write_manifest_reproduces_the_vendored_manifest_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    write_manifest(load_manifest(), target)
    assert target.read_bytes() == MANIFEST_PATH.read_bytes()


def test_an_unchanged_upstream_leaves_the_tree_byte_identical(
    upstream: Upstream, root: Path, sync: Runner
) -> None:
    serve_docs(upstream, root)
    before = snapshot(root)
    code, out, err = sync("--verbose")
    assert (code, err) == (0, "")
    assert snapshot(root) == before
    models = len(workers_ai_slugs(root))
    # the docs site serves 4 split files per model; the full input/output are derived from them
    assert out.count(": unchanged") == 6 * models
    assert "no changes" in out and "nothing written" in out
    assert len(upstream.seen) == 4 * models


def _raise_max_items(schema: Any) -> None:
    schema["properties"]["text"]["oneOf"][1]["maxItems"] = 200


def _add_optional_output_property(schema: Any) -> None:
    schema["properties"]["usage"] = {"type": "object", "description": "token counts"}


def serve_changed_docs(upstream: Upstream, root: Path) -> dict[str, bytes]:
    """bge-base: input list limit raised to 200; bge-m3: a new optional output property (the
    docs site serves the same output branch as sync-output and batch-output)."""
    serve_docs(upstream, root)
    changed = {
        "workers-ai/bge-base-en-v1.5/sync-input.json": edited(
            root, "bge-base-en-v1.5", "sync-input", _raise_max_items
        ),
        **{
            f"workers-ai/bge-m3/{role}.json": edited(
                root, "bge-m3", role, _add_optional_output_property
            )
            for role in ("sync-output", "batch-output")
        },
    }
    for path, body in changed.items():
        upstream.routes[f"{DOCS_PATH}/{path.removeprefix('workers-ai/')}"] = Reply(body=body)
    return changed


def test_changed_docs_schemas_are_written_with_new_provenance(
    upstream: Upstream, root: Path, sync: Runner
) -> None:
    changed = serve_changed_docs(upstream, root)
    before = manifest_entries(root)
    code, out, err = sync()
    assert (code, err) == (0, ""), out
    after = manifest_entries(root)
    today = datetime.now(UTC).date().isoformat()
    for path, body in changed.items():
        assert (root / path).read_bytes() == body  # byte-for-byte as served
        entry = after[path]
        assert entry["sha256"] == sha256_of(root / path) != before[path]["sha256"]
        assert entry["retrieved"] == today
        assert entry["origin"] == "upstream"
        assert entry["source_url"] == f"{upstream.base}{DOCS_PATH}/{path.split('/', 1)[1]}"
    # the full schemas downstream reads follow, derived from the served files
    base_input = json.loads((root / "workers-ai/bge-base-en-v1.5/input.json").read_bytes())
    assert base_input["oneOf"][0]["properties"]["text"]["oneOf"][1]["maxItems"] == 200
    m3_output = json.loads((root / "workers-ai/bge-m3/output.json").read_bytes())
    assert "usage" in m3_output["oneOf"][0]["properties"]
    derived_paths = ["workers-ai/bge-base-en-v1.5/input.json", "workers-ai/bge-m3/output.json"]
    for path in derived_paths:
        entry = after[path]
        assert entry["origin"] == "derived" and entry["retrieved"] == today
        assert entry["sha256"] == sha256_of(root / path) != before[path]["sha256"]
        assert "sync-" in entry["derived_from"], entry
    touched = {*changed, *derived_paths}
    assert {p: e for p, e in after.items() if p not in touched} == {
        p: e for p, e in before.items() if p not in touched
    }
    lines = out.splitlines()
    # each file, its status, then its classified changes indented below it
    at = lines.index("workers-ai/bge-base-en-v1.5/sync-input.json: changed (1 schema change)")
    assert diff_line(lines[at + 1]) == [
        "breaking-server",  # a client may now send 200 texts; a server built on 100 refuses
        "/properties/text/oneOf/1/maxItems",
        "constraint-relaxed",
    ]
    at = lines.index("workers-ai/bge-base-en-v1.5/input.json: changed (1 schema change, derived)")
    assert diff_line(lines[at + 1]) == [
        "breaking-server",
        "/oneOf/0/properties/text/oneOf/1/maxItems",
        "constraint-relaxed",
    ]
    at = lines.index("workers-ai/bge-m3/sync-output.json: changed (2 schema changes)")
    assert [diff_line(line) for line in lines[at + 1 : at + 3]] == [
        ["breaking-client", "/properties/usage", "property-added"],
        ["breaking-server", "/properties/usage", "property-restricted"],
    ]
    assert lines[-1] == (
        "5 of 24 files changed (3 breaking-client, 5 breaking-server); "
        "wrote 5 files and manifest.json"
    )
    # bge-m3's text-embedding output branch is not on the docs site: kept, and said so
    assert (
        "note: workers-ai/bge-m3/output.json: /oneOf/1, /oneOf/2, /oneOf/3 not served by the "
        "docs site, kept as vendored"
    ) in out
    assert "does not follow" not in out  # split and full files agree


def test_dry_run_prints_the_diff_and_writes_nothing(
    upstream: Upstream, root: Path, sync: Runner
) -> None:
    serve_changed_docs(upstream, root)
    before = snapshot(root)
    code, out, err = sync("--dry-run")
    assert (code, err) == (0, "")
    assert snapshot(root) == before
    assert "workers-ai/bge-base-en-v1.5/sync-input.json: changed (1 schema change)" in out
    # exactly what a real sync would write, file by file
    assert [line for line in out.splitlines() if line.startswith("would write ")] == [
        "would write workers-ai/bge-base-en-v1.5/sync-input.json",
        "would write workers-ai/bge-m3/sync-output.json",
        "would write workers-ai/bge-m3/batch-output.json",
        "would write workers-ai/bge-base-en-v1.5/input.json",
        "would write workers-ai/bge-m3/output.json",
        "would write manifest.json",
    ]
    assert "dry run: would write 5 files and manifest.json, nothing written" in out


def test_model_option_limits_the_sync(upstream: Upstream, root: Path, sync: Runner) -> None:
    serve_docs(upstream, root)
    code, out, _ = sync("--model", "bge-m3", "--model", "@cf/baai/bge-m3", "--dry-run")
    assert code == 0
    assert [target for target, _ in upstream.seen] == [
        f"{DOCS_PATH}/bge-m3/{role}.json" for role in SPLIT_ROLES
    ]
    assert "fetched 4 files of 1 models" in out


def _add_text_option(schema: Any) -> None:
    schema["oneOf"][1]["properties"]["normalize"] = {"type": "boolean", "default": True}


def test_api_source_sends_the_token_and_never_prints_it(
    upstream: Upstream,
    root: Path,
    sync: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_input = vendored(root, "bge-m3", "input")
    _add_text_option(new_input)
    output = vendored(root, "bge-m3", "output")
    upstream.routes[api_route("@cf/baai/bge-m3")] = Reply(body=envelope(new_input, output))
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    output_before = (root / "workers-ai/bge-m3/output.json").read_bytes()
    code, out, err = sync("--source", "api", "--model", "bge-m3")
    assert (code, err) == (0, "")
    ((target, headers),) = upstream.seen
    assert target == api_route("@cf/baai/bge-m3")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in out
    base = root / "workers-ai" / "bge-m3"
    # no standalone upstream bytes: written with dump_json, the split files re-derived
    assert (base / "input.json").read_text() == dump_json(new_input)
    derived = {**split_input(new_input), **split_output(output)}
    for role in SPLIT_ROLES:
        assert json.loads((base / f"{role}.json").read_bytes()) == derived[role]
    entries = manifest_entries(root)
    entry = entries["workers-ai/bge-m3/input.json"]
    assert "dump_json" in entry["note"] and entry["origin"] == "upstream"
    assert entry["source_url"].endswith(
        "/accounts/{account_id}/ai/models/schema?model=@cf/baai/bge-m3"
    )
    assert ACCOUNT not in json.dumps(entries)
    assert entries["workers-ai/bge-m3/sync-input.json"]["derived_from"] == (
        "workers-ai/bge-m3/input.json"
    )
    lines = out.splitlines()
    at = lines.index("workers-ai/bge-m3/input.json: changed (2 schema changes)")
    assert [diff_line(line) for line in lines[at + 1 : at + 3]] == [
        ["breaking-server", "/oneOf/1/properties/normalize", "property-added"],
        ["breaking-client", "/oneOf/1/properties/normalize", "property-restricted"],
    ]
    # the API re-serialises; the same schema by value keeps the vendored bytes and entry
    assert "workers-ai/bge-m3/output.json" not in out  # unchanged files are not listed
    assert "5 files unchanged (--verbose lists them)" in out
    assert output_before == (root / "workers-ai/bge-m3/output.json").read_bytes()
    assert "sync-input.json" not in out  # the contexts branch: unchanged
    assert "warning" not in out


@pytest.mark.parametrize(
    "reply",
    [
        Reply(
            403,
            json.dumps(
                {"success": False, "errors": [{"code": 10000, "message": f"bad {TOKEN}"}]}
            ).encode(),
        ),
        Reply(
            200,
            json.dumps(
                {
                    "result": None,
                    "success": False,
                    "errors": [{"code": 7003, "message": f"no {TOKEN}"}],
                }
            ).encode(),
        ),
    ],
    ids=["http-403", "success-false"],
)
def test_an_api_failure_is_one_line_with_the_token_masked(
    upstream: Upstream, root: Path, sync: Runner, reply: Reply
) -> None:
    upstream.routes[api_route("@cf/baai/bge-m3")] = reply
    before = snapshot(root)
    code, out, err = sync(
        "--source", "api", "--model", "bge-m3", "--account-id", ACCOUNT, "--api-token", TOKEN
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and TOKEN not in err
    assert "****" + TOKEN[-4:] in err  # the server's message survives, masked
    assert snapshot(root) == before


def test_api_source_without_credentials_is_a_usage_error(
    sync: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    code, out, err = sync("--source", "api", "--account-id", ACCOUNT)
    assert (code, out) == (2, "")
    assert err == "embedcheck: error: --source api needs --api-token or $CLOUDFLARE_API_TOKEN\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: connecting is refused


FAILURES = {
    "404": (Reply(404, b"<h1>Not Found</h1>", "text/html"), "HTTP 404 Not Found"),
    "500": (Reply(500, b"oops", "text/plain"), "HTTP 500 Internal Server Error"),
    "html-200": (Reply(200, b"<!doctype html><p>moved", "text/html"), "not JSON (text/html)"),
    "json-array": (Reply(200, b"[1, 2]"), "expected a JSON Schema object, got a JSON array"),
    "not-a-schema": (Reply(200, b'{"error": "gone"}'), "not a JSON Schema"),
    "bad-keyword": (Reply(200, b'{"type": 5}'), "not a valid JSON Schema"),
    "timeout": (Reply(200, b"{}", delay=2.0), "timed out (no reply within 0.5 s)"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_fetch_is_one_line_and_writes_nothing(
    upstream: Upstream, root: Path, sync: Runner, case: str
) -> None:
    serve_changed_docs(upstream, root)  # all else changed: a partial write would show
    reply, reason = FAILURES[case]
    last = f"{DOCS_PATH}/bge-m3/batch-output.json"
    upstream.routes[last] = reply
    before = snapshot(root)
    code, out, err = sync("--timeout", "0.5" if case == "timeout" else "5")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert err.startswith(f"embedcheck: error: {upstream.base}{last}: ")
    assert reason in err
    assert snapshot(root) == before


def test_an_unreachable_host_is_one_line_and_writes_nothing(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(root)
    base = f"http://127.0.0.1:{_free_port()}/models"
    code = main(["schemas", "sync", "--schemas-dir", str(root), "--docs-base-url", base])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.count("\n") == 1
    assert "cannot connect" in captured.err
    assert snapshot(root) == before


def _swap_text_and_contexts(schema: Any) -> None:
    schema["oneOf"][0], schema["oneOf"][1] = schema["oneOf"][1], schema["oneOf"][0]


@pytest.mark.parametrize("mode", ["write", "dry-run", "force"])
def test_an_overlay_that_no_longer_fits_stops_the_write(
    upstream: Upstream, root: Path, sync: Runner, mode: str
) -> None:
    new_input = vendored(root, "bge-m3", "input")
    _swap_text_and_contexts(new_input)
    body = envelope(new_input, vendored(root, "bge-m3", "output"))
    upstream.routes[api_route("@cf/baai/bge-m3")] = Reply(body=body)
    before = snapshot(root)
    args = ["--source", "api", "--model", "bge-m3", "--account-id", ACCOUNT, "--api-token", TOKEN]
    code, out, err = sync(
        *args, *({"write": [], "dry-run": ["--dry-run"], "force": ["--force"]}[mode])
    )
    assert (code, err) == (1, "")
    level = "warning" if mode == "force" else "error"
    # the failing op itself, so the user sees which upstream fact moved
    assert (
        f"{level}: overlay bge-m3-input.json no longer fits workers-ai/bge-m3/input.json: op 0 "
        '{"op": "test", "path": "/oneOf/0/required", "value": ["contexts"]} failed: '
    ) in out
    assert "bge-m3-output.json" not in out  # the output overlay still fits
    assert (snapshot(root) != before) is (mode == "force")
    if mode == "write":
        assert out.splitlines()[-1].endswith(
            "1 problem above: nothing written "
            "(fix or re-pin the overlay named, or pass --force to write anyway)"
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "bge-huge"], "unknown model 'bge-huge'"),
        (["--timeout", "0"], "--timeout must be a positive number"),
        (["--docs-base-url", "ftp://example.invalid"], "--docs-base-url must be an http"),
        (["--source", "api", "--account-id", "a/b", "--api-token", TOKEN], "account id"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(
    upstream: Upstream, sync: Runner, argv: list[str], message: str
) -> None:
    code, out, err = sync(*argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err
    assert upstream.seen == []


# Real tokens are letters, digits and a few marks; a two-letter alphabet makes a token that
# overlaps itself (and its revealed tail) likely, which is where a single replace falls short.
TOKENS = st.text(st.sampled_from("ab"), min_size=16, max_size=24) | st.text(
    st.characters(categories=["L", "N"]) | st.sampled_from("-_."), min_size=1, max_size=40
)


@given(token=TOKENS, data=st.data())
def test_mask_never_leaves_the_token_in_the_text(token: str, data: st.DataObject) -> None:
    half = len(token) // 2
    fragment = st.sampled_from(
        [token, token[:half], token[half:], token[4:], token[-4:]]
    ) | st.text(max_size=6)
    text = "".join(data.draw(st.lists(fragment, max_size=8))) + token
    shown = mask(text, token)
    assert token not in shown
    assert "****" in shown


def test_mask_catches_a_token_spelt_again_by_its_revealed_tail() -> None:
    token = "abcd" + "x" * 8 + "abcd"  # starts with its own last four characters
    text = token + token[4:]  # one replace leaves "****abcd" + "xxxxxxxxabcd"
    assert mask(text, token) == "****" + "****abcd"
