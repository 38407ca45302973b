"""Names the command line's parser needs without loading the engine (``stalkrisk --help``)."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_INSTRUMENT", "SCHEMA_NAMES"]

#: The instrument used when none is named (re-exported as ``stalkrisk.DEFAULT_INSTRUMENT``).
DEFAULT_INSTRUMENT: Final = "stalkrisk-screen"
#: The JSON Schemas ``stalkrisk schema`` prints.
SCHEMA_NAMES: Final = ("case", "instrument", "judgement", "record")
