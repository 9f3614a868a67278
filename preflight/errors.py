"""Errors a user can cause and fix: printed as one line with the fix, exit code 2, never a traceback."""


class UsageError(Exception):
    """Bad input (missing file, malformed plan, unknown stack...): say what is wrong and how to fix it."""

    exit_code = 2
