"""Writing files so that nothing is lost: whole or not at all, and never over an input.

- :func:`atomic_output` writes to a temporary file in the destination's folder, flushes and
  fsyncs it, and renames it over the destination only when everything was written. On any
  error, or an interrupt, the temporary file is deleted and the destination is untouched: an
  output file appears only when complete, so a pipeline never takes a partial file for a
  result. An existing file keeps its permissions; a symbolic link is written through (the
  file it points to is replaced, the link stays); a device, pipe or socket (``/dev/stdout``,
  a FIFO) is written to as a stream, since there is no file to replace. (A ``kill -9``
  cannot be caught: it can leave a ``.NAME.*.stalkrisk-tmp`` file beside the destination,
  never a partial destination.)
- :func:`same_files` tells whether an output would overwrite one of the inputs: by device and
  inode (so a hard link, a symbolic link or standard input redirected from the file are the
  same file), and by resolved path for files that do not exist yet.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final, Literal, overload

__all__ = [
    "TEMP_SUFFIX",
    "atomic_output",
    "atomic_write",
    "file_identity",
    "same_files",
]

#: The suffix of the temporary files written beside a destination.
TEMP_SUFFIX: Final = ".stalkrisk-tmp"


def _default_mode() -> int:
    """Return the permissions a new file would get (0o666 less the process's umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - folders cannot be opened there
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder we just wrote into can be opened
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems do not sync folders
        pass
    finally:
        os.close(fd)


@overload
def atomic_output(
    path: str | os.PathLike[str],
    *,
    binary: Literal[False] = False,
    mode: int | None = None,
    replace: bool = True,
) -> contextlib.AbstractContextManager[IO[str]]: ...


@overload
def atomic_output(
    path: str | os.PathLike[str],
    *,
    binary: Literal[True],
    mode: int | None = None,
    replace: bool = True,
) -> contextlib.AbstractContextManager[IO[bytes]]: ...


@overload
def atomic_output(
    path: str | os.PathLike[str],
    *,
    binary: bool,
    mode: int | None = None,
    replace: bool = True,
) -> contextlib.AbstractContextManager[IO[Any]]: ...


def atomic_output(
    path: str | os.PathLike[str],
    *,
    binary: bool = False,
    mode: int | None = None,
    replace: bool = True,
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open a temporary file that becomes ``path`` only if the ``with`` block completes.

    Text is written as UTF-8 with no newline translation.

    Parameters
    ----------
    path : path
        The destination.
    binary : bool, default False
        Yield a binary file instead of a text file.
    mode : int, optional
        The file's permissions (default: as a new file would get under the umask).
    replace : bool, default True
        Replace an existing destination; with False, raise ``FileExistsError`` instead.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_output(folder / "out.txt") as f:
    ...     _ = f.write("all of it")
    >>> (folder / "out.txt").read_text()
    'all of it'
    >>> try:
    ...     with atomic_output(folder / "other.txt") as f:
    ...         _ = f.write("part of it")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> sorted(p.name for p in folder.iterdir())  # no partial file, no temporary file
    ['out.txt']
    """
    return _atomic(Path(path), binary=binary, mode=mode, replace=replace)


_TEXT: Final[dict[str, Any]] = {"encoding": "utf-8", "newline": ""}
_HELD: Final = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP for a moment (main thread): handled after it.

    Between making the temporary file and knowing its name there is no place to clean up
    from; a signal that arrives in that moment is handled once the name is known. The Python
    handlers are swapped for a recorder rather than the signals masked, because a mask covers
    only the calling thread: another thread (numpy's BLAS workers, say) would still take the
    signal, and Python would run its handler in the main thread at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def record(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = {}
    try:
        for sig in _HELD:
            previous[sig] = signal.signal(sig, record)
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


@contextlib.contextmanager
def _atomic(path: Path, *, binary: bool, mode: int | None, replace: bool) -> Iterator[IO[Any]]:
    if not replace and (path.exists() or path.is_symlink()):
        raise FileExistsError(f"{path} exists already")
    try:
        info: os.stat_result | None = path.stat()  # through a symbolic link
    except (FileNotFoundError, NotADirectoryError):
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        # a device, pipe or socket (/dev/stdout, a FIFO): written through, as a stream is;
        # there is no file to replace, and replacing the device would be wrong
        with path.open("wb" if binary else "w", **({} if binary else _TEXT)) as stream:
            yield stream
        return
    if path.is_symlink():  # write where the link points; the link itself stays
        path = path.resolve()
    if mode is None and info is not None:
        mode = stat.S_IMODE(info.st_mode)  # an existing file keeps its permissions
    folder = path.parent
    temp: Path | None = None
    fd: int | None = None
    try:
        with _signals_held():
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=folder)
            temp = Path(name)
        handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", **_TEXT)
        fd = None  # the handle owns it now
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(_default_mode() if mode is None else mode)
        if replace:
            temp.replace(path)
        else:
            path.hardlink_to(temp)  # fails if the destination appeared meanwhile
            temp.unlink()
    except BaseException:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    _fsync_folder(folder)


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    mode: int | None = None,
    replace: bool = True,
) -> None:
    r"""Write ``data`` (text as UTF-8, or bytes) to ``path`` whole, or not at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "record.json"
    >>> atomic_write(target, "{}\n")
    >>> target.read_text()
    '{}\n'
    """
    if isinstance(data, bytes):
        with atomic_output(path, binary=True, mode=mode, replace=replace) as out:
            out.write(data)
    else:
        with atomic_output(path, mode=mode, replace=replace) as text:
            text.write(data)


def file_identity(path: str | os.PathLike[str] | int) -> tuple[int, int] | None:
    """Return ``(device, inode)`` of a file (a path or an open descriptor); ``None`` if none.

    Only regular files have an identity that matters here: a pipe or a terminal is never
    overwritten by writing to a file.
    """
    try:
        info = os.fstat(path) if isinstance(path, int) else Path(path).stat()
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_dev, info.st_ino


def _resolved(path: str | os.PathLike[str]) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # pragma: no cover - a symbolic-link loop
        return None


def same_files(
    output: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str] | int]
) -> str | os.PathLike[str] | int | None:
    r"""Return the first of ``inputs`` that ``output`` would overwrite, or ``None``.

    An input is a path or an open file descriptor (``0`` for standard input). Files are the
    same when they have the same device and inode (hard and symbolic links, redirections),
    or, when the output does not exist yet, the same resolved path.

    Examples
    --------
    >>> import os, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "cases.jsonl").write_text("{}\n")
    3
    >>> os.link(folder / "cases.jsonl", folder / "out.jsonl")
    >>> same_files(folder / "out.jsonl", [folder / "cases.jsonl"]) == folder / "cases.jsonl"
    True
    >>> same_files(folder / "new.jsonl", [folder / "cases.jsonl"]) is None
    True
    """
    target = file_identity(output)
    where = _resolved(output)
    for source in inputs:
        identity = file_identity(source)
        if target is not None and identity == target:
            return source
        if not isinstance(source, int) and where is not None and _resolved(source) == where:
            return source
    return None
