"""Problems with how the suite was called, as opposed to findings about the target."""

from embedcheck.errors import EmbedcheckError


class ConfigError(EmbedcheckError):
    """A bad option combination or value: one line for the user, exit status 2."""


class TargetUnreachable(ConfigError):
    """The first request could not even connect."""
