"""Settings mistakes stop the run before the suite, as one line and exit 2, instead of passing
for conformance results: a wrong route, a refused token, a model the target does not serve."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.conformance.engine.preflight import Probe, judge
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.profiles import Target, model_spec
from tests.conformance.hostile import hostile_server

SMALL = "bge-small-en-v1.5"


def run(tmp_path: Path, *args: str) -> int:
    return main(["run", "--no-progress", "--report-dir", str(tmp_path), *args])


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip()


@pytest.mark.parametrize(
    ("profile", "url_args", "hint"),
    [
        ("workers-ai", ["--account-id", "acct"], "check --api-token / CLOUDFLARE_API_TOKEN"),
        ("openai", [], "check --api-key / OPENAI_API_KEY"),
        ("worker", [], "check --api-token / EMBEDCHECK_TOKEN"),
    ],
)
def test_a_refused_token_is_an_authentication_error(
    profile: str,
    url_args: list[str],
    hint: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with hostile_server("unauthorized") as server:
        where = ["--url", server.url] if profile == "worker" else ["--base-url", server.url]
        secret = "--api-key" if profile == "openai" else "--api-token"
        code = run(
            tmp_path, "--profile", profile, *where, *url_args, secret, "wrong-token-1",
            "--model", SMALL, "--model", "bge-m3",
        )  # fmt: skip
    assert code == 2
    message = one_line(capsys)
    assert message.startswith("embedcheck: error: authentication failed (HTTP 401 at http")
    assert message.endswith(hint)
    assert len(server.record.requests) == 2  # one per model, then nothing more


def test_a_base_url_without_client_v4_names_the_url_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(MockConfig(api_token="tok-1")) as mock:  # the real mock, its routes elsewhere
        code = run(
            tmp_path, "--profile", "workers-ai", "--base-url", mock.base_url,
            "--account-id", "acct", "--api-token", "tok-1", "--model", SMALL,
        )  # fmt: skip
        tried = f"{mock.base_url}/accounts/acct/ai/run/@cf/baai/bge-small-en-v1.5"
    assert code == 2
    message = one_line(capsys)
    assert f"HTTP 404 at {tried}" in message
    assert "ending in /client/v4" in message and "--base-url" in message


def test_a_server_on_another_route_is_a_route_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("no-route") as server:
        code = run(
            tmp_path, "--profile", "openai", "--base-url", server.url, "--api-key", "k",
            "--model", "text-embed",
        )  # fmt: skip
    assert code == 2
    message = one_line(capsys)
    assert f"HTTP 404 at {server.url}/embeddings" in message and "ending in /v1" in message


class QuietFileHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # its log would go to stderr
        pass


@contextmanager
def static_file_server(root: Path) -> Iterator[str]:
    """The standard library's file server: it answers GET, and 501 to any POST."""
    handler = partial(QuietFileHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_static_file_server_is_a_route_error_not_a_conformance_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A URL pointing at the wrong server: it takes no POST at all (501), for any model.
    (tmp_path / "site").mkdir()
    with static_file_server(tmp_path / "site") as base_url:
        code = run(
            tmp_path, "--profile", "openai", "--base-url", base_url, "--api-key", "k",
            "--model", "text-embed",
        )  # fmt: skip
    assert code == 2
    message = one_line(capsys)
    assert f"HTTP 501 at {base_url}/embeddings: nothing there takes embedding requests" in message
    assert "ending in /v1" in message
    assert not (tmp_path / "report.json").exists()  # no verdict on a target never reached


def test_a_model_the_target_does_not_serve_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(MockConfig(api_token="tok-2")) as mock:
        code = run(
            tmp_path, "--profile", "openai", "--base-url", f"{mock.base_url}/v1",
            "--api-key", "tok-2", "--model", "baai/bge-m3", "--model", "no-such-embedder",
            "--dims", "8",
        )  # fmt: skip
    assert code == 2
    message = one_line(capsys)
    assert "does not serve model(s) no-such-embedder (HTTP 404" in message
    assert "model_not_found" in message and "check --model" in message


def _probe(model: str, status: int, body: bytes) -> Probe:
    spec = model_spec(model, known_only=False)
    exchange = Exchange(Request("POST", f"http://127.0.0.1:9/{model}"), status=status, body=body)
    return Probe(spec, exchange)


def _target(*models: str) -> Target:
    specs = tuple(model_spec(m, known_only=False) for m in models)
    return Target("openai", "http://127.0.0.1:9/v1", specs, "k")


def test_a_404_for_one_model_among_served_ones_is_that_model() -> None:
    probes = [_probe("a", 200, b"{}"), _probe("b", 404, b"Not Found")]
    with pytest.raises(ConfigError, match=r"does not serve model\(s\) b \(HTTP 404"):
        judge(_target("a", "b"), probes)


def test_what_the_suite_should_judge_passes_the_preflight() -> None:
    # Server faults are findings, not settings mistakes: 5xx, 429, a 400 about the input, one
    # 401 among served models.
    for status, body in [(500, b"boom"), (429, b"busy"), (400, b'{"error": "bad input"}')]:
        judge(_target("a"), [_probe("a", status, body)])
    judge(_target("a", "b"), [_probe("a", 200, b"{}"), _probe("b", 401, b"{}")])
