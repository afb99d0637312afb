"""Fresh virtual environments, built once per session, for the install tests.

Each venv is made with `python -m venv` and filled by pip from PyPI (pip's cache makes the
second session fast): no `--no-deps`, so a missing declared dependency fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "generated"


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name

    def pip_install(self, *args: str) -> None:
        run([str(self.python), "-m", "pip", "install", "--quiet", *args], timeout=600)

    def site_packages(self) -> Path:
        out = run(
            [str(self.python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        )
        return Path(out.stdout.strip())


def run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `command`; fail the test with its output when it exits non-zero."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        pytest.fail(f"{command} exited {result.returncode}:\n{output}")
    return result


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything pointing at this checkout or its venv."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "EMBEDCHECK_SCHEMAS_DIR", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    return {**env, **extra}


def make_venv(root: Path) -> Venv:
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    return Venv(root)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """embedcheck's wheel, built from this checkout as pip builds it for a user."""
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)])
    (built,) = out.glob("embedcheck-*.whl")
    return built


@pytest.fixture(scope="session")
def embedcheck_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Venv:
    """A fresh venv with the wheel (runtime dependencies only), pytest, and the generated client."""
    env = make_venv(tmp_path_factory.mktemp("embedcheck-venv") / "venv")
    env.pip_install(str(wheel), "pytest", str(GENERATED))
    return env


@pytest.fixture(scope="session")
def client_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh venv with only the generated client: `pip install ./generated`."""
    env = make_venv(tmp_path_factory.mktemp("client-venv") / "venv")
    env.pip_install(str(GENERATED))
    return env


@contextmanager
def mock_server(env: Venv, cwd: Path) -> Iterator[str]:
    """`embedcheck mock --port 0` from `env`, on 127.0.0.1; yields its base URL."""
    process = subprocess.Popen(
        [str(env.bin("embedcheck")), "mock", "--host", "127.0.0.1", "--port", "0"],
        cwd=cwd,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert found, f"the mock did not start: {first}"
        # Keep draining its output so that log lines never fill the pipe and block it.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)
