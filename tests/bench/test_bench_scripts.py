"""Each benchmark script runs to the end on its tiny budget and prints its tables.

The figures are not judged here (a shared CI machine says little about speed): the point is
that `bench/*.py` keep working as the code they measure changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "compare_schemathesis.py": (
        "### Speed",
        "| tool | checked examples |",
        "| a/b checked examples/s",
        "| a/c requests/s while sending (c: the same requests replayed) |",
        "| (c) raw httpx loop replaying (a)'s requests",
        "### Faults",
        "| fault | caught by embedcheck",
        "### False positives",
    ),
    "bench_mock.py": ("mock vs bare Starlette", "mock/s"),
    "compare_revisions.py": ("| version | run s, each round |", "| working tree |"),
    "bench_generate.py": ("generate --check", "raw httpx POST"),
    "bench_client.py": ("| client | body | client CPU ms/request |", "| httpx.Client |"),
    "bench_compare.py": ("| (a) embedcheck compare:", "| texts/request | a/b requests/s |"),
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_script_runs_on_its_quick_budget(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for header in SCRIPTS[script]:
        assert header in done.stdout, f"{header!r} missing from:\n{done.stdout[-3000:]}"
