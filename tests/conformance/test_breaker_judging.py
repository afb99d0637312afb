"""A request that trips the breaker is judged, even when the rest of its case is never sent."""

from __future__ import annotations

from embedcheck.conformance.checks import REGISTRY
from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.unit import Session, UnitRun, UnitSpec
from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.profiles import mock_target, model_spec
from embedcheck.conformance.vocabulary import Case, Payload


class ResettingClient:
    """Every request is reset by the peer, as a hostile server does."""

    def __init__(self) -> None:
        self.sent: list[Request] = []

    def send(self, request: Request) -> Exchange:
        self.sent.append(request)
        return Exchange(request=request, error="connection reset", error_kind="reset")


def test_the_reset_that_trips_the_breaker_is_a_responds_finding() -> None:
    model = model_spec("bge-small-en-v1.5")
    target = mock_target("worker", "http://127.0.0.1:9", (model,), "t")
    client = ResettingClient()
    session = Session(client, Breaker(limit=1, max_wait=1.0))  # type: ignore[arg-type]
    spec = UnitSpec(target, model, "batch", seed=0, checks=tuple(REGISTRY))
    unit = UnitRun(session, spec, RunOptions(), database=None)
    texts = ({"text": "a"}, {"text": "b"})
    payloads = tuple(
        Payload(body, ("bge-small-en-v1.5", "input"), "EmbedInput/Text", texts=(body["text"],))
        for body in texts
    )

    failed = unit.judge(unit.execute(Case("batch", payloads)), "boundary")

    assert len(client.sent) == 1  # the second request was never sent: the breaker tripped
    assert failed == ["responds"]
    [finding] = unit.result.findings.values()
    assert (finding.check, finding.failure.expected, finding.failure.actual) == (
        "responds",
        "a complete reply",
        "reset",
    )
    judged = {name: t for name, t in unit.result.tallies.items() if t.failed or t.passed}
    assert list(judged) == ["responds"]  # nothing else claims a verdict on half a case
