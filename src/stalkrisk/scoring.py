"""The transparent weighted scorer: case → factor values → item points → scale totals → bands.

The same engine scores a :class:`~stalkrisk.Case` (through the factor registry) and direct
item answers (:class:`~stalkrisk.schemas.ItemAnswers`, through the instrument's questions):
both become a value for every source the instrument reads, and everything after that is
shared. There is one engine (``stalkrisk._internal.vectorised``): a single case is scored as a
batch of one, so :meth:`WeightedScorer.score` and :meth:`WeightedScorer.score_batch` cannot
drift apart, and a scorer remembers each item's results across calls.

A scorer compiles its instrument once, when it is made: the factors it reads, each scale's
item tables, bands, cut-points and red flags. A single case then goes through the engine's
rules with plain Python values rather than numpy arrays of one entry (the same code, see
``_internal/vectorised.py``), so scoring one case costs little more than validating it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from stalkrisk._internal.public import export
from stalkrisk._internal.vectorised import BatchScores, ScaleScores, VectorisedScorer
from stalkrisk.assessment import (
    Assessment,
    InstrumentRef,
)
from stalkrisk.errors import ANSWERS_ONLY, InstrumentError
from stalkrisk.features import evaluate_factors
from stalkrisk.instruments import (
    DEFAULT_INSTRUMENT,
    Instrument,
    bundled_instruments,
    load_instrument,
)
from stalkrisk.instruments._answers import read_answers
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case, ItemAnswers

__all__ = ["BatchScores", "ScaleScores", "WeightedScorer", "score", "score_answers"]


def instrument_ref(instrument: Instrument) -> InstrumentRef:
    """Return what a result records of the instrument that produced it.

    Examples
    --------
    >>> from stalkrisk import load_instrument
    >>> ref = instrument_ref(load_instrument("ogrs3"))
    >>> ref.id, ref.version, ref.bundled, ref.citation[0][:18]
    ('ogrs3', '1.0.0', True, 'Howard, P., Franci')
    """
    bundled = bundled_instruments().get(instrument.id)
    return InstrumentRef(
        id=instrument.id,
        version=instrument.version,
        sha256=instrument.sha256,
        title=instrument.title,
        validation_status=instrument.validation.status.value,
        validation_statement=instrument.validation.statement,
        citation=tuple(instrument.citation),
        bundled=bundled is not None and bundled.sha256 == instrument.sha256,
    )


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
    ('not_scored', 'many')
    """

    def __init__(self, instrument: InstrumentSource = DEFAULT_INSTRUMENT) -> None:
        self.instrument: Instrument = load_instrument(instrument)
        inst = self.instrument
        self._ref = instrument_ref(inst)
        # Compiled once, never per call: the factors the instrument reads, and (in the
        # engine) its item tables, bands and red flags.
        self._factors = inst.factors
        self._answers_only = inst.answers_only
        # The one engine: single cases are scored as batches of one, and share its item tables.
        self._engine = VectorisedScorer(inst, self._ref)

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
        if self._answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=self.instrument.id))
        return self._engine.score_one(case, evaluate_factors(case, self._factors))

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
        >>> scores.scale("persistence").band_ids()
        ['several', 'fewer', 'fewer', None, 'several']
        """
        if self._answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=self.instrument.id))
        factors = self._factors
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
        return self._engine.score_one(answers, values, "answers")


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
    [('persistence', 'fewer'), ('recurrence', 'fewer'), ('serious_harm', 'fewer')]
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


export(__name__, __all__, globals())  # BatchScores, ScaleScores, canonical_json: defined privately
