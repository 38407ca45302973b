"""courtapp: a small court-support application that screens hearing files with stalkrisk.

It shows the pattern a downstream developer can copy: the application keeps its own records
(:mod:`courtapp.hearing`), maps them to stalkrisk in one place (:mod:`courtapp.adapter`), and
screens them with the instrument it is pinned to, keeping the audit record and handing
its UI plain data (:mod:`courtapp.service`). Every record in its tests is fictional.
"""

from courtapp.adapter import import_referral, to_case
from courtapp.hearing import Answer, Hearing, HearingFile
from courtapp.service import PINNED_INSTRUMENT, Screening, ScreeningError, screen

__all__ = [
    "PINNED_INSTRUMENT",
    "Answer",
    "Hearing",
    "HearingFile",
    "Screening",
    "ScreeningError",
    "import_referral",
    "screen",
    "to_case",
]
