"""What a run costs against a paid API, and how small a budget still catches every mock fault.

1. The default run (`--max-examples 20`, every profile and check) against the clean mock, with
   the mock recording what it receives: requests and input tokens per model and profile.
   Tokens are counted where the requests arrive, with the mock's tokenizer-like count (words
   and punctuation marks; a token id is one token), over every text a request carries.
2. For each mock fault, the smallest `--max-examples` (from 1 up to 20) at which a run of
   every check against the faulty mock has a finding (a failure, or a warning for the faults
   the contract is silent on: what `--strict` fails on). The clean mock has none, so any
   finding there is the fault caught. Boundary cases are sent at every budget; queued batches
   may take `--async-timeout` 5 s.

    .venv/bin/python bench/budget.py            # ~10 min on 2 cores
    .venv/bin/python bench/budget.py --quick    # smoke run: one seed, three faults
    .venv/bin/python bench/budget.py --faults wrong-dims,wrong-content-type
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.machine import describe, table  # noqa: E402
from bench.mock_host import CLEAN, MockHost  # noqa: E402
from embedcheck.conformance.checks import ALL, Tolerances  # noqa: E402
from embedcheck.conformance.engine.options import DEFAULT_MAX_EXAMPLES, RunOptions  # noqa: E402
from embedcheck.conformance.engine.runner import run  # noqa: E402
from embedcheck.conformance.generation.probes import NEAR_MISS  # noqa: E402
from embedcheck.conformance.mock import FAULTS  # noqa: E402
from embedcheck.conformance.mock.embeddings import count_tokens  # noqa: E402
from embedcheck.conformance.profiles import PROFILES, mock_target, model_spec  # noqa: E402
from embedcheck.conformance.reports.results import flagged_checks  # noqa: E402
from embedcheck.schemas import models  # noqa: E402

TOKEN = "budget-token"
# Requests naming no model of the run: an OpenAI body with a missing or mistyped `model`
# (openai-reject), or the made-up name of the unknown-model probe (in the body or the URL).
UNATTRIBUTED = "(no served model named)"
BUDGETS = (1, 2, 3, 5, 10, 20)
ASYNC_TIMEOUT = 5.0


def _model_ids() -> list[str]:
    return [m.id for m in models() if m.provider == "workers-ai"]


def run_all(base_url: str, max_examples: int, seed: int) -> set[str]:
    """Every check, every profile and model of the mock at `base_url`: the failed checks."""
    specs = tuple(model_spec(name) for name in _model_ids())
    targets = [mock_target(p, base_url, specs, TOKEN) for p in PROFILES]
    options = RunOptions(
        max_examples=max_examples, seed=seed, tolerances=Tolerances(async_timeout=ASYNC_TIMEOUT)
    )
    return flagged_checks(run(targets, list(ALL), options))


# --- 1. what the default run sends ------------------------------------------------------------


def texts_of(value: Any) -> list[Any]:
    """Every text (or token-id list) in a request body, wherever the dialect puts it."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [value]
        return [t for v in value for t in texts_of(v)]
    if isinstance(value, dict):
        found = []
        for key in ("text", "input", "query", "contexts", "requests"):
            if key in value:
                found += texts_of(value[key])
        return found
    return []


def tokens(body: Any) -> int:
    return sum(len(t) if isinstance(t, list) else count_tokens(t) for t in texts_of(body))


def where(target: str, body: Any) -> tuple[str, str]:
    """(profile, model) of a recorded request, from its path (or the OpenAI body's model)."""
    path = unquote(target.split("?", 1)[0]).removeprefix(CLEAN)
    if path.endswith("/embeddings"):
        model = body.get("model") if isinstance(body, dict) else None
        if isinstance(model, str) and model.endswith(NEAR_MISS):
            model = model.removesuffix(NEAR_MISS)  # the unknown-model probe of that model
        return "openai", model if model in _model_ids() else UNATTRIBUTED
    profile, model = (
        ("workers-ai", path.split("/ai/run/", 1)[1])
        if "/ai/run/" in path
        else ("worker", path.removeprefix("/run/"))
    )
    # The unknown-model probe sends a near miss of the model under test, and a made-up name.
    model = model.removesuffix(NEAR_MISS)
    return profile, model if model in _model_ids() else UNATTRIBUTED


def default_run_cost(
    host: MockHost, seed: int
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], float]:
    host.record()
    start = time.monotonic()
    failed = run_all(host.base_url(), DEFAULT_MAX_EXAMPLES, seed)
    elapsed = time.monotonic() - start
    if failed:
        raise SystemExit(f"the clean mock failed {sorted(failed)}: the figures would be wrong")
    requests: Counter[tuple[str, str]] = Counter()
    counted: Counter[tuple[str, str]] = Counter()
    for record in host.recorded():
        raw = base64.b64decode(record["body"])
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None  # a malformed body on purpose: no text to count
        key = where(record["target"], body)
        requests[key] += 1
        counted[key] += tokens(body)
    return requests, counted, elapsed


def cost_table(requests: Counter[tuple[str, str]], counted: Counter[tuple[str, str]]) -> list[str]:
    header = ("model", *(f"{p} requests" for p in PROFILES), "all requests", "input tokens")
    rows: list[list[object]] = []
    model_of = {m.id: m.slug for m in models() if m.provider == "workers-ai"}
    by_model: dict[str, dict[str, int]] = {}
    for (profile, model), n in requests.items():
        slug = model_of.get(model, model)
        row = by_model.setdefault(slug, Counter())
        row[profile] += n
        row["tokens"] += counted[(profile, model)]
    for slug, row in sorted(by_model.items()):
        rows.append(
            [slug, *(row[p] for p in PROFILES), sum(row[p] for p in PROFILES), row["tokens"]]
        )
    blank = [""] * len(PROFILES)
    rows.append(["**all**", *blank, sum(requests.values()), sum(counted.values())])
    return table(header, rows)


# --- 2. the smallest budget that catches each fault -------------------------------------------


def smallest_budgets(host: MockHost, faults: list[str], seed: int) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for fault in faults:
        found[fault] = None
        for budget in BUDGETS:
            if run_all(host.base_url(fault), budget, seed):
                found[fault] = budget
                break
        print(f"  {fault}: {found[fault]}", file=sys.stderr, flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="three faults only")
    parser.add_argument("--faults", help="only these faults (a,b); default: all")
    args = parser.parse_args(argv)
    faults = sorted(args.faults.split(",")) if args.faults else sorted(FAULTS)
    unknown = sorted(set(faults) - FAULTS.keys())
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    if args.quick:
        faults = faults[:3]
    lines = ["## Budget", "", *describe(), f"- seed {args.seed}", ""]
    with MockHost(TOKEN) as host:
        requests, counted, elapsed = default_run_cost(host, args.seed)
        lines += [
            f"### What the default run sends (`--max-examples {DEFAULT_MAX_EXAMPLES}`, every "
            f"profile and model; {elapsed:.1f} s)",
            "",
            *cost_table(requests, counted),
            "",
        ]
        budgets = smallest_budgets(host, faults, args.seed)
    lines += [
        "### The smallest `--max-examples` that still catches each fault",
        "",
        *table(
            ("fault", "smallest --max-examples"),
            [(f, b if b is not None else "not caught at 20") for f, b in budgets.items()],
        ),
    ]
    caught = [b for b in budgets.values() if b is not None]
    every = max(caught) if len(caught) == len(budgets) else None
    lines += [
        "",
        f"Every fault caught from `--max-examples {every}` on."
        if every is not None
        else "Some fault is not caught at 20.",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
