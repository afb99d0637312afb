"""The `embedcheck run` job: pick the target (or start the bundled mock), run, report.

The target: `--base-url`/`--url` when given; else, with credentials, the profile's default
(workers-ai: https://api.cloudflare.com/client/v4, as the cloudflare SDK); else, or with
`--mock`, the bundled mock, started on a real socket with a fresh random token (or the one
given), every profile it serves checked. Findings go to `report.json`,
`junit.xml`, `report.html` and `run.log` in the report directory; the terminal gets a progress
bar and the scorecard. Every string that leaves the process passes through one `Redactor`.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis.configuration import set_hypothesis_home_dir
from rich.console import Console

from embedcheck.conformance import checks as checks_module
from embedcheck.conformance.checks import Check
from embedcheck.conformance.engine.options import RunOptions, can_fork
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.http.network import DIRECT
from embedcheck.conformance.profiles import PROFILES, ModelSpec, Target, mock_target, model_spec
from embedcheck.conformance.profiles.kinds import KINDS
from embedcheck.conformance.reports import terminal
from embedcheck.conformance.reports.data import ReportData
from embedcheck.conformance.reports.redact import RedactingFilter, Redactor
from embedcheck.conformance.reports.results import RunResult, mock_data, report_vocabulary
from embedcheck.conformance.reports.writers import write_reports
from embedcheck.schemas import models as known_models

log = logging.getLogger("embedcheck")


@dataclass(frozen=True)
class RunConfig:
    profile: str | None = None
    base_url: str | None = None
    url: str | None = None
    account_id: str | None = None
    token: str | None = None
    models: tuple[str, ...] = ()
    dims: int | None = None
    max_input_tokens: int | None = None  # openai: the token limit of a model we don't know
    options: RunOptions = field(default_factory=RunOptions)
    report_dir: Path | None = Path("embedcheck-report")
    mock_faults: tuple[str, ...] = ()
    progress: bool = True
    mock: bool = False  # --mock: the bundled mock, whatever credentials are around

    @property
    def uses_mock(self) -> bool:
        """The bundled mock is checked only when asked, or when nothing names a real target."""
        if self.mock or (self.mock_faults and not (self.base_url or self.url)):
            return True
        return not (self.base_url or self.url or self.token or self.account_id)


def _checked_url(url: str, option: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{option} must be an http(s) URL with a host, got {url!r}")
    return url


def selected_checks(config: RunConfig) -> list[Check]:
    try:
        return checks_module.select(
            list(config.options.checks), list(config.options.exclude_checks)
        )
    except KeyError as exc:
        known = ", ".join(c.name for c in checks_module.ALL)
        raise ConfigError(f"unknown check(s): {exc.args[0]} (known: {known})") from None


def _model_specs(config: RunConfig, profile: str) -> tuple[ModelSpec, ...]:
    names = config.models or tuple(m.id for m in known_models() if m.provider == "workers-ai")
    if KINDS[profile].open_models:
        return tuple(
            model_spec(
                n, dims=config.dims, known_only=False, max_input_tokens=config.max_input_tokens
            )
            for n in names
        )
    return tuple(model_spec(n) for n in names)


def real_target(config: RunConfig) -> Target:
    """The one target named on the command line; ConfigError for what is missing."""
    profile = config.profile or ("worker" if config.url else None)
    if profile is None and config.account_id and not config.base_url:
        profile = "workers-ai"  # an account id only means Cloudflare
    if profile is None:
        if config.base_url:
            raise ConfigError(f"--base-url needs --profile ({' or '.join(PROFILES[:2])})")
        raise ConfigError(
            "credentials but no target: add --profile workers-ai (then "
            f"{KINDS['workers-ai'].default_base_url} is checked), --base-url or --url with "
            "--profile, or --mock to check the bundled mock"
        )
    kind = KINDS[profile]
    if kind.url_option == "--url":
        if not config.url:
            raise ConfigError(f"--profile {profile} needs --url ({kind.url_shape})")
        return Target(
            profile, _checked_url(config.url, "--url"), _model_specs(config, profile), config.token
        )
    if config.url:
        raise ConfigError(f"--profile {profile} takes --base-url, not --url")
    base_url = config.base_url or kind.default_base_url
    if base_url is None:
        raise ConfigError(
            f"--profile {profile} needs --base-url ({kind.url_shape}); there is no default "
            "target for it (--mock checks the bundled mock)"
        )
    base = _checked_url(base_url, "--base-url")
    if kind.needs_account:
        if not config.account_id:
            raise ConfigError(f"--profile {profile} needs --account-id (or CLOUDFLARE_ACCOUNT_ID)")
        return Target(profile, base, _model_specs(config, profile), config.token, config.account_id)
    if not config.models:
        raise ConfigError(f"--profile {profile} needs at least one --model")
    return Target(profile, base, _model_specs(config, profile), config.token)


def describe(target: Target) -> str:
    """The target in one line, for the first line of output and every report."""
    account = f" (account {target.account_id})" if target.account_id else ""
    models = ", ".join(m.name for m in target.models)
    return f"{target.profile} at {target.base_url}{account}, model(s) {models}"


@contextlib.contextmanager
def targets_for(config: RunConfig) -> Iterator[tuple[list[Target], str]]:
    """The targets to check and a line saying what they are; the mock runs while in use."""
    if config.mock and (config.base_url or config.url):
        raise ConfigError("--mock checks the bundled mock: leave out --base-url/--url")
    if not config.uses_mock:
        if config.mock_faults:
            raise ConfigError(
                "--mock-fault only applies to the bundled mock (add --mock, or leave out "
                "--base-url/--url and the credentials)"
            )
        target = real_target(config)
        yield [target], describe(target)
        return
    # Imported here: a run against a real endpoint has no use for the mock's modules.
    from embedcheck.conformance.mock import FAULTS, MockConfig, serve

    unknown = sorted(set(config.mock_faults) - FAULTS.keys())
    if unknown:
        raise ConfigError(
            f"unknown mock fault(s): {', '.join(unknown)} (known: {', '.join(FAULTS)})"
        )
    profiles = [config.profile] if config.profile else list(PROFILES)
    token = config.token or secrets.token_urlsafe(18)
    with serve(MockConfig(api_token=token, faults=frozenset(config.mock_faults))) as mock:
        targets = [mock_target(p, mock.base_url, _model_specs(config, p), token) for p in profiles]
        faults = f" with fault(s) {', '.join(config.mock_faults)}" if config.mock_faults else ""
        yield targets, f"the bundled mock at {mock.base_url}{faults}"


@contextlib.contextmanager
def run_log(path: Path | None, redactor: Redactor) -> Iterator[None]:
    """Log lines of the run to `path` (if any), each masked before any handler sees it."""
    if path is None:
        yield
        return
    # One log per run, as with the reports (worker processes' records are handled here too).
    # A lone surrogate (the suite sends some texts holding one) is written as its escape.
    handler = logging.FileHandler(path, mode="w", encoding="utf-8", errors="backslashreplace")
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(previous)
        handler.close()


@contextlib.contextmanager
def hypothesis_home(directory: Path | None) -> Iterator[None]:
    """Hypothesis keeps its caches under the report directory, not in the user's cwd."""
    if directory is None:
        yield
        return
    set_hypothesis_home_dir(directory / "hypothesis")
    try:
        yield
    finally:
        set_hypothesis_home_dir(None)  # back to the default (env or ./.hypothesis)


