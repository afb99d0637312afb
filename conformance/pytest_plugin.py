"""Run embedcheck's checks inside your own pytest run: one test item per check.

    # conftest.py
    pytest_plugins = ["embedcheck.conformance.pytest_plugin"]

    pytest --embedcheck                                   # against the bundled mock
    pytest --embedcheck --embedcheck-profile openai \\
           --embedcheck-base-url http://127.0.0.1:8080/v1 --embedcheck-model my-model

The items are `embedcheck::<check>`: select them by node id (`pytest --embedcheck
embedcheck::dims`; `embedcheck` alone is all of them), `-k` or `--deselect`. The options are
checked once, at collection (a mistake is one `ERROR:` line, exit 4). The suite runs once per
session, before the first test, for the embedcheck items that survived selection: deselected
checks are not run at all. A target that
cannot be reached, or refuses the token, ends the session with one short error instead of a
failure per item. Each item then passes, fails with the failing examples and their curl
commands, or is skipped (does not apply; not judged, and why). Secrets come from the
environment only (`EMBEDCHECK_API_TOKEN`, else `CLOUDFLARE_API_TOKEN` / `OPENAI_API_KEY`), so
they never sit in a pytest command line. The `embedcheck_suite` fixture returns the redacted
report data for tests of your own.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from embedcheck.conformance.checks import Tolerances
from embedcheck.conformance.engine.options import PARALLEL_MODES, RunOptions
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.http.network import OPTIONS, network_options
from embedcheck.conformance.http.transport import DEFAULT_TIMEOUT
from embedcheck.conformance.job import RunConfig, real_target, run_suite, selected_checks
from embedcheck.conformance.profiles import PROFILES
from embedcheck.conformance.profiles.kinds import KINDS
from embedcheck.conformance.reports.text import finding_text

RESULT_KEY = pytest.StashKey[Any]()  # the ReportData of the session's run
ERROR_KEY = pytest.StashKey[str]()  # the one-line reason the suite could not run
CONFIG_KEY = pytest.StashKey[RunConfig]()
IDS_KEY = pytest.StashKey[tuple[str, ...]]()  # node ids of checks given as arguments
NODE = "embedcheck"  # the collector's node id: items are embedcheck::<check>


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("embedcheck", "embedding endpoint conformance (embedcheck)")
    add = group.addoption
    defaults = RunOptions()
    tolerances = Tolerances()
    add("--embedcheck", action="store_true", help="add one test per embedcheck check")
    add("--embedcheck-profile", choices=PROFILES, help="kind of endpoint (the mock: all)")
    add("--embedcheck-base-url", help="workers-ai .../client/v4 or openai .../v1")
    add("--embedcheck-url", help="worker profile: the Worker URL")
    add("--embedcheck-account-id", help="Cloudflare account id [CLOUDFLARE_ACCOUNT_ID]")
    add("--embedcheck-model", action="append", default=[], help="model id or slug; repeatable")
    add("--embedcheck-dims", type=int, help="openai: dims of a model embedcheck does not know")
    add(
        "--embedcheck-max-input-tokens",
        type=int,
        help="openai: token limit of a model embedcheck does not know (turns long-input on)",
    )
    add("--embedcheck-mock", action="store_true", help="check the bundled mock")
    add("--embedcheck-mock-fault", action="append", default=[], help="a mock fault; repeatable")
    add("--embedcheck-max-examples", type=int, default=10, help="per scenario and model (10)")
    add("--embedcheck-seed", type=int, help="Hypothesis seed (default: random, reported)")
    add("--embedcheck-checks", default="", help="only these checks (a,b)")
    add("--embedcheck-exclude-checks", default="", help="skip these checks (a,b)")
    add("--embedcheck-timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request")
    add("--embedcheck-workers", type=int, default=defaults.workers, help="requests in flight")
    add("--embedcheck-parallel", choices=PARALLEL_MODES, help="worker processes or threads")
    add("--embedcheck-rate-limit", type=float, help="requests per second over the run")
    add(
        "--embedcheck-tolerance",
        type=float,
        default=tolerances.batch_cosine,
        help=f"batch invariance: minimum cosine ({tolerances.batch_cosine})",
    )
    add(
        "--embedcheck-determinism-tolerance",
        type=float,
        default=tolerances.determinism_cosine,
        help=f"minimum cosine between identical requests ({tolerances.determinism_cosine})",
    )
    add("--embedcheck-report-dir", type=Path, help="also write the report files there")
    add(
        "--embedcheck-strict",
        action="store_true",
        help="a check that only warned fails too (else: it passes with a pytest warning)",
    )
    for option in OPTIONS:  # the CLI's network options (proxy, no-proxy, ca-bundle)
        add(f"--embedcheck-{option.name}", metavar=option.metavar, help=option.help)


def _token(profile: str | None) -> str | None:
    # The profile's own variable, as `embedcheck run` reads it (a Worker's: EMBEDCHECK_TOKEN).
    fallback = KINDS[profile or "workers-ai"].secret_env
    return os.environ.get("EMBEDCHECK_API_TOKEN") or os.environ.get(fallback)


def _names(text: object) -> tuple[str, ...]:
    return tuple(n.strip() for n in str(text or "").split(",") if n.strip())


def config_from(options: pytest.Config) -> RunConfig:
    get = options.getoption
    real = bool(get("embedcheck_base_url") or get("embedcheck_url")) and not get("embedcheck_mock")
    run_options = RunOptions(
        max_examples=get("embedcheck_max_examples"),
        seed=get("embedcheck_seed"),
        checks=_names(get("embedcheck_checks")),
        exclude_checks=_names(get("embedcheck_exclude_checks")),
        timeout=get("embedcheck_timeout"),
        workers=get("embedcheck_workers"),
        rate_limit=get("embedcheck_rate_limit"),
        strict=get("embedcheck_strict"),
        tolerances=Tolerances(
            batch_cosine=get("embedcheck_tolerance"),
            determinism_cosine=get("embedcheck_determinism_tolerance"),
        ),
        network=network_options({o.name: get(f"embedcheck_{o.field}") for o in OPTIONS}),
    )
    if get("embedcheck_parallel"):
        run_options = replace(run_options, parallel=get("embedcheck_parallel"))
    account = get("embedcheck_account_id") or (
        os.environ.get("CLOUDFLARE_ACCOUNT_ID") if real else None
    )
    return RunConfig(
        profile=get("embedcheck_profile"),
        base_url=get("embedcheck_base_url"),
        url=get("embedcheck_url"),
        account_id=account,
        token=_token(get("embedcheck_profile")) if real else None,
        models=tuple(get("embedcheck_model")),
        dims=get("embedcheck_dims"),
        max_input_tokens=get("embedcheck_max_input_tokens"),
        options=run_options,
        report_dir=get("embedcheck_report_dir"),
        mock_faults=tuple(get("embedcheck_mock_fault")),
        progress=False,
        mock=get("embedcheck_mock"),
    )


def checked_config(config: pytest.Config) -> RunConfig:
    """The run's configuration, checked once without sending anything; UsageError if wrong."""
    if CONFIG_KEY not in config.stash:
        try:
            run_config = config_from(config)
            selected_checks(run_config)
            if not run_config.uses_mock:
                real_target(run_config)
        except (ConfigError, ValueError) as exc:
            raise pytest.UsageError(f"embedcheck: {exc}") from None
        config.stash[CONFIG_KEY] = run_config
    return config.stash[CONFIG_KEY]


