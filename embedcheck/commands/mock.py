"""`embedcheck mock`: run the reference mock server until Ctrl-C, or list its faults."""

from __future__ import annotations

import argparse
import time

from embedcheck.conformance.mock import FAULTS, MockConfig, serve
from embedcheck.conformance.mock.config import PRECISIONS
from embedcheck.conformance.mock.faults import unknown_faults
from embedcheck.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (8787; 0 picks a free one)")
    parser.add_argument("--api-token", metavar="T", help="require `Authorization: Bearer T`")
    parser.add_argument(
        "--fault",
        dest="faults",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="switch on a named non-conformance (repeatable); see --list-faults",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="list the faults, one per line, and exit"
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=PRECISIONS[0],
        help="round vectors to bfloat16, as a low-precision build would (float32)",
    )
    parser.add_argument(
        "--model-variant",
        default="",
        metavar="NAME",
        help="seed vectors apart, as a different model of the same size would give",
    )


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        width = max(len(name) for name in FAULTS)
        for fault in FAULTS.values():
            print(f"{fault.name:<{width}}  {fault.description}")
        return 0
    unknown = unknown_faults(set(args.faults))
    if unknown:
        raise UsageError(
            f"unknown fault {', '.join(unknown)} (see `embedcheck mock --list-faults`)"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    config = MockConfig(
        api_token=args.api_token,
        faults=frozenset(args.faults),
        precision=args.precision,
        model_variant=args.model_variant,
    )
    try:
        with serve(config, host=args.host, port=args.port) as running:
            base = running.base_url
            print(f"embedcheck mock listening on {base}", flush=True)
            print(f"  Workers AI  POST {base}/client/v4/accounts/ACCOUNT/ai/run/@cf/baai/bge-m3")
            print(f"  OpenAI      POST {base}/v1/embeddings")
            print(f"  OpenAI (CF) POST {base}/client/v4/accounts/ACCOUNT/ai/v1/embeddings")
            print(
                f"  schema      GET  {base}/client/v4/accounts/ACCOUNT/ai/models/schema?model=..."
            )
            print(f"  Worker      POST {base}/run/@cf/baai/bge-m3")
            token = "required (****)" if args.api_token else "not required"
            print(f"  token: {token}; faults: {', '.join(sorted(config.faults)) or 'none'}")
            print("Press Ctrl-C to stop.", flush=True)
            while True:
                time.sleep(3600)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    except KeyboardInterrupt:
        print("embedcheck mock stopped")
    return 0
