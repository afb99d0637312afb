"""Users run the same checks inside their own pytest: one item per check, one suite run."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import trustme

# In-process pytest runs (pytester) put back sys.modules as they found them when they end:
# a module first imported inside one is dropped and imported again by the next, which numpy
# (loaded by the checks) refuses ("cannot load module more than once per process"), and a
# second copy of concurrent.futures cannot pickle work for worker processes. Loaded here, the
# plugin and all it imports are in the snapshot, whatever order the tests run in.
import embedcheck.conformance.pytest_plugin  # noqa: F401
from embedcheck.conformance.http.network import CA_DIR_VARIABLE, CA_FILE_VARIABLES
from tests.conformance.network_servers import forward_proxy, tls_mock
from tests.conformance.test_network import PROXY_VARIABLES

pytest_plugins = ["pytester"]
NETWORK_VARIABLES = (*PROXY_VARIABLES, *CA_FILE_VARIABLES, CA_DIR_VARIABLE, "REQUEST_METHOD")

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = 'pytest_plugins = ["embedcheck.conformance.pytest_plugin"]'
WORKER = (
    "--embedcheck",
    "--embedcheck-profile",
    "worker",
    "--embedcheck-model",
    "bge-small-en-v1.5",
)


def test_the_plugin_turns_checks_into_test_items(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(
        test_mine="""
        def test_my_own(embedcheck_suite):
            assert "dims" in embedcheck_suite["scorecard"]
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "2",
        "--embedcheck-checks", "dims,shape,vector-count",
        "--embedcheck-mock-fault", "wrong-dims",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=2)
    # Each failure as JUnit shows it (`reports.text.finding_text`), under its column.
    result.stdout.fnmatch_lines(
        [
            "*embedcheck check dims*",
            "worker:bge-small-en-v1.5: vector 0 has 383 values*",
            "expected: 384*",
            "input: *",
            "reproduce: curl -sS -X POST http://127.0.0.1:*",
        ]
    )


def test_without_the_flag_nothing_is_added(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def test_an_unreachable_target_is_one_short_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    url = f"http://127.0.0.1:{_closed_port()}/run"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:warnings", *WORKER, "--embedcheck-url", url,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"ERROR: embedcheck: target unreachable: {url}")
    assert len(result.outlines) < 10  # not a traceback per item


def test_selection_runs_only_the_selected_checks_once(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makeconftest(PLUGIN)
    report = tmp_path / "report"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "2",
        "--embedcheck-report-dir", str(report), "-k", "dims or shape",
    )  # fmt: skip
    result.assert_outcomes(passed=2, deselected=len(_all_checks()) - 2)
    data = json.loads((report / "report.json").read_text())
    assert set(data["scorecard"]) == {"dims", "shape"}  # deselected checks were not run at all
    assert (report / "run.log").read_text().count("checking the bundled mock") == 1


def test_the_run_options_reach_the_suite(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeconftest(PLUGIN)
    report = tmp_path / "report"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "1",
        "--embedcheck-report-dir", str(report), "--embedcheck-checks", "dims,shape,determinism",
        "--embedcheck-exclude-checks", "shape", "--embedcheck-timeout", "7.5",
        "--embedcheck-workers", "2", "--embedcheck-parallel", "threads",
        "--embedcheck-determinism-tolerance", "0.5", "--embedcheck-seed", "11",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    settings = json.loads((report / "report.json").read_text())["settings"]
    assert {k: settings[k] for k in ("timeout_s", "workers", "parallel", "exclude_checks")} == {
        "timeout_s": 7.5,
        "workers": 2,
        "parallel": "threads",
        "exclude_checks": ["shape"],
    }
    assert settings["determinism_tolerance"] == 0.5


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--embedcheck-checks", "no-such-check"), "unknown check(s): no-such-check"),
        (("--embedcheck-profile", "openai"), "--profile openai needs at least one --model"),
    ],
)
def test_a_configuration_mistake_is_one_error_before_anything_runs(
    pytester: pytest.Pytester, args: tuple[str, ...], words: str
) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--embedcheck", "--embedcheck-base-url", "http://127.0.0.1:9/v1",
        *args,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1 and words in errors[0], errors


def _all_checks() -> list[str]:
    from embedcheck.conformance.checks import ALL

    return [c.name for c in ALL]


def test_the_readme_lists_every_plugin_option(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    help_text = "\n".join(pytester.runpytest_inprocess("--help").outlines)
    options = set(re.findall(r"--embedcheck[a-z-]*", help_text))
    assert len(options) > 15
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(o for o in options if f"`{o}" not in readme) == []


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / "report.json").read_text())
    return data


