"""What every command shares and the light modules need: exit statuses, streams, usage errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TextIO

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "Streams",
    "UsageError",
]

EXIT_OK: Final = 0
#: Invalid input: a case, instrument, model or key file that cannot be used.
EXIT_INVALID: Final = 1
#: A problem with the command line itself.
EXIT_USAGE: Final = 2
#: Interrupted by Ctrl-C (SIGINT), as a shell reports it: 128 + 2.
EXIT_INTERRUPTED: Final = 130


class UsageError(Exception):
    """A problem with the command line itself (exit status 2)."""


@dataclass(frozen=True)
class Streams:
    """A command's standard input, output and error (the last two escape control characters)."""

    stdin: TextIO
    out: TextIO
    err: TextIO
