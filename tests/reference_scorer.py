"""The reference scorer: the single-case scoring rules written out item by item, for the tests.

The library scores every case with one engine (``stalkrisk._internal.vectorised``), whose
item tables and numpy sums give its speed. This module is the plain, direct statement of the
same rules (the library's single-case scorer before the engines were merged), kept only so that
property tests can check the engine against an independent implementation, case by case and
to the last bit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from stalkrisk import Assessment, Case, ItemAnswers, ScaleResult, ScaleStatus
from stalkrisk._internal.items import Values, horizon_result, item_result, not_scored_reason
from stalkrisk._version import __version__
from stalkrisk.assessment import Contribution, HorizonResult, RedFlagResult, ShownFactorResult
from stalkrisk.bands import Band, band_index
from stalkrisk.features import evaluate_factors
from stalkrisk.instruments import (
    Instrument,
    MissingDataMethod,
    Scale,
    UnknownRedFlags,
    load_instrument,
)
from stalkrisk.instruments._answers import read_answers
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.scoring import instrument_ref


@dataclass
class _Tally:
    """Running sums over a scale's items."""

    contributions: list[Contribution] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    known_points: float = 0.0
    low: float | None = 0.0
    high: float | None = 0.0
    max_all: float = 0.0
    max_known: float = 0.0


