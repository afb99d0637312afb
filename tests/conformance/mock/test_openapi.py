"""`GET /openapi.json`: a valid OpenAPI 3.1 document that Schemathesis loads from the running
mock and whose operations, resolved against the mock's own URL, reach it and conform."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.core.result import Ok

from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.mock.server import RunningMock
from embedcheck.schemas.openapi import build_openapi
from tests.conformance.mock.wire import MODELS, mock_client

TOKEN = "openapi-test-token"
# One valid request body per operation, by the operation's path suffix.
BODIES: dict[str, Any] = {
    **{f"/ai/run/{m}": {"text": ["a sentence", "another"]} for m in MODELS},
    "/embeddings": {"model": "bge-m3", "input": ["a sentence", "another"]},
}


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningMock]:
    """The clean mock with a token, on a real socket."""
    with serve(MockConfig(api_token=TOKEN)) as running:
        yield running


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        ("", [f"POST /accounts/{{account_id}}/ai/run/{m}" for m in MODELS]),
        ("?profile=openai", ["POST /embeddings"]),
    ],
    ids=["workers-ai", "openai"],
)
def test_schemathesis_loads_the_served_document_and_its_operations_conform(
    guarded: RunningMock, query: str, labels: list[str]
) -> None:
    url = f"{guarded.base_url}/openapi.json{query}"
    validate(httpx.get(url).raise_for_status().json())  # served without a token; valid 3.1
    loaded = schemathesis.openapi.from_url(url)
    operations = []
    for result in loaded.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert [operation.label for operation in operations] == labels
    for operation in operations:
        suffix = next(s for s in BODIES if operation.path.endswith(s))
        params = {"account_id": "0123abcd"} if "account_id" in operation.path else None
        case = operation.Case(body=BODIES[suffix], path_parameters=params)
        response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text[:300]
        assert str(response.request.url).startswith(guarded.base_url)  # relative server resolved
        # Schemathesis's own checks: status, content type, body schema, and that the
        # operation refuses a request without the token.
        case.validate_response(response, headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.mark.anyio
async def test_documents_are_the_exported_ones_with_servers_on_the_mock() -> None:
    async with mock_client(MockConfig(faults=frozenset({"wrong-content-type"}))) as client:
        workers_ai = await client.get("/openapi.json")
        openai = await client.get("/openapi.json", params={"profile": "openai"})
        unknown = await client.get("/openapi.json", params={"profile": "soap"})
    assert workers_ai.headers["content-type"] == "application/json"  # faults leave it alone
    assert workers_ai.json() == build_openapi("workers-ai", "/client/v4")
    assert openai.json() == build_openapi("openai", "/v1")
    assert unknown.status_code == 400 and "soap" in unknown.json()["error"]
