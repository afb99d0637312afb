"""One root for "exit 2, one line": every layer's user-mistake class derives from
`embedcheck.errors.EmbedcheckError`, and `cli.main` turns each into one line and exit 2."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.errors import EmbedcheckError
from tests.test_import_contracts import _module_name, _sources

# Exceptions that are not user mistakes: findings about a target, or the mock's HTTP replies.
NOT_USER_MISTAKES = {
    "embedcheck.conformance.mock.errors.ApiError",
    "embedcheck.conformance.checks.base.CheckFailed",
    "embedcheck.conformance.checks.base.CheckInconclusive",
    "embedcheck.conformance.compare.sides.UnusableReply",
    "embedcheck.conformance.pytest_plugin.CheckFailedInSuite",
}


def _error_classes() -> list[str]:
    """Every `class ...Error(...)` in the product's sources, as module.Name."""
    found = []
    for path in _sources():
        module = _module_name(path)
        if module.split(".")[0] != "embedcheck" or module.startswith("embedcheck.generated"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{module}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error")
        ]
    return found


def test_the_error_classes_are_found() -> None:
    names = _error_classes()
    assert "embedcheck.schemas.sync_http.FetchError" in names
    assert "embedcheck.conformance.http.network.NetworkConfigError" in names


@pytest.mark.parametrize("name", [n for n in _error_classes() if n not in NOT_USER_MISTAKES])
def test_every_user_error_derives_from_the_one_root(name: str) -> None:
    module, _, attribute = name.rpartition(".")
    cls = getattr(importlib.import_module(module), attribute)
    assert issubclass(cls, EmbedcheckError), f"{name} must derive from EmbedcheckError"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["frobnicate"], "invalid choice"),  # UsageError from argparse
        (["run", "--model", "no-such-model"], "unknown model"),  # UnknownModelError
        (["run", "--max-examples", "0"], "at least 1"),  # ConfigError
        (["run", "--proxy", "http://:notaport"], "proxy"),  # NetworkConfigError
        (["run", "--ca-bundle", "/no/such/ca.pem"], "no such file"),  # NetworkConfigError
        (["compare", "nonsense"], "PROFILE=BASE_URL"),  # compare's ConfigError
        (["generate", "--package-name", "no-dash!", "--output", "OUT"], "identifier"),  # Generator
        (["schemas", "diff", "/no/a", "/no/b"], "no such file"),  # DiffPathError
        # FetchError: port 9 (discard) refuses on 127.0.0.1; nothing is written on failure.
        (["schemas", "sync", "--docs-base-url", "http://127.0.0.1:9/m"], "connect"),
        (["--schemas-dir", "/no/such/tree", "generate"], "/no/such/tree"),  # TreeError
    ],
)
def test_each_kind_of_mistake_is_one_line_and_exit_2(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(tmp_path / "out") if a == "OUT" else a for a in args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and words in err, err
    assert err.startswith("embedcheck: error: ")
    assert "Traceback" not in err
