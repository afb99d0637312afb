"""Side by side with Schemathesis: speed and fault detection, measured in one run.

    .venv/bin/python bench/compare_schemathesis.py [--quick] [--part speed|faults]

One mock process (bench/mock_host.py) is started once; it serves the clean mock and every fault
switch of `conformance.mock.FAULTS`, each under its own prefix, and counts the requests each
tool really sends.

1. Speed, against the clean mock's Workers AI route (4 models, one OpenAPI operation each), with
   the same example budget per model (`--max-examples N` for both) and the same concurrency:
   (a) `embedcheck run --profile workers-ai`; (b) `schemathesis run --checks all` on the
   document `embedcheck schemas openapi` writes, with as many workers and with one (the better
   of the two is compared); (c) a raw async httpx loop replaying the very requests (a) sent,
   as recorded by the mock, checking nothing, and (c') one sending as many 1-text requests.
   Each row is the best of 3 runs, the tools' and the loops' alike. Checked examples/s =
   examples sent whose response went through the tool's checks, per second of the tool's wall
   time (process start to exit). Requests/s against the raw loops is taken over the time spent
   sending (embedcheck's own run time, the loop's time), as neither figure should carry an
   interpreter's start-up.
2. Faults: both tools against every fault switch (both routes: Workers AI and OpenAI), a small
   budget each. embedcheck catches a fault when a check fails. Schemathesis fails on the clean
   mock too, so its runs carry a baseline (its own `--baseline`) of what it reports there: it
   catches a fault with a failure outside that baseline.
3. False positives: both tools against the clean mock with 5 seeds.

Tables go to stdout as markdown (paste them into bench/README.md); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import embedcheck_tool, machine, raw_load, schemathesis_tool  # noqa: E402
from bench.embedcheck_tool import EmbedcheckRun  # noqa: E402
from bench.machine import emit, progress, table  # noqa: E402
from bench.mock_host import MockHost  # noqa: E402
from bench.schemathesis_tool import SchemathesisRun  # noqa: E402
from embedcheck.conformance.mock import FAULTS  # noqa: E402

CHECKED_GOAL = 3.0  # embedcheck's checked examples/s over Schemathesis'
RAW_GOAL = 0.7  # embedcheck's requests/s over the raw loop's
# Every speed row is the best of this many runs (the shortest time spent sending), the tools'
# as the raw loops': on a shared 2-core machine one run varies by 15-25 %, and the best run is
# the closest to what the code costs.
ROUNDS = 3
# Both tools keep their Hypothesis caches here between runs, as in a user's project; outside
# the repository, and kept from one benchmark run to the next (it holds no examples).
WORKDIR = Path(tempfile.gettempdir()) / "embedcheck-bench"
T = TypeVar("T")


@dataclass(frozen=True)
class Budget:
    speed_examples: int
    fault_examples: int
    seeds: tuple[int, ...]
    workers: int
    faults: tuple[str, ...]
    quick: bool = False
    rounds: int = ROUNDS  # runs per speed row, the best of which is shown

    @property
    def phases(self) -> tuple[str, ...] | None:
        return schemathesis_tool.QUICK_PHASES if self.quick else None


@dataclass(frozen=True)
class Setup:
    host: MockHost
    workdir: Path  # both tools keep their Hypothesis caches here between runs
    budget: Budget


# --- 1. speed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeedRow:
    tool: str
    checked: int | None  # None: checks nothing
    requests: int  # counted by the mock
    wall: float  # process start to exit (the raw loops: the loop itself)
    own_time: float  # the time spent sending: the tool's own report of its run, or the loop
    mock_cpu: float
    tool_cpu: float  # CPU seconds of the tool's processes (the raw loops: this process)
    errors: str = ""  # the tool's own crashes during the run

    @property
    def checked_rate(self) -> float:
        return 0.0 if self.checked is None else self.checked / self.wall

    @property
    def request_rate(self) -> float:
        return self.requests / self.wall

    @property
    def sending_rate(self) -> float:
        return self.requests / self.own_time

    @property
    def cpu_per_request(self) -> float:
        """Milliseconds of CPU, tool and mock together, per request: on a machine whose cores
        both sides share, what bounds the requests/s."""
        return 1000 * (self.tool_cpu + self.mock_cpu) / self.requests


@dataclass(frozen=True)
class Measured:
    requests: int  # what the clean mock received meanwhile
    mock_cpu: float
    tool_cpu: float  # this process and the children it waited for


def _measured(host: MockHost, action: Callable[[], T]) -> tuple[T, Measured]:
    """`action`'s result, and what the mock and the tool spent on it."""
    requests, cpu, own = host.requests_to(None), host.cpu_seconds(), machine.cpu_seconds()
    result = action()
    spent = Measured(
        host.requests_to(None) - requests,
        host.cpu_seconds() - cpu,
        machine.cpu_seconds() - own,
    )
    return result, spent


