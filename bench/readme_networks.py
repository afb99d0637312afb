"""The README's "Networks: proxies and CAs" session, run for real: the mock behind TLS with a
throwaway trustme CA, proxy.py requiring credentials, and `embedcheck run` four ways (CA
unknown, --ca-bundle, through the proxy without and with credentials). Prints each command
as the README shows it and the lines it printed. Not a benchmark; not in CI.

    .venv/bin/python bench/readme_networks.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import trustme

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conformance.network_servers import forward_proxy, tls_mock  # noqa: E402

TOKEN = "readme-token-0123456789"
SHOWN = ("embedcheck: error", "PASSED", "FAILED", "INCOMPLETE", "INCONCLUSIVE")


def run(base_url: str, extra: list[str], env: dict[str, str]) -> list[str]:
    command = [
        str(Path(sys.executable).with_name("embedcheck")), "run", "--profile", "workers-ai",
        "--base-url", f"{base_url}/client/v4", "--account-id", "acct", "--api-token", TOKEN,
        "--model", "bge-small-en-v1.5", "--seed", "1", "--no-progress",
        "--report-dir", str(Path(env["DEMO_DIR"]) / "report"), *extra,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    lines = (done.stdout + done.stderr).splitlines()
    return [line for line in lines if line.startswith(SHOWN)] + [f"(exit {done.returncode})"]


def main() -> None:
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        bundle = directory / "company-ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        base = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")} | {
            "DEMO_DIR": tmp
        }
        with (
            tls_mock(ca, directory, TOKEN) as base_url,
            forward_proxy(directory, basic_auth="alice:s3cret", log_level="WARNING") as proxy,
        ):
            port = proxy.url.rsplit(":", 1)[1]
            cases = [
                ("", [], base),
                ("", ["--ca-bundle", str(bundle)], base),
                (f"HTTPS_PROXY={proxy.url} ", ["--ca-bundle", str(bundle)],
                 base | {"HTTPS_PROXY": proxy.url}),
                (f"HTTPS_PROXY=http://alice:s3cret@127.0.0.1:{port} ", ["--ca-bundle", str(bundle)],
                 base | {"HTTPS_PROXY": f"http://alice:s3cret@127.0.0.1:{port}"}),
            ]  # fmt: skip
            for prefix, extra, env in cases:
                shown = " ".join(a if a != str(bundle) else "company-ca.pem" for a in extra)
                print(
                    f"$ {prefix}embedcheck run --profile workers-ai --base-url "
                    f"{base_url}/client/v4 --account-id acct --api-token $T "
                    f"--model bge-small-en-v1.5 --seed 1 {shown}".rstrip()
                )
                for line in run(base_url, extra, env):
                    print(line.replace(tmp, "$TMP"))


if __name__ == "__main__":
    main()
