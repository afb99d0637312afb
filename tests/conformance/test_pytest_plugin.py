"""Users run the same checks inside their own pytest: one item per check."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_plugin_turns_checks_into_test_items(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["embedcheck.conformance.pytest_plugin"]')
    pytester.makepyfile(
        test_mine="""
        def test_my_own(embedcheck_suite):
            assert "dims" in embedcheck_suite["scorecard"]
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--embedcheck", "--embedcheck-profile", "worker",
        "--embedcheck-model", "bge-small-en-v1.5", "--embedcheck-max-examples", "2",
        "--embedcheck-checks", "dims,shape,vector-count,envelope",
        "--embedcheck-mock-fault", "wrong-dims",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*embedcheck check dims*", "*vector 0 has 383 values*"])


def test_without_the_flag_nothing_is_added(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["embedcheck.conformance.pytest_plugin"]')
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
