"""Run embedcheck's checks inside your own pytest run: one test item per check.

    # conftest.py
    pytest_plugins = ["embedcheck.conformance.pytest_plugin"]

    pytest --embedcheck                                   # against the bundled mock
    pytest --embedcheck --embedcheck-profile openai \\
           --embedcheck-base-url http://127.0.0.1:8080/v1 --embedcheck-model my-model

The suite runs once, at the first embedcheck item; each item then passes, fails with the
smallest failing example and its curl command, or is skipped (not applicable, or inconclusive).
Secrets come from the environment only (`EMBEDCHECK_API_TOKEN`, else `CLOUDFLARE_API_TOKEN` /
`OPENAI_API_KEY`), so they never sit in a pytest command line. The `embedcheck_suite` fixture
returns the redacted report data for tests of your own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from embedcheck.conformance.checks import select
from embedcheck.conformance.engine.runner import RunOptions
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.job import RunConfig, run_suite
from embedcheck.conformance.profiles import PROFILES

RESULT_KEY = pytest.StashKey[Any]()  # the ReportData of the session's run


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("embedcheck", "embedding endpoint conformance (embedcheck)")
    group.addoption("--embedcheck", action="store_true", help="add one test per embedcheck check")
    group.addoption("--embedcheck-profile", choices=PROFILES, help="default: the mock, all")
    group.addoption("--embedcheck-base-url", help="workers-ai .../client/v4 or openai .../v1")
    group.addoption("--embedcheck-url", help="worker profile: the Worker URL")
    group.addoption("--embedcheck-account-id", help="Cloudflare account id")
    group.addoption("--embedcheck-model", action="append", default=[], help="repeatable")
    group.addoption("--embedcheck-max-examples", type=int, default=10)
    group.addoption("--embedcheck-seed", type=int)
    group.addoption("--embedcheck-checks", default="", help="comma-separated check names")
    group.addoption("--embedcheck-mock-fault", action="append", default=[])
    group.addoption("--embedcheck-report-dir", type=Path, help="also write the report files")


def _token(profile: str | None) -> str | None:
    fallback = "OPENAI_API_KEY" if profile == "openai" else "CLOUDFLARE_API_TOKEN"
    return os.environ.get("EMBEDCHECK_API_TOKEN") or os.environ.get(fallback)


def config_from(options: pytest.Config) -> RunConfig:
    get = options.getoption
    real = bool(get("embedcheck_base_url") or get("embedcheck_url"))
    checks = tuple(n.strip() for n in str(get("embedcheck_checks")).split(",") if n.strip())
    return RunConfig(
        profile=get("embedcheck_profile"),
        base_url=get("embedcheck_base_url"),
        url=get("embedcheck_url"),
        account_id=get("embedcheck_account_id") or os.environ.get("CLOUDFLARE_ACCOUNT_ID"),
        token=_token(get("embedcheck_profile")) if real else None,
        models=tuple(get("embedcheck_model")),
        options=RunOptions(
            max_examples=get("embedcheck_max_examples"), seed=get("embedcheck_seed"), checks=checks
        ),
        report_dir=get("embedcheck_report_dir"),
        mock_faults=tuple(get("embedcheck_mock_fault")),
        progress=False,
    )


def suite_data(config: pytest.Config) -> dict[str, Any]:
    """The redacted report data of this session's run, running the suite the first time."""
    if RESULT_KEY not in config.stash:
        try:
            _, data = run_suite(config_from(config))
        except ConfigError as exc:
            raise pytest.UsageError(f"embedcheck: {exc}") from None
        config.stash[RESULT_KEY] = data
    return config.stash[RESULT_KEY]


class CheckFailedInSuite(Exception):
    pass


class EmbedcheckItem(pytest.Item):
    def __init__(self, *, check: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        data = suite_data(self.config)
        row = data["scorecard"].get(self.check, {})
        statuses = {column: tally["status"] for column, tally in row.items()}
        failed = [c for c, s in statuses.items() if s in ("failed", "error")]
        if failed:
            findings = [f for f in data["findings"] if f["check"] == self.check]
            raise CheckFailedInSuite(
                "\n\n".join(_describe(f) for f in findings) or ", ".join(failed)
            )
        if not any(s == "passed" for s in statuses.values()):
            pytest.skip("inconclusive" if statuses else "does not apply to this target")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailedInSuite):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"embedcheck check {self.check}"


def _describe(finding: dict[str, Any]) -> str:
    lines = [
        f"{finding['profile']}:{finding['model']}: {finding['message']}",
        f"  expected {finding['expected']}, got {finding['actual']}",
    ]
    lines += [f"  reproduce: {e['curl']}" for e in finding["exchanges"] if e["failing"]]
    return "\n".join(lines)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("embedcheck"):
        return
    try:
        checks = select(list(config_from(config).options.checks))
    except KeyError as exc:
        raise pytest.UsageError(f"embedcheck: unknown check(s): {exc.args[0]}") from None
    for check in checks:
        items.append(
            EmbedcheckItem.from_parent(session, name=f"embedcheck[{check.name}]", check=check.name)
        )


@pytest.fixture(scope="session")
def embedcheck_suite(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The redacted report data of one suite run configured by the --embedcheck-* options."""
    yield suite_data(request.config)
