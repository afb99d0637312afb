"""The async batch queue: submit, poll queued -> running -> done, map responses by id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from embedcheck.conformance.mock import MockConfig
from embedcheck.conformance.mock.queue import JobStore, pending_status
from embedcheck.schemas import model
from tests.conformance.mock.wire import (
    LARGE,
    M3,
    SMALL,
    assert_valid,
    error_of,
    mock_client,
    result,
    run_url,
    variant,
)

pytestmark = pytest.mark.anyio
QUEUED = {"queueRequest": "true"}


async def submit(client: httpx.AsyncClient, model_id: str, requests: list[Any]) -> str:
    reply = result(await client.post(run_url(model_id), params=QUEUED, json={"requests": requests}))
    assert_valid("workers-ai-queue", "pending", reply)
    assert reply["status"] == "queued" and reply["model"] == model_id
    return str(reply["request_id"])


async def poll(client: httpx.AsyncClient, model_id: str, request_id: str, flag: bool) -> Any:
    params = QUEUED if flag else None
    return result(
        await client.post(run_url(model_id), params=params, json={"request_id": request_id})
    )


async def test_a_job_goes_queued_running_done_and_maps_responses_by_id() -> None:
    requests = [
        {"text": "first", "external_reference": "ref-0"},
        {"text": ["second", "third"], "pooling": "cls"},
        5,  # valid for the English models (items declare no type), but not an input
    ]
    async with mock_client() as client:
        request_id = await submit(client, SMALL, requests)
        statuses = []
        for flag in (True, False):  # polls work with or without the query flag
            pending = await poll(client, SMALL, request_id, flag)
            assert_valid("workers-ai-queue", "pending", pending)
            assert_valid(SMALL, "output", pending)
            statuses.append(pending["status"])
        done = await poll(client, SMALL, request_id, True)
        again = await poll(client, SMALL, request_id, False)
        sync = result(
            await client.post(run_url(SMALL), json={"text": ["second", "third"], "pooling": "cls"})
        )
    assert statuses == ["queued", "running"]
    assert_valid("workers-ai-queue", "result", done)
    assert done == again
    by_id = {r["id"]: r for r in done["responses"]}
    assert sorted(by_id) == [0, 1, 2]
    assert [r["id"] for r in done["responses"]] == [2, 1, 0]  # out of order, as upstream may
    assert by_id[0]["external_reference"] == "ref-0"
    assert by_id[1]["external_reference"] is None
    for index in (0, 1):
        assert by_id[index]["success"] is True
        assert_valid(SMALL, "output", by_id[index]["result"])
    assert by_id[1]["result"] == sync
    assert by_id[2]["success"] is False
    assert done["usage"]["prompt_tokens"] == done["usage"]["total_tokens"] == 3


async def test_bge_m3_batch_runs_each_item_through_its_own_branch() -> None:
    requests = [{"query": "q", "contexts": [{"text": "c"}, {}]}, {"contexts": [{}]}, {"text": "t"}]
    async with mock_client(MockConfig(queue_polls_until_done=0)) as client:
        done = await poll(client, M3, await submit(client, M3, requests), False)
    assert_valid("workers-ai-queue", "result", done)
    names = {r["id"]: variant(M3, r["result"]) for r in done["responses"]}
    assert names == {0: "QueryScoresOutput", 1: "ContextEmbeddingsOutput", 2: "EmbeddingOutput"}


async def test_batch_without_the_queue_flag_is_queued_too() -> None:
    async with mock_client() as client:
        reply = result(await client.post(run_url(LARGE), json={"requests": [{"text": "a"}]}))
    assert variant(LARGE, reply) == "AsyncResponse" and reply["status"] == "queued"


async def test_queue_flag_on_a_plain_input_runs_it_at_once() -> None:
    async with mock_client() as client:
        reply = result(await client.post(run_url(LARGE), params=QUEUED, json={"text": "a"}))
    assert variant(LARGE, reply) == "EmbeddingOutput"


async def test_unknown_or_foreign_request_id_is_404_code_7003() -> None:
    async with mock_client() as client:
        unknown = error_of(await client.post(run_url(SMALL), json={"request_id": "nope"}), 404)
        request_id = await submit(client, SMALL, [{"text": "a"}])
        foreign = await client.post(run_url(LARGE), json={"request_id": request_id})
        malformed = await client.post(run_url(SMALL), json={"request_id": ""})
    assert unknown["code"] == 7003 and "'nope'" in unknown["message"]
    assert error_of(foreign, 404)["code"] == 7003
    assert error_of(malformed, 400)["code"] == 5006


@pytest.mark.parametrize(
    ("polls_until_done", "expected"),
    [(0, []), (1, ["running"]), (2, ["queued", "running"]), (3, ["queued", "queued", "running"])],
)
def test_pending_statuses_before_done(polls_until_done: int, expected: list[str]) -> None:
    statuses = []
    poll_number = 1
    while (status := pending_status(poll_number, polls_until_done, never_done=False)) is not None:
        statuses.append(status)
        poll_number += 1
    assert statuses == expected


def test_job_store_forgets_the_oldest_jobs_beyond_its_bounds() -> None:
    record = model(SMALL)
    store = JobStore(max_jobs=3, max_bytes=1000)
    ids = [store.submit(record, [], 10).request_id for _ in range(5)]
    assert len(store) == 3
    assert store.get(ids[0]) is None and store.get(ids[1]) is None
    assert store.get(ids[2]) is not None  # touching it makes it the newest
    store.submit(record, [], 10)
    assert store.get(ids[3]) is None and store.get(ids[2]) is not None
    store.submit(record, [], 995)  # over the byte budget: older ones go, the new one stays
    assert len(store) == 1
