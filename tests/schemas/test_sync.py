"""`embedcheck schemas sync` against a real local HTTP server playing the upstream.

Every test syncs into a copy of the schemas tree under tmp_path; nothing reaches the internet.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedcheck.cli import main
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import (
    MANIFEST_PATH,
    SCHEMA_ROOT,
    load_manifest,
    sha256_of,
    write_manifest,
)
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.sync_http import mask

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-test-token-5ecret-Zq9w"
DOCS_PATH = "/workers-ai/models"
API_PATH = "/client/v4"
SLUGS = ("bge-small-en-v1.5", "bge-base-en-v1.5", "bge-large-en-v1.5", "bge-m3")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Upstream:
    """What the local server serves, keyed by decoded path + query, and what it was asked."""

    port: int
    routes: dict[str, Reply] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = unquote(self.path)
            upstream.seen.append((target, dict(self.headers.items())))
            reply = upstream.routes.get(target, Reply(404, b"<h1>Not Found</h1>", "text/html"))
            time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    state = Upstream(port=server.server_address[1])
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the vendored schemas tree (data files only)."""
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMA_ROOT, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return copy


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: equal snapshots mean nothing was written."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def serve_docs(upstream: Upstream, root: Path) -> None:
    """The docs site serving exactly the vendored split files."""
    for slug in SLUGS:
        for role in SPLIT_ROLES:
            body = (root / "workers-ai" / slug / f"{role}.json").read_bytes()
            upstream.routes[f"{DOCS_PATH}/{slug}/{role}.json"] = Reply(body=body)


def api_route(model_id: str) -> str:
    return f"{API_PATH}/accounts/{ACCOUNT}/ai/models/schema?model={model_id}"


def envelope(input_schema: Any, output_schema: Any) -> bytes:
    result = {"input": input_schema, "output": output_schema}
    return json.dumps({"result": result, "success": True, "errors": [], "messages": []}).encode()


def vendored(root: Path, slug: str, role: str) -> Any:
    return json.loads((root / "workers-ai" / slug / f"{role}.json").read_bytes())


def edited(root: Path, slug: str, role: str, change: Callable[[Any], None]) -> bytes:
    schema = vendored(root, slug, role)
    change(schema)
    return dump_json(schema).encode()


@pytest.fixture
def sync(
    upstream: Upstream, root: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(
            [
                "schemas",
                "sync",
                "--schemas-dir",
                str(root),
                "--docs-base-url",
                upstream.base + DOCS_PATH,
                "--api-base-url",
                upstream.base + API_PATH,
                "--timeout",
                "5",
                *argv,
            ]
        )
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def diff_line(line: str) -> list[str]:
    """Class, path and kind of one printed change (indented below its file)."""
    assert line.startswith("    "), line
    return line.split()[:3]


def manifest_entries(root: Path) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in json.loads((root / "manifest.json").read_bytes())["files"]}


def test_write_manifest_reproduces_the_vendored_manifest_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    write_manifest(load_manifest(), target)
    assert target.read_bytes() == MANIFEST_PATH.read_bytes()


def test_an_unchanged_upstream_leaves_the_tree_byte_identical(
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]]
) -> None:
    serve_docs(upstream, root)
    before = snapshot(root)
    code, out, err = sync()
    assert (code, err) == (0, "")
    assert snapshot(root) == before
    assert out.count(": unchanged") == 16
    assert "no changes" in out and "nothing written" in out
    assert len(upstream.seen) == 16


def _raise_max_items(schema: Any) -> None:
    schema["properties"]["text"]["oneOf"][1]["maxItems"] = 200


def _add_optional_output_property(schema: Any) -> None:
    schema["properties"]["usage"] = {"type": "object", "description": "token counts"}


def serve_changed_docs(upstream: Upstream, root: Path) -> dict[str, bytes]:
    """bge-base: input list limit raised to 200; bge-m3: a new optional output property."""
    serve_docs(upstream, root)
    changed = {
        "workers-ai/bge-base-en-v1.5/sync-input.json": edited(
            root, "bge-base-en-v1.5", "sync-input", _raise_max_items
        ),
        "workers-ai/bge-m3/sync-output.json": edited(
            root, "bge-m3", "sync-output", _add_optional_output_property
        ),
    }
    for path, body in changed.items():
        upstream.routes[f"{DOCS_PATH}/{path.removeprefix('workers-ai/')}"] = Reply(body=body)
    return changed


