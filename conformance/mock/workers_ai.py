"""`env.AI.run(model, input)` semantics shared by the v4 REST route and the Worker-style route.

A body is routed by the input-schema branch it validates through. A batch body goes to
the queue whether or not `?queueRequest=true` is set (Workers AI runs batches only through the
queue, and answering with `{request_id}` keeps a schema-valid body from being refused); the flag
on a non-batch body is ignored and the input runs at once. A body that is no valid input but
carries `request_id` is a poll.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from embedcheck.conformance.mock.body import read_json
from embedcheck.conformance.mock.errors import NOT_FOUND, ApiError, no_such_model
from embedcheck.conformance.mock.queue import pending_status
from embedcheck.conformance.mock.state import MockState
from embedcheck.conformance.mock.validation import ModelValidators, bad_input, clipped
from embedcheck.schemas import ModelRecord
from embedcheck.schemas.layout import BATCH


def precheck_budget(state: MockState, validators: ModelValidators, body: Any) -> None:
    """Refuse a huge list before validating it item by item (a 10 MB body of `{}` is 3M):
    any list where a variant of the model holds its texts, contexts or queued requests."""
    if isinstance(body, dict):
        for key in validators.lists:
            value = body.get(key)
            if isinstance(value, list):
                state.runner.check_budget(len(value))


def poll(state: MockState, model: ModelRecord, body: dict[str, Any]) -> Any:
    if not state.poll.is_valid(body):
        raise bad_input(state.poll.whole, body)
    job = state.jobs.get(body["request_id"])
    if job is None or job.model.id != model.id:
        message = clipped(
            f"AiError: no queued request {body['request_id']!r} for {model.id} "
            "(never submitted here, or forgotten)"
        )
        raise ApiError(404, NOT_FOUND, message, param="request_id")
    job.polls += 1
    config = state.config
    never = config.has("async-never-completes")
    status = pending_status(job.polls, config.queue_polls_until_done, never)
    if status is not None:
        return {"status": status, "request_id": job.request_id, "model": model.id}
    return state.runner.batch_result(job.items, model, state.validators[model.id])


def run(state: MockState, model: ModelRecord, body: Any, size: int) -> Any:
    """The model's raw output for `body` (or the queue's reply); ApiError for a refusal."""
    validators = state.validators[model.id]
    precheck_budget(state, validators, body)
    try:
        variant = validators.variant(body)
    except ApiError:
        if isinstance(body, dict) and "request_id" in body:
            return poll(state, model, body)
        raise
    if variant.kind == BATCH:
        items: list[Any] = body[variant.texts]
        state.runner.check_budget(state.runner.batch_texts(items, validators))
        job = state.jobs.submit(model, items, size)
        return {"status": "queued", "request_id": job.request_id, "model": model.id}
    return state.runner.run(model, validators.layout, variant, body)


async def run_request(state: MockState, request: Request) -> Any:
    """Auth, model, body, run: in the order Workers AI refuses them."""
    state.check_auth(request)
    name: str = request.path_params["model"]
    model = state.model(name)
    if model is None and "unknown-model-served" in state.config.faults:
        model = next(iter(state.models.values()))  # the fault: any name is served
    if model is None:
        raise no_such_model(clipped(name))
    body, size = await read_json(request, state.config.max_body_bytes, state.config.faults)
    return run(state, model, body, size)
