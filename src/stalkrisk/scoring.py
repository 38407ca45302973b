"""The transparent weighted scorer: case → factor values → item points → scale totals → bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from stalkrisk._version import __version__
from stalkrisk.assessment import (
    Assessment,
    Contribution,
    InstrumentRef,
    RedFlagResult,
    ScaleResult,
    ScaleStatus,
)
from stalkrisk.bands import Band, band_index
from stalkrisk.features import FACTORS, FactorValue, evaluate_factors
from stalkrisk.instruments import (
    DEFAULT_INSTRUMENT,
    Instrument,
    MissingDataMethod,
    Scale,
    bundled_instruments,
    load_instrument,
)
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case

__all__ = ["WeightedScorer", "score"]


class WeightedScorer:
    """Score cases with one points instrument, showing every contribution and every unknown.

    Parameters
    ----------
    instrument : str, path or Instrument, default "stalkrisk-screen"
        A bundled instrument's id, the path of an instrument file, or an :class:`Instrument`.

    Examples
    --------
    >>> from stalkrisk import Case, WeightedScorer
    >>> scorer = WeightedScorer()
    >>> case = Case(
    ...     case_id="DOC-4", assessment_date="2024-05-01",
    ...     episode={"threats": {"to_kill": "present"}},
    ... )
    >>> harm = scorer.score(case).scale("serious_harm")
    >>> harm.status.value, harm.band_floor.id  # too little is known to total, but a red flag fired
    ('not_scored', 'high')
    """

    def __init__(self, instrument: InstrumentSource = DEFAULT_INSTRUMENT) -> None:
        self.instrument: Instrument = load_instrument(instrument)
        self._factors = sorted(
            {i.factor for i in self.instrument.items}
            | {f.factor for s in self.instrument.scales for f in s.red_flags}
        )
        self._ref = InstrumentRef(
            id=self.instrument.id,
            version=self.instrument.version,
            sha256=self.instrument.sha256,
            title=self.instrument.title,
            validation_status=self.instrument.validation.status.value,
            validation_statement=self.instrument.validation.statement,
        )

    def __repr__(self) -> str:
        return f"WeightedScorer({self.instrument.reference!r})"

    def score(self, case: Case) -> Assessment:
        """Score one case.

        Parameters
        ----------
        case : Case
            A validated case.

        Returns
        -------
        Assessment
        """
        values = evaluate_factors(case, self._factors)
        return Assessment(
            case_id=case.case_id,
            assessment_date=case.assessment_date,
            synthetic=case.synthetic,
            schema_version=case.schema_version,
            instrument=self._ref,
            library_version=__version__,
            scales=tuple(self._score_scale(s, values) for s in self.instrument.scales),
        )

    def _items(self, scale: Scale, values: Mapping[str, FactorValue]) -> _ItemTally:
        tally = _ItemTally()
        for item_id in scale.items:
            item = self.instrument.item(item_id)
            value = values[item.factor]
            kind = FACTORS[item.factor].kind
            level = item.level_for(value)
            tally.max_all += item.max_points
            if level is None:
                tally.unknown.append(item.id)
                lo, hi = item.possible_points(value)
            else:
                lo = hi = level.points
                tally.known_points += level.points
                tally.max_known += item.max_points
            tally.low += lo
            tally.high += hi
            tally.contributions.append(
                Contribution(
                    item=item.id,
                    label=item.label,
                    factor=item.factor,
                    value=value.describe(kind),
                    level=None if level is None else level.label(kind),
                    points=None if level is None else level.points,
                    possible_points=(lo, hi),
                )
            )
        return tally

    @staticmethod
    def _red_flags(
        scale: Scale, values: Mapping[str, FactorValue], bands: list[Band]
    ) -> tuple[list[RedFlagResult], int | None, int | None]:
        """Return the flags, the band floor they set, and the band an unknown flag could set."""
        flags: list[RedFlagResult] = []
        floor: int | None = None
        could_raise_to: int | None = None
        for flag in scale.red_flags:
            value = values[flag.factor]
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
                    factor=flag.factor,
                    status=status,
                    minimum_band=bands[rank],
                )
            )
        return flags, floor, could_raise_to

    def _score_scale(self, scale: Scale, values: Mapping[str, FactorValue]) -> ScaleResult:
        bands = [Band(id=b.id, label=b.label, rank=r) for r, b in enumerate(scale.bands)]
        tally = self._items(scale, values)
        flags, floor, could_raise_to = self._red_flags(scale, values, bands)
        unknown = tally.unknown

        scored = len(unknown) <= scale.missing.max_unknown
        total: float | None = None
        prorated = False
        reason = None
        if scored:
            total = tally.known_points
            prorate = scale.missing.method is MissingDataMethod.PRORATE
            if unknown and prorate and tally.max_known > 0:
                total = tally.known_points * tally.max_all / tally.max_known
                prorated = True
        else:
            reason = (
                f"{len(unknown)} of {len(scale.items)} items are unknown; this scale tolerates "
                f"at most {scale.missing.max_unknown}. Unknown: {', '.join(unknown)}."
            )

        score_rank = None if total is None else band_index(total, scale.bands)
        final_rank = score_rank
        if score_rank is not None and floor is not None:
            final_rank = max(score_rank, floor)
        lo_rank = band_index(tally.low, scale.bands)
        hi_rank = band_index(tally.high, scale.bands)
        if floor is not None:
            lo_rank, hi_rank = max(lo_rank, floor), max(hi_rank, floor)
        if could_raise_to is not None:
            hi_rank = max(hi_rank, could_raise_to)
        next_rank = None if score_rank is None or score_rank + 1 >= len(bands) else score_rank + 1
        to_next = None
        if next_rank is not None and total is not None:
            start = scale.bands[next_rank].min
            to_next = None if start is None else start - total
        return ScaleResult(
            scale=scale.id,
            title=scale.title,
            status=ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
            total=total,
            known_points=tally.known_points,
            prorated=prorated,
            total_range=(tally.low, tally.high),
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
        )


@dataclass
class _ItemTally:
    """Running sums over a scale's items."""

    contributions: list[Contribution] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    known_points: float = 0.0
    low: float = 0.0
    high: float = 0.0
    max_all: float = 0.0
    max_known: float = 0.0


@cache
def _bundled_scorer(instrument_id: str) -> WeightedScorer:
    """Scorers for bundled instruments, which cannot change while the process runs."""
    return WeightedScorer(instrument_id)


def score(case: Case, instrument: InstrumentSource = DEFAULT_INSTRUMENT) -> Assessment:
    """Score ``case`` with ``instrument`` (by default the bundled ``stalkrisk-screen``).

    Parameters
    ----------
    case : Case
        A validated case (build one with ``Case.model_validate(data)``).
    instrument : str, path or Instrument, default "stalkrisk-screen"
        A bundled instrument's id, the path of an instrument file, or an :class:`Instrument`.

    Returns
    -------
    Assessment
        Per scale: total, band, contributions, unknown items and red flags.

    Examples
    --------
    >>> import stalkrisk
    >>> case = stalkrisk.load_example("EX-03")
    >>> assessment = stalkrisk.score(case)
    >>> [(s.scale, s.band.id) for s in assessment.scales]
    [('continued_stalking', 'low'), ('serious_harm', 'low')]
    """
    if isinstance(instrument, str) and instrument in bundled_instruments():
        return _bundled_scorer(instrument).score(case)
    # A file is read afresh on every call, so an edited instrument is never scored stale;
    # to score many cases with one instrument, build a WeightedScorer once.
    return WeightedScorer(instrument).score(case)
