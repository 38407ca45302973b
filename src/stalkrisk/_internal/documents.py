"""One way to read every JSON and TOML document stalkrisk opens: strict, bounded, no traceback.

Every case, answers, record, instrument and model document, from a file, a stream or a
string, is parsed here, so that every reader refuses the same things with the same message:

- JSON that is not valid, or that a writer cut short;
- ``NaN``, ``Infinity`` and numbers too large for a double (``1e400`` would silently become
  infinity);
- integers with more digits than Python converts (4,300);
- nesting deeper than Python's parser can follow;
- the same key twice in one object (JSON parsers disagree on which one wins, so a record
  that said ``"to_kill": "present", "to_kill": "absent"`` would lose a red flag silently);
- files that are not UTF-8, or larger than the caller allows.

Each is a :class:`DocumentError` with a message that names the place (line and column, or
the field path) and the rule, never the submitted value.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DocumentError",
    "dotted_path",
    "parse_json",
    "parse_toml",
    "read_bytes",
    "read_document",
    "read_text",
]

# Message templates (module constants, so that tests can match them exactly). They never hold
# submitted values.
NOT_JSON: Final = "not valid JSON ({where}: {reason})"
CUT_SHORT: Final = "not valid JSON: the record ends early (the file may have been cut short)"
NON_FINITE: Final = "NaN and Infinity are not JSON; leave the field out if it is unknown"
NUMBER_TOO_LARGE: Final = "not valid JSON: a number is too large to hold (beyond 1.8e308)"
NUMBER_TOO_LONG: Final = "not valid JSON: a number has too many digits"
TOO_DEEP: Final = "not valid JSON: nested too deeply"
DUPLICATE_KEY: Final = (
    "{where}: the same key is given twice in one object; give each key once (readers "
    "disagree on which value wins)"
)
NOT_TOML: Final = "not valid TOML: {reason}"
TOML_TOO_DEEP: Final = "not valid TOML: nested too deeply"
TOML_NUMBER_TOO_LONG: Final = "not valid TOML: a number has too many digits"
NOT_UTF8: Final = "not UTF-8 text (an invalid byte at byte {position}); save the file as UTF-8"
TOO_LARGE: Final = "is larger than {limit:,} bytes, the most {what} may hold{hint}"
NO_SUCH_FILE: Final = "no such file"
IS_A_FOLDER: Final = "is a folder, not a file"
CANNOT_READ: Final = "cannot be read ({reason})"

_BOM: Final = "\ufeff"


class DocumentError(ValueError):
    """A document that cannot be read. ``message`` says why and where, never with a value.

    Attributes
    ----------
    message : str
        What is wrong, with its place in the document when known.
    kind : str
        A stable code: ``json``, ``toml``, ``encoding``, ``too_large``, ``duplicate_key``,
        ``file``.
    where : str or None
        For invalid JSON, the place (``line 3, column 24``), when known.
    detail : str
        The message without the place: what a caller that shows the place apart prints.
    """

    def __init__(
        self, message: str, kind: str = "json", *, where: str | None = None, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.where = where
        self.detail = detail or message


def dotted_path(parts: Sequence[str | int], known: Container[str] | None = None) -> str:
    """Render a path as ``history.convictions[0].date``; ``(top level)`` when empty.

    With ``known``, a key that is not in it is shown as ``?``: keys outside a schema may be
    personal data, and a message never repeats them.

    Examples
    --------
    >>> dotted_path(["history", "convictions", 0, "date"])
    'history.convictions[0].date'
    >>> dotted_path(["perpetrator", "Jane Smith"], known={"perpetrator", "age"})
    'perpetrator.?'
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = part if known is None or part in known else "?"
        out += f".{name}" if out else name
    return out or "(top level)"


class _DuplicateKeyError(Exception):
    pass


class _NonFiniteError(Exception):
    pass


class _TooLargeError(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError
    return result


class _Marked(dict[str, Any]):
    """An object that held a key twice (only built to locate a duplicate, after one is seen)."""

    duplicate: str | None = None


def _mark_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    marked = _Marked(pairs)
    if len(marked) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                marked.duplicate = key
                break
            seen.add(key)
    return marked


def _reject_constant(token: str) -> Any:
    raise _NonFiniteError(token)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _TooLargeError
    return value


def _find_duplicate(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, _Marked) and node.duplicate is not None:
            return (*where, node.duplicate)
        if isinstance(node, dict):
            stack.extend((v, (*where, k)) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(node))))
    return None


