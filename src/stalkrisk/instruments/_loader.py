"""Reading instruments: from the bundled data files, or from a user's own TOML or JSON file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from pydantic import ValidationError

from stalkrisk._internal import defaults, documents
from stalkrisk.errors import UNKNOWN_INSTRUMENT, InstrumentFileError, UnknownInstrumentError
from stalkrisk.instruments._model import Instrument

__all__ = [
    "DEFAULT_INSTRUMENT",
    "MAX_INSTRUMENT_FILE_BYTES",
    "bundled_instrument",
    "bundled_instruments",
    "instrument_from_data",
    "load_instrument",
]

#: The id of the instrument used when none is named.
DEFAULT_INSTRUMENT: Final = defaults.DEFAULT_INSTRUMENT
#: The largest instrument file read.
MAX_INSTRUMENT_FILE_BYTES: Final = 4 * 1024 * 1024
#: Why a file may not take a bundled instrument's id with other content.
RESERVED_ID: Final = (
    "the id {id!r} belongs to the instrument bundled with stalkrisk, but this file's content "
    "differs from it (sha256 {sha}); results would be read as the bundled instrument's. Give "
    "a modified copy its own id (for example {suggestion!r}) and its own validation status"
)

InstrumentSource = str | os.PathLike[str] | Instrument


def _format_loc(loc: tuple[str | int, ...], data: Any) -> str:
    """Render a location as ``items[3] (threats).levels[1].points``, naming entries by id."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            entry = node.get("id") if isinstance(node, Mapping) else None
            if isinstance(entry, str) and _ID_LIKE.fullmatch(entry):
                out += f" ({entry})"
        else:
            name = part if _ID_LIKE.fullmatch(part) else "?"  # a key is repeated only if name-like
            out += f".{name}" if out else name
            node = node.get(part) if isinstance(node, Mapping) else None
    return out


_ID_LIKE: Final = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def instrument_from_data(data: Any, source: str = "<data>") -> Instrument:
    """Validate already-parsed instrument data.

    An instrument that takes the id of a bundled instrument must be that instrument (the same
    content, and so the same sha256): a modified copy under a bundled id would be reported
    with the bundled instrument's name and validation status.

    Raises
    ------
    InstrumentFileError
        Listing every problem, each with its location in the file.

    Examples
    --------
    >>> try:
    ...     instrument_from_data({"format": "stalkrisk-instrument/1", "id": "Mine"}, "mine.json")
    ... except InstrumentFileError as err:
    ...     print(err.problems[0])
    ('id', "String should match pattern '^[a-z][a-z0-9-]{0,63}$'")
    """
    return _not_posing(_validate(data, source), source)


def _not_posing(instrument: Instrument, source: str) -> Instrument:
    """Refuse an instrument that takes a bundled instrument's id with other content.

    Every bundled version of the id is allowed, each with its own content.
    """
    versions = _bundled_versions().get(instrument.id)
    if versions is not None and all(b.sha256 != instrument.sha256 for b in versions.values()):
        message = RESERVED_ID.format(
            id=instrument.id, sha=instrument.sha256[:12], suggestion=f"{instrument.id}-local"
        )
        raise InstrumentFileError(source, [("id", message)])
    return instrument


def _validate(data: Any, source: str) -> Instrument:
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        problems = [(_format_loc(tuple(e["loc"]), data), e["msg"]) for e in exc.errors()]
        raise InstrumentFileError(source, problems) from None


def _parse(text: str, suffix: str, source: str) -> Any:
    try:
        if suffix == ".json":
            return documents.parse_json(text)
        return documents.parse_toml(text)
    except documents.DocumentError as exc:
        raise InstrumentFileError(source, [(exc.where or "", exc.detail)]) from None


def _load_path(path: Path) -> Instrument:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InstrumentFileError(source, [("", "an instrument file must end in .toml or .json")])
    try:
        text = documents.read_text(
            path, max_bytes=MAX_INSTRUMENT_FILE_BYTES, what="an instrument file"
        )
    except documents.DocumentError as exc:
        raise InstrumentFileError(source, [("", f"cannot read the file: {exc.message}")]) from None
    return instrument_from_data(_parse(text, suffix, source), source)


