"""Exceptions raised by stalkrisk.

Every error the library raises on purpose derives from :class:`StalkriskError`, and each
subclass also derives from the built-in exception it most resembles, so that generic handlers
(``except ValueError``, ``except LookupError``) keep working::

    StalkriskError (Exception)
    ├── InstrumentError (ValueError)
    │   ├── InstrumentFileError            an instrument file is unreadable or invalid
    │   └── UnknownInstrumentError (LookupError)
    │                                      no bundled instrument has that id
    ├── UnknownFactorError (LookupError)   no factor of that name is registered
    ├── CaseFileError (ValueError)         a case file is unreadable or is not JSON
    ├── KeyFileError (ValueError)          a signing key file is unreadable or not Ed25519
    ├── ModelFileError (ValueError)        a model file is unreadable or invalid
    └── ReportIncompleteError (ValueError) a report marked complete lacks a required record

Invalid *case data* raises :class:`pydantic.ValidationError` unchanged: its ``errors()`` name
each field and rule, and it never echoes the submitted values (``hide_input_in_errors``).

Messages never contain case contents. They say what was wrong, where, and how to fix it; the
templates are module constants so that tests and downstream software can match them exactly.
"""

from __future__ import annotations

__all__ = [
    "CaseFileError",
    "InstrumentError",
    "InstrumentFileError",
    "KeyFileError",
    "ModelFileError",
    "ReportIncompleteError",
    "StalkriskError",
    "UnknownFactorError",
    "UnknownInstrumentError",
]

UNKNOWN_INSTRUMENT = (
    "no bundled instrument has the id {id!r}; available: {available}. "
    "To use your own instrument, pass the path of its .toml or .json file."
)
ANSWERS_ONLY = (
    "instrument {id!r} asks its own questions, which a Case cannot answer; score the "
    "practitioner's answers with score_answers() (CLI: stalkrisk score --answers)"
)
UNKNOWN_FACTOR = "no factor is named {name!r}; see stalkrisk.FACTORS for the registered factors"


class StalkriskError(Exception):
    """Base class of every error that stalkrisk raises on purpose."""


class InstrumentError(StalkriskError, ValueError):
    """An instrument cannot be used."""


class InstrumentFileError(InstrumentError):
    """An instrument file is unreadable or breaks the instrument format's rules.

    Parameters
    ----------
    source : str
        The file (or ``"<data>"``) the instrument came from.
    problems : sequence of (str, str)
        Each problem as ``(location, message)``; the location is a dotted path such as
        ``items[3] (threats_to_kill).levels``.

    Examples
    --------
    >>> err = InstrumentFileError("mine.toml", [("scales[0].bands", "bands overlap")])
    >>> print(err)
    mine.toml: 1 problem
      scales[0].bands: bands overlap
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"{source}: {count} problem{'s' if count != 1 else ''}"]
        lines += [f"  {loc}: {msg}" if loc else f"  {msg}" for loc, msg in self.problems]
        super().__init__("\n".join(lines))


class UnknownInstrumentError(InstrumentError, LookupError):
    """No bundled instrument has the requested id."""


class UnknownFactorError(StalkriskError, LookupError):
    """No factor of the requested name is registered."""


class CaseFileError(StalkriskError, ValueError):
    """A case file cannot be read or is not well-formed JSON.

    Schema problems in well-formed JSON raise :class:`pydantic.ValidationError` instead.
    """


class KeyFileError(StalkriskError, ValueError):
    """A key file cannot be read, is not an Ed25519 key, or needs another passphrase."""


class ReportIncompleteError(StalkriskError, ValueError):
    """A report was to be marked complete, but the case lacks records it must have.

    The multi-agency checks (MARAC, MAPPA, an advocate, the police call-out check and the
    children's-services check) must each be recorded, even as "not made", before a report is
    marked complete. The message names what is missing.
    """


class ModelFileError(StalkriskError, ValueError):
    """A model file is unreadable, or does not describe a valid fitted model.

    Parameters
    ----------
    source : str
        The file the model came from.
    problems : sequence of (str, str)
        Each problem as ``(location, message)``.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: not a valid stalkrisk model file"]
        lines += [f"  {loc}: {msg}" if loc else f"  {msg}" for loc, msg in self.problems]
        super().__init__("\n".join(lines))
