"""Cloudflare v4 REST routes: `ai/run/{model}` in the envelope, and the model-schema lookup."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from embedcheck.conformance.mock.errors import MISSING_BODY, ApiError, no_such_model
from embedcheck.conformance.mock.state import MockState
from embedcheck.conformance.mock.validation import clipped
from embedcheck.conformance.mock.workers_ai import run_request
from embedcheck.schemas import raw_schema

ACCOUNT = "/client/v4/accounts/{account_id}"


def model_schemas(state: MockState) -> dict[str, Any]:
    """The raw upstream schemas (what the model-schema API publishes), by model id."""
    return {
        model_id: {"input": raw_schema(model_id, "input"), "output": raw_schema(model_id, "output")}
        for model_id in state.models
    }


def routes(state: MockState) -> list[Route]:
    renderer = state.renderer
    schema_bodies = model_schemas(state)

    async def run(request: Request) -> Response:
        # The model comes raw (`@cf/baai/bge-m3`) or percent-encoded (`@cf%2Fbaai%2Fbge-m3`, as
        # the cloudflare SDK sends it): the server decodes the path, so `{model:path}` takes both.
        try:
            return renderer.v4_success(await run_request(state, request))
        except ApiError as error:
            return renderer.v4_error(error)

    async def model_schema(request: Request) -> Response:
        try:
            state.check_auth(request)
            name = request.query_params.get("model")
            if not name:
                raise ApiError(400, MISSING_BODY, "Missing query parameter: model")
            if name not in schema_bodies:
                raise no_such_model(clipped(name))
            return renderer.v4_success(schema_bodies[name])
        except ApiError as error:
            return renderer.v4_error(error)

    return [
        Route(ACCOUNT + "/ai/run/{model:path}", run, methods=["POST"]),
        Route(ACCOUNT + "/ai/models/schema", model_schema, methods=["GET"]),
    ]