class ReferenceScorer:
    """Score one case (or answers) item by item: the rules, as plainly as they can be written."""

    def __init__(self, instrument: InstrumentSource) -> None:
        self.instrument: Instrument = load_instrument(instrument)
        inst = self.instrument
        self._items = {item.id: item for item in inst.items}
        self._kinds = {item.id: inst.item_kind(item) for item in inst.items}
        self._ref = instrument_ref(inst)  # what a result records of the instrument

    def score(self, case: Case) -> Assessment:
        values = evaluate_factors(case, self.instrument.factors)
        return self._assess(
            case_id=case.case_id,
            assessment_date=case.assessment_date,
            synthetic=case.synthetic,
            schema_version=case.schema_version,
            input_kind="case",
            values=values,
        )

    def score_answers(self, answers: ItemAnswers) -> Assessment:
        values = read_answers(self.instrument, answers)
        return self._assess(
            case_id=answers.case_id,
            assessment_date=answers.assessment_date,
            synthetic=answers.synthetic,
            schema_version=answers.schema_version,
            input_kind="answers",
            values=values,
        )

    def _assess(
        self,
        *,
        case_id: str,
        assessment_date: dt.date,
        synthetic: bool,
        schema_version: str,
        input_kind: Literal["case", "answers"],
        values: Values,
    ) -> Assessment:
        return Assessment(
            case_id=case_id,
            assessment_date=assessment_date,
            synthetic=synthetic,
            schema_version=schema_version,
            instrument=self._ref,
            library_version=__version__,
            scales=tuple(self._score_scale(s, values) for s in self.instrument.scales),
            input_kind=input_kind,
            shown_factors=tuple(
                ShownFactorResult(
                    id=f.id,
                    label=f.label,
                    factor=f.source,
                    kind=f.kind,
                    value=values[f.source].describe(self.instrument.source_kind(f.source)[0]),
                    known=values[f.source].known,
                )
                for f in self.instrument.shown_factors
            ),
        )

    def _tally(self, scale: Scale, values: Values) -> _Tally:
        tally = _Tally()
        for item_id in scale.items:
            item = self._items[item_id]
            scored, contribution = item_result(item, self._kinds[item_id], values)
            if item.levels is not None:
                tally.max_all += item.max_points
            if scored.points is None:
                tally.unknown.append(item.id)
            else:
                tally.known_points += scored.points
                if item.levels is not None:
                    tally.max_known += item.max_points
            if scored.possible is None or tally.low is None or tally.high is None:
                tally.low = tally.high = None
            else:
                tally.low += scored.possible[0]
                tally.high += scored.possible[1]
            tally.contributions.append(contribution)
        return tally

    @staticmethod
    def _red_flags(
        scale: Scale, values: Values, bands: list[Band]
    ) -> tuple[list[RedFlagResult], int | None, int | None]:
        """Return the flags, the band floor they set, and the band an unknown flag could set."""
        flags: list[RedFlagResult] = []
        floor: int | None = None
        could_raise_to: int | None = None
        for flag in scale.red_flags:
            value = values[flag.source]
            rank = scale.band_rank(flag.minimum_band)
            status: Literal["fired", "not_fired", "unknown"]
            if value.low is not None and value.low >= flag.at_least:
                status = "fired"
                floor = rank if floor is None else max(floor, rank)
            elif value.high is not None and value.high < flag.at_least:
                status = "not_fired"
            else:
                status = "unknown"
                could_raise_to = rank if could_raise_to is None else max(could_raise_to, rank)
            flags.append(
                RedFlagResult(
                    id=flag.id,
                    label=flag.label,
                    factor=flag.source,
                    status=status,
                    minimum_band=bands[rank],
                )
            )
        return flags, floor, could_raise_to

    def _score_scale(self, scale: Scale, values: Values) -> ScaleResult:  # noqa: PLR0915
        bands = [Band.of(b, r) for r, b in enumerate(scale.bands)]
        tally = self._tally(scale, values)
        flags, floor, could_raise_to = self._red_flags(scale, values, bands)
        unknown = tally.unknown
        logistic = scale.kind == "logistic"

        scored = len(unknown) <= scale.missing.max_unknown
        unknown_flags: list[str] = []
        if scale.missing.unknown_red_flags is UnknownRedFlags.NOT_SCORED and floor is None:
            unknown_flags = [f.label for f in flags if f.status == "unknown"]
            scored = scored and not unknown_flags
        total: float | None = None
        prorated = False
        reason = None
        horizons: tuple[HorizonResult, ...] = ()
        banded: float | None = None  # the number the bands cut: total, or a percentage
        band_on = None
        if scored:
            total = tally.known_points
            if scale.missing.method is MissingDataMethod.KNOWN_ONLY and tally.low is not None:
                total = max(total, tally.low)  # the points partly known items are sure of
            prorate = scale.missing.method is MissingDataMethod.PRORATE
            if unknown and prorate and tally.max_known > 0:
                total = tally.known_points * tally.max_all / tally.max_known
                # Partly known items can rule out low totals: never estimate outside what is
                # still possible.
                if tally.low is not None and tally.high is not None:
                    total = min(max(total, tally.low), tally.high)
                prorated = True
            banded = total
            if logistic:
                horizons = tuple(horizon_result(h, total, scale) for h in scale.horizons)
                band_on = scale.band_on or scale.horizons[0].id
                banded = next(h.percent for h in horizons if h.id == band_on)
        else:
            reason = not_scored_reason(scale, unknown, tally.contributions, unknown_flags)

        score_rank = None if banded is None else band_index(banded, scale.bands)
        final_rank = score_rank
        if score_rank is not None and floor is not None:
            final_rank = max(score_rank, floor)
        if logistic or tally.low is None or tally.high is None:
            lo_rank = 0 if score_rank is None else score_rank
            hi_rank = len(bands) - 1 if score_rank is None else score_rank
        else:
            lo_rank = band_index(tally.low, scale.bands)
            hi_rank = band_index(tally.high, scale.bands)
        if floor is not None:
            lo_rank, hi_rank = max(lo_rank, floor), max(hi_rank, floor)
        if could_raise_to is not None:
            hi_rank = max(hi_rank, could_raise_to)
        next_rank = None if score_rank is None or score_rank + 1 >= len(bands) else score_rank + 1
        to_next = None
        if next_rank is not None and banded is not None:
            start = scale.bands[next_rank].min
            to_next = None if start is None else start - banded
        total_range = None if tally.low is None or tally.high is None else (tally.low, tally.high)
        return ScaleResult(
            scale=scale.id,
            title=scale.title,
            status=ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
            total=total,
            known_points=tally.known_points,
            prorated=prorated,
            total_range=total_range,
            score_band=None if score_rank is None else bands[score_rank],
            band=None if final_rank is None else bands[final_rank],
            band_floor=None if floor is None else bands[floor],
            possible_bands=tuple(bands[lo_rank : hi_rank + 1]),
            next_band=None if next_rank is None else bands[next_rank],
            points_to_next_band=to_next,
            contributions=tuple(tally.contributions),
            unknown_items=tuple(unknown),
            max_unknown=scale.missing.max_unknown,
            red_flags=tuple(flags),
            reason=reason,
            bands=tuple(bands),
            role=scale.role,
            kind=scale.kind,
            horizons=horizons,
            band_on=band_on,
        )