def suite_data(config: pytest.Config, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """The redacted report data of this session's run: the suite runs the first time only,
    for the checks in `only` (all configured ones when empty); a failure to run is kept and
    raised again as the same one line, never retried."""
    if ERROR_KEY in config.stash:
        raise pytest.UsageError(config.stash[ERROR_KEY])
    if RESULT_KEY not in config.stash:
        run_config = checked_config(config)
        dropped = tuple(c.name for c in selected_checks(run_config) if only and c.name not in only)
        if dropped:  # deselected items: their checks are left out of the run
            excluded = run_config.options.exclude_checks + dropped
            options = replace(run_config.options, exclude_checks=excluded)
            run_config = replace(run_config, options=options)
        try:
            _, data = run_suite(run_config)
        except ConfigError as exc:
            config.stash[ERROR_KEY] = f"embedcheck: {exc}"
            raise pytest.UsageError(config.stash[ERROR_KEY]) from None
        config.stash[RESULT_KEY] = data
    return config.stash[RESULT_KEY]


class CheckFailedInSuite(Exception):
    pass


class EmbedcheckWarning(UserWarning):
    """A check warned: the contract is silent, but the target does something a user should
    know (--embedcheck-strict makes it a failure)."""


class EmbedcheckChecks(pytest.Collector):
    """The `embedcheck` node: its items are the checks, as `embedcheck::<check>`."""

    def collect(self) -> list[pytest.Item]:
        return [
            EmbedcheckItem.from_parent(self, name=name, check=name)
            for name in selected_checks_or_usage_error(self.config)
        ]


class EmbedcheckItem(pytest.Item):
    def __init__(self, *, check: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        data = suite_data(self.config)
        row = data["scorecard"].get(self.check, {})
        strict = data["strict"]
        failing = ("failed", "warning") if strict else ("failed",)
        failed = [c for c, tally in row.items() if tally["status"] in failing]
        findings = [f for f in data["findings"] if f["check"] == self.check]
        if failed:
            shown = [f for f in findings if strict or f["severity"] != "warning"]
            raise CheckFailedInSuite(
                "\n\n".join(f"{f['column']}: {finding_text(f)}" for f in shown) or ", ".join(failed)
            )
        for finding in findings:
            if finding["severity"] == "warning":
                text = f"{finding['column']}: {finding_text(finding)}"
                warnings.warn(EmbedcheckWarning(text), stacklevel=1)
        unjudged = [c for c in data["unjudged"] if c["check"] == self.check]
        if unjudged:
            pytest.skip("not judged: " + "; ".join(f"{c['column']}: {c['why']}" for c in unjudged))
        if not any(tally["status"] in ("passed", "warning") for tally in row.values()):
            pytest.skip("does not apply to this target")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailedInSuite):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"embedcheck check {self.check}"


def pytest_configure(config: pytest.Config) -> None:
    """Take the node ids of checks (`embedcheck::dims`, or `embedcheck` for all) out of the
    arguments, where pytest would look for a file of that name, to select the items with."""
    if not config.getoption("embedcheck"):
        return
    ids = tuple(a for a in config.args if a == NODE or a.startswith(NODE + "::"))
    if ids:
        config.args = [a for a in config.args if a not in ids]
        config.stash[IDS_KEY] = ids


def _chosen(item: EmbedcheckItem, ids: tuple[str, ...]) -> bool:
    return any(item.nodeid == i or item.nodeid.startswith(i + "::") for i in ids)


@pytest.hookimpl(tryfirst=True)  # before -k, -m and --deselect, so that they see our items
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("embedcheck"):
        return
    node = EmbedcheckChecks.from_parent(session, name=NODE, nodeid=NODE)
    ours = [i for i in node.collect() if isinstance(i, EmbedcheckItem)]
    ids = config.stash.get(IDS_KEY, ())
    if ids:
        unknown = [i for i in ids if not any(_chosen(item, (i,)) for item in ours)]
        if unknown:
            names = ", ".join(item.check for item in ours)
            raise pytest.UsageError(
                f"embedcheck: {', '.join(unknown)}: no such check in this run (its checks: "
                f"{names}; `--embedcheck-checks` and `--embedcheck-exclude-checks` choose them)"
            )
    # Reported as collected, as the session does for the nodes it collects: "collected N items"
    # then counts them, and the deselected ones come off that count.
    collected: list[pytest.Item | pytest.Collector] = list(ours)
    config.hook.pytest_collectreport(report=pytest.CollectReport(NODE, "passed", None, collected))
    if ids:
        config.hook.pytest_deselected(items=[i for i in ours if not _chosen(i, ids)])
        ours = [i for i in ours if _chosen(i, ids)]
    items.extend(ours)


def selected_checks_or_usage_error(config: pytest.Config) -> list[str]:
    run_config = checked_config(config)
    return [c.name for c in selected_checks(run_config)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Run the suite once, before any test, for the embedcheck items still selected: an
    unreachable target is one error for the session, not one per item."""
    if session.config.option.collectonly:
        return
    selected = tuple(i.check for i in session.items if isinstance(i, EmbedcheckItem))
    if selected:
        suite_data(session.config, only=selected)


@pytest.fixture(scope="session")
def embedcheck_suite(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The redacted report data of one suite run configured by the --embedcheck-* options."""
    yield suite_data(request.config)
