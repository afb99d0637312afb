"""`--proxy`, `--no-proxy` and `--ca-bundle`: one set of network options for every command that
sends requests (`embedcheck run`, and `embedcheck compare` can add the same group). They are
defined once, in `conformance.http.network.OPTIONS`, which the pytest plugin reads too."""

from __future__ import annotations

import argparse

from embedcheck.conformance.http.network import (
    OPTIONS,
    OPTIONS_TITLE,
    NetworkOptions,
    network_options,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(OPTIONS_TITLE)
    for option in OPTIONS:
        group.add_argument(f"--{option.name}", metavar=option.metavar, help=option.help)


def from_args(args: argparse.Namespace) -> NetworkOptions:
    """The options given, checked against the environment now: a bad proxy URL or CA file
    is a usage error before anything runs."""
    # A NetworkConfigError is an EmbedcheckError: cli.main prints it in one line, exit 2.
    return network_options({o.name: getattr(args, o.field) for o in OPTIONS})
