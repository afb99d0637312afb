"""A model the project has never seen, through every command a user would run, with no code
edit: `schemas add` from local files -> `schemas lint` -> `generate` -> the mock serving the new
tree -> `embedcheck run --model` passing. Then what the schema says shows everywhere: the
generated client refuses maxItems + 1 and a bad enum before sending and `embed_many` splits at
the new limit; the suite sends every value of the new enum and one outside it; and a server
refusing every request that carries the new field fails the run with `valid-accepted`.

The model (tests/schemas/synthetic_model.py) is unlike the bge ones: 200 dims (not a multiple
of the mock codebook's 32 chunks), maxItems 32, a new enum `encoding`, a new boolean
`normalize`, an async batch variant."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.schemas.jsonfile import dump_json
from tests.end_to_end.servers import (
    ACCOUNT,
    TOKEN,
    Proxy,
    carries,
    forwarding,
    mock_process,
    values_of,
)
from tests.schemas import synthetic_model as syn
from tests.schemas.fake_upstream import copy_tree

DIMS = 200
PACKAGE = "acme_e2e_embeddings"  # not the installed client's name: imported from the output


def cli(*argv: str | Path | int) -> int:
    return main([str(a) for a in argv])


def run_suite(root: Path, proxy: Proxy, report: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """`embedcheck run` of the new model through the proxy; its exit and report.json."""
    code = cli(
        "--schemas-dir", root, "run", "--profile", "workers-ai",
        "--base-url", f"{proxy.url}/client/v4", "--account-id", ACCOUNT, "--api-token", TOKEN,
        "--model", syn.SLUG, "--max-examples", "3", "--seed", "1", "--workers", "2",
        "--no-progress", "--report-dir", report, *extra,
    )  # fmt: skip
    return code, json.loads((report / "report.json").read_bytes())


def statuses(report: dict[str, Any]) -> dict[str, str]:
    """Each check's status for the one model of the run."""
    (column,) = report["columns"]
    return {check: cells[column]["status"] for check, cells in report["scorecard"].items()}


@pytest.fixture
def tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A schemas tree with the new model added, linted clean, and its client generated."""
    root = copy_tree(tmp_path / "schemas")
    given_input, given_output = tmp_path / "input.json", tmp_path / "output.json"
    given_input.write_text(dump_json(syn.input_schema()), encoding="utf-8")
    given_output.write_text(dump_json(syn.output_schema()), encoding="utf-8")
    assert cli(
        "--schemas-dir", root, "schemas", "add", syn.MODEL_ID,
        "--input", given_input, "--output", given_output,
        "--dims", DIMS, "--max-input-tokens", syn.MAX_INPUT_TOKENS,
    ) == 0, capsys.readouterr()  # fmt: skip
    assert cli("--schemas-dir", root, "schemas", "lint", "--effective", "--strict", syn.SLUG) == 0
    out = tmp_path / "client"
    assert cli("--schemas-dir", root, "generate", "--output", out, "--package-name", PACKAGE) == 0
    capsys.readouterr()
    return root


def test_a_new_model_flows_from_its_files_to_a_passing_run(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "client"))
    client_package = importlib.import_module(PACKAGE)
    with mock_process(tree) as mock, forwarding(mock) as proxy:
        # --- the generated client follows the schema ------------------------------------
        with client_package.Client(ACCOUNT, TOKEN, base_url=f"{proxy.url}/client/v4") as client:
            model = client.embed_x
            assert (model.model_id, model.dims) == (syn.MODEL_ID, DIMS)
            refused: list[Callable[[], Any]] = [
                lambda: model.embed(["a"] * (syn.MAX_ITEMS + 1)),
                lambda: model.embed("a", encoding="float16"),
                lambda: model.embed("a", normalize="yes"),
            ]
            for call in refused:
                with pytest.raises(client_package.InputValidationError):
                    call()
            assert proxy.posts() == []  # refused before anything was sent
            reply = model.embed(["a"] * syn.MAX_ITEMS, encoding="int8", normalize=False)
            assert reply.shape == [syn.MAX_ITEMS, DIMS] and len(reply.data[0]) == DIMS
            many = model.embed_many([f"text {i}" for i in range(2 * syn.MAX_ITEMS + 6)])
            assert len(many.data) == 2 * syn.MAX_ITEMS + 6
        sizes = [len(s.json()["text"]) for s in proxy.posts()[1:]]
        assert sizes == [syn.MAX_ITEMS, syn.MAX_ITEMS, 6]  # split at the new limit
        proxy.seen.clear()

        # --- the suite passes against the mock serving the new tree ----------------------
        code, report = run_suite(tree, proxy, tmp_path / "clean")
        assert code == 0, report["findings"][:2]
        assert report["verdict"] == "passed"
        judged = statuses(report)
        for name in ("valid-accepted", "invalid-rejected", "dims", "async-batch", "auth-required"):
            assert judged[name] == "passed", (name, judged[name])
        # every value of the new enum, and one outside it; both booleans and a non-boolean
        bodies = [s.json() for s in proxy.posts()]
        encodings = values_of(bodies, "encoding")
        assert set(syn.ENCODINGS) <= set(encodings)
        assert {e for e in encodings if e not in syn.ENCODINGS}, encodings
        normalized = values_of(bodies, "normalize")
        assert {True, False} <= {n for n in normalized if isinstance(n, bool)}
        assert any(not isinstance(n, bool) for n in normalized), normalized

        # --- a server refusing the new field is caught -----------------------------------
        proxy.refuse = carries("encoding")
        code, report = run_suite(tree, proxy, tmp_path / "refusing")
    assert code == 1
    assert statuses(report)["valid-accepted"] == "failed"
    finding = next(f for f in report["findings"] if f["check"] == "valid-accepted")
    assert finding["expected"] == "2xx" and finding["actual"] == 400, finding
    sent = finding["exchanges"][0]["request"]["body"]
    assert carries("encoding")(sent), sent
