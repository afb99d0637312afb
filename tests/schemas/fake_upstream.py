"""A real local HTTP server playing Cloudflare's docs site and model-schema API, and a private
copy of the schemas tree to sync into. Nothing reaches the internet."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.location import CODE_PATTERNS, PACKAGED_ROOT
from embedcheck.schemas.manifest import read_manifest
from embedcheck.schemas.split import SPLIT_ROLES

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-test-token-5ecret-Zq9w"
DOCS_PATH = "/workers-ai/models"
API_PATH = "/client/v4"


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
            # the client may have timed out on purpose (a timeout test)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def serving() -> Iterator[Upstream]:
    """A threaded HTTP server on 127.0.0.1, a free port, stopped on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    state = Upstream(port=server.server_address[1])
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def copy_tree(target: Path) -> Path:
    """A private copy of the packaged schemas tree (data files only)."""
    shutil.copytree(PACKAGED_ROOT, target, ignore=shutil.ignore_patterns(*CODE_PATTERNS))
    return target


def workers_ai_slugs(root: Path) -> list[str]:
    """The Workers AI models the tree's manifest lists: what a sync of all models fetches."""
    return [m.slug for m in read_manifest(root).models if m.provider == "workers-ai"]


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: equal snapshots mean nothing was written."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def docs_route(slug: str, role: str) -> str:
    return f"{DOCS_PATH}/{slug}/{role}.json"


def serve_docs(upstream: Upstream, root: Path) -> None:
    """The docs site serving exactly the vendored split files of every model."""
    for slug in workers_ai_slugs(root):
        for role in SPLIT_ROLES:
            body = (root / "workers-ai" / slug / f"{role}.json").read_bytes()
            upstream.routes[docs_route(slug, role)] = Reply(body=body)


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


def manifest_entries(root: Path) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in json.loads((root / "manifest.json").read_bytes())["files"]}


def diff_line(line: str) -> list[str]:
    """Class, path and kind of one printed change (indented below its file)."""
    assert line.startswith("    "), line
    return line.split()[:3]
