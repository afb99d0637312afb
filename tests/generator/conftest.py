"""Fixtures for the generator's tests: the mock server, over a socket and in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.mock.server import RunningMock
from embedcheck.generator.pipeline import generate_files

TOKEN = "sk-test-4f1c2e-never-show-me"


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
    """The generated package from the vendored schemas, in memory (generated once)."""
    return generate_files()
