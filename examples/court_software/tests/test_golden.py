"""Regression tests that pin the library's behaviour for the instrument this service pins.

If any of these fail after an upgrade of stalkrisk, do not edit the expected values to make
them pass: read the changelog, review the new instrument as your organisation's own approval
process requires, and only then re-pin: update ``PINNED_INSTRUMENT`` and these tables together
(see the README).

The cases are stalkrisk's bundled fictional examples; the expected bands, totals and unknowns
are the table in the repository's ``examples/README.md``, as measured with ``stalkrisk-screen``
2.0.0. They were re-pinned from 1.0.0 after review, in one change; the README says which moved
and why.
"""

from __future__ import annotations

import datetime as dt

import pytest
from courtapp.adapter import import_referral
from courtapp.hearing import Hearing
from courtapp.service import PINNED_INSTRUMENT, Screening, screen

import stalkrisk

FEWER, SEVERAL, MANY = "Fewer factors", "Several factors", "Many factors"
MANY_OR_FLAG = "Many factors or a red flag"


def screening_of(example_id: str) -> Screening:
    file = import_referral(
        stalkrisk.load_example(example_id),
        listing_ref=f"LST-{example_id}",
        hearing=Hearing.BAIL,
        hearing_date=dt.date(2025, 6, 1),
    )
    return screen(file)


def test_the_installed_instrument_is_the_pinned_one() -> None:
    # The first test to fail loudly when a stalkrisk upgrade changes the instrument in any way.
    instrument = stalkrisk.load_instrument(PINNED_INSTRUMENT.id)
    assert instrument.version == PINNED_INSTRUMENT.version
    assert instrument.sha256 == PINNED_INSTRUMENT.sha256
    assert instrument.validation.status == "illustrative"
    assert [s.id for s in instrument.scales] == ["persistence", "recurrence", "serious_harm"]


# example: per scale (persistence, recurrence, serious violence), (band, total, unknown items),
# or the number of unknown items when the scale is not scored. With unknown items the total is
# a whole-number lower bound ("at least").
BANDS: dict[str, tuple[tuple[str, int, int] | int, ...]] = {
    "EX-01": ((SEVERAL, 7, 2), (MANY, 6, 2), (MANY_OR_FLAG, 9, 0)),
    "EX-02": ((FEWER, 6, 1), (FEWER, 0, 0), (FEWER, 4, 0)),
    "EX-03": ((FEWER, 4, 1), (FEWER, 2, 0), (FEWER, 0, 0)),
    "EX-04": (5, 6, 8),
    "EX-05": ((SEVERAL, 8, 1), (MANY, 5, 0), (FEWER, 0, 0)),
    "EX-06": ((FEWER, 5, 1), (FEWER, 2, 0), (FEWER, 5, 0)),
    "EX-07": ((FEWER, 6, 1), (FEWER, 0, 0), (MANY_OR_FLAG, 4, 0)),
    "EX-08": ((FEWER, 5, 2), 3, (FEWER, 1, 1)),
    "EX-09": ((SEVERAL, 7, 1), (SEVERAL, 3, 2), (FEWER, 5, 1)),
    "EX-10": ((SEVERAL, 7, 1), (FEWER, 2, 0), (SEVERAL, 9, 1)),
}


def test_the_table_covers_every_bundled_example() -> None:
    assert sorted(BANDS) == stalkrisk.example_ids()


@pytest.mark.parametrize("example_id", sorted(BANDS))
def test_bands_and_totals_are_pinned(example_id: str) -> None:
    result = screening_of(example_id)
    for scale, pinned in zip(result.scales, BANDS[example_id], strict=True):
        if isinstance(pinned, int):
            assert not scale.scored, scale.scale
            assert scale.band is None
            assert scale.reason_not_scored
            assert len(scale.unknowns) == pinned
        else:
            band, total, unknown = pinned
            assert scale.scored, scale.scale
            assert scale.band == band, scale.scale
            assert scale.total == total, scale.scale
            assert len(scale.unknowns) == unknown, scale.scale
            assert scale.total_range is not None
            assert scale.total_range[0] == total  # a lower bound, never an estimate
            assert (scale.total_range[1] > total) == (unknown > 0)


# Red flags that fired; every other example has none.
RED_FLAGS = {
    "EX-01": {"Threats to kill", "A countdown to harm", "Procuring violence"},
    "EX-07": {"Strangulation"},
}


@pytest.mark.parametrize("example_id", sorted(BANDS))
def test_red_flags_are_pinned(example_id: str) -> None:
    result = screening_of(example_id)
    harm = result.scale("serious_harm")
    assert set(harm.red_flags_fired) == RED_FLAGS.get(example_id, set())
    assert not any(s.red_flags_fired for s in result.scales if s.scale != "serious_harm")


def test_a_red_flag_raises_the_band_above_the_total() -> None:
    harm = screening_of("EX-07").scale("serious_harm")
    assert harm.total == 4  # Fewer factors by the total alone (under 6)...
    assert harm.band == MANY_OR_FLAG  # ...raised by the strangulation red flag


def test_the_unknowns_that_leave_the_band_open_are_pinned() -> None:
    result = screening_of("EX-08")
    persistence, recurrence, harm = result.scales
    assert persistence.total == 5
    assert persistence.total_range == (5, 8)
    assert persistence.possible_bands == (FEWER, SEVERAL)
    assert [u.item for u in persistence.unknowns] == [
        "Contact with the victim since arrest or charge",
        "Delusional disorder",
    ]
    assert not recurrence.scored  # one unknown item more than the scale tolerates
    assert recurrence.reason_not_scored
    assert recurrence.reason_not_scored.startswith("3 of 8 items are unknown")
    assert [u.item for u in recurrence.unknowns] == [
        "Earlier stalking or harassment (any victim)",
        "Personality disorder",
        "Personality disorder with recent substance misuse",
    ]
    assert recurrence.possible_bands == (FEWER, SEVERAL, MANY)
    assert harm.total_range == (1, 2)
    assert harm.possible_bands == (FEWER,)
    assert "The victim's own view of the risk" in result.questions_to_complete
