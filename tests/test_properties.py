"""Properties of scoring with the default instrument, over cases from ``stalkrisk.testing``.

Each property holds for every valid case; hypothesis looks for a case where it does not.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import Phase, example, find, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel, ValidationError

import stalkrisk
import stalkrisk.synthetic
import stalkrisk.testing
from stalkrisk import Assessment, Band, BandSpec, Case, ScaleStatus, band_index
from stalkrisk.assessment import ScaleResult
from stalkrisk.instruments import MissingDataMethod, Scale
from stalkrisk.schemas import (
    Conviction,
    Disposal,
    OffenceCategory,
    OrderBreach,
    OrderKind,
    Presence,
    ProtectiveOrder,
)
from stalkrisk.testing import case_dicts, cases, presences

#: The properties of sections 3-4 hold for an instrument that only rewards risk and pro-rates:
#: stalkrisk-screen 1.0.0, pinned (2.0.0 scores the absence of violent convictions and recency,
#: whose points fall as the value rises, because the evidence points that way).
INSTRUMENT = stalkrisk.load_instrument("stalkrisk-screen@1.0.0")
DEFAULT = stalkrisk.load_instrument()
SCALES = {s.id: s for s in INSTRUMENT.scales}
#: A scorer of its own, so that determinism is checked across scorer instances too.
FRESH_SCORER = stalkrisk.WeightedScorer()

Loc = tuple[str | int, ...]

#: Fields that are not risk factors for the monotonicity property. ``against_current_victim``
#: files a conviction under "this victim" or "other victims", so flipping it moves evidence
#: from one item to another; treatment and a delusional disorder are, if anything, protective.
#: Each entry is a path of field names (list positions left out) and everything under it.
NOT_RISK_RAISING: frozenset[tuple[str, ...]] = frozenset(
    {
        ("history", "convictions", "against_current_victim"),
        ("perpetrator", "treatment"),
        ("perpetrator", "mental_disorder", "delusional_disorder"),
    }
)
#: Factors whose presence lowers risk; an instrument that rewards them breaks monotonicity.
PROTECTIVE_FACTORS = frozenset({"stalking_specific_treatment", "delusional_disorder"})
#: The cross-field rules a single switch from "absent" to "present" can break.
RAISE_REFUSALS = frozenset({"timed_inconsistent", "field_inconsistent", "marac_inconsistent"})
#: The cross-field rule a single switch from "present" to "unknown" can break (escalation dates
#: with no escalation present).
FORGET_REFUSALS = frozenset({"field_not_applicable"})

# Moderate example counts keep the whole file well under a minute on two cores.
FAST = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=60, deadline=None)


# --- helpers --------------------------------------------------------------------------------


def presence_fields(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Presence]]:
    """Yield ``(location, answer)`` for every tri-state field anywhere inside ``model``."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = (*loc, name)
        if isinstance(value, Presence):
            yield here, value
        elif isinstance(value, BaseModel):
            yield from presence_fields(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from presence_fields(item, (*here, i))


def with_answer(case: Case, loc: Loc, answer: Presence) -> Case:
    """Return ``case`` with the field at ``loc`` set to ``answer``, validated afresh."""
    data = case.model_dump()
    node: Any = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = answer
    return Case.model_validate(data)


def rebuilt(case: Case, edit: Callable[[dict[str, Any]], None]) -> Case:
    """Return ``case`` edited as a dict and validated afresh."""
    data = case.model_dump()
    edit(data)
    return Case.model_validate(data)


def raises_risk(loc: Loc) -> bool:
    names = tuple(p for p in loc if isinstance(p, str))
    return not any(names[: len(rule)] == rule for rule in NOT_RISK_RAISING)


def rank(band: Band | None) -> int:
    return -1 if band is None else band.rank


def try_answer(case: Case, loc: Loc, answer: Presence) -> tuple[Case | None, set[str]]:
    """Return the case with the new answer, or ``None`` and the rules that refused it."""
    try:
        return with_answer(case, loc, answer), set()
    except ValidationError as exc:
        return None, {e["type"] for e in exc.errors()}


def assert_not_lowered(before: Assessment, after: Assessment, change: object) -> None:
    """Raising risk never lowers a total, a band, a band floor or the least possible total."""
    for b, a in zip(before.scales, after.scales, strict=True):
        where = f"{a.scale} after {change}"
        assert rank(a.band_floor) >= rank(b.band_floor), where
        assert a.total_range[0] >= b.total_range[0], where
        # A pro-rated total is kept within the totals still possible, so it can only be
        # compared when the unknown items are the same and could still score the same: a
        # change can raise risk and yet narrow what an unknown item could score (a bail
        # breach recorded, say, when the protective-order breaches are unknown), which
        # rightly lowers the highest possible total and with it the estimate.
        unknown_ranges = [
            (c.item, c.possible_points) for c in b.contributions if c.points is None
        ] == [(c.item, c.possible_points) for c in a.contributions if c.points is None]
        same_unknowns = b.unknown_items == a.unknown_items and unknown_ranges
        if b.status is ScaleStatus.SCORED and a.status is ScaleStatus.SCORED and same_unknowns:
            assert a.total is not None
            assert b.total is not None
            assert a.total >= b.total, where
            assert a.known_points >= b.known_points, where
            assert rank(a.band) >= rank(b.band), where


def assert_only_forgotten(before: Assessment, after: Assessment, change: object) -> None:
    """Losing information may make an item unknown; it never changes what a known item says.

    Checked on every scale that is scored after the change, and on every red flag.
    """
    for b, a in zip(before.scales, after.scales, strict=True):
        for cb, ca in zip(b.contributions, a.contributions, strict=True):
            if a.status is ScaleStatus.SCORED and ca.points is not None:
                assert (ca.points, ca.level, ca.value) == (cb.points, cb.level, cb.value), (
                    f"{a.scale} ({a.status.value}): item {ca.item} was {cb.value!r} "
                    f"({cb.points} points) and is {ca.value!r} ({ca.points} points) after "
                    f"{change}"
                )
        for fb, fa in zip(b.red_flags, a.red_flags, strict=True):
            if fa.status != "unknown":
                assert fa.status == fb.status, f"{a.scale}: red flag {fa.id} after {change}"


# --- the instrument the properties are about ------------------------------------------------


def test_default_instrument_only_rewards_risk() -> None:
    """Monotonicity holds only for an instrument whose points never fall as a factor rises."""
    for item in INSTRUMENT.items:
        points = [level.points for level in item.levels]
        assert min(points) >= 0, item.id
        assert points == sorted(points), item.id
        assert item.factor not in PROTECTIVE_FACTORS, item.id
    for scale in INSTRUMENT.scales:
        assert scale.missing.method is MissingDataMethod.PRORATE


# --- 1. JSON round trips --------------------------------------------------------------------


@FAST
@given(cases())
def test_case_json_round_trip(case: Case) -> None:
    assert Case.model_validate_json(case.model_dump_json()) == case


@FAST
@given(cases())
def test_assessment_json_round_trip(case: Case) -> None:
    assessment = stalkrisk.score(case, INSTRUMENT)
    assert Assessment.model_validate_json(assessment.model_dump_json()) == assessment


@FAST
@given(case_dicts())
def test_case_dicts_are_json_ready_cases(data: dict[str, Any]) -> None:
    assert json.loads(json.dumps(data)) == data
    assert Case.model_validate(data).model_dump(mode="json") == data


# --- 2. contributions add up ----------------------------------------------------------------


def check_sums(result: ScaleResult) -> None:
    scale = SCALES[result.scale]
    maxima = {i: INSTRUMENT.item(i).max_points for i in scale.items}
    assert [c.item for c in result.contributions] == scale.items
    known = [c for c in result.contributions if c.points is not None]
    unknown = tuple(c.item for c in result.contributions if c.points is None)
    assert result.unknown_items == unknown
    assert math.fsum(c.points for c in known if c.points is not None) == pytest.approx(
        result.known_points, rel=1e-12, abs=1e-12
    )
    for c in result.contributions:
        low, high = c.possible_points
        if c.points is not None:
            assert low == high == c.points
        else:
            assert low <= high
    assert result.total_range == pytest.approx(
        (
            math.fsum(c.possible_points[0] for c in result.contributions),
            math.fsum(c.possible_points[1] for c in result.contributions),
        )
    )
    max_known = math.fsum(maxima[c.item] for c in known)
    if result.status is not ScaleStatus.SCORED:
        assert result.total is None
        assert not result.prorated
        assert len(unknown) > scale.missing.max_unknown
        return
    assert len(unknown) <= scale.missing.max_unknown
    assert result.total is not None
    assert result.prorated == (bool(unknown) and max_known > 0)
    if result.prorated:
        expected = result.known_points * math.fsum(maxima.values()) / max_known
        # the estimate is kept within the totals that the unknown items still allow
        if result.total_range is not None:
            low, high = result.total_range
            expected = min(max(expected, low), high)
            assert low <= result.total <= high
        assert result.total == pytest.approx(expected, rel=1e-12)
    else:
        assert result.total == result.known_points


@FAST
@given(cases())
def test_contributions_sum_to_the_known_points(case: Case) -> None:
    for result in stalkrisk.score(case, INSTRUMENT).scales:
        check_sums(result)


@FAST
@given(cases())
def test_the_default_totals_are_the_known_points_as_whole_numbers(case: Case) -> None:
    """stalkrisk-screen 2.0.0 never pro-rates: a total is its known points, a whole number,
    with the range the unknown items leave open; a harm scale with an unknown red flag and
    none fired is not scored, and says which flags to ask about."""
    for result in stalkrisk.score(case, DEFAULT).scales:
        known = math.fsum(c.points for c in result.contributions if c.points is not None)
        assert result.known_points == known
        assert float(known).is_integer()
        sure = math.fsum(c.possible_points[0] for c in result.contributions)  # type: ignore[index]
        assert not result.prorated
        unknown_flags = [f for f in result.red_flags if f.status == "unknown"]
        blocked = bool(unknown_flags) and not result.fired_red_flags
        too_many = len(result.unknown_items) > result.max_unknown
        if result.status is ScaleStatus.SCORED:
            # the known points, and what partly known items are sure to score
            assert result.total == max(known, sure)
            assert not blocked
            assert not too_many
            assert result.total_range is not None
            assert result.total_range[0] <= result.total <= result.total_range[1]
        else:
            assert result.total is None
            assert blocked or too_many
            assert result.reason is not None
            for flag in unknown_flags if blocked else []:
                assert flag.label in result.reason


# --- 3. monotonicity ------------------------------------------------------------------------


@SLOW
@given(cases())
def test_raising_a_risk_factor_never_lowers_a_total_or_band(case: Case) -> None:
    before = stalkrisk.score(case, INSTRUMENT)
    accepted = refused = 0
    for loc, answer in presence_fields(case):
        if answer is not Presence.ABSENT or not raises_risk(loc):
            continue
        raised, refusals = try_answer(case, loc, Presence.PRESENT)
        if raised is None:
            # Only the rules that tie one answer to another may refuse the switch.
            assert refusals <= RAISE_REFUSALS, (loc, refusals)
            refused += 1
            continue
        accepted += 1
        assert_not_lowered(
            before, stalkrisk.score(raised, INSTRUMENT), f"{'.'.join(map(str, loc))}=present"
        )
    # A refused switch needs another field to be "absent", whose own switch is accepted.
    assert refused <= accepted


@SLOW
@given(cases(), st.sampled_from(OffenceCategory), presences())
def test_adding_a_conviction_never_lowers_a_total_or_band(
    case: Case, offence: OffenceCategory, against_current_victim: Presence
) -> None:
    history = case.history
    # Dated today, at the perpetrator's current age: consistent with every age rule.
    new = Conviction(
        offence=offence,
        date=case.assessment_date,
        age=case.perpetrator.age,
        disposal=Disposal.FINE,
        against_current_victim=against_current_victim,
    )
    count = history.conviction_count
    if count is not None:
        count += 1
    elif history.convictions is None and history.custodial_sentence_count is not None:
        # The record was not checked, but the custodial sentences imply at least that many.
        count = history.custodial_sentence_count + 1

    def add(data: dict[str, Any]) -> None:
        h = data["history"]
        h["convictions"] = [*(h["convictions"] or []), new.model_dump()]
        h["conviction_count"] = count
        if h.get("previous_sanctions") is not None:
            h["previous_sanctions"] += 1  # every conviction is a sanction

    assert_not_lowered(
        stalkrisk.score(case, INSTRUMENT), stalkrisk.score(rebuilt(case, add), INSTRUMENT), new
    )


@SLOW
@given(cases(), st.data())
def test_adding_a_breach_never_lowers_a_total_or_band(case: Case, data: st.DataObject) -> None:
    orders = case.history.protective_orders or []
    which = data.draw(st.integers(0, len(orders)), label="order (last: a new one)")
    breach = OrderBreach(date=case.assessment_date).model_dump()

    def add(d: dict[str, Any]) -> None:
        h = d["history"]
        if which == len(orders):
            kind = data.draw(st.sampled_from(OrderKind), label="new order's kind")
            order = ProtectiveOrder(kind=kind, breaches=[]).model_dump()
            h["protective_orders"] = [*(h["protective_orders"] or []), order]
        order = h["protective_orders"][which]
        order["breaches"] = [*(order["breaches"] or []), breach]

    assert_not_lowered(
        stalkrisk.score(case, INSTRUMENT),
        stalkrisk.score(rebuilt(case, add), INSTRUMENT),
        "a breach",
    )


# --- 4. every total has exactly one band ----------------------------------------------------


def holding_bands(total: float, bands: list[BandSpec]) -> list[int]:
    return [
        i
        for i, b in enumerate(bands)
        if (b.min is None or b.min <= total) and (b.max is None or total < b.max)
    ]


def near(cuts: list[float]) -> st.SearchStrategy[float]:
    """Totals on and just either side of the cut points, and anywhere else."""
    edges = [
        x for c in cuts for x in (c, math.nextafter(c, -math.inf), math.nextafter(c, math.inf))
    ]
    anywhere = st.floats(allow_nan=False)
    return st.one_of(st.sampled_from(edges), anywhere) if edges else anywhere


def cut_points(bands: list[BandSpec]) -> list[float]:
    return [b.max for b in bands if b.max is not None]


@FAST
@given(
    st.sampled_from(INSTRUMENT.scales).flatmap(
        lambda s: st.tuples(st.just(s), near(cut_points(s.bands)))
    )
)
def test_every_total_has_exactly_one_band(scale_and_total: tuple[Scale, float]) -> None:
    scale, total = scale_and_total
    assert holding_bands(total, scale.bands) == [band_index(total, scale.bands)]


@st.composite
def contiguous_bands(draw: st.DrawFn) -> list[BandSpec]:
    cuts = sorted(set(draw(st.lists(st.floats(-1e6, 1e6), max_size=6))))
    lows: list[float | None] = [None, *cuts]
    highs: list[float | None] = [*cuts, None]
    return [
        BandSpec(id=f"b{i}", label=f"Band {i}", min=lo, max=hi)
        for i, (lo, hi) in enumerate(zip(lows, highs, strict=True))
    ]


@FAST
@given(contiguous_bands().flatmap(lambda b: st.tuples(st.just(b), near(cut_points(b)))))
def test_every_total_has_exactly_one_band_of_any_contiguous_bands(
    bands_and_total: tuple[list[BandSpec], float],
) -> None:
    bands, total = bands_and_total
    assert holding_bands(total, bands) == [band_index(total, bands)]


@FAST
@given(cases())
def test_score_band_is_the_band_holding_the_total(case: Case) -> None:
    for result in stalkrisk.score(case, INSTRUMENT).scales:
        bands = SCALES[result.scale].bands
        if result.total is None:
            assert result.score_band is None
            assert result.band is None
            continue
        (i,) = holding_bands(result.total, bands)
        assert result.score_band == Band.of(bands[i], i)


# --- 5. red flags ---------------------------------------------------------------------------


@FAST
@given(cases())
def test_red_flags_never_lower_a_band(case: Case) -> None:
    for result in stalkrisk.score(case, INSTRUMENT).scales:
        fired = result.fired_red_flags
        if fired:
            assert result.band_floor is not None
            assert result.band_floor.rank == max(f.minimum_band.rank for f in fired)
            assert all(b >= result.band_floor for b in result.possible_bands)
        else:
            assert result.band_floor is None
        if result.band is None:
            assert result.status is ScaleStatus.NOT_SCORED
            continue
        assert result.score_band is not None
        assert result.band.rank >= result.score_band.rank
        if fired:
            assert result.band_floor is not None
            assert result.band.rank >= result.band_floor.rank
        # Raised above the total's band only by a red flag.
        assert result.band.rank == max(result.score_band.rank, rank(result.band_floor))
        assert result.band in result.possible_bands


# --- 6. list order does not matter ----------------------------------------------------------


def shuffle_lists(case: Case, rnd: Random) -> Case:
    def shuffle(data: dict[str, Any]) -> None:
        h, ep = data["history"], data["episode"]
        for key in ("convictions", "protective_orders", "pending_charges"):
            rnd.shuffle(h[key] or [])
        for order in h["protective_orders"] or []:
            rnd.shuffle(order["breaches"] or [])
        rnd.shuffle(ep["behaviours"] or [])
        for behaviour in ep["behaviours"] or []:
            rnd.shuffle(behaviour["channels"])
        rnd.shuffle(ep["escalation"]["dates"])

    return rebuilt(case, shuffle)


@FAST
@given(cases(), st.randoms(use_true_random=False))
def test_list_order_does_not_matter(case: Case, rnd: Random) -> None:
    shuffled = shuffle_lists(case, rnd)
    note(f"shuffled: {shuffled.model_dump_json(exclude_defaults=True)}")
    expected = stalkrisk.score(case, DEFAULT)
    assert stalkrisk.score(shuffled, DEFAULT) == expected
    assert stalkrisk.explain(stalkrisk.score(shuffled, DEFAULT)) == stalkrisk.explain(expected)


# --- 7. determinism -------------------------------------------------------------------------


def canonical(assessment: Assessment) -> str:
    """The assessment's canonical JSON (RFC 8785): what an audit record hashes."""
    return stalkrisk.canonical_json(assessment.model_dump(mode="json"))


@SLOW
@given(cases())
def test_scoring_is_deterministic(case: Case) -> None:
    """Scoring a case again, or an equal copy of it with another scorer, gives the same
    assessment, the same canonical JSON and the same explanation. (Across processes and hash
    seeds: the test below.)"""
    first = stalkrisk.score(case, DEFAULT)
    expected = (canonical(first), stalkrisk.explain(first))
    again = stalkrisk.score(case, DEFAULT)
    copied = FRESH_SCORER.score(Case.model_validate_json(case.model_dump_json()))
    for assessment in (again, copied):
        assert assessment == first
        assert (canonical(assessment), stalkrisk.explain(assessment)) == expected


#: A child process scores each JSONL case with each instrument and prints, per assessment, the
#: canonical JSON and the explanation.
_SCORE_IN_A_CHILD = """
import json, sys
import stalkrisk
for line in open(sys.argv[1], encoding="utf-8"):
    case = stalkrisk.Case.model_validate_json(line)
    for instrument in sys.argv[2:]:
        a = stalkrisk.score(case, instrument)
        text = stalkrisk.canonical_json(a.model_dump(mode="json"))
        print(json.dumps([text, stalkrisk.explain(a)]))
"""


def test_scoring_is_the_same_in_a_fresh_process_with_another_hash_seed(tmp_path: Path) -> None:
    """Every bundled example and 40 synthetic cases, scored with every bundled instrument that
    scores cases, give the same canonical JSON and explanation in a fresh interpreter whose
    string hashing differs from this one's: no result depends on set or dict order, object
    identity or anything else left over in this process."""
    cohort = stalkrisk.synthetic.cohort(40, seed=20240501)
    # cohort() assembles cases without case-level validation; a JSON round trip validates them.
    cases = [*stalkrisk.load_examples()]
    cases += [Case.model_validate_json(c.model_dump_json()) for c in cohort.cases]
    instruments = ["stalkrisk-screen", "stalkrisk-screen@1.0.0", "ogrs3"]
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(c.model_dump_json() + "\n" for c in cases), encoding="utf-8")
    here = [
        json.dumps([canonical(a), stalkrisk.explain(a)])
        for a in (stalkrisk.score(c, i) for c in cases for i in instruments)
    ]
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    child = subprocess.run(
        [sys.executable, "-c", _SCORE_IN_A_CHILD, str(source), *instruments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )
    assert child.returncode == 0, child.stderr
    there = child.stdout.splitlines()
    assert len(there) == len(cases) * len(instruments) == len(here)
    for ours, theirs in zip(here, there, strict=True):
        assert ours == theirs


# --- 8. unknown is never read as absent -----------------------------------------------------


def _stalking_conviction_case(against_current_victim: str) -> Case:
    """A harassment conviction against this victim (or another), both prior-stalking answers
    'absent': the smallest case found on which forgetting the conviction's victim lowers the
    continued-stalking band (moderate to low), reading the unknown victim as neither."""
    return Case.model_validate(
        {
            "case_id": "PROP-8",
            "assessment_date": "2024-05-01",
            "synthetic": True,
            "history": {
                "convictions": [
                    {
                        "offence": "harassment",
                        "date": "2020-01-01",
                        "against_current_victim": against_current_victim,
                    }
                ],
                "protective_orders": [],
                "prior_stalking_this_victim": "absent",
                "prior_stalking_other_victims": "absent",
            },
            "episode": {"start_date": "2024-01-01", "behaviours": []},
            "relationship": {"type": "stranger"},
        }
    )


@SLOW
@pytest.mark.parametrize("known", [Presence.PRESENT, Presence.ABSENT])
@example(case=_stalking_conviction_case("present"))
@example(case=_stalking_conviction_case("absent"))
@given(case=cases())
def test_forgetting_an_answer_never_changes_a_known_item(case: Case, known: Presence) -> None:
    """Switching one answer to "unknown" leaves every item either unknown or as it was.

    For "present" this is the rule that unknown is never silently read as absent: the item the
    answer fed is unknown now, or still known through another source, with the same points.
    """
    before = stalkrisk.score(case, INSTRUMENT)
    for loc, answer in presence_fields(case):
        if answer is not known:
            continue
        forgotten, refusals = try_answer(case, loc, Presence.UNKNOWN)
        if forgotten is None:
            assert refusals <= FORGET_REFUSALS, (loc, refusals)
            continue
        change = f"{'.'.join(map(str, loc))}: {known.value} -> unknown"
        assert_only_forgotten(before, stalkrisk.score(forgotten, INSTRUMENT), change)


# --- the strategies themselves --------------------------------------------------------------


@FAST
@given(cases())
def test_generated_cases_are_synthetic_and_valid(case: Case) -> None:
    assert case.synthetic
    assert Case.model_validate(case.model_dump()) == case


@FAST
@given(cases(completeness="full"))
def test_full_cases_are_scored_with_nothing_unknown(case: Case) -> None:
    assert all(answer is not Presence.UNKNOWN for _, answer in presence_fields(case))
    assessment = stalkrisk.score(case, INSTRUMENT)
    assert assessment.scorable
    assert all(not s.unknown_items for s in assessment.scales)


def _convictions_with_dates_and_ages(c: Case) -> bool:
    return c.perpetrator.age is not None and any(
        v.date is not None and v.age is not None and v.date < c.assessment_date
        for v in c.history.convictions or []
    )


CORNERS: dict[str, Callable[[Case], bool]] = {
    "conviction dated in the past, with an age, perpetrator age known": (
        _convictions_with_dates_and_ages
    ),
    "age at first conviction with listed ages": lambda c: (
        c.history.age_at_first_conviction is not None
        and any(v.age is not None for v in c.history.convictions or [])
    ),
    "more convictions counted than listed": lambda c: (
        c.history.conviction_count is not None
        and c.history.conviction_count > len(c.history.convictions or []) > 0
    ),
    "custodial count with custody listed": lambda c: (
        any(v.disposal is Disposal.CUSTODY for v in c.history.convictions or [])
        and c.history.custodial_sentence_count is not None
    ),
    "dated breach of a dated order": lambda c: any(
        o.made_on is not None and any(b.date is not None for b in o.breaches or [])
        for o in c.history.protective_orders or []
    ),
    "order with breaches not recorded": lambda c: any(
        o.breaches is None for o in c.history.protective_orders or []
    ),
    "pending charges": lambda c: bool(c.history.pending_charges),
    "history lists not checked": lambda c: c.history.convictions is None,
    "dated behaviour with channels in a dated episode": lambda c: (
        c.episode.start_date is not None
        and any(
            b.first_date is not None and b.last_date is not None and b.channels
            for b in c.episode.behaviours or []
        )
    ),
    "behaviours recorded as none": lambda c: c.episode.behaviours == [],
    "escalation dates": lambda c: bool(c.episode.escalation.dates),
    "separation date": lambda c: c.relationship.separation_date is not None,
    "contact dispute": lambda c: c.relationship.child_contact_dispute is Presence.PRESENT,
    "recent without lifetime recorded": lambda c: (
        c.perpetrator.substance_misuse.recent is Presence.PRESENT
        and c.perpetrator.substance_misuse.lifetime is Presence.UNKNOWN
    ),
    "lifetime absent": lambda c: c.perpetrator.suicidality.lifetime is Presence.ABSENT,
}


@pytest.mark.parametrize("corner", sorted(CORNERS))
def test_cases_reach_every_corner_of_the_schema(corner: str) -> None:
    found = find(
        cases(),
        CORNERS[corner],
        settings=settings(max_examples=1000, database=None, phases=[Phase.generate]),
    )
    assert found.synthetic


def test_overrides_are_respected() -> None:
    @settings(max_examples=30, deadline=None)
    @given(cases(case_id="SYN-1", assessment_date="2024-05-01", perpetrator={"age": 19}))
    def check(case: Case) -> None:
        assert (case.case_id, case.assessment_date.isoformat()) == ("SYN-1", "2024-05-01")
        assert all(v.age is None or v.age <= 19 for v in case.history.convictions or [])

    check()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"synthetic": False}, "synthetic cannot be overridden"),
        ({"name": "x"}, "Case has no field 'name'"),
        ({"completeness": "most"}, "completeness must be one of"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        cases(**kwargs)


def test_testing_all_is_sorted_and_complete() -> None:
    names = stalkrisk.testing.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    assert all(hasattr(stalkrisk.testing, n) for n in names)


def test_missing_hypothesis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.startswith("stalkrisk.testing")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=r"pip install 'stalkrisk\[testing\]'"):
        importlib.import_module("stalkrisk.testing")
