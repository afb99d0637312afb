"""`POST /run/{model}`: a user's own Worker that passes the body to `env.AI.run(model, input)`
and returns `Response.json(result)`: the raw model output, no envelope; errors 400 with JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from embedcheck.conformance.mock.errors import ApiError
from embedcheck.conformance.mock.state import MockState
from embedcheck.conformance.mock.workers_ai import run_request


def routes(state: MockState) -> list[Route]:
    renderer = state.renderer

    async def run(request: Request) -> Response:
        try:
            return renderer.success(await run_request(state, request))
        except ApiError as error:
            return renderer.worker_error(error)

    return [Route("/run/{model:path}", run, methods=["POST"])]