def test_changed_docs_schemas_are_written_with_new_provenance(
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]]
) -> None:
    changed = serve_changed_docs(upstream, root)
    before = manifest_entries(root)
    code, out, err = sync()
    assert (code, err) == (0, "")
    after = manifest_entries(root)
    today = datetime.now(UTC).date().isoformat()
    for path, body in changed.items():
        assert (root / path).read_bytes() == body  # byte-for-byte as served
        entry = after[path]
        assert entry["sha256"] == sha256_of(root / path) != before[path]["sha256"]
        assert entry["retrieved"] == today
        assert entry["origin"] == "upstream"
        assert entry["source_url"] == f"{upstream.base}{DOCS_PATH}/{path.split('/', 1)[1]}"
    assert {p: e for p, e in after.items() if p not in changed} == {
        p: e for p, e in before.items() if p not in changed
    }
    lines = out.splitlines()
    # each file, its status, then its classified changes indented below it
    at = lines.index("workers-ai/bge-base-en-v1.5/sync-input.json: changed (1 schema change)")
    assert diff_line(lines[at + 1]) == [
        "breaking-server",  # a client may now send 200 texts; a server built on 100 refuses
        "/properties/text/oneOf/1/maxItems",
        "constraint-relaxed",
    ]
    at = lines.index("workers-ai/bge-m3/sync-output.json: changed (2 schema changes)")
    assert [diff_line(line) for line in lines[at + 1 : at + 3]] == [
        ["breaking-client", "/properties/usage", "property-added"],
        ["breaking-server", "/properties/usage", "property-restricted"],
    ]
    assert lines[-1] == (
        "2 of 16 files changed (1 breaking-client, 2 breaking-server); "
        "wrote 2 files and manifest.json"
    )
    # the docs site moved on but the full input.json did not: say so
    assert "note: workers-ai/bge-base-en-v1.5/sync-input.json no longer follows" in out


def test_dry_run_prints_the_diff_and_writes_nothing(
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]]
) -> None:
    serve_changed_docs(upstream, root)
    before = snapshot(root)
    code, out, err = sync("--dry-run")
    assert (code, err) == (0, "")
    assert snapshot(root) == before
    assert "workers-ai/bge-base-en-v1.5/sync-input.json: changed (1 schema change)" in out
    assert "dry run: would write 2 files and manifest.json, nothing written" in out


def test_model_option_limits_the_sync(
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]]
) -> None:
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
    sync: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_input = vendored(root, "bge-m3", "input")
    _add_text_option(new_input)
    output = vendored(root, "bge-m3", "output")
    upstream.routes[api_route("@cf/baai/bge-m3")] = Reply(body=envelope(new_input, output))
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    code, out, err = sync("--source", "api", "--model", "bge-m3")
    assert (code, err) == (0, "")
    ((target, headers),) = upstream.seen
    assert target == api_route("@cf/baai/bge-m3")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in out
    base = root / "workers-ai" / "bge-m3"
    # no standalone upstream bytes: written with dump_json, the split files re-derived
    assert (base / "input.json").read_text() == dump_json(new_input)
    assert (base / "output.json").read_text() == dump_json(output)
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
    # the vendored output.json holds the docs page's bytes; re-serialised, the schema is equal
    assert "workers-ai/bge-m3/output.json: changed (bytes only, same schema)" in out
    assert "workers-ai/bge-m3/sync-input.json: unchanged" in out  # the contexts branch
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
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]], reply: Reply
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
    sync: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
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
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]], case: str
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


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_overlay_that_no_longer_fits_is_reported(
    upstream: Upstream, root: Path, sync: Callable[..., tuple[int, str, str]], dry_run: bool
) -> None:
    new_input = vendored(root, "bge-m3", "input")
    _swap_text_and_contexts(new_input)
    body = envelope(new_input, vendored(root, "bge-m3", "output"))
    upstream.routes[api_route("@cf/baai/bge-m3")] = Reply(body=body)
    before = snapshot(root)
    args = ["--source", "api", "--model", "bge-m3", "--account-id", ACCOUNT, "--api-token", TOKEN]
    code, out, err = sync(*args, *(["--dry-run"] if dry_run else []))
    assert (code, err) == (1, "")
    assert "warning: overlay bge-m3-input.json no longer fits workers-ai/bge-m3/input.json" in out
    assert "bge-m3-output.json" not in out  # the output overlay still fits
    written = snapshot(root) != before
    assert written is not dry_run


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
    upstream: Upstream, sync: Callable[..., tuple[int, str, str]], argv: list[str], message: str
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
