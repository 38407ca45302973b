"""The transparent weighted scorer: case → factor values → item points → scale totals → bands.

The same engine scores a :class:`~stalkrisk.Case` (through the factor registry) and direct
item answers (:class:`~stalkrisk.schemas.ItemAnswers`, through the instrument's questions):
both become a value for every source the instrument reads, and everything after that is
shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from stalkrisk._internal.items import Values, horizon_result, item_result, not_scored_reason
from stalkrisk._internal.vectorised import BatchScores, ScaleScores, VectorisedScorer
from stalkrisk._version import __version__
from stalkrisk.assessment import (
    Assessment,
    Contribution,
    HorizonResult,
    InstrumentRef,
    RedFlagResult,
    ScaleResult,
    ScaleStatus,
)
from stalkrisk.bands import Band, band_index
from stalkrisk.errors import ANSWERS_ONLY, InstrumentError
from stalkrisk.features import evaluate_factors
from stalkrisk.instruments import (
    DEFAULT_INSTRUMENT,
    Instrument,
    MissingDataMethod,
    Scale,
    bundled_instruments,
    load_instrument,
)
from stalkrisk.instruments._answers import read_answers
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case, ItemAnswers

__all__ = ["BatchScores", "ScaleScores", "WeightedScorer", "score", "score_answers"]


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


class WeightedScorer:
    """Score cases (or direct answers) with one instrument, showing every contribution.

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
        inst = self.instrument
        self._items = {item.id: item for item in inst.items}
        self._kinds = {item.id: inst.item_kind(item) for item in inst.items}
        self._ref = InstrumentRef(
            id=inst.id,
            version=inst.version,
            sha256=inst.sha256,
            title=inst.title,
            validation_status=inst.validation.status.value,
            validation_statement=inst.validation.statement,
        )
        self._engine: VectorisedScorer | None = None  # built on first use of score_batch

    def __repr__(self) -> str:
        return f"WeightedScorer({self.instrument.reference!r})"

    def score(self, case: Case | Mapping[str, Any]) -> Assessment:
        """Score one case: a validated :class:`~stalkrisk.Case`, or a mapping validated as one.

        Raises
        ------
        pydantic.ValidationError
            If ``case`` is a mapping that is not a valid case.
        TypeError
            If ``case`` is neither a Case nor a mapping.
        InstrumentError
            If the instrument asks its own questions, which a case cannot answer: use
            :meth:`score_answers`.
        """
        case = _as_case(case)
        if self.instrument.answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=self.instrument.id))
        values = evaluate_factors(case, self.instrument.factors)
        return self._assess(
            case_id=case.case_id,
            assessment_date=case.assessment_date,
            synthetic=case.synthetic,
            schema_version=case.schema_version,
            input_kind="case",
            values=values,
        )

    def score_batch(self, cases: Sequence[Case]) -> BatchScores:
        """Score many validated cases at once, with numpy: the same results as :meth:`score`.

        Parameters
        ----------
        cases : sequence of Case
            Validated cases.

        Returns
        -------
        BatchScores
            Per scale, numpy arrays of totals, bands, unknown counts, red flags and item
            points (one entry per case); ``BatchScores.assessment(i)`` rebuilds case ``i``'s
            full :class:`~stalkrisk.Assessment`, equal to ``score(cases[i])``.

        Raises
        ------
        InstrumentError
            If the instrument asks its own questions (see :meth:`score`).

        Examples
        --------
        >>> import stalkrisk
        >>> cases = [stalkrisk.load_example(f"EX-0{i}") for i in range(1, 6)]
        >>> scores = stalkrisk.WeightedScorer().score_batch(cases)
        >>> scores.scale("continued_stalking").band_ids()
        ['high', 'moderate', 'low', None, 'high']
        """
        if self.instrument.answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=self.instrument.id))
        if self._engine is None:
            self._engine = VectorisedScorer(self.instrument, self._ref)
        factors = self.instrument.factors
        values = [evaluate_factors(case, factors) for case in cases]
        return self._engine.score(cases, values)

    def score_answers(self, answers: ItemAnswers | Mapping[str, Any]) -> Assessment:
        """Score a practitioner's direct answers to the instrument's questions.

        Parameters
        ----------
        answers : ItemAnswers or mapping
            Answers keyed by question id (or by factor name, for instruments that read
            factors). A question with no answer is unknown.

        Raises
        ------
        pydantic.ValidationError
            If an answer names no question of the instrument or does not fit its kind.
        """
        if not isinstance(answers, ItemAnswers):
            answers = ItemAnswers.model_validate(answers)
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

    def _score_scale(self, scale: Scale, values: Values) -> ScaleResult:
        bands = [Band(id=b.id, label=b.label, rank=r) for r, b in enumerate(scale.bands)]
        tally = self._tally(scale, values)
        flags, floor, could_raise_to = self._red_flags(scale, values, bands)
        unknown = tally.unknown
        logistic = scale.kind == "logistic"

        scored = len(unknown) <= scale.missing.max_unknown
        total: float | None = None
        prorated = False
        reason = None
        horizons: tuple[HorizonResult, ...] = ()
        banded: float | None = None  # the number the bands cut: total, or a percentage
        band_on = None
        if scored:
            total = tally.known_points
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
            reason = not_scored_reason(scale, unknown, tally.contributions)

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
            kind=scale.kind,
            horizons=horizons,
            band_on=band_on,
        )


@cache
def _bundled_scorer(instrument_id: str) -> WeightedScorer:
    """Scorers for bundled instruments, which cannot change while the process runs."""
    return WeightedScorer(instrument_id)


def _scorer(instrument: InstrumentSource) -> WeightedScorer:
    if isinstance(instrument, str) and instrument in bundled_instruments():
        return _bundled_scorer(instrument)
    # A file is read afresh on every call, so an edited instrument is never scored stale;
    # to score many cases with one instrument, build a WeightedScorer once.
    return WeightedScorer(instrument)


def _as_case(case: object) -> Case:
    """Return ``case`` as a validated :class:`~stalkrisk.Case` (a mapping is validated).

    Raises
    ------
    pydantic.ValidationError
        If a mapping is not a valid case.
    TypeError
        If ``case`` is neither a Case nor a mapping.
    """
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return Case.model_validate(dict(case))
    raise TypeError(
        f"a case is a stalkrisk.Case or a mapping of case data, not a {type(case).__name__}; "
        "read JSON text with Case.model_validate_json(text)"
    )


def score(
    case: Case | Mapping[str, Any], instrument: InstrumentSource = DEFAULT_INSTRUMENT
) -> Assessment:
    """Score ``case`` with ``instrument`` (by default the bundled ``stalkrisk-screen``).

    Parameters
    ----------
    case : Case or mapping
        A validated case, or a mapping of case data, which is validated first (a
        ``pydantic.ValidationError`` names each problem).
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
    >>> stalkrisk.score({"case_id": "D-1", "assessment_date": "2024-05-01"}).case_id
    'D-1'
    """
    return _scorer(instrument).score(case)


def score_answers(
    answers: ItemAnswers | Mapping[str, Any], instrument: InstrumentSource
) -> Assessment:
    """Score a practitioner's direct answers to ``instrument``'s questions.

    See :meth:`WeightedScorer.score_answers`.
    """
    return _scorer(instrument).score_answers(answers)
