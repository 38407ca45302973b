r"""The ``stalkrisk`` command line. Thin: it parses arguments, calls the API and prints.

Exit status: 0 success; 1 invalid input (a case or instrument file that cannot be used — the
message names the file and the field); 2 usage error; 130 interrupted (Ctrl-C); 143 stopped by
SIGTERM (128 + the signal's number for SIGHUP too). Bad input never prints a traceback.

Nothing lost: every output file is written to a temporary file beside it and renamed into
place only when complete, so an interrupted or failed command leaves no partial output; no
command writes over one of its own inputs (the same file by device and inode: a hard or
symbolic link, or standard input redirected from it). Everything printed goes through a
stream that shows control characters as ``\uXXXX`` escapes, so text from a file cannot
control the terminal.

The package is split by command group, each module imported only when its command runs, so
``stalkrisk --version`` and ``stalkrisk --help`` load neither pydantic's models nor numpy:

- ``_parser``: every command, option and help text (light);
- ``_main``: :func:`main`, signals and dispatch (light);
- ``_common``: reading case files (through :mod:`stalkrisk._internal.intake`), writing
  outputs whole, signing keys;
- ``_cases`` (``demo``, ``score``, ``validate``, ``report``), ``_audit`` (``verify``,
  ``keys``), ``_compare`` (``compare``; its reader of a case or a record serves ``report
  --earlier`` too), ``_batch`` (``batch``), ``_models`` (``fit``, ``evaluate``, ``score
  --model``) and ``_reference`` (``schema``, ``factors``, ``instruments``).
"""

from stalkrisk._internal.public import export
from stalkrisk.cli._main import main

__all__ = ["main"]

export(__name__, __all__, globals())
