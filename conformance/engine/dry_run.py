"""The Hypothesis side of a run alone: the units, seeds, budgets and worker processes of
`runner.run`, every example drawn, nothing sent or judged.

What a run costs before it has sent a byte (bench/embedcheck_tool.py measures it). It is an
entry point of the engine so that nothing outside it reaches into its units.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from hypothesis import given
from hypothesis import seed as hypothesis_seed

from embedcheck.conformance.checks import Check
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import unit_specs
from embedcheck.conformance.engine.unit import (
    SCENARIO_BY_NAME,
    UnitSpec,
    case_strategy,
    examples,
    leave_numpy_random_alone,
    unit_settings,
    warm_up,
)
from embedcheck.conformance.profiles import Target
from embedcheck.conformance.vocabulary import Case


@dataclass(frozen=True)
class DrawnUnit:
    examples: int  # cases Hypothesis drew
    payloads: int  # what they would have sent (a queued batch: its submission)
    cpu: float  # CPU seconds of the unit in its worker process


@dataclass(frozen=True)
class DryRun:
    wall: float  # seconds, the worker processes started to the last unit drawn
    units: list[DrawnUnit]


def _draw(spec: UnitSpec, options: RunOptions) -> DrawnUnit:
    """One unit's Hypothesis run, as the runner makes it, with a test that sends nothing."""
    start = time.process_time()
    scenario = SCENARIO_BY_NAME[spec.scenario]
    counts = [0, 0]

    def test(case: Case) -> None:
        counts[0] += 1
        counts[1] += len(case.payloads)

    if scenario.generates:
        strategy = case_strategy(spec.scenario, spec.target, spec.model)
        configured = unit_settings(examples(options, scenario), None)(given(strategy)(test))
        hypothesis_seed(spec.seed)(configured)()
    return DrawnUnit(counts[0], counts[1], time.process_time() - start)


def draw_only(targets: list[Target], checks: list[Check], options: RunOptions) -> DryRun:
    """Draw every example of the run `runner.run(targets, checks, options)` would make, on
    `options.workers` forked worker processes, warmed up as the runner warms them."""
    specs = unit_specs(targets, checks, options, options.seed or 0)
    warm_up(specs)
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    gc.freeze()  # as the runner does before it forks its workers
    try:
        with ProcessPoolExecutor(
            options.workers, mp_context=context, initializer=leave_numpy_random_alone
        ) as pool:
            units = list(pool.map(_draw, specs, [options] * len(specs)))
    finally:
        gc.unfreeze()
    return DryRun(time.perf_counter() - start, units)
