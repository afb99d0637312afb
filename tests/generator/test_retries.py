"""Retries: which replies are retried, how long the client waits, and that max_retries bounds it.

The waits are read from an injected sleep, so nothing here really sleeps.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterable

import httpx
import pytest
from workers_ai_embeddings import (
    APIConnectionError,
    APITimeoutError,
    AsyncClient,
    BadRequestError,
    Client,
    RateLimitError,
    ServerError,
)

BASE = "http://api.test/client/v4"
OK = {
    "success": True,
    "result": {"shape": [1, 2], "data": [[0.5, 0.5]]},
    "errors": [],
    "messages": [],
}
RATE = {"success": False, "errors": [{"code": 3040, "message": "Capacity temporarily exceeded"}]}
Step = Callable[[httpx.Request], httpx.Response]


def reply(status: int, headers: dict[str, str] | None = None) -> Step:
    body = OK if status == 200 else RATE
    return lambda request: httpx.Response(status, json=body, headers=headers)


def fail(exc: type[httpx.TransportError]) -> Step:
    def raise_(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)

    return raise_


class Script:
    """Answers each request with the next step; counts the requests."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        return step(request)


def new_waits() -> list[float]:
    return []


def client_for(script: Script, waits: list[float], max_retries: int = 2) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(script))
    return Client(
        "a", "t", base_url=BASE, http_client=http, max_retries=max_retries, sleep=waits.append
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
    ],
)
def test_retry_after_is_honoured_as_given(headers: dict[str, str], expected: float) -> None:
    script, waits = Script([reply(429, headers), reply(200)]), new_waits()
    result = client_for(script, waits).bge_m3.embed("x")
    assert result.shape == [1, 2]
    assert script.calls == 2 and waits == [expected]


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    script, waits = Script([reply(503, {"retry-after": when}), reply(200)]), new_waits()
    client_for(script, waits).bge_m3.embed("x")
    assert len(waits) == 1 and 8.0 < waits[0] <= 10.0


@pytest.mark.parametrize("header", [{}, {"retry-after": "120"}, {"retry-after": "soon"}])
def test_without_a_usable_retry_after_the_backoff_doubles_with_jitter(
    header: dict[str, str],
) -> None:
    script, waits = Script([reply(429, header), reply(429, header), reply(200)]), new_waits()
    client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 3 and len(waits) == 2
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0  # 0.5 x 2^n minus up to 25 %


def test_backoff_is_capped_at_eight_seconds() -> None:
    script, waits = Script([reply(500)] * 8 + [reply(200)]), new_waits()
    client_for(script, waits, max_retries=8).bge_m3.embed("x")
    assert len(waits) == 8 and all(wait <= 8.0 for wait in waits) and waits[-1] >= 6.0


def test_max_retries_bounds_the_attempts() -> None:
    script, waits = Script([reply(429, {"retry-after": "1"})]), new_waits()
    with pytest.raises(RateLimitError) as caught:
        client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 3 and waits == [1.0, 1.0]  # default: 2 retries
    assert caught.value.status_code == 429 and caught.value.code == 3040
    script, waits = Script([reply(429, {"retry-after": "1"})]), new_waits()
    with pytest.raises(RateLimitError):
        client_for(script, waits, max_retries=0).bge_m3.embed("x")
    assert script.calls == 1 and waits == []


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        (408, True),
        (409, True),
        (500, True),
        (502, True),
        (400, False),
        (401, False),
        (404, False),
        (413, False),
    ],
)
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    script, waits = Script([reply(status), reply(200)]), new_waits()
    client = client_for(script, waits)
    if retried:
        client.bge_m3.embed("x")
    else:
        with pytest.raises(Exception):  # noqa: B017 - the typed class is checked elsewhere
            client.bge_m3.embed("x")
    assert script.calls == (2 if retried else 1)


def test_the_server_can_say_whether_to_retry() -> None:
    script, waits = Script([reply(500, {"x-should-retry": "false"}), reply(200)]), new_waits()
    with pytest.raises(ServerError):
        client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 1
    script, waits = Script([reply(400, {"x-should-retry": "true"}), reply(200)]), new_waits()
    client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 2


def test_connection_errors_and_timeouts_are_retried_then_typed() -> None:
    script, waits = Script([fail(httpx.ConnectError), reply(200)]), new_waits()
    client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 2 and len(waits) == 1
    script, waits = Script([fail(httpx.ReadTimeout)]), new_waits()
    with pytest.raises(APITimeoutError):
        client_for(script, waits).bge_m3.embed("x")
    assert script.calls == 3
    script, waits = Script([fail(httpx.RemoteProtocolError)]), new_waits()
    with pytest.raises(APIConnectionError):
        client_for(script, waits, max_retries=1).bge_m3.embed("x")
    assert script.calls == 2


def test_a_4xx_is_not_retried_and_is_typed() -> None:
    script, waits = Script([reply(400)]), new_waits()
    with pytest.raises(BadRequestError):
        client_for(script, waits).bge_m3.embed("x")
    assert waits == []


@pytest.mark.anyio
async def test_async_client_retries_with_the_same_policy() -> None:
    script = Script([reply(429, {"retry-after": "2"}), reply(503), reply(200)])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    async with AsyncClient("a", "t", base_url=BASE, http_client=http, sleep=sleep) as client:
        result = await client.bge_m3.embed("x")
    assert result.shape == [1, 2] and script.calls == 3
    assert waits[0] == 2.0 and 0.75 <= waits[1] <= 1.0
    script = Script([reply(429)])
    async with AsyncClient(
        "a",
        "t",
        base_url=BASE,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(script)),
        sleep=sleep,
        max_retries=1,
    ) as client:
        with pytest.raises(RateLimitError):
            await client.bge_m3.embed("x")
    assert script.calls == 2
