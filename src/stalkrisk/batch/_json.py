"""The JSON text of batch rows: the standard library's, written faster by orjson where it can.

Every JSONL row is the text of ``json.dumps(row.to_dict(), ensure_ascii=False,
allow_nan=False)``: the standard library's default separators (``", "`` and ``": "``),
non-ASCII text as it is, and ``ValueError`` for a number that is not finite. With the
``[fast]`` extra, the result part of a scored row (its ``scales``) is written by orjson, and
the bytes are the same, because orjson is only used where they are known to be:

- orjson writes no spaces, so a space is put after every ``,`` and ``:``; that is exact only
  when no text in the value holds a ``,`` or ``:``: scale, band, item and horizon ids (fixed by
  the instrument, checked once per run by :func:`plain_texts`) and the fixed keys and
  statuses; a case id may hold a ``:``, so it is written by the standard library;
- orjson writes floats as Python's ``repr`` does (the shortest text that reads back the same)
  only between 1e-4 and 1e16 in magnitude (and for zero): outside that, ``repr`` has an
  exponent (``1e-05``) where orjson has none, or the other way round. :func:`safe_floats`
  tells which values may go to orjson; a row with any other number (NaN and infinities
  included, which the standard library refuses) is written by the standard library;
- orjson refuses text that is not valid UTF-8 (a lone surrogate): such a row is written by
  the standard library, as it was.

At import, orjson is tried on a few values (floats at the edges of the range, control
characters, non-ASCII text); if its text differs in any way from the standard library's
(another version, another formatting), it is not used. ``tests/test_batch_speed.py`` compares
the bytes of both writers on generated batches.
"""

from __future__ import annotations

import json
from typing import Any, Final

import numpy as np
import numpy.typing as npt

#: The standard library encoder of every row: ``json.dumps`` with the writer's settings, made
#: once (``json.dumps`` with arguments makes a new encoder per call).
STDLIB: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
#: A string's JSON text exactly as :data:`STDLIB` writes it (the encoder's own function).
quote_text: Final = json.encoder.encode_basestring

#: Floats of a magnitude in ``[LOW, HIGH)`` (and zero) are written alike by orjson and ``repr``.
LOW: Final = 1e-4
HIGH: Final = 1e16

_PROBES: Final[tuple[Any, ...]] = (
    {"a": [0.0, -0.0, 1.0, 0.1, 1e-4, -1e-4, 9999999999999998.0, 12.352941176470589, 2.5]},
    {"b": [[1e15, 123456.789, 0.30000000000000004, 1 / 3, 100.0, 7]]},
    {"c": "".join(chr(i) for i in range(0x20)) + '"\\/\x7f é ü ß 中文 😀 \u2028\u2029\ufeff'},
    {"d": None, "e": True, "f": False, "g": {}, "h": []},
)


def _load_orjson() -> Any:
    """Return the orjson module when it is installed and writes the probes as json does."""
    try:
        import orjson  # noqa: PLC0415 - optional: the [fast] extra
    except ImportError:
        return None
    try:
        for probe in _PROBES:
            text = orjson.dumps(probe).replace(b",", b", ").replace(b":", b": ").decode()
            # the probe's texts hold no "," or ":", so the spaces are the separators' own
            if text != STDLIB.encode(probe):
                return None
    except Exception:  # any surprise from another version: do not use it
        return None
    return orjson


#: The orjson module, or ``None`` when it is not installed or does not write as json does.
ORJSON: Any = _load_orjson()


def plain_texts(texts: Any) -> bool:
    """Whether none of ``texts`` holds a ``,`` or a ``:`` (so orjson may write them)."""
    return not any("," in t or ":" in t for t in texts)


def safe_floats(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Per value: whether orjson writes it as ``repr`` does (finite, zero or in the range)."""
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        safe: npt.NDArray[np.bool_] = (size == 0) | ((size >= LOW) & (size < HIGH))
    return safe


def safe_float(value: float) -> bool:
    """Whether orjson writes ``value`` as ``repr`` does (one value: see :func:`safe_floats`)."""
    return value == 0 or LOW <= abs(value) < HIGH


def dumps(data: Any) -> str:
    """Return ``json.dumps(data, ensure_ascii=False, allow_nan=False)``."""
    return STDLIB.encode(data)


def dumps_plain(data: Any) -> str:
    """Return :func:`dumps` of data whose texts hold no ``,`` or ``:`` and whose floats are safe.

    Written by orjson when it is installed (a lone surrogate falls back to the standard
    library, which writes it as it always did).
    """
    orjson = ORJSON
    if orjson is not None:
        try:
            text: str = orjson.dumps(data).replace(b",", b", ").replace(b":", b": ").decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: text that is not valid UTF-8
            pass
        else:
            return text
    return STDLIB.encode(data)
