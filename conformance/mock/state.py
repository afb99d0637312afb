"""Everything one mock app holds, built once in `create_app`: no per-request compilation."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.requests import Request

from embedcheck.conformance.mock.codebook import codebook
from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.embeddings import Embedder
from embedcheck.conformance.mock.errors import authentication_error
from embedcheck.conformance.mock.inference import Runner
from embedcheck.conformance.mock.queue import JobStore
from embedcheck.conformance.mock.responses import Renderer
from embedcheck.conformance.mock.validation import ModelValidators, loosened, model_validators
from embedcheck.schemas import ModelRecord, SchemaError, effective_schema, models
from embedcheck.schemas.validators import CompiledSchema, compile_schema

log = logging.getLogger("embedcheck.mock")


@dataclass
class MockState:
    config: MockConfig
    renderer: Renderer
    runner: Runner
    jobs: JobStore
    models: dict[str, ModelRecord]  # by Workers AI id
    validators: dict[str, ModelValidators]
    poll: CompiledSchema
    openai_request: CompiledSchema
    openai_names: dict[str, ModelRecord] = field(default_factory=dict)

    @classmethod
    def build(cls, config: MockConfig) -> MockState:
        faults = config.faults
        validators = {}
        for record in models():
            if record.provider != "workers-ai":
                continue
            try:
                validators[record.id] = model_validators(record, faults)
            except SchemaError as exc:  # one unreadable model must not take the others down
                log.warning("the mock does not serve %s: %s", record.id, exc)
        records = {m.id: m for m in models() if m.id in validators}
        for record in records.values():
            codebook(record.dims)  # built now (once per process), not in the first request
        openai_schema = loosened(
            effective_schema("openai-embeddings", "request"), faults, openai=True
        )
        return cls(
            config=config,
            renderer=Renderer(faults),
            runner=Runner(config, Embedder(faults, config.precision, config.model_variant)),
            jobs=JobStore(config.max_jobs, config.max_job_bytes),
            models=records,
            validators=validators,
            poll=compile_schema(effective_schema("workers-ai-queue", "poll-request")),
            openai_request=compile_schema(openai_schema),
            openai_names=openai_names(records.values()),
        )

    def model(self, name: str) -> ModelRecord | None:
        return self.models.get(name)

    def check_auth(self, request: Request) -> None:
        """401 unless the configured token came as `Authorization: Bearer <token>`."""
        token = self.config.api_token
        if token is None or self.config.has("auth-not-enforced"):
            return
        sent = request.headers.get("authorization", "")
        scheme, _, value = sent.partition(" ")
        good = scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
        if not good:
            raise authentication_error()


def openai_names(records: Iterable[ModelRecord]) -> dict[str, ModelRecord]:
    """Names the OpenAI route takes, case-insensitively: the Workers AI id (`@cf/baai/bge-m3`),
    the gateway style without `@cf/` (`baai/bge-m3`, as seed 003 uses) and the bare slug."""
    names: dict[str, ModelRecord] = {}
    for record in records:
        for name in (record.id, record.id.removeprefix("@cf/"), record.slug):
            names[name.lower()] = record
    return names
