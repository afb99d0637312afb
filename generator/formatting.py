"""Format generated Python with ruff, with settings fixed here so every machine gets the same bytes.

ruff runs in isolated mode (no configuration file is read) with the project's line length and
target: imports sorted, unused imports dropped, `__all__` sorted as RUF022 wants it (whatever
names a new model brings), `ruff format`, unneeded noqa directives dropped.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from embedcheck.generator.errors import GeneratorError

SETTINGS = ("--isolated", "--line-length", "100", "--target-version", "py311")


def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError:
        raise GeneratorError(
            "formatting the generated code needs ruff: pip install 'embedcheck[generate]'"
        ) from None
    return str(find_ruff_bin())


def format_python(files: dict[str, str]) -> dict[str, str]:
    """The same files, `.py` ones formatted; paths are relative, with forward slashes."""
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    with tempfile.TemporaryDirectory(prefix="embedcheck-format-") as tmp:
        root = Path(tmp)
        for path, text in python.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        ruff = ruff_binary()
        _run([ruff, "check", *SETTINGS, "--select", "I,F401,RUF022", "--fix", "--quiet", "."], root)
        _run([ruff, "format", *SETTINGS, "--quiet", "."], root)
        # Model modules carry a file-wide noqa for E501 (long schema descriptions); where no
        # line is long after formatting, RUF100 drops that directive again.
        _run(
            [
                ruff,
                "check",
                *SETTINGS,
                "--select",
                "E501,RUF100",
                "--fix",
                "--exit-zero",
                "--quiet",
                ".",
            ],
            root,
        )
        formatted = {path: (root / path).read_text(encoding="utf-8") for path in python}
    return {**files, **formatted}


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GeneratorError(f"ruff could not format the generated code: {detail[:3]}")
