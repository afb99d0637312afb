"""The generated client as its own product: `pip install ./generated` into a venv without
embedcheck, then the README's client example, run as written against a mock that another venv
serves, prints what the README says it prints."""

from __future__ import annotations

import re
import subprocess

from tests.install.conftest import REPO, Venv, clean_env, mock_server, run


def readme_example() -> tuple[str, str]:
    """The client example of the README and the output it shows, by their markers."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- client-example -->\n```python\n(.*?)```", text, re.S)
    output = re.search(r"<!-- client-example-output -->\n```\n(.*?)```", text, re.S)
    assert code and output, "README: the client example or its output lost its marker"
    return code.group(1), output.group(1)


def test_the_client_installs_without_embedcheck(client_venv: Venv) -> None:
    probe = subprocess.run(
        [str(client_venv.python), "-c", "import embedcheck"],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=client_venv.root,  # not this checkout, whose embedcheck/ `-c` would find
        check=False,
    )
    assert probe.returncode == 1 and "No module named 'embedcheck'" in probe.stderr
    listed = run([str(client_venv.python), "-m", "pip", "list", "--format=freeze"]).stdout
    names = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert "workers-ai-embeddings" in names and "embedcheck" not in names
    assert not names & {"ruff", "datamodel-code-generator", "jsonschema", "hypothesis"}


def test_the_readme_example_runs_as_written(client_venv: Venv, embedcheck_venv: Venv) -> None:
    code, expected = readme_example()
    with mock_server(embedcheck_venv, client_venv.root) as base:
        port = base.rsplit(":", 1)[1]
        script = code.replace("127.0.0.1:8787", f"127.0.0.1:{port}")
        assert script != code, "the example no longer talks to the mock on port 8787"
        result = run([str(client_venv.python), "-c", script], env=clean_env(), cwd=client_venv.root)
    assert result.stdout == expected
