"""Regression tests that pin the library's behaviour for the instrument this service certified.

If any of these fail after an upgrade of stalkrisk, do not edit the expected values to make
them pass: read the changelog, re-certify the new instrument, and only then update
``CERTIFIED_INSTRUMENT`` and these tables together (see the README).

The cases are stalkrisk's bundled fictional examples; the expected bands and totals are the
table in the repository's ``examples/README.md``, as measured with ``stalkrisk-screen`` 1.0.0.
"""

from __future__ import annotations

import datetime as dt

import pytest
from courtapp.adapter import import_referral
from courtapp.hearing import Hearing
from courtapp.service import CERTIFIED_INSTRUMENT, Screening, screen

import stalkrisk


def screening_of(example_id: str) -> Screening:
    file = import_referral(
        stalkrisk.load_example(example_id),
        listing_ref=f"LST-{example_id}",
        hearing=Hearing.BAIL,
        hearing_date=dt.date(2025, 6, 1),
    )
    return screen(file)


def test_the_installed_instrument_is_the_certified_one() -> None:
    # The first test to fail loudly when a stalkrisk upgrade changes the instrument in any way.
    instrument = stalkrisk.load_instrument(CERTIFIED_INSTRUMENT.id)
    assert instrument.version == CERTIFIED_INSTRUMENT.version
    assert instrument.sha256 == CERTIFIED_INSTRUMENT.sha256
    assert instrument.validation.status == "illustrative"


# example: (continued stalking band, total), (serious harm band, total); None: not scored
BANDS = {
    "EX-01": (("High", 13.87), ("High", 16)),
    "EX-02": (("Moderate", 7), ("Low", 4)),
    "EX-03": (("Low", 1), ("Low", 0)),
    "EX-04": (None, None),
    "EX-05": (("High", 10), ("Low", 2)),
    "EX-06": (("Moderate", 7), ("Moderate", 6)),
    "EX-07": (("Low", 3), ("High", 6)),
    "EX-08": (("Moderate", 6.67), ("Low", 1.2)),
    "EX-09": (("Moderate", 7), ("Moderate", 6.55)),
    "EX-10": (("High", 11), ("High", 12)),
}


def test_the_table_covers_every_bundled_example() -> None:
    assert sorted(BANDS) == stalkrisk.example_ids()


@pytest.mark.parametrize("example_id", sorted(BANDS))
def test_bands_and_totals_are_pinned(example_id: str) -> None:
    result = screening_of(example_id)
    expected = BANDS[example_id]
    for scale, pinned in zip(result.scales, expected, strict=True):
        if pinned is None:
            assert not scale.scored
            assert scale.band is None
            assert scale.reason_not_scored
        else:
            band, total = pinned
            assert scale.scored
            assert scale.band == band
            assert scale.total == pytest.approx(total, abs=0.005)


# Red flags that fired; every other example has none.
RED_FLAGS = {
    "EX-01": {"Threats to kill", "A countdown to harm", "Procuring violence"},
    "EX-07": {"Strangulation"},
}


@pytest.mark.parametrize("example_id", sorted(BANDS))
def test_red_flags_are_pinned(example_id: str) -> None:
    harm = screening_of(example_id).scale("serious_harm")
    assert set(harm.red_flags_fired) == RED_FLAGS.get(example_id, set())


def test_a_red_flag_raises_the_band_above_the_total() -> None:
    harm = screening_of("EX-07").scale("serious_harm")
    assert harm.total == 6  # Moderate by the total alone...
    assert harm.band == "High"  # ...raised by the strangulation red flag


def test_the_unknowns_that_leave_the_band_open_are_pinned() -> None:
    result = screening_of("EX-08")
    stalking, harm = result.scales
    assert stalking.prorated
    assert stalking.total_range == (5, 9)
    assert stalking.possible_bands == ("Moderate", "High")
    assert [u.item for u in stalking.unknowns] == [
        "Stalking of other victims",
        "Personality disorder",
        "Recent substance misuse",
        "Obsessive preoccupation with the victim",
    ]
    assert harm.total_range == (1, 5)
    assert harm.possible_bands == ("Low", "Moderate")
    assert "The victim's own view of the risk" in result.questions_to_complete
