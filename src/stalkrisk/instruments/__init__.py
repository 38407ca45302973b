"""Instruments: the file format, its loader, and the instruments bundled with the library."""

from stalkrisk._internal.public import export
from stalkrisk.instruments._describe import factors_markdown
from stalkrisk.instruments._loader import (
    DEFAULT_INSTRUMENT,
    bundled_instrument,
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
    ShownFactor,
    UnknownRedFlags,
    Validation,
    ValidationStatus,
    instrument_json_schema,
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
    "ShownFactor",
    "UnknownRedFlags",
    "Validation",
    "ValidationStatus",
    "bundled_instrument",
    "bundled_instruments",
    "factors_markdown",
    "instrument_from_data",
    "instrument_json_schema",
    "load_instrument",
]

export(__name__, __all__, globals())
