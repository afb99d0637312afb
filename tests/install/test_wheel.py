"""embedcheck as a user installs it: the wheel in a fresh venv, used from a project whose own
`schemas`, `generator`, `conformance` and `generated` packages sit first on sys.path."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.install.conftest import Venv, clean_env, mock_server, run

USER_PACKAGES = ("schemas", "generator", "conformance", "generated")


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with packages named like embedcheck's parts; importing any of them fails."""
    root = tmp_path_factory.mktemp("user-project")
    for name in USER_PACKAGES:
        (root / name).mkdir()
        (root / name / "__init__.py").write_text(
            f"raise ImportError('the user project\\'s own {name} package was imported')\n"
        )
    return root


def user_env(project: Path) -> dict[str, str]:
    return clean_env(PYTHONPATH=str(project))


def test_the_wheel_installs_only_the_embedcheck_package(embedcheck_venv: Venv, wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    record = next(n for n in names if n.endswith(".dist-info/RECORD"))
    site = embedcheck_venv.site_packages()
    installed = (site / record).read_text().splitlines()
    top = {line.split(",")[0].split("/")[0] for line in installed}
    top = {name for name in top if not name.endswith(".dist-info") and name != ".."}
    assert top == {"embedcheck"}
    # The data the code reads at run time came along; tests, bench and generated/ did not.
    assert "embedcheck/schemas/manifest.json" in names
    assert "embedcheck/generator/templates/client.py.jinja" in names
    assert "embedcheck/conformance/reports/templates/report.html.j2" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "generated/"))]
    assert not [n for n in names if "/generated/" in n or "/tests/" in n]


def test_the_runtime_needs_no_code_generator(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith("/METADATA")))
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.decode().splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    heavy = ("ruff", "datamodel-code-generator", "black", "isort")
    for line in requires:
        if line.startswith(heavy):
            assert "extra == 'generate'" in line or 'extra == "generate"' in line, line
    assert any(line.startswith("ruff") and "generate" in line for line in requires)


def test_generate_without_the_extra_or_an_output_is_one_line(
    embedcheck_venv: Venv, user_project: Path, tmp_path: Path
) -> None:
    embedcheck = str(embedcheck_venv.bin("embedcheck"))
    for args, message in (
        (["generate"], "pass --output DIR"),
        (["generate", "--output", str(tmp_path / "out")], "pip install 'embedcheck[generate]'"),
    ):
        result = run_status([embedcheck, *args], user_project)
        assert result[0] == 2, result
        assert message in result[1] and len(result[1].strip().splitlines()) == 1, result
    assert not (tmp_path / "out").exists()


def run_status(command: list[str], cwd: Path) -> tuple[int, str]:
    import subprocess

    done = subprocess.run(
        command,
        cwd=cwd,
        env=user_env(cwd),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr


def test_the_cli_runs_against_the_mock_from_a_user_project(
    embedcheck_venv: Venv, user_project: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    result = run(
        [
            str(embedcheck_venv.bin("embedcheck")),
            "run",
            "--profile",
            "workers-ai",
            "--model",
            "bge-small-en-v1.5",
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--no-progress",
            "--report-dir",
            str(report),
        ],
        cwd=user_project,
        env=user_env(user_project),
    )
    assert "PASSED" in result.stdout or "passed" in result.stdout, result.stdout[-2000:]
    verdict = json.loads((report / "report.json").read_text())
    assert verdict.get("exit_status", 0) == 0


def test_the_pytest_plugin_runs_with_its_options(embedcheck_venv: Venv, user_project: Path) -> None:
    (user_project / "test_nothing.py").write_text("def test_own() -> None:\n    assert True\n")
    result = run(
        [
            str(embedcheck_venv.python),
            "-m",
            "pytest",
            "-p",
            "embedcheck.conformance.pytest_plugin",
            "--embedcheck",
            "--embedcheck-profile",
            "workers-ai",
            "--embedcheck-model",
            "bge-small-en-v1.5",
            "--embedcheck-max-examples",
            "2",
            "--embedcheck-seed",
            "1",
            "--embedcheck-checks",
            "responds,dims,vector-count",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=user_project,
        env=user_env(user_project),
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "failed" not in summary, result.stdout[-2000:]
    assert int(summary.split()[0]) >= 4  # the user's own test and one per selected check


def test_the_client_works_beside_a_user_generated_package(
    embedcheck_venv: Venv, user_project: Path
) -> None:
    script = (
        "import os\n"
        "from workers_ai_embeddings import Client\n"
        "with Client('acct', base_url=os.environ['BASE'] + '/client/v4') as client:\n"
        "    reply = client.bge_m3.embed(['a', 'b'])\n"
        "print(reply.shape, reply._request_id is not None or reply._request_id is None)\n"
    )
    with mock_server(embedcheck_venv, user_project) as base:
        result = run(
            [str(embedcheck_venv.python), "-c", script],
            cwd=user_project,
            env={**user_env(user_project), "BASE": base},
        )
    assert result.stdout.strip() == "[2, 1024] True"


def test_generate_from_the_wheel_writes_a_project_elsewhere(
    embedcheck_venv: Venv, wheel: Path, user_project: Path, tmp_path: Path
) -> None:
    """Last in this module: it adds the [generate] extra to the session's venv."""
    embedcheck_venv.pip_install(f"embedcheck[generate] @ {wheel.as_uri()}")
    out = tmp_path / "acme"
    embedcheck = str(embedcheck_venv.bin("embedcheck"))
    args = [embedcheck, "generate", "--output", str(out), "--package-name", "acme_embeddings"]
    written = run(args, cwd=user_project, env=user_env(user_project))
    assert "acme_embeddings 1.0.0" in written.stderr
    assert (out / "pyproject.toml").read_text().count('name = "acme-embeddings"') == 1
    assert (out / "acme_embeddings" / "py.typed").exists()
    checked = run([*args, "--check"], cwd=user_project, env=user_env(user_project))
    assert "up to date" in checked.stderr
    imported = run(
        [str(embedcheck_venv.python), "-c", "import acme_embeddings as a; print(a.__version__)"],
        cwd=out,
        env=clean_env(),
    )
    assert imported.stdout.strip() == "1.0.0"
