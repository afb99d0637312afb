"""Through the CLI: `--example-db` saves the failing examples Hypothesis found, the next run
replays them before generating, and the database only adds examples (the seed still draws the
same ones); a replay that passes again is dropped from the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main

SMALL = "bge-small-en-v1.5"
# reorder-vectors is found by generation: the minimal failing example is a shrunk batch of
# two texts, which no boundary case is.
FOCUS = ["--profile", "worker", "--model", SMALL, "--checks", "order-kept"]


def run(report: Path, database: str, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(
        ["run", "--no-progress", "--report-dir", str(report), "--example-db", database, *args]
    )
    return code, json.loads((report / "report.json").read_text())


def batch_unit(data: dict[str, Any]) -> dict[str, Any]:
    units: list[dict[str, Any]] = [u for u in data["units"] if u["scenario"] == "batch"]
    [unit] = units
    return unit


def smallest(data: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in data["findings"] if f["check"] == "order-kept"]
    [finding] = found
    return finding


def saved(database: Path) -> list[Path]:
    return [p for p in database.rglob("*") if p.is_file()] if database.exists() else []


def test_a_generated_failure_is_saved_and_replayed_first_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "examples"
    fault = ["--mock-fault", "reorder-vectors", *FOCUS]

    # Run 1, in worker processes (the default): Hypothesis finds and shrinks the failure, and
    # the forked worker saves it under the unit's key.
    code, first = run(tmp_path / "r1", str(database), "--seed", "1", *fault)
    assert code == 1
    found = smallest(first)
    assert found["origin"] == "generated"
    assert len(found["exchanges"][0]["request"]["body"]["text"]) == 2  # shrunk: two texts
    assert batch_unit(first)["replayed"] == 0
    assert saved(database), "the failing example was not written to --example-db"
    capsys.readouterr()

    # Run 2, another seed, in threads: the saved example is sent before anything generated.
    code, second = run(
        tmp_path / "r2", str(database), "--seed", "2", "--parallel", "threads", *fault
    )
    out = capsys.readouterr().out
    assert code == 1
    again = smallest(second)
    assert again["origin"] == "replayed"
    assert again["exchanges"][0]["request"]["body"] == found["exchanges"][0]["request"]["body"]
    replayed = batch_unit(second)["replayed"]
    assert replayed >= 1
    assert f"{replayed} example(s) that failed in earlier runs (saved in {database})" in out
    assert "were replayed first" in out

    # The same seed without the database: exactly the replayed examples fewer, the same
    # failures. The database adds examples; it does not change what the seed draws.
    code, fresh = run(tmp_path / "r2-fresh", "none", "--seed", "2", "--parallel", "threads", *fault)
    assert code == 1
    assert batch_unit(fresh)["replayed"] == 0
    assert batch_unit(second)["examples"] == batch_unit(fresh)["examples"] + replayed
    assert [f["kind"] for f in fresh["findings"]] == [f["kind"] for f in second["findings"]]
    assert smallest(fresh)["origin"] == "generated"

    # The fault fixed: the replay passes, the run passes, the example leaves the database.
    code, fixed = run(tmp_path / "r3", str(database), "--seed", "3", *FOCUS)
    assert (code, fixed["verdict"]) == (0, "passed")
    assert batch_unit(fixed)["replayed"] == replayed
    assert saved(database) == []


def test_the_default_database_is_in_the_report_dir(tmp_path: Path) -> None:
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--report-dir", str(report), "--seed", "1",
         "--mock-fault", "reorder-vectors", *FOCUS]
    )  # fmt: skip
    assert code == 1
    assert saved(report / "examples")
    data = json.loads((report / "report.json").read_text())
    assert data["settings"]["example_db"] == str(report / "examples")
