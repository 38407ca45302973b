r"""Canonical JSON by RFC 8785 (the JSON Canonicalization Scheme, JCS), and the sha256 of it.

Every hash stalkrisk makes (of an instrument, a case, an audit record, a model) is the sha256
of the UTF-8 bytes of this one canonical form, so any language with an RFC 8785 library
(Java: ``org.erdtman:java-json-canonicalization``; .NET: ``Org.Webpki.JsonCanonicalizer``;
JavaScript: ``canonicalize``; Go: ``github.com/cyberphone/json-canonicalization``) recomputes
the same digest from the same JSON value.

The rules (RFC 8785, section 3.2):

- no whitespace between tokens;
- object members sorted by their names as arrays of UTF-16 code units;
- strings as in ECMAScript's ``JSON.stringify``: ``"`` and ``\`` escaped, the controls
  U+0000 to U+001F escaped (``\b \t \n \f \r`` by name, the rest as ``\u00xx``), every
  other character written as itself in UTF-8;
- numbers as IEEE 754 doubles, written as ECMAScript's ``Number.prototype.toString`` writes
  them (``3.0`` is ``3``, ``1e21`` is ``1e+21``, ``-0`` is ``0``).

Numbers that are not finite, integers beyond 2**53 - 1 in magnitude (not safely a double) and
strings that are not valid Unicode (lone surrogates) have no canonical form: they raise
``ValueError`` rather than being rounded or replaced silently.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "canonical_json",
    "canonical_sha256",
    "es_number",
    "legacy_canonical_json",
    "legacy_sha256",
]

_MAX_SAFE_INTEGER: Final = 2**53 - 1  # ECMAScript's Number.MAX_SAFE_INTEGER

_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_ESCAPES.update({chr(c): f"\\u{c:04x}" for c in range(0x20) if chr(c) not in _ESCAPES})
_STRING_TABLE: Final = str.maketrans(_ESCAPES)


def es_number(value: float | int) -> str:
    """Write a number as ECMAScript's ``Number.prototype.toString`` does (RFC 8785, 3.2.2.3).

    Examples
    --------
    >>> [es_number(x) for x in (3.0, -0.0, 4.5, 2e-3, 1e21, 1e-7, 333333333.33333329, 1e30)]
    ['3', '0', '4.5', '0.002', '1e+21', '1e-7', '333333333.3333333', '1e+30']
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise ValueError(
                "an integer beyond 2**53 - 1 in magnitude is not safely a JSON number (RFC 8785)"
            )
        value = float(value)
    if not math.isfinite(value):
        raise ValueError(
            "NaN and Infinity are not JSON numbers; canonical JSON has no form for them"
        )
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that read back as the same double, as ECMAScript's
    # algorithm does (both pick the closest such digits, ties to even).
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction  # the value is 0.<raw> x 10**point
    point = len(whole) + int(exponent or 0)
    digits = raw.lstrip("0")
    n = point - (len(raw) - len(digits))  # ECMA-262's n: the value is 0.<digits> x 10**n
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        sign_e = "+" if e >= 0 else "-"
        head = digits[0] if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{head}e{sign_e}{abs(e)}"
    return sign + text


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "a string holds a lone surrogate, which is not valid Unicode; canonical JSON has "
            "no form for it"
        ) from None
    return '"' + value.translate(_STRING_TABLE) + '"'


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(es_number(value))
    elif isinstance(value, Mapping):
        names = list(value)
        for name in names:
            if not isinstance(name, str):
                raise TypeError("object member names must be strings in JSON")
        out.append("{")
        for i, name in enumerate(sorted(names, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_string(name))
            out.append(":")
            _write(value[name], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def canonical_json(data: Any) -> str:
    """Return the RFC 8785 canonical JSON text of ``data``.

    ``data`` is JSON-ready Python data (dicts with string keys, lists or tuples, strings,
    numbers, booleans, ``None``), or a pydantic model, which is dumped in JSON mode first.

    Raises
    ------
    ValueError
        For NaN or infinity, an integer beyond 2**53 - 1 in magnitude, or a lone surrogate.
    TypeError
        For a value JSON cannot hold (bytes, a set, an object key that is not a string).

    Examples
    --------
    >>> canonical_json({"b": 3.0, "a": [1.5, "é", None, True]})
    '{"a":[1.5,"é",null,true],"b":3}'
    """
    dump = getattr(data, "model_dump", None)
    if callable(dump) and hasattr(type(data), "model_fields"):
        data = dump(mode="json")
    out: list[str] = []
    _write(data, out)
    return "".join(out)


def canonical_sha256(data: Any) -> str:
    """Return the sha256 (hex) of the UTF-8 bytes of :func:`canonical_json` of ``data``.

    Examples
    --------
    >>> canonical_sha256({"a": 1}) == canonical_sha256({"a": 1.0})
    True
    """
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def legacy_canonical_json(data: Any) -> str:
    """Return the canonical JSON of record format 1 (stalkrisk 0.1.0 before RFC 8785).

    Python's ``json.dumps`` with sorted keys, no whitespace and UTF-8 text (so ``3.0`` stays
    ``3.0``). Kept only so that records written in format ``stalkrisk-record/1``, and the
    instrument hashes they name, still verify; nothing new is hashed this way.

    Examples
    --------
    >>> legacy_canonical_json({"b": 3.0, "a": "é"})
    '{"a":"é","b":3.0}'
    """
    dump = getattr(data, "model_dump", None)
    if callable(dump) and hasattr(type(data), "model_fields"):
        data = dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def legacy_sha256(data: Any) -> str:
    """Return the sha256 of :func:`legacy_canonical_json` of ``data`` (record format 1 only)."""
    return hashlib.sha256(legacy_canonical_json(data).encode("utf-8")).hexdigest()
