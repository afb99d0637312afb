"""An OpenAPI 3.1 document built from the effective schemas, so OpenAPI tools (Schemathesis,
openapi-python-client, API gateways) can use what embedcheck vendors.

Two profiles: `workers-ai` (one `POST .../ai/run/<model>` operation per model, bodies wrapped
in the v4 envelope) and `openai` (the OpenAI-compatible `POST /embeddings`).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from embedcheck.schemas.manifest import load_manifest
from embedcheck.schemas.store import effective_schema

Profile = Literal["workers-ai", "openai"]
PROFILES: tuple[Profile, ...] = ("workers-ai", "openai")
DEFAULT_SERVERS: dict[Profile, str] = {
    "workers-ai": "https://api.cloudflare.com/client/v4",
    "openai": "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1",
}
OPENAPI_VERSION = "3.1.0"


def _component(schema: Any) -> Any:
    """A schema fit to live under components: no nested `$schema` dialect markers."""
    cleaned = copy.deepcopy(schema)
    if isinstance(cleaned, dict):
        cleaned.pop("$schema", None)
    return cleaned


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: Any, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _component_name(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", model_id.removeprefix("@cf/")).strip("_")


def _workers_ai(server: str) -> dict[str, Any]:
    components: dict[str, Any] = {
        "EnvelopeError": _component(effective_schema("cloudflare-v4", "error")),
    }
    envelope_success = _component(effective_schema("cloudflare-v4", "success"))
    errors = {
        "400": _json_body(_ref("EnvelopeError"), "Invalid input, or no such model (code 5007)"),
        "401": _json_body(_ref("EnvelopeError"), "Missing or bad API token (code 10000)"),
        "413": _json_body(_ref("EnvelopeError"), "Request too large (code 3006)"),
        "429": _json_body(_ref("EnvelopeError"), "Rate limited or capacity exceeded"),
    }
    paths: dict[str, Any] = {}
    for record in load_manifest().models:
        name = _component_name(record.id)
        components[f"{name}_input"] = _component(effective_schema(record.id, "input"))
        components[f"{name}_output"] = _component(effective_schema(record.id, "output"))
        success = copy.deepcopy(envelope_success)
        success["properties"]["result"] = _ref(f"{name}_output")
        components[f"{name}_envelope"] = success
        paths[f"/accounts/{{account_id}}/ai/run/{record.id}"] = {
            "post": {
                "operationId": f"run_{name}",
                "summary": f"Run {record.id} ({record.dims} dimensions)",
                "parameters": [
                    {
                        "name": "account_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                    },
                    {
                        "name": "queueRequest",
                        "in": "query",
                        "required": False,
                        "description": "Send a {requests: [...]} batch to the async queue",
                        "schema": {"type": "boolean"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(f"{name}_input")}},
                },
                "responses": {
                    "200": _json_body(_ref(f"{name}_envelope"), "Model output"),
                    **errors,
                },
            }
        }
    return {"paths": paths, "components": components}


def _openai(server: str) -> dict[str, Any]:
    components = {
        "CreateEmbeddingRequest": _component(effective_schema("openai-embeddings", "request")),
        "CreateEmbeddingResponse": _component(effective_schema("openai-embeddings", "response")),
        "ErrorResponse": _component(effective_schema("openai-embeddings", "error")),
    }
    error = _ref("ErrorResponse")
    operation = {
        "operationId": "createEmbedding",
        "summary": "Embed text (OpenAI-compatible)",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("CreateEmbeddingRequest")}},
        },
        "responses": {
            "200": _json_body(_ref("CreateEmbeddingResponse"), "Embeddings"),
            "400": _json_body(error, "Invalid request"),
            "401": _json_body(error, "Missing or bad API key"),
            "404": _json_body(error, "Unknown model"),
            "429": _json_body(error, "Rate limited; may carry Retry-After"),
        },
    }
    return {"paths": {"/embeddings": {"post": operation}}, "components": components}


def build_openapi(profile: Profile = "workers-ai", server_url: str | None = None) -> dict[str, Any]:
    server = server_url or DEFAULT_SERVERS[profile]
    body = _workers_ai(server) if profile == "workers-ai" else _openai(server)
    server_entry: dict[str, Any] = {"url": server}
    if "{account_id}" in server:
        server_entry["variables"] = {"account_id": {"default": "ACCOUNT_ID"}}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"Embedding API ({profile}) — effective schemas from embedcheck",
            "version": "current",
            "description": "Built from the vendored upstream schemas plus embedcheck's overlays.",
        },
        "servers": [server_entry],
        "security": [{"bearer": []}],
        "paths": body["paths"],
        "components": {
            "schemas": body["components"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
