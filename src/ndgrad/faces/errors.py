"""The error the faces raise for a mistake in what the user typed."""


class UsageError(ValueError):
    """A mistake in a command's input; the CLI prints it as one line and exits with status 2."""
