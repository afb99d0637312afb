"""The probe checks against the bundled mock over 20 seeds: each fails on its own faults (and no
other check does), and passes on the clean mock."""

from __future__ import annotations

import pytest

from embedcheck.conformance.checks import select
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.profiles import mock_target, model_spec
from embedcheck.conformance.reports.results import failed_checks, flagged_checks, warned_checks

SEEDS = range(20)
PROBES = {
    "unknown-model-rejected": ("unknown-model-served",),
    "usage-plausible": ("usage-counts-characters", "usage-zero"),
    "dimensions-honoured": ("dimensions-ignored", "dimensions-not-renormalised"),
}
MODELS = (model_spec("bge-small-en-v1.5"), model_spec("bge-m3"))
OPENAI_CHECKS = [c for c in select() if c.profiles is None or "openai" in c.profiles]


CASES = [(c, f) for c, faults in PROBES.items() for f in faults]


@pytest.mark.parametrize(("check", "fault"), CASES)
def test_each_probe_fault_fails_its_check_on_every_seed(check: str, fault: str) -> None:
    with serve(MockConfig(faults=frozenset({fault}))) as mock:
        target = mock_target("openai", mock.base_url, MODELS[:1], None)
        for seed in SEEDS:
            options = RunOptions(max_examples=5, seed=seed, parallel="threads", shrink_budget=3)
            result = run([target], select([check]), options)
            assert flagged_checks(result) == {check}, (seed, fault)


@pytest.mark.parametrize(("check", "fault"), CASES)
def test_each_probe_fault_fails_no_other_check(check: str, fault: str) -> None:
    # Every OpenAI scenario is sent: the fault is caught by its own check and no other.
    with serve(MockConfig(faults=frozenset({fault}))) as mock:
        target = mock_target("openai", mock.base_url, MODELS, None)
        options = RunOptions(max_examples=5, seed=0, parallel="threads", shrink_budget=3)
        assert flagged_checks(run([target], OPENAI_CHECKS, options)) == {check}


def test_the_probe_checks_pass_on_the_clean_mock_on_every_seed() -> None:
    probes = select(list(PROBES))
    with serve(MockConfig()) as mock:
        target = mock_target("openai", mock.base_url, MODELS, None)
        for seed in SEEDS:
            options = RunOptions(max_examples=50, seed=seed, parallel="threads")
            result = run([target], probes, options)
            assert flagged_checks(result) == set(), (
                seed,
                [f.failure.message for _, f in result.findings()],
            )
            assert result.errors == []
            states = {t.status for unit in result.units for t in unit.tallies.values()}
            assert states == {"passed"}, (seed, states)


@pytest.mark.parametrize(
    ("profile", "failed", "warned"),
    [
        ("workers-ai", {"unknown-model-rejected"}, set()),
        ("worker", set(), {"unknown-model-rejected"}),
    ],
)
def test_an_unknown_model_in_the_url_fails_where_documented_and_warns_where_not(
    profile: str, failed: set[str], warned: set[str]
) -> None:
    checks = select(["unknown-model-rejected"])
    with serve(MockConfig(faults=frozenset({"unknown-model-served"}))) as mock:
        target = mock_target(profile, mock.base_url, MODELS, "t")
        result = run([target], checks, RunOptions(max_examples=2, seed=0, parallel="threads"))
    assert (failed_checks(result), warned_checks(result)) == (failed, warned)
    with serve(MockConfig()) as mock:
        target = mock_target(profile, mock.base_url, MODELS, "t")
        clean = run([target], checks, RunOptions(max_examples=2, seed=0, parallel="threads"))
    assert flagged_checks(clean) == set() and clean.errors == []
