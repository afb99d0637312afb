"""`create_app`: the Starlette app with every route, built once from a MockConfig."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from embedcheck.conformance.mock import (
    routes_openai,
    routes_openapi,
    routes_worker,
    routes_workers_ai,
)
from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.errors import ApiError
from embedcheck.conformance.mock.inflight import InFlight
from embedcheck.conformance.mock.state import MockState

# Cloudflare answers an unknown path with code 7003 ("Could not route to ...") and a wrong
# method with 7000-range codes too; the exact code matters less than the envelope.
ROUTING_CODES = {404: 7003, 405: 7001}


def create_app(config: MockConfig | None = None) -> Starlette:
    state = MockState.build(config or MockConfig())
    renderer = state.renderer

    async def unrouted(request: Request, exc: Exception) -> Response:
        """Unknown paths and methods, answered in the shape of the API the path belongs to."""
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        path = request.url.path
        message = f"Could not route to {path}" if status == 404 else f"{request.method} not allowed"
        error = ApiError(status, ROUTING_CODES.get(status, 7000), message)
        if path.startswith("/client/v4/") and not path.endswith("/v1/embeddings"):
            response = renderer.v4_error(error)
        elif "/v1/" in path:
            response = renderer.openai_error(error, {})
        else:
            response = renderer.worker_error(error, keep_status=True)
        # A 405 names the methods the path takes (`Allow`, RFC 9110 15.5.6).
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        return response

    routes = [
        *routes_workers_ai.routes(state),
        *routes_openai.routes(state),
        *routes_worker.routes(state),
        *routes_openapi.routes(),
    ]
    # Only the fault needs requests tracked (and gathered: a short wait each).
    middleware = [Middleware(InFlight)] if state.config.has("concurrent-corruption") else []
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: unrouted}
    )
    app.state.mock = state  # for tests and tools that want to look inside (e.g. the job store)
    return app
