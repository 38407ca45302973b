"""Instruments: the file format, its loader, and the instruments bundled with the library."""

from stalkrisk.instruments._loader import (
    DEFAULT_INSTRUMENT,
    bundled_instruments,
    instrument_from_data,
    load_instrument,
)
from stalkrisk.instruments._model import (
    FORMAT,
    Condition,
    Horizon,
    Instrument,
    Item,
    Level,
    MissingDataMethod,
    MissingDataRule,
    Question,
    RedFlag,
    Scale,
    Validation,
    ValidationStatus,
)

__all__ = [
    "DEFAULT_INSTRUMENT",
    "FORMAT",
    "Condition",
    "Horizon",
    "Instrument",
    "Item",
    "Level",
    "MissingDataMethod",
    "MissingDataRule",
    "Question",
    "RedFlag",
    "Scale",
    "Validation",
    "ValidationStatus",
    "bundled_instruments",
    "instrument_from_data",
    "load_instrument",
]
