"""`GET /openapi.json`: the OpenAPI 3.1 document of what the mock serves, from `schemas.openapi`.

`?profile=openai` gives the OpenAI-compatible document. The servers are relative (`/client/v4`,
`/v1`), so a tool resolves them against the mock's own base URL. No token is needed, as for
most published OpenAPI documents; faults do not touch it (it describes the API, it is not one
of the API's replies).
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from embedcheck.schemas.openapi import PROFILES, Profile, build_openapi

# The path prefix each profile's operations live under, on the mock itself.
SERVERS: dict[Profile, str] = {"workers-ai": "/client/v4", "openai": "/v1"}
DEFAULT_PROFILE = "workers-ai"
JSON = "application/json"


def routes() -> list[Route]:
    # Keyed by plain str: the query parameter is any string.
    documents: dict[str, bytes] = {
        profile: orjson.dumps(build_openapi(profile, SERVERS[profile])) for profile in PROFILES
    }

    async def openapi(request: Request) -> Response:
        profile = request.query_params.get("profile", DEFAULT_PROFILE)
        document = documents.get(profile)
        if document is None:
            known = " or ".join(PROFILES)
            error = {"error": f"unknown profile {profile[:100]!r}: use {known}"}
            return Response(orjson.dumps(error), 400, media_type=JSON)
        return Response(document, media_type=JSON)

    return [Route("/openapi.json", openapi, methods=["GET"])]
