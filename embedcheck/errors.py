"""The one root for mistakes a user made: the CLI prints them as one line and exits 2.

Every layer's user-error class derives from `EmbedcheckError` (schemas' SchemaError, the
generator's GeneratorError, the suite's ConfigError, the commands' UsageError), so `cli.main`
catches one class in one place. This module imports nothing, so any layer may import it.
"""


class EmbedcheckError(Exception):
    """One line on stderr, exit 2: the message names the problem and the fix."""


class UsageError(EmbedcheckError):
    """A bad argument, an unreachable target, a missing file given on the command line."""