def _embedcheck_cli(setup: Setup, examples: int, seed: int) -> EmbedcheckRun:
    return embedcheck_tool.run_cli(
        setup.host.base_url(None),
        setup.host.token,
        setup.workdir,
        max_examples=examples,
        seed=seed,
        workers=setup.budget.workers,
    )


def _schemathesis_workers_ai(
    setup: Setup, examples: int, seed: int, workers: int, phases: tuple[str, ...] | None
) -> SchemathesisRun:
    return schemathesis_tool.run(
        schemathesis_tool.workers_ai_document(),
        setup.host.base_url(None) + schemathesis_tool.WORKERS_AI_PREFIX,
        setup.host.token,
        setup.workdir,
        max_examples=examples,
        seed=seed,
        workers=workers,
        phases=phases,
    )


def best_of(
    rounds: int, run: Callable[[], tuple[T, Measured]], time_of: Callable[[T], float]
) -> tuple[T, Measured]:
    """The run with the shortest `time_of` among `rounds` runs of `run`."""
    return min((run() for _ in range(rounds)), key=lambda done: time_of(done[0]))


def speed(setup: Setup, seed: int) -> list[SpeedRow]:
    """(a) embedcheck, (b) Schemathesis with as many workers and with one (it can crash in
    threads, and one worker may be its faster setting: the better one is compared), (d)
    embedcheck's generation alone, (c) the raw loop replaying (a)'s requests, (c') the raw loop
    of 1-text requests; each the best of `budget.rounds` runs. (a), (c) and (c') take turns,
    round after round, so that a change in the machine's speed meets all three."""
    host, budget = setup.host, setup.budget
    n, workers, rounds = budget.speed_examples, budget.workers, budget.rounds
    base = host.base_url(None)
    raw_load.run(base, host.token, requests=8 * workers, concurrency=workers)
    # An untimed run whose requests the mock records, for (c) to replay: recording costs the
    # mock CPU that the timed runs should not pay. It also fills embedcheck's caches.
    progress(f"speed: embedcheck, --max-examples {n}, its requests recorded...")
    host.record()
    recorded_run = _embedcheck_cli(setup, n, seed)
    sent = [raw_load.Sent.from_json(r) for r in host.recorded()]
    _require(recorded_run.exit_code == 0, f"embedcheck failed on the clean mock: {recorded_run}")
    if not budget.quick:
        _schemathesis_workers_ai(setup, 1, seed, 1, schemathesis_tool.QUICK_PHASES)  # its caches
    embedcheck_runs: list[tuple[EmbedcheckRun, Measured]] = []
    replays: list[tuple[raw_load.RawRun, Measured]] = []
    lean_replays: list[tuple[raw_load.RawRun, Measured]] = []
    singles: list[tuple[raw_load.RawRun, Measured]] = []
    for number in range(rounds):
        progress(f"speed: round {number + 1} of {rounds}: (a) embedcheck, then the raw loops...")
        done = _measured(host, lambda: _embedcheck_cli(setup, n, seed))
        _require(done[0].exit_code == 0, f"embedcheck failed on the clean mock: {done[0]}")
        embedcheck_runs.append(done)
        replays.append(_measured(host, lambda: raw_load.replay(base, sent, concurrency=workers)))
        lean_replays.append(
            _measured(host, lambda: raw_load.replay_http11(base, sent, concurrency=workers))
        )
        singles.append(
            _measured(
                host,
                lambda: raw_load.run(base, host.token, requests=len(sent), concurrency=workers),
            )
        )
    ec, spent = min(embedcheck_runs, key=lambda done: done[0].running_time)
    rows = [
        SpeedRow(
            f"(a) embedcheck, {workers} workers",
            ec.examples,
            spent.requests,
            ec.wall,
            ec.running_time,
            spent.mock_cpu,
            spent.tool_cpu,
            ", ".join(ec.errors),
        )
    ]
    for count in dict.fromkeys((workers, 1)):
        progress(f"speed: Schemathesis, --max-examples {n}, {count} worker(s), best of {rounds}...")
        schemathesis = partial(_schemathesis_workers_ai, setup, n, seed, count, budget.phases)
        st, spent = best_of(
            rounds, partial(_measured, host, schemathesis), lambda done: done.running_time
        )
        rows.append(
            SpeedRow(
                f"(b) Schemathesis, {count} worker{'s' if count > 1 else ''}",
                st.checked,
                spent.requests,
                st.wall,
                st.running_time,
                spent.mock_cpu,
                spent.tool_cpu,
                ", ".join(st.errors),
            )
        )
    progress(f"speed: embedcheck's generation alone, nothing sent, best of {rounds}...")
    alone, _ = best_of(
        rounds,
        lambda: _measured(
            host,
            lambda: embedcheck_tool.generation_only(max_examples=n, seed=seed, workers=workers),
        ),
        lambda done: done.wall,
    )
    rows.append(
        SpeedRow(
            f"(d) embedcheck's Hypothesis generation alone, nothing sent, {workers} workers",
            None,
            alone.requests,
            alone.wall,
            alone.wall,
            0.0,
            alone.cpu,
        )
    )
    loads = [
        ("(c) raw httpx loop replaying (a)'s requests", replays),
        ("(c') raw httpx loop, 1-text requests", singles),
        ("(c'') raw loop on embedcheck's HTTP/1.1 client replaying (a)'s requests", lean_replays),
    ]
    for title, runs in loads:
        raw, spent = min(runs, key=lambda done: done[0].wall)
        _require(raw.failed == 0, f"{title}: {raw.failed} replies went wrong ({raw.statuses})")
        rows.append(
            SpeedRow(
                f"{title}, {workers} in flight",
                None,
                spent.requests,
                raw.wall,
                raw.wall,
                spent.mock_cpu,
                spent.tool_cpu,
            )
        )
    return rows


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"compare_schemathesis: {message}")


