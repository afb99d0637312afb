"""`--proxy`, `--no-proxy` and `--ca-bundle`: one set of network options for every command that
sends requests (`embedcheck run`, and `embedcheck compare` can add the same group)."""

from __future__ import annotations

import argparse
from pathlib import Path

from embedcheck.conformance.http.network import NetworkOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "network (default: HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY and SSL_CERT_FILE, "
        "as curl reads them)"
    )
    group.add_argument(
        "--proxy",
        metavar="URL",
        help="http://[USER:PASSWORD@]HOST:PORT for every target ('' for none); "
        "https targets go through a CONNECT tunnel",
    )
    group.add_argument(
        "--no-proxy",
        metavar="LIST",
        help="hosts reached directly, replacing NO_PROXY: names (and their subdomains), "
        "IPs, CIDR ranges, host:port, or '*'",
    )
    group.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="FILE",
        help="PEM file (or directory) of the CAs to trust, instead of SSL_CERT_FILE, "
        "REQUESTS_CA_BUNDLE, SSL_CERT_DIR or the system store and certifi",
    )


def from_args(args: argparse.Namespace) -> NetworkOptions:
    """The options given, checked against the environment now: a bad proxy URL or CA file
    is a usage error before anything runs."""
    options = NetworkOptions(proxy=args.proxy, no_proxy=args.no_proxy, ca_bundle=args.ca_bundle)
    options.resolve().tls_context()  # a NetworkConfigError: cli.main prints it, exit 2
    return options
