"""The mock's fixtures: the shared real-socket server comes from the plugin the suite ships."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from embedcheck.conformance.mock.pytest_plugin import mock_server
from tests.conformance.mock.wire import mock_client

__all__ = ["client", "mock_server"]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """A clean mock app, in-process."""
    async with mock_client() as client:
        yield client
