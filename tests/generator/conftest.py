"""Fixtures for the generator's tests: the mock server, over a socket and in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.mock.server import RunningMock
from embedcheck.generator.output import default_output
from embedcheck.generator.pipeline import DEFAULT_PACKAGE, generate_project

TOKEN = "sk-test-4f1c2e-never-show-me"
PACKAGE = DEFAULT_PACKAGE
_OUTPUT = default_output()
assert _OUTPUT is not None, "the generator's tests run from a checkout"
GENERATED: Path = _OUTPUT  # the committed project, generated/


@pytest.fixture(scope="session")
def mock_with_token() -> Iterator[RunningMock]:
    """The clean mock on a real socket, requiring TOKEN."""
    with serve(MockConfig(api_token=TOKEN, queue_polls_until_done=2)) as running:
        yield running


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def vendored_files() -> dict[str, str]:
    """The generated project from the vendored schemas, in memory (generated once), versioned
    against the committed generated/ as `embedcheck generate` does."""
    return generate_project(GENERATED)
