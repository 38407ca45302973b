"""``main``: parse the command line, run the command's handler, turn failures into statuses."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Final, TextIO, cast

from stalkrisk._internal.terminal import SafeText
from stalkrisk.cli._base import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Streams,
    UsageError,
)
from stalkrisk.cli._parser import build_parser
from stalkrisk.errors import (
    CaseFileError,
    InstrumentError,
    KeyFileError,
    ModelFileError,
    ReportIncompleteError,
)

__all__ = ["main"]


class _Stopped(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, so that cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


@contextlib.contextmanager
def _signals_stop_cleanly() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception while a command runs (then restore them).

    A temporary output file is then deleted, as on Ctrl-C, instead of being left behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {signum: signal.getsignal(signum) for signum in wanted}
    for signum in wanted:
        signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOPPED: Final = (
    "stalkrisk: {what}: stopped; no output file was written or changed (anything already "
    "printed to standard output is incomplete)"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Examples
    --------
    >>> main(["instruments", "list"])  # doctest: +ELLIPSIS
    ogrs3 ...
    stalkrisk-screen     1.0.0    illustrative       stalkrisk screen  (superseded; ...)
    stalkrisk-screen     2.0.0    illustrative       stalkrisk screen  (default)
    0
    """
    out, err = cast(TextIO, SafeText(sys.stdout)), cast(TextIO, SafeText(sys.stderr))
    streams = Streams(stdin=sys.stdin, out=out, err=err)
    try:
        with _signals_stop_cleanly():
            return _run(argv, streams)
    except KeyboardInterrupt:
        print(_STOPPED.format(what="interrupted"), file=err)
        return EXIT_INTERRUPTED
    except _Stopped as stopped:
        name = signal.Signals(stopped.signum).name
        print(_STOPPED.format(what=f"{name} received"), file=err)
        return 128 + stopped.signum


def _run(argv: Sequence[str] | None, streams: Streams) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help/--version
        return int(exc.code or 0)
    try:
        return int(args.func(args, streams))
    except UsageError as exc:
        print(f"stalkrisk: error: {exc}", file=streams.err)
        return EXIT_USAGE
    except (
        InstrumentError,
        CaseFileError,
        ModelFileError,
        KeyFileError,
        ReportIncompleteError,
    ) as exc:
        print(f"error: {exc}", file=streams.err)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `stalkrisk factors | head`
        sys.stderr.close()
        return EXIT_OK
