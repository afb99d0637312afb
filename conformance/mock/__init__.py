"""The reference mock server: Workers AI and OpenAI-compatible embeddings, with fault switches.

    from embedcheck.conformance.mock import MockConfig, create_app, serve, FAULTS

`create_app(config)` is a Starlette app (use it in-process through `httpx.ASGITransport`);
`serve(config)` runs it under uvicorn on 127.0.0.1 and yields its `base_url`. Routes:
- `POST /client/v4/accounts/{account}/ai/run/{model}` (model raw or percent-encoded), the v4
  envelope; `{"requests": [...]}` is queued (with or without `?queueRequest=true`) and polled
  by POSTing `{"request_id": ...}` to the same URL: queued -> running -> done.
- `GET /client/v4/accounts/{account}/ai/models/schema?model=...`: the raw upstream schemas.
- `POST /v1/embeddings` and `POST /client/v4/accounts/{account}/ai/v1/embeddings` (OpenAI).
- `POST /run/{model}`: a user's Worker returning `env.AI.run` output as is; errors 400 JSON.
- `GET /openapi.json` (`?profile=openai`): the OpenAPI 3.1 document, servers relative to the mock.

Refusals: 401 code 10000 (token), 400 code 5007 (no such model), 413 code 3006 (> 10 MB, or
more texts than `max_texts`), 400 code 3003 (empty body), 400 code 5006 (malformed JSON or a
body the effective input schema refuses; the message names the keyword and the field's JSON
pointer; a lone surrogate, `"\\ud800"`, included: no text), 400 code 5006 for a text over
the model's `max_input_tokens` where the schema's truncation switch says so (`limits`: cut
where it says truncate or is silent; the OpenAI route refuses, as OpenAI does), 404 code 7003
(unknown request_id). No input gives a 5xx unless `unicode-500` or `surrogate-500` is on.
Model-specific choices are documented in `inference`, `workers_ai`, `routes_openai`, `limits`.
"""

from embedcheck.conformance.mock.app import create_app
from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.faults import FAULTS, Fault
from embedcheck.conformance.mock.server import RunningMock, serve

__all__ = ["FAULTS", "Fault", "MockConfig", "RunningMock", "create_app", "serve"]