def parse_json(
    text: str | bytes,
    *,
    one_line: bool = False,
    last: bool = True,
    known_keys: Container[str] | None = None,
) -> Any:
    """Parse JSON text strictly; every failure is a :class:`DocumentError`.

    Parameters
    ----------
    text : str or bytes
        The JSON text (bytes are decoded as UTF-8; a leading byte-order mark is allowed).
    one_line : bool, default False
        The text is one line of a JSON Lines file: positions are given as columns only.
    last : bool, default True
        The text is the end of its file, so a document that stops early may have been cut
        short, and the message says so.
    known_keys : container of str, optional
        When given, a duplicate key that is not in it is not named in the message.

    Raises
    ------
    DocumentError
        For invalid JSON, ``NaN``/``Infinity``, a number too large or too long, nesting too
        deep, or a key given twice in one object.

    Examples
    --------
    >>> parse_json('{"a": [1, 2.5, null]}')
    {'a': [1, 2.5, None]}
    >>> parse_json('{"threats": {"to_kill": "present", "to_kill": "absent"}}')
    Traceback (most recent call last):
    ...
    stalkrisk._internal.documents.DocumentError: threats.to_kill: the same key is given twice ...
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentError(NOT_UTF8.format(position=exc.start + 1), "encoding") from None
    text = text.removeprefix(_BOM)
    try:
        return _loads(text, _unique_pairs, one_line=one_line, last=last)
    except _DuplicateKeyError:
        pass
    # Parse again, marking the objects that hold a key twice, to say where the first one is.
    # (Another problem later in the text, found only now, is reported instead.)
    marked = _loads(text, _mark_pairs, one_line=one_line, last=last)
    path = _find_duplicate(marked) or ()
    raise DocumentError(DUPLICATE_KEY.format(where=dotted_path(path, known_keys)), "duplicate_key")


def _loads(text: str, pairs: Any, *, one_line: bool, last: bool) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        if last and exc.pos >= len(text.rstrip()):
            raise DocumentError(CUT_SHORT) from None
        where = f"column {exc.colno}" if one_line else f"line {exc.lineno}, column {exc.colno}"
        raise DocumentError(
            NOT_JSON.format(where=where, reason=exc.msg),
            where=where,
            detail=f"not valid JSON: {exc.msg}",
        ) from None
    except _NonFiniteError:
        raise DocumentError(NON_FINITE) from None
    except _TooLargeError:
        raise DocumentError(NUMBER_TOO_LARGE) from None
    except RecursionError:
        raise DocumentError(TOO_DEEP) from None
    except _DuplicateKeyError:
        raise
    except ValueError:  # an integer beyond Python's digit limit
        raise DocumentError(NUMBER_TOO_LONG) from None


def parse_toml(text: str) -> dict[str, Any]:
    r"""Parse TOML text; every failure is a :class:`DocumentError` (TOML refuses duplicate keys).

    Examples
    --------
    >>> parse_toml('id = "x"\nversion = "1.0.0"')
    {'id': 'x', 'version': '1.0.0'}
    >>> parse_toml('id = "x"\nid = "y"')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    stalkrisk._internal.documents.DocumentError: not valid TOML: Cannot overwrite a value ...
    """
    try:
        return tomllib.loads(text.removeprefix(_BOM))
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(NOT_TOML.format(reason=exc), "toml") from None
    except RecursionError:
        raise DocumentError(TOML_TOO_DEEP, "toml") from None
    except ValueError:  # an integer beyond Python's digit limit
        raise DocumentError(TOML_NUMBER_TOO_LONG, "toml") from None


def read_bytes(
    path: str | os.PathLike[str], *, max_bytes: int, what: str = "a file", hint: str = ""
) -> bytes:
    """Read a file of at most ``max_bytes`` bytes.

    Raises
    ------
    DocumentError
        With kind ``file`` (missing, a folder, unreadable) or ``too_large``; the message does
        not repeat the path (callers put it in front).
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DocumentError(NO_SUCH_FILE, "file") from None
    except IsADirectoryError:
        raise DocumentError(IS_A_FOLDER, "file") from None
    except OSError as exc:
        raise DocumentError(CANNOT_READ.format(reason=exc.strerror or exc), "file") from None
    if len(data) > max_bytes:
        message = TOO_LARGE.format(limit=max_bytes, what=what, hint=hint)
        raise DocumentError(message, "too_large")
    return data


def read_text(
    path: str | os.PathLike[str], *, max_bytes: int, what: str = "a file", hint: str = ""
) -> str:
    """Read a UTF-8 text file of at most ``max_bytes`` bytes.

    Raises
    ------
    DocumentError
        As :func:`read_bytes`, or with kind ``encoding`` for text that is not UTF-8.
    """
    data = read_bytes(path, max_bytes=max_bytes, what=what, hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(NOT_UTF8.format(position=exc.start + 1), "encoding") from None


def read_document(
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    what: str = "a file",
    toml: bool | None = None,
    hint: str = "",
    known_keys: Container[str] | None = None,
) -> Any:
    """Read and parse a JSON (or, by suffix or ``toml=True``, TOML) file strictly.

    Raises
    ------
    DocumentError
        As :func:`read_text`, :func:`parse_json` and :func:`parse_toml`.
    """
    text = read_text(path, max_bytes=max_bytes, what=what, hint=hint)
    if toml is None:
        toml = Path(path).suffix.lower() == ".toml"
    if toml:
        return parse_toml(text)
    return parse_json(text, known_keys=known_keys)