def bundled_instruments(*, all_versions: bool = False) -> Mapping[str, Instrument]:
    """Return the instruments that ship with the library (a read-only mapping).

    Parameters
    ----------
    all_versions : bool, default False
        ``False``: the newest version of each instrument, by id. ``True``: every bundled
        version, by ``id@version`` (older versions stay bundled so that every record made with
        them can still be verified).

    Examples
    --------
    >>> "stalkrisk-screen" in bundled_instruments()
    True
    >>> "stalkrisk-screen@1.0.0" in bundled_instruments(all_versions=True)
    True
    """
    if all_versions:
        return _bundled_by_reference()
    return _bundled()


@lru_cache(maxsize=1)
def _bundled_versions() -> Mapping[str, Mapping[str, Instrument]]:
    """Every bundled instrument, by id, then by version."""
    found: dict[str, dict[str, Instrument]] = {}
    folder = resources.files("stalkrisk.instruments") / "data"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".toml", ".json")):
            suffix = ".json" if entry.name.endswith(".json") else ".toml"
            source = f"stalkrisk/instruments/data/{entry.name}"
            instrument = _validate(
                _parse(entry.read_text(encoding="utf-8"), suffix, source), source
            )
            versions = found.setdefault(instrument.id, {})
            if instrument.version in versions:  # a packaging mistake, never a user's
                raise RuntimeError(f"{source}: {instrument.id}@{instrument.version} twice")
            versions[instrument.version] = instrument
    return MappingProxyType({k: MappingProxyType(v) for k, v in found.items()})


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-", maxsplit=1)[0].split("."))


@lru_cache(maxsize=1)
def _bundled() -> Mapping[str, Instrument]:
    return MappingProxyType(
        {
            id_: versions[max(versions, key=_version_key)]
            for id_, versions in _bundled_versions().items()
        }
    )


@lru_cache(maxsize=1)
def _bundled_by_reference() -> Mapping[str, Instrument]:
    return MappingProxyType(
        {
            f"{id_}@{version}": instrument
            for id_, versions in _bundled_versions().items()
            for version, instrument in sorted(versions.items(), key=lambda kv: _version_key(kv[0]))
        }
    )


def bundled_instrument(id_: str, version: str | None = None) -> Instrument | None:
    """Return the bundled instrument ``id_`` (at ``version``; default the newest), or ``None``."""
    if version is None:
        return _bundled().get(id_)
    return _bundled_versions().get(id_, {}).get(version)


def load_instrument(source: InstrumentSource = DEFAULT_INSTRUMENT) -> Instrument:
    """Return an instrument: a bundled one by id, or one read from a ``.toml``/``.json`` file.

    Parameters
    ----------
    source : str, path or Instrument
        A bundled instrument's id (``"stalkrisk-screen"``: its newest version), a bundled
        instrument's ``id@version`` (``"stalkrisk-screen@1.0.0"``), the path of an instrument
        file, or an :class:`Instrument`, which is returned unchanged. An instrument (from a file or
        not) that takes a bundled instrument's id must be that instrument: a modified copy
        needs its own id, so that its results are never read as the bundled one's.

    Raises
    ------
    UnknownInstrumentError
        If ``source`` is neither a bundled id nor a path to an instrument file.
    InstrumentFileError
        If the file cannot be read or breaks the format's rules (every problem is listed),
        or the instrument takes a bundled instrument's id with other content.

    Examples
    --------
    >>> load_instrument().reference  # doctest: +ELLIPSIS
    'stalkrisk-screen@2.0.0#sha256:...'
    >>> load_instrument("stalkrisk-screen@1.0.0").version  # superseded, kept for its records
    '1.0.0'
    >>> load_instrument("no-such-instrument")
    Traceback (most recent call last):
    ...
    stalkrisk.errors.UnknownInstrumentError: no bundled instrument has the id 'no-such-...'; ...
    """
    if isinstance(source, Instrument):
        return _not_posing(source, "<Instrument>")
    text = os.fspath(source)
    bundled = bundled_instruments()
    if isinstance(source, str) and text in bundled:
        return bundled[text]
    path = Path(text)
    is_path = path.suffix.lower() in (".toml", ".json") or os.sep in text or path.exists()
    if isinstance(source, str) and "@" in text and not is_path:
        id_, _, version = text.partition("@")
        found = bundled_instrument(id_, version)
        if found is not None:
            return found
        if id_ in bundled:
            known = ", ".join(sorted(_bundled_versions()[id_], key=_version_key))
            raise UnknownInstrumentError(
                f"the bundled instrument {id_!r} has no version {version[:40]!r}; bundled "
                f"versions: {known}"
            )
    if is_path:
        return _load_path(path)
    raise UnknownInstrumentError(
        UNKNOWN_INSTRUMENT.format(id=text, available=", ".join(sorted(bundled)))
    )