def test_node_ids_select_checks_and_nothing_else(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_mine="def test_mine():\n    raise AssertionError('not selected')\n")
    report = tmp_path / "report"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "2",
        "--embedcheck-report-dir", str(report), "embedcheck::dims", "embedcheck::shape",
    )  # fmt: skip
    result.assert_outcomes(passed=2, deselected=len(_all_checks()) - 2)
    result.stdout.no_fnmatch_line("*test_mine*")  # no file named: the user's tests stay out
    assert set(_report(report)["scorecard"]) == {"dims", "shape"}


def test_node_ids_and_files_together(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_mine="def test_mine():\n    pass\n")
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "2", "-v",
        "test_mine.py", "embedcheck::dims",
    )  # fmt: skip
    result.assert_outcomes(passed=2, deselected=len(_all_checks()) - 1)
    result.stdout.fnmatch_lines(["*test_mine.py::test_mine PASSED*", "*embedcheck::dims PASSED*"])


def test_deselect_by_node_id_leaves_the_check_out_of_the_run(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makeconftest(PLUGIN)
    report = tmp_path / "report"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-max-examples", "2",
        "--embedcheck-checks", "order-kept,dims,shape", "--embedcheck-report-dir", str(report),
        "--deselect", "embedcheck::order-kept", "--deselect", "embedcheck::shape",
        "--embedcheck-mock-fault", "reorder-vectors",
    )  # fmt: skip
    result.assert_outcomes(passed=1, deselected=2)  # the failing order-kept is not run at all
    assert set(_report(report)["scorecard"]) == {"dims"}


def test_an_unknown_node_id_is_one_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", *WORKER, "--embedcheck-checks", "dims", "embedcheck::shape",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith("ERROR: embedcheck: embedcheck::shape: no such check in this run")
    assert "(its checks: dims;" in errors[0]


TOKEN = "plugin-token-4e7a1c9b"


def test_the_network_options_reach_a_target_behind_a_proxy_and_a_private_ca(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EMBEDCHECK_API_TOKEN", TOKEN)
    pytester.makeconftest(PLUGIN)
    ca = trustme.CA()
    ca_file = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    (tmp_path / "proxy").mkdir()
    with tls_mock(ca, tmp_path, TOKEN) as base, forward_proxy(tmp_path / "proxy") as proxy:
        target = (
            "--embedcheck", "--embedcheck-profile", "workers-ai", "--embedcheck-account-id",
            "acct", "--embedcheck-base-url", f"{base}/client/v4", "--embedcheck-model",
            "bge-small-en-v1.5", "--embedcheck-max-examples", "1", "--embedcheck-parallel",
            "threads", "embedcheck::valid-accepted",
        )  # fmt: skip
        untrusted = pytester.runpytest_inprocess("-p", "no:cacheprovider", *target)
        # `=`: a path given apart would be read by pytest as a test path (to find the rootdir
        # and conftests) before the conftest that loads the plugin is read.
        through = pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", *target, "--embedcheck-proxy", proxy.url,
            f"--embedcheck-ca-bundle={ca_file}",
        )  # fmt: skip
        requests = proxy.requests()
        proxy.record.unlink(missing_ok=True)
        bypassed = pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", *target, "--embedcheck-proxy", proxy.url,
            "--embedcheck-no-proxy", "127.0.0.1", f"--embedcheck-ca-bundle={ca_file}",
        )  # fmt: skip
        assert proxy.requests() == []
    assert untrusted.ret == pytest.ExitCode.USAGE_ERROR
    assert "is not trusted" in "\n".join(untrusted.errlines)
    through.assert_outcomes(passed=1, deselected=len(_all_checks()) - 1)
    authority = base.removeprefix("https://").encode()
    assert requests and {r.split(b"\r\n")[0] for r in requests} == {
        b"CONNECT " + authority + b" HTTP/1.1"
    }
    bypassed.assert_outcomes(passed=1, deselected=len(_all_checks()) - 1)


def test_an_unusable_network_option_is_one_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--embedcheck", "--embedcheck-base-url",
        "https://127.0.0.1:9/v1", "--embedcheck-profile", "openai", "--embedcheck-model", "m",
        "--embedcheck-dims", "8", "--embedcheck-ca-bundle", "/nonexistent/ca.pem",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert errors == [
        "ERROR: embedcheck: --ca-bundle /nonexistent/ca.pem: no such file (a PEM CA bundle)"
    ]
