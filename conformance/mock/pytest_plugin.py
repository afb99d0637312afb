"""Pytest fixtures for the mock.

`pytest_plugins = ["embedcheck.conformance.mock.pytest_plugin"]`
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.server import RunningMock, serve


@pytest.fixture(scope="session")
def mock_server() -> Iterator[RunningMock]:
    """The clean mock (no token, no faults) on a free 127.0.0.1 port, for the whole session."""
    with serve(MockConfig()) as running:
        yield running
