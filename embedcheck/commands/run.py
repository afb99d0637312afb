"""`embedcheck run`: fuzz an embedding endpoint against the schemas (or the bundled mock)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from embedcheck.commands import credentials, network_options
from embedcheck.commands.argtypes import cosine, positive_float, positive_int
from embedcheck.conformance.checks import ALL
from embedcheck.conformance.checks.base import Tolerances
from embedcheck.conformance.engine.options import (
    DEFAULT_MAX_EXAMPLES,
    PARALLEL_MODES,
    RunOptions,
    default_parallel,
)
from embedcheck.conformance.http.transport import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT
from embedcheck.conformance.job import RunConfig, execute
from embedcheck.conformance.profiles import PROFILES
from embedcheck.conformance.profiles.kinds import CLOUDFLARE_API
from embedcheck.conformance.verdict import EXIT_FAILED, EXIT_NOT_JUDGED, EXIT_PASSED, EXIT_USAGE

EPILOG = f"""examples:
  embedcheck run                                   # the bundled mock
  embedcheck run --profile workers-ai --account-id ID --api-token TOKEN --model @cf/baai/bge-m3
  embedcheck run --profile openai --base-url http://host:port/v1 --api-key KEY --model NAME
  embedcheck run --profile worker --url http://127.0.0.1:8787/ --model bge-base-en-v1.5

target: --base-url or --url when given; else, with credentials, workers-ai checks
  {CLOUDFLARE_API} (openai and worker have no default);
  with no target and no credentials, or with --mock, the bundled mock.
secrets: with --profile (or a URL) named, also from CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID
  and OPENAI_API_KEY; the bundled mock never gets them.
exit status: {EXIT_PASSED} every check passed (warnings shown); {EXIT_FAILED} a check failed, \
or warned with --strict;
  {EXIT_USAGE} usage or configuration error, or
  the target unreachable; {EXIT_NOT_JUDGED} INCOMPLETE or INCONCLUSIVE: something could not be \
judged (429/503,
  the target stopped answering, a crash): {EXIT_PASSED} instead with --allow-inconclusive.
