"""Fixtures for the tests that sync or add into a private schemas tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from embedcheck.cli import main
from tests.schemas.fake_upstream import API_PATH, DOCS_PATH, Upstream, copy_tree, serving


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with serving() as state:
        yield state


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_tree(tmp_path / "schemas")


Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def sync(upstream: Upstream, root: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """`embedcheck schemas sync` into `root` from the local upstream: (exit, stdout, stderr)."""

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