def speed_report(rows: list[SpeedRow], budget: Budget, startup: float) -> list[str]:
    def cell(value: float | int | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        return str(value) if isinstance(value, int) else f"{value:.{digits}f}"

    lines = [
        f"### Speed: clean mock, Workers AI route (4 models), --max-examples "
        f"{budget.speed_examples}, concurrency {budget.workers}",
        "",
        *table(
            (
                "tool",
                "checked examples",
                "requests (mock count)",
                "wall s",
                "sending s",
                "tool CPU s",
                "mock CPU s",
                "CPU ms/request (tool + mock)",
                "checked examples/s (wall)",
                "requests/s (wall)",
                "requests/s (sending)",
                "tool errors",
            ),
            (
                (
                    r.tool,
                    cell(r.checked),
                    r.requests,
                    cell(r.wall, 2),
                    cell(r.own_time, 2),
                    cell(r.tool_cpu, 2),
                    cell(r.mock_cpu, 2),
                    cell(r.cpu_per_request, 2),
                    cell(r.checked_rate if r.checked is not None else None),
                    cell(r.request_rate),
                    cell(r.sending_rate),
                    r.errors or "—",
                )
                for r in rows
            ),
        ),
        "",
    ]
    by_label = {r.tool.split(" ")[0]: r for r in rows}
    ec, alone, replay = by_label["(a)"], by_label["(d)"], by_label["(c)"]
    single, lean = by_label["(c')"], by_label["(c'')"]
    best = max((r for r in rows if r.tool.startswith("(b)")), key=lambda r: r.checked_rate)
    checked = ec.checked_rate / best.checked_rate if best.checked_rate else float("inf")
    same = ec.sending_rate / replay.sending_rate
    cheapest = ec.sending_rate / single.sending_rate
    leanest = ec.sending_rate / lean.sending_rate
    lines += table(
        ("ratio", "value", "goal"),
        (
            (
                f"a/b checked examples/s, wall (b: its better run, {best.tool[4:]})",
                f"{checked:.2f}x",
                _goal(checked, CHECKED_GOAL),
            ),
            (
                "a/c requests/s while sending (c: the same requests replayed)",
                f"{same:.2f}x",
                _goal(same, RAW_GOAL),
            ),
            (
                "a/c' requests/s while sending (c': 1-text requests)",
                f"{cheapest:.2f}x",
                _goal(cheapest, RAW_GOAL),
            ),
            (
                "a/c'' requests/s while sending (c'': the replay on embedcheck's own client)",
                f"{leanest:.2f}x",
                "for reference: the goal is set against (c)",
            ),
        ),
    )
    return [*lines, "", *cpu_budget(ec, alone, replay, startup)]


def cpu_budget(ec: SpeedRow, alone: SpeedRow, replay: SpeedRow, startup: float) -> list[str]:
    """Where (a)'s CPU goes while it sends, next to what 0.7x the replay's rate would allow:
    the tool and the mock share this machine's cores, so their CPU per request bounds the
    requests/s."""
    cores = os.cpu_count() or 1
    budget = 1000 * cores / (RAW_GOAL * replay.sending_rate)
    per_request = 1000 / ec.requests
    generation = alone.tool_cpu * per_request
    mock = ec.mock_cpu * per_request
    rest = (ec.tool_cpu - startup - alone.tool_cpu) * per_request
    return [
        f"CPU per request of (a) while sending, against what {RAW_GOAL}x (c) allows: "
        f"{cores} cores / ({RAW_GOAL} x {replay.sending_rate:.0f} requests/s) = "
        f"**{budget:.2f} ms** for tool and mock together.",
        "",
        *table(
            ("part of (a)", "ms CPU per request"),
            (
                ("Hypothesis generation (row d, over (a)'s requests)", f"{generation:.2f}"),
                ("the mock serving (a)", f"{mock:.2f}"),
                ("the rest of embedcheck: HTTP, checks, logs, reports, workers", f"{rest:.2f}"),
                ("**total while sending**", f"**{generation + mock + rest:.2f}**"),
                (
                    f"(not in the window: start-up, {startup:.2f} s CPU, measured with "
                    "`embedcheck run --list-checks`)",
                    f"{startup * per_request:.2f}",
                ),
            ),
        ),
        "",
    ]


def _goal(value: float, goal: float) -> str:
    return f">= {goal}x: {'met' if value >= goal else 'NOT met'}"


# --- 2 and 3. faults and false positives -----------------------------------------------------


@dataclass(frozen=True)
class FaultRow:
    fault: str
    embedcheck: EmbedcheckRun
    schemathesis: SchemathesisRun


def _fault_runs(
    setup: Setup, fault: str | None, seed: int, baseline: Path, record: bool
) -> tuple[Callable[[], EmbedcheckRun], Callable[[], SchemathesisRun]]:
    host, budget = setup.host, setup.budget
    base = host.base_url(fault)

    def embedcheck() -> EmbedcheckRun:
        return embedcheck_tool.run_in_process(
            base, host.token, max_examples=budget.fault_examples, seed=seed, workers=budget.workers
        )

    def schemathesis() -> SchemathesisRun:
        # One worker: Schemathesis' coverage phase can crash in threads on Python 3.11.
        return schemathesis_tool.run(
            schemathesis_tool.combined_document(),
            base,
            host.token,
            setup.workdir,
            max_examples=budget.fault_examples,
            seed=seed,
            workers=1,
            phases=budget.phases,
            baseline=baseline,
            record=record,
        )

    return embedcheck, schemathesis


def both(
    setup: Setup, cases: list[tuple[str | None, int, Path]], *, record: bool
) -> list[tuple[EmbedcheckRun, SchemathesisRun]]:
    """Each (fault, seed, Schemathesis baseline) by both tools, side by side (one process each)."""
    with ThreadPoolExecutor(1) as ec_pool, ThreadPoolExecutor(1) as st_pool:
        futures: list[tuple[Future[EmbedcheckRun], Future[SchemathesisRun]]] = []
        for fault, seed, baseline in cases:
            embedcheck, schemathesis = _fault_runs(setup, fault, seed, baseline, record)
            futures.append((ec_pool.submit(embedcheck), st_pool.submit(schemathesis)))
        results = []
        for (fault, seed, _), (ec, st) in zip(cases, futures, strict=True):
            results.append((ec.result(), st.result()))
            progress(f"  {fault or 'clean'} (seed {seed}): done")
        return results


def false_positive_report(
    clean: list[tuple[EmbedcheckRun, SchemathesisRun]], budget: Budget
) -> list[str]:
    rows = []
    for seed, (ec, st) in zip(budget.seeds, clean, strict=True):
        rows.append(
            (
                seed,
                len(ec.failed) + len(ec.errors),
                ", ".join(ec.failed) or "—",
                len(st.failure_keys),
                ", ".join(f"{f.code} x{len(f.operations)}" for f in st.failures) or "—",
                ", ".join(st.errors) or "—",
            )
        )
    return [
        f"### False positives: clean mock, both routes, {budget.fault_examples} examples, "
        f"{len(budget.seeds)} seeds",
        "",
        *table(
            (
                "seed",
                "embedcheck failures",
                "embedcheck checks failed",
                "Schemathesis failures",
                "Schemathesis codes (operations)",
                "Schemathesis errors",
            ),
            rows,
        ),
        "",
        "Schemathesis failures are counted per (code, operation).",
        "",
    ]


def fault_report(rows: list[FaultRow], budget: Budget, known: int) -> list[str]:
    def st_cell(run: SchemathesisRun) -> str:
        codes = sorted({f.code for f in run.failures})
        return f"yes ({', '.join(codes)})" if codes else "no"

    def ec_cell(run: EmbedcheckRun) -> str:
        return f"yes ({', '.join(run.failed)})" if run.failed else "no"

    caught_ec = sum(bool(r.embedcheck.failed) for r in rows)
    caught_st = sum(bool(r.schemathesis.failures) for r in rows)
    titles = {f.code: f.title for r in rows for f in r.schemathesis.failures}
    legend = ", ".join(f"{code} {title}" for code, title in sorted(titles.items()))
    return [
        f"### Faults: {len(rows)} fault switches, both routes, {budget.fault_examples} "
        f"examples, seed {budget.seeds[0]}",
        "",
        *table(
            ("fault", "caught by embedcheck (checks failed)", "caught by Schemathesis (codes)"),
            [(r.fault, ec_cell(r.embedcheck), st_cell(r.schemathesis)) for r in rows]
            + [("**total**", f"**{caught_ec}/{len(rows)}**", f"**{caught_st}/{len(rows)}**")],
        ),
        "",
        f"Schemathesis runs with a baseline of the {known} failures it reports on the clean mock "
        f"(its `--baseline`, recorded over {len(budget.seeds)} seeds): only a failure outside it "
        "counts as catching the fault.",
        f"Schemathesis codes: {legend or 'none'}.",
        "",
    ]


# --- main ------------------------------------------------------------------------------------


def budget_for(args: argparse.Namespace) -> Budget:
    faults = tuple(args.faults.split(",")) if args.faults else tuple(FAULTS)
    unknown = sorted(set(faults) - FAULTS.keys())
    if unknown:
        raise SystemExit(f"compare_schemathesis: unknown fault(s): {', '.join(unknown)}")
    if args.quick:
        return Budget(
            2, 2, (args.seed,), args.workers, faults if args.faults else faults[:1], True, 1
        )
    seeds = tuple(range(args.seed, args.seed + args.seeds))
    return Budget(args.max_examples, args.fault_examples, seeds, args.workers, faults)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny budget (CI smoke run)")
    parser.add_argument("--max-examples", type=int, default=100, help="speed: per model")
    parser.add_argument("--fault-examples", type=int, default=5, help="faults: per model")
    parser.add_argument("--seeds", type=int, default=5, help="clean-mock runs per tool")
    parser.add_argument("--seed", type=int, default=1, help="the first seed")
    parser.add_argument("--workers", type=int, default=4, help="concurrency, for all three")
    parser.add_argument("--faults", help="only these faults (a,b); default: all")
    parser.add_argument(
        "--part", choices=("all", "speed", "faults"), default="all", help="what to measure"
    )
    args = parser.parse_args()
    budget = budget_for(args)
    started = time.perf_counter()
    emit(["## embedcheck vs Schemathesis", "", *machine.describe(), ""])
    if budget.quick:
        emit(
            [
                "(--quick: a smoke run on a tiny budget; Schemathesis runs its fuzzing phase only)",
                "",
            ]
        )
    token = f"bench-{secrets.token_urlsafe(18)}"
    WORKDIR.mkdir(exist_ok=True)
    with MockHost(token) as host:
        setup = Setup(host, WORKDIR, budget)
        if args.part in ("all", "speed"):
            rows = speed(setup, budget.seeds[0])
            emit(speed_report(rows, budget, embedcheck_tool.startup_cpu()))
        if args.part in ("all", "faults"):
            emit(faults(setup))
    emit(
        [
            f"Total time: {time.perf_counter() - started:.0f} s; load average at the end: "
            f"{machine.load_average()}."
        ]
    )
    return 0


def faults(setup: Setup) -> list[str]:
    budget = setup.budget
    baselines = setup.workdir / "baselines"
    shutil.rmtree(baselines, ignore_errors=True)
    baselines.mkdir()
    progress(f"false positives: {len(budget.seeds)} seeds on the clean mock...")
    per_seed = [baselines / f"clean-seed-{s}.json" for s in budget.seeds]
    cases: list[tuple[str | None, int, Path]] = [
        (None, s, b) for s, b in zip(budget.seeds, per_seed, strict=True)
    ]
    clean = both(setup, cases, record=True)
    merged = baselines / "clean.json"
    known = schemathesis_tool.merge_baselines([b for b in per_seed if b.exists()], merged)
    progress(f"faults: {len(budget.faults)} fault switches...")
    found = both(setup, [(f, budget.seeds[0], merged) for f in budget.faults], record=False)
    rows = [FaultRow(f, ec, st) for f, (ec, st) in zip(budget.faults, found, strict=True)]
    return fault_report(rows, budget, known) + false_positive_report(clean, budget)


if __name__ == "__main__":
    sys.exit(main())