def run_suite(
    config: RunConfig,
    tracker: terminal.Tracker | None = None,
    announce: Callable[[str], object] | None = None,
) -> tuple[RunResult, ReportData]:
    """Run the suite as configured; the result and its redacted report data (also written to
    the report directory, when there is one). `announce` gets the target line first."""
    checks = selected_checks(config)
    if config.options.parallel == "processes" and not can_fork():
        raise ConfigError(
            "--parallel processes needs fork(), which this platform lacks; use --parallel threads"
        )
    directory = config.report_dir
    if directory is not None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the report directory {directory}: {exc}") from None
    tracker = tracker or terminal.Tracker(None)
    # The bundled mock is a loopback server of this run: never through a user's proxy.
    options = replace(config.options, network=DIRECT) if config.uses_mock else config.options
    with targets_for(config) as (targets, description):
        redactor = Redactor([config.token, *(t.token for t in targets)], report_vocabulary())
        if announce is not None:
            announce(f"embedcheck: checking {redactor.text(description)}")
        with run_log(directory / "run.log" if directory else None, redactor):
            log.info("checking %s", redactor.text(description))
            log.info("network: %s", options.network.resolve().describe())
            result = run(targets, checks, options, on_plan=tracker.start, on_unit=tracker.advance)
            log.info("done in %.1f s; exit status %d", result.duration, result.exit_code)
    data = result.to_data(redactor)
    data["description"] = redactor.text(description)
    data["notes"] += [
        f"the token is {why}: masked in credential headers and curl lines only"
        for why in redactor.unmasked
    ]
    if config.uses_mock:
        data["mock"] = mock_data(targets, config.mock_faults, data)
    if directory is not None:
        written = write_reports(data, directory)
        data["reports"] = [str(p) for p in written.paths]
        data["notes"] += written.failures
    return result, data


def execute(config: RunConfig, console: Console | None = None) -> int:
    """Run with a progress bar and print the scorecard; the exit status (`verdict`)."""
    console = console or Console()
    with (
        hypothesis_home(config.report_dir),
        terminal.progress(console, enabled=config.progress) as tracker,
    ):
        result, data = run_suite(config, tracker, announce=lambda line: _say(console, line))
    terminal.summary(console, data)
    return 130 if result.interrupted else result.exit_code


def _say(console: Console, line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)