"""


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    target = parser.add_argument_group("target (none, and no credentials: the bundled mock)")
    target.add_argument("--profile", choices=PROFILES, help="kind of endpoint (mock: all)")
    target.add_argument(
        "--base-url", help=f"workers-ai: .../client/v4 (default {CLOUDFLARE_API}); openai: .../v1"
    )
    target.add_argument("--url", help="worker profile: the Worker URL ({model} is filled in)")
    credentials.add_arguments(target)
    target.add_argument(
        "--model", action="append", default=[], help="model id or slug; repeat for more"
    )
    target.add_argument("--dims", type=positive_int, help="openai: dims of a model we don't know")
    target.add_argument(
        "--max-input-tokens",
        type=positive_int,
        help="openai: tokens one input may hold, for a model we don't know (turns long-input on)",
    )
    target.add_argument(
        "--mock", action="store_true", help="check the bundled mock, whatever credentials are set"
    )
    target.add_argument(
        "--mock-fault",
        action="append",
        default=[],
        metavar="FAULT",
        help="switch a fault on in the bundled mock (see conformance.mock.FAULTS)",
    )
    run = parser.add_argument_group("run")
    run.add_argument(
        "--max-examples",
        type=positive_int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"generated examples per scenario and model (default {DEFAULT_MAX_EXAMPLES})",
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed (default: random, reported)")
    run.add_argument(
        "--workers", type=positive_int, default=4, help="requests in flight at once (4)"
    )
    run.add_argument(
        "--parallel",
        choices=PARALLEL_MODES,
        default=default_parallel(),
        help="draw and judge examples in worker processes (default on Linux: every core) "
        "or in threads of this process",
    )
    run.add_argument("--rate-limit", type=positive_float, metavar="R", help="requests/second")
    run.add_argument("--checks", type=_names, default=[], help="only these checks (a,b)")
    run.add_argument("--exclude-checks", type=_names, default=[], help="skip these checks")
    run.add_argument("--list-checks", action="store_true", help="list the checks and exit")
    run.add_argument(
        "--timeout", type=positive_float, default=DEFAULT_TIMEOUT, help="seconds per request"
    )
    run.add_argument(
        "--retries", type=int, default=2, help="retries on 429/503 (then inconclusive)"
    )
    run.add_argument(
        "--max-response-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY,
        help="stop reading a reply beyond this size",
    )
    defaults = Tolerances()
    run.add_argument(
        "--tolerance",
        type=cosine,
        default=defaults.batch_cosine,
        help=f"batch invariance: minimum cosine, alone vs in a batch ({defaults.batch_cosine})",
    )
    run.add_argument(
        "--determinism-tolerance",
        type=cosine,
        default=defaults.determinism_cosine,
        help=f"minimum cosine between two identical requests ({defaults.determinism_cosine})",
    )
    run.add_argument(
        "--async-timeout",
        type=positive_float,
        default=defaults.async_timeout,
        help=f"seconds a queued batch may take ({defaults.async_timeout:g})",
    )
    run.add_argument(
        "--shrink-budget",
        type=positive_int,
        default=RunOptions().shrink_budget,
        help="examples spent shrinking a failure, per scenario and model",
    )
    run.add_argument(
        "--report-dir",
        type=Path,
        default=Path("embedcheck-report"),
        help="where report.json, junit.xml, report.html and run.log go (embedcheck-report)",
    )
    run.add_argument(
        "--example-db",
        default="",
        help="Hypothesis example database dir, or 'none' (default: REPORT_DIR/examples)",
    )
    run.add_argument(
        "--allow-inconclusive",
        action="store_true",
        help=f"exit {EXIT_PASSED}, not {EXIT_NOT_JUDGED}, when nothing failed but not everything "
        "could be judged",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_FAILED} on warnings too (what the contract is silent about, such as "
        "an input silently truncated)",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    network_options.add_arguments(parser)


def _config(args: argparse.Namespace) -> RunConfig:
    wants_mock = args.mock or (args.mock_fault and not (args.base_url or args.url))
    named = args.base_url or args.url or args.profile or args.account_id
    # The environment's secrets go to a target the command line names, never to the mock.
    env = os.environ if named and not wants_mock else {}
    secrets = credentials.pick(args.profile or ("worker" if args.url else "workers-ai"), args, env)
    if args.example_db == "none":
        database = None
    else:
        database = Path(args.example_db) if args.example_db else args.report_dir / "examples"
    options = RunOptions(
        max_examples=args.max_examples,
        seed=args.seed,
        workers=args.workers,
        parallel=args.parallel,
        rate_limit=args.rate_limit,
        checks=tuple(args.checks),
        exclude_checks=tuple(args.exclude_checks),
        timeout=args.timeout,
        max_body=args.max_response_bytes,
        retries=max(0, args.retries),
        tolerances=Tolerances(
            batch_cosine=args.tolerance,
            determinism_cosine=args.determinism_tolerance,
            async_timeout=args.async_timeout,
        ),
        example_db=database,
        shrink_budget=args.shrink_budget,
        allow_inconclusive=args.allow_inconclusive,
        strict=args.strict,
        network=network_options.from_args(args),
    )
    return RunConfig(
        profile=args.profile,
        base_url=args.base_url,
        url=args.url,
        account_id=secrets.account_id,
        token=secrets.token,
        models=tuple(args.model),
        dims=args.dims,
        max_input_tokens=args.max_input_tokens,
        options=options,
        report_dir=args.report_dir,
        mock_faults=tuple(args.mock_fault),
        progress=not args.no_progress,
        mock=args.mock,
    )


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        for check in ALL:
            print(f"{check.name:26} {check.summary}")
        return 0
    return execute(_config(args))  # a ConfigError is a user mistake: cli.main prints it
