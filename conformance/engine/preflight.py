"""Before the suite: one plain valid request per target and model, to catch settings mistakes.

A wrong base URL (every request 404, 405 or 501), a wrong or missing token (401/403) or a
model the target does not serve would otherwise show up as a wall of conformance results
("invalid input rejected ✓"). These are usage errors, one line each, exit 2. Anything else
the preflight sees (5xx, 429, odd bodies, timeouts) is left for the suite to judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from embedcheck.conformance.errors import ConfigError, TargetUnreachable
from embedcheck.conformance.generation.scenarios import text_payload
from embedcheck.conformance.generation.texts import CORPUS
from embedcheck.conformance.http.transport import Exchange, HttpClient
from embedcheck.conformance.profiles import ModelSpec, Target

AUTH_REFUSALS = frozenset({401, 403})
# Nothing at that URL takes a POST of JSON: no route, a wrong method, or a server that does not
# implement POST at all (a static file server answers 501).
ROUTE_MISSES = frozenset({404, 405, 501})
# How servers say "no such model": Workers AI codes 5007 (400) and 3042 (404), OpenAI's
# `model_not_found`, and the words of the servers that answer in prose (vLLM, TEI, Ollama).
MODEL_CODES = frozenset({5007, 3042, "model_not_found"})
MODEL_WORDS = re.compile(
    r"no such model|not found|does not exist|unknown model|not supported", re.I
)
EXCERPT = 160


@dataclass(frozen=True)
class Probe:
    model: ModelSpec
    exchange: Exchange

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def url(self) -> str:
        return self.exchange.request.url

    def excerpt(self) -> str:
        text = self.exchange.body[:EXCERPT].decode("utf-8", "replace")
        return " ".join(text.split()) + ("..." if len(self.exchange.body) > EXCERPT else "")


def preflight(
    client: HttpClient, target: Target, record: Callable[[Exchange], object] = lambda _: None
) -> None:
    """Send one valid request per model of `target`; ConfigError for a settings mistake.

    `record` sees each exchange (the run's breaker: a target that says "retry in an hour"
    is not sent the suite)."""
    probes = []
    for model in target.models:
        payload = text_payload(target, model, CORPUS[0])
        exchange = client.send(target.request(model, payload.body, label="preflight"))
        record(exchange)
        if exchange.error_kind == "connect":
            raise TargetUnreachable(f"target unreachable: {target.url(model)}: {exchange.error}")
        probes.append(Probe(model, exchange))
    judge(target, probes)


def judge(target: Target, probes: list[Probe]) -> None:
    """Raise ConfigError when the preflight replies say the settings, not the server, are wrong."""
    kind = target.kind
    if probes and all(p.status in AUTH_REFUSALS for p in probes):
        first = probes[0]
        raise ConfigError(
            f"authentication failed (HTTP {first.status} at {first.url}): {kind.auth_hint}"
        )
    unknown = [p for p in probes if _unknown_model(p)]
    # Every model refused alike, none by name: the route is wrong, not the models.
    if unknown and (len(unknown) < len(probes) or any(_names_model(p) for p in unknown)):
        names = ", ".join(p.model.name for p in unknown)
        first = unknown[0]
        raise ConfigError(
            f"the target does not serve model(s) {names} (HTTP {first.status} at {first.url}: "
            f"{first.excerpt()}); check --model"
        )
    misses = [p for p in probes if p.status in ROUTE_MISSES]
    if probes and len(misses) == len(probes):
        first = misses[0]
        raise ConfigError(
            f"HTTP {first.status} at {first.url}: nothing there takes embedding requests; "
            f"{kind.route_hint}"
        )


def _error_codes(probe: Probe) -> set[object]:
    """The error codes a JSON error body carries, in the Workers AI or the OpenAI shape."""
    parsed = probe.exchange.json
    if not parsed.ok or not isinstance(parsed.value, dict):
        return set()
    body = parsed.value
    errors = body.get("errors")
    codes: set[object] = set()
    if isinstance(errors, list):
        codes |= {e.get("code") for e in errors if isinstance(e, dict)}
    error = body.get("error")
    if isinstance(error, dict):
        codes.add(error.get("code"))
    return {c for c in codes if isinstance(c, int | str)}


def _names_model(probe: Probe) -> bool:
    """The reply says, in so many words, that this model is the problem."""
    text = probe.exchange.body[:4096].decode("utf-8", "replace")
    return bool(_error_codes(probe) & MODEL_CODES) or (
        probe.model.name in text and bool(MODEL_WORDS.search(text))
    )


def _unknown_model(probe: Probe) -> bool:
    """A refusal of this model: named as unknown, or a 404 where other models were served."""
    if probe.status not in (400, 404, 422):
        return False
    return _names_model(probe) or probe.status == 404
