"""The `embedcheck compare` job: the two sides (or two bundled mocks), the texts, the verdict.

With no sides, two mocks are started on real sockets and their Workers AI and OpenAI routes
compared (the demo); `mock_b` switches make the second one differ as a real server might.
Every string that leaves the process (reports, the terminal) passes through one `Redactor`.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from embedcheck.conformance.compare import corpus as corpus_module
from embedcheck.conformance.compare.analysis import analyse, rows
from embedcheck.conformance.compare.collect import Ask, Collected, Sender, SendOptions, collect
from embedcheck.conformance.compare.diagnose import PoolingProbe
from embedcheck.conformance.compare.measure import row_cosines
from embedcheck.conformance.compare.report import Comparison
from embedcheck.conformance.compare.sides import POOLINGS, Side
from embedcheck.conformance.compare.thresholds import Thresholds
from embedcheck.conformance.errors import ConfigError, TargetUnreachable
from embedcheck.conformance.http.network import DIRECT
from embedcheck.conformance.profiles import PROFILES, Target, mock_target, model_spec
from embedcheck.conformance.profiles.kinds import KINDS
from embedcheck.conformance.reports.redact import Redactor

DEMO_MODEL = "@cf/baai/bge-base-en-v1.5"
# What the second mock of the demo may be switched to: MockConfig fields and their values.
MOCK_SWITCHES: dict[str, dict[str, str]] = {
    "bfloat16": {"precision": "bfloat16"},
    "other-model": {"model_variant": "other-model"},
}
PROBE_TEXTS = 8  # texts a pooling probe sends: enough for a minimum cosine to mean something


@dataclass(frozen=True)
class SideConfig:
    """One side as named on the command line: `PROFILE=BASE_URL` and its credentials."""

    profile: str
    base_url: str
    model: str
    pooling: str = ""
    token: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class CompareConfig:
    a: SideConfig | None = None  # None for both: the demo on two bundled mocks
    b: SideConfig | None = None
    demo_model: str = DEMO_MODEL
    demo_model_b: str = ""
    demo_pooling: tuple[str, str] = ("", "")
    mock_b: tuple[str, ...] = ()
    corpus: Path | None = None
    send: SendOptions = field(default_factory=SendOptions)
    thresholds: Thresholds = field(default_factory=Thresholds)
    report_dir: Path | None = Path("embedcheck-compare")


def parse_side(text: str) -> tuple[str, str]:
    """`PROFILE=BASE_URL` as (profile, url); ConfigError naming the fix."""
    profile, sep, url = text.partition("=")
    if not sep or profile not in PROFILES:
        raise ConfigError(
            f"a side is PROFILE=BASE_URL with PROFILE one of {', '.join(PROFILES)}, got {text!r}"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"side {text!r}: the base URL must be http(s) with a host")
    return profile, url


def _side(name: str, config: SideConfig) -> Side:
    kind = KINDS[config.profile]
    if kind.needs_account and not config.account_id:
        flag = "--account-id" if name == "A" else "--account-id-b"
        raise ConfigError(f"side {name} is {kind.name}: it needs {flag} (or CLOUDFLARE_ACCOUNT_ID)")
    if kind.openai_dialect and config.pooling:
        raise ConfigError(f"side {name} is openai: the OpenAI API has no pooling option")
    spec = model_spec(config.model, known_only=False)
    target = Target(config.profile, config.base_url, (spec,), config.token, config.account_id)
    return Side(name, target, spec, config.pooling)


@contextlib.contextmanager
def sides_for(config: CompareConfig) -> Iterator[tuple[Side, Side, str]]:
    """Both sides and a line saying what they are; the demo's mocks run while in use."""
    if config.a is not None and config.b is not None:
        if config.mock_b:
            raise ConfigError("--mock-b only applies to the demo (no sides given)")
        yield _side("A", config.a), _side("B", config.b), "two endpoints"
        return
    from embedcheck.conformance.mock import MockConfig, serve  # the demo only

    unknown = sorted(set(config.mock_b) - MOCK_SWITCHES.keys())
    if unknown:
        known = ", ".join(MOCK_SWITCHES)
        raise ConfigError(f"unknown --mock-b switch(es) {', '.join(unknown)} (known: {known})")
    switches: dict[str, Any] = {}
    for name in config.mock_b:
        switches.update(MOCK_SWITCHES[name])
    token_a, token_b = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    model_a = config.demo_model
    model_b = config.demo_model_b or model_a
    with (
        serve(MockConfig(api_token=token_a)) as mock_a,
        serve(MockConfig(api_token=token_b, **switches)) as mock_b,
    ):
        pooling_a, pooling_b = config.demo_pooling
        a = _demo_side("A", "workers-ai", mock_a.base_url, model_a, pooling_a, token_a)
        b_profile = "workers-ai" if pooling_b else "openai"
        b = _demo_side("B", b_profile, mock_b.base_url, model_b, pooling_b, token_b)
        described = f" with {', '.join(config.mock_b)}" if config.mock_b else ""
        yield a, b, f"the demo: two bundled mocks, the second{described}"


