"""The concurrency scenario runs alone before the other units, and large batches follow the
schema's maxItems."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.conformance.checks import select
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import plan, run
from embedcheck.conformance.generation.scenarios import (
    CONCURRENT,
    LARGE_BATCHES,
    SCENARIOS,
    large_batch_sizes,
    max_batch,
)
from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.profiles import PROFILES, mock_target, model_spec
from embedcheck.conformance.reports.results import failed_checks
from embedcheck.schemas import models

BATCH_CHECKS = ("order-kept", "batch-invariance", "distinct-vectors")
NAMES = sorted(m.slug for m in models() if m.provider == "workers-ai")


def test_twenty_seeds_of_concurrency_and_large_batches_pass_on_the_clean_mock() -> None:
    specs = (model_spec("bge-small-en-v1.5"), model_spec("bge-m3"))
    checks = select(["concurrency-isolation", *BATCH_CHECKS])
    with serve(MockConfig()) as mock:
        targets = [mock_target(p, mock.base_url, specs, None) for p in PROFILES]
        for seed in range(20):
            options = RunOptions(max_examples=2, seed=seed, scenarios=("concurrency", "batch"))
            result = run(targets, checks, options)
            assert failed_checks(result) == set(), [f.failure.message for _, f in result.findings()]
            assert result.errors == []
            judged = {
                name
                for unit in result.units
                for name, tally in unit.tallies.items()
                if tally.passed
            }
            assert judged == {"concurrency-isolation", *BATCH_CHECKS}


@pytest.mark.parametrize("parallel", ["processes", "threads"])
def test_the_reference_phase_has_nothing_else_in_flight(
    parallel: str, caplog: pytest.LogCaptureFixture
) -> None:
    specs = (model_spec("bge-small-en-v1.5"),)
    with serve(MockConfig()) as mock, caplog.at_level(logging.INFO, logger="embedcheck.run"):
        targets = [mock_target(p, mock.base_url, specs, None) for p in ("worker", "openai")]
        run(targets, select(), RunOptions(max_examples=2, seed=3, parallel=parallel))
    sent = [r.getMessage() for r in caplog.records if " -> " in r.getMessage()]
    quiet = [i for i, line in enumerate(sent) if "[concurrency #" in line]
    # 2 targets x (reference + burst); every one of them before any request of another unit.
    assert len(quiet) == 2 * 2 * CONCURRENT
    assert quiet == list(range(len(quiet))) and len(sent) > len(quiet)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", NAMES)
def test_large_batches_go_up_to_the_schema_max_items(profile: str, name: str) -> None:
    spec = model_spec(name)
    target = mock_target(profile, "http://127.0.0.1:1", (spec,), None)
    batch = next(s for s in SCENARIOS if s.name == "batch")
    if not batch.applies(target, spec):
        pytest.skip(f"no batch scenario for {name} on {profile}")
    cap = max_batch(target, spec)
    sizes = large_batch_sizes(target, spec)
    assert all(n <= cap for n in sizes) if cap is not None else sizes == list(LARGE_BATCHES)
    if cap is not None and cap <= LARGE_BATCHES[-1]:
        assert sizes[-1] == cap  # the schema's own maximum is sent
    cases = batch.boundaries(target, spec)
    big = [c for c in cases if c.payloads[0].count >= LARGE_BATCHES[0]]
    assert [c.payloads[0].count for c in big] == sizes
    for case in big:
        texts = case.payloads[0].texts
        assert len(set(texts)) == len(texts)
        alone = [p.texts[0] for p in case.payloads[1:]]
        assert alone == [texts[0], texts[len(texts) // 2], texts[-1]]  # a few, not all


def test_one_worker_sends_nothing_together_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = (model_spec("bge-small-en-v1.5"),)
    targets = [mock_target("worker", "http://127.0.0.1:1", specs, None)]
    assert "concurrency" not in {
        s.name for _, _, s in plan(targets, select(), RunOptions(workers=1))
    }
    assert "concurrency" in {s.name for _, _, s in plan(targets, select(), RunOptions(workers=2))}
    code = main(
        ["run", "--no-progress", "--report-dir", str(tmp_path), "--profile", "worker",
         "--model", "bge-small-en-v1.5", "--checks", "concurrency-isolation", "--workers", "1"]
    )  # fmt: skip
    assert code == 2
    assert "--workers 1 allows one at a time (use --workers 2" in capsys.readouterr().err