def _demo_side(name: str, profile: str, base: str, model: str, pooling: str, token: str) -> Side:
    spec = model_spec(model, known_only=False)
    return Side(name, mock_target(profile, base, (spec,), token), spec, pooling)


def _probes(
    sender: Sender, a: Side, b: Side, got: Collected, texts: list[str]
) -> list[PoolingProbe]:
    """Each side that takes `pooling`, asked for the values it was not asked for on a few
    short texts: does it then give the other side's vectors?"""
    sample = sorted(range(len(texts)), key=lambda i: len(texts[i]))[:PROBE_TEXTS]
    chosen = [texts[i] for i in sample]
    plan = [
        (side, other, pooling)
        for side, other in ((a, got.b), (b, got.a))
        if side.takes_pooling
        for pooling in POOLINGS
        if pooling != side.pooling
    ]
    replies = sender.ask_all([Ask(side, chosen, pooling) for side, _, pooling in plan])
    probes = []
    for (side, other, pooling), reply in zip(plan, replies, strict=True):
        if reply.vectors is None or reply.vectors.shape[1] != other.dims:
            continue
        cosines = row_cosines(reply.vectors, rows(other.vectors, sample))
        probes.append(
            PoolingProbe(side.name, pooling, other.side.name, len(chosen), float(np.min(cosines)))
        )
    return probes


def compare(config: CompareConfig) -> Comparison:
    """Run the comparison as configured; the result (reports written, when there is a dir)."""
    problem = config.thresholds.problem()
    if problem:
        raise ConfigError(problem)
    corpus = corpus_module.from_file(config.corpus) if config.corpus else corpus_module.builtin()
    texts = corpus.all_texts()
    # The demo's mocks are loopback servers of this process: never through a user's proxy.
    send = config.send if config.a is not None else replace(config.send, network=DIRECT)
    network = send.network.resolve().describe()
    start = time.monotonic()
    with sides_for(config) as (a, b, description), Sender(send) as sender:
        redactor = Redactor([a.target.token, b.target.token])
        try:
            got = collect(sender, a, b, texts)
        except TargetUnreachable as exc:  # a reply may echo a secret: mask the one line too
            raise TargetUnreachable(redactor.text(str(exc))) from None
        missing = int(got.missing.sum()) if not got.dims_differ else 0
        result = analyse(
            corpus,
            got.a.vectors,
            got.b.vectors,
            config.thresholds,
            missing=missing,
            probe=lambda: _probes(sender, a, b, got, texts),
        )
        comparison = Comparison(
            description=description,
            network=network,
            a=got.a,
            b=got.b,
            corpus=corpus,
            sent=got.sent,
            measures=result.measures,
            cosines=result.cosines,
            retrieval=result.retrieval,
            findings=result.findings,
            probes=result.probes,
            verdict=result.verdict,
            thresholds=config.thresholds,
            seconds=time.monotonic() - start,
            redactor=redactor,
        )
    if config.report_dir is not None:
        comparison.write(config.report_dir)
    return comparison
