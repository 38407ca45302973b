"""Screen a hearing file with the pinned instrument and hand the UI plain data.

:func:`screen` maps the file to a :class:`stalkrisk.Case`, scores it with the instrument this
application is pinned to (checked by id, version and sha256 before every use), keeps
the :class:`stalkrisk.AssessmentRecord` for the audit trail, and returns a :class:`Screening`:
plain, immutable data that the UI layer shows without importing stalkrisk. Every unknown item
comes with the questions on the form that would settle it.

Errors become :class:`ScreeningError`, whose ``user_message`` and ``problems`` are in the form's
own words, name the question at fault, and never repeat what was entered.

The screening supports the court's and the practitioner's judgement: it is not a decision about
bail, sentence or anyone's liberty, and the UI shows :attr:`Screening.notice` with every result.

Examples
--------
>>> import datetime as dt, stalkrisk
>>> from courtapp.adapter import import_referral
>>> from courtapp.hearing import Hearing
>>> file = import_referral(stalkrisk.load_example("EX-08"), listing_ref="LST-2025-0412",
...                        hearing=Hearing.BAIL, hearing_date=dt.date(2025, 3, 14))
>>> result = screen(file)
>>> [(s.title, s.band) for s in result.scales]  # doctest: +NORMALIZE_WHITESPACE
[('Persistence of the current episode', 'Fewer factors'),
 ('Recurrence after the episode ends', None),
 ('Serious physical or sexual violence', 'Fewer factors')]
>>> persistence = result.scales[0]
>>> persistence.total, persistence.possible_bands  # at least 5; the unknowns leave this open
(5.0, ('Fewer factors', 'Several factors'))
>>> result.scales[1].reason_not_scored.split(";")[0]
'3 of 8 items are unknown'
>>> result.questions_to_complete[-1]  # asking completes the picture
"The victim's own view of the risk"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from pydantic import ValidationError

from courtapp.adapter import ANSWERS, VICTIM_VIEWS, FormValueError, form_field, to_case
from courtapp.hearing import ENTRY_LABELS, FORM_LABELS, Answer, HearingFile
from stalkrisk import (
    Assessment,
    AssessmentRecord,
    Case,
    Instrument,
    ScaleResult,
    ScaleStatus,
    WeightedScorer,
    load_instrument,
    verify,
)
from stalkrisk.errors import StalkriskError

__all__ = [
    "FACTOR_QUESTIONS",
    "PINNED_INSTRUMENT",
    "FieldProblem",
    "InstrumentPin",
    "ScaleView",
    "Screening",
    "ScreeningError",
    "ShownItem",
    "UnknownItem",
    "check_record",
    "screen",
]


@dataclass(frozen=True, slots=True)
class InstrumentPin:
    """The exact instrument a deployment is pinned to: id, version and sha256."""

    id: str
    version: str
    sha256: str


#: The instrument this application was tested with and is pinned to. An upgrade of stalkrisk
#: that changes it (weights, bands, items, even wording) changes its sha256: the application
#: then refuses to screen, and its tests fail, until the new instrument has been reviewed as
#: the organisation's own approval process requires and this pin updated.
PINNED_INSTRUMENT: Final = InstrumentPin(
    id="stalkrisk-screen",
    version="2.0.0",
    sha256="45d24ca4e706408199225c2fe1daaa75574769295d1556cb477837c42665a03b",
)

#: For each factor the pinned instrument reads, the questions on the form that settle it:
#: the factors its items and red flags score, and those it shows beside the scores.
FACTOR_QUESTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    # persistence of the current episode
    "conduct_span_days": ("conduct_began_on", "conduct_ongoing", "last_incident_on", "conduct"),
    "days_since_last_incident": ("last_incident_on", "conduct_ongoing", "conduct"),
    "contact_since_arrest_or_charge": ("contact_since_arrest_or_charge",),
    "protective_order_breaches": ("orders", "previous_convictions"),
    "bail_or_licence_breaches": ("orders", "previous_convictions"),
    "relationship_type": ("relation",),
    "motivation": ("motive",),
    "violent_convictions": ("previous_convictions", "total_previous_convictions"),
    "delusional_disorder": ("diagnosed_delusional_disorder",),
    # recurrence after the episode ends
    "prior_stalking_this_victim": ("earlier_stalking_of_this_victim", "previous_convictions"),
    "prior_stalking_other_victims": ("earlier_stalking_of_others", "previous_convictions"),
    "stalking_harassment_convictions": ("previous_convictions", "total_previous_convictions"),
    "conviction_categories": ("previous_convictions", "total_previous_convictions"),
    "personality_disorder": ("diagnosed_personality_disorder",),
    "substance_misuse_recent": ("substance_misuse_ever", "substance_misuse_last_12_months"),
    "perpetrator_age": ("defendant_age",),
    # serious physical or sexual violence
    "ex_intimate_partner": ("relation",),
    "violence_history_level": ("previous_convictions", "total_previous_convictions"),
    "partner_abuse_history": (
        "physical_abuse_in_relationship",
        "sexual_abuse_in_relationship",
        "coercive_control_in_relationship",
    ),
    "threats_other_than_to_kill": (
        "threatened_violence",
        "threatened_sexual_violence",
        "threatened_others",
        "threatened_children",
    ),
    "violence_recent": ("violence_in_episode",),
    "weapon_access_level": ("weapon_access", "firearm_access"),
    "property_damage": ("conduct",),
    "surveillance_or_tracking": ("conduct",),
    "recent_separation": ("relation", "separated_on"),
    # its red flags
    "threats_to_kill_recent": ("threatened_to_kill",),
    "countdown": ("countdown_to_harm",),
    "weapon_used_or_threatened": ("weapon_used_or_threatened",),
    "strangulation": ("strangulation_in_episode", "strangulation_in_relationship"),
    "procuring_violence": ("tried_to_procure_violence",),
    # shown beside the scores, never scored
    "victim_fear": ("victim_view",),
    "suicidality_recent": ("suicidal_ever", "suicidal_last_12_months"),
    "image_based_abuse": ("conduct",),
    "engaged_with_supervision": ("engages_with_supervision",),
    "stable_accommodation_away_from_victim": ("stable_accommodation_away_from_victim",),
    "prosocial_support": ("supportive_people",),
}

# What the form says about each of stalkrisk's rules. The messages describe the rule, never
# the value entered.
_RULES: Final[Mapping[str, str]] = {
    "date_after_assessment": "is after the date of screening; nothing on the form can be "
    "dated after the screening",
    "date_order": "is earlier than a date it must follow",
    "missing_date_or_age": "needs the date of conviction or the defendant's age at conviction",
    "age_inconsistent": "does not agree with the defendant's age or with a date on the form",
    "count_inconsistent": "is smaller than the number of entries listed",
    "field_not_applicable": "does not apply given the other answers (for example, a date of "
    "separation applies only to a former partner)",
    "field_inconsistent": "contradicts another answer on the form (for example, a dispute "
    "over child contact needs children together)",
    "timed_inconsistent": "is 'yes' for the last 12 months but 'no' for ever",
    "case_id_format": "must be a pseudonymous reference of letters, digits and . _ : - with no "
    "spaces, never a name",
    "greater_than_equal": "is below the lowest value the screen accepts",
    "less_than_equal": "is above the highest value the screen accepts",
}
_RULE_FALLBACK: Final = "is not accepted by the screen (rule: {rule})"

INVALID_FILE: Final = (
    "The screening cannot be run until the answers below are corrected. Nothing has been saved."
)
NOT_PINNED: Final = (
    "The risk screen installed ({found}) is not the version this service is pinned to "
    "({expected}). Screening is unavailable until the new version has been reviewed and "
    "the pin updated; contact the system administrator."
)
SCREEN_UNAVAILABLE: Final = (
    "The risk screen could not be run ({kind}). Contact the system administrator; no "
    "screening has been recorded."
)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with a hearing file, in the form's words."""

    field: str | None
    """The field of the form (``None`` if the problem is not with one field)."""
    label: str
    """The question as the form shows it."""
    message: str
    """What is wrong. It never contains the value that was entered."""

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


class ScreeningError(Exception):
    """The screening could not be run. ``str(error)`` is safe to show and to log.

    Parameters
    ----------
    user_message : str
        What happened and what to do, for the person using the form.
    problems : sequence of FieldProblem
        The answers to correct, when the hearing file is at fault.
    """

    def __init__(self, user_message: str, problems: Sequence[FieldProblem] = ()) -> None:
        self.user_message = user_message
        self.problems = tuple(problems)
        super().__init__("\n".join([user_message, *(f"- {p}" for p in self.problems)]))


@dataclass(frozen=True, slots=True)
class UnknownItem:
    """An item of a scale that could not be scored because something is not recorded."""

    item: str
    """The instrument's name for the item."""
    questions: tuple[str, ...]
    """The questions on the form that would settle it (labels, unanswered ones first)."""


@dataclass(frozen=True, slots=True)
class ScaleView:
    """One scale of the screening, as the UI shows it."""

    scale: str
    title: str
    scored: bool
    band: str | None
    """The band after red flags and any professional override; ``None`` if not scored."""
    computed_band: str | None
    """The band the instrument computed (differs from ``band`` only after an override)."""
    total: float | None
    """A whole number: with unknown items, the least the case is sure to score (a lower bound;
    the UI says "at least"), which is the first of :attr:`total_range`."""
    total_range: tuple[float, float] | None
    """The totals the unknown items leave possible."""
    possible_bands: tuple[str, ...]
    """Every band the unknown items leave possible."""
    reason_not_scored: str | None
    unknowns: tuple[UnknownItem, ...]
    red_flags_fired: tuple[str, ...]
    red_flags_not_recorded: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShownItem:
    """A protective factor or a piece of context, shown beside the scores and never scored."""

    label: str
    kind: str
    """``"protective"`` or ``"context"``."""
    answer: str
    """The answer on the form ("yes", "no", "not recorded"; the victim's view in the form's
    words)."""


@dataclass(frozen=True, slots=True)
class Screening:
    """A screening of one hearing file, as plain data for the UI, with its audit record."""

    listing_ref: str
    defendant_ref: str
    hearing: str
    test_record: bool
    instrument: str
    """The instrument's id and version."""
    instrument_sha256: str
    validation_status: str
    validation_statement: str
    """How far the instrument's weights have been validated; shown with every result."""
    scales: tuple[ScaleView, ...]
    beside_the_scores: tuple[ShownItem, ...]
    """Protective factors and context (the victim's own view among them): the UI shows them
    beside the scales; they never change a total or a band."""
    questions_to_complete: tuple[str, ...]
    """Unanswered questions on the form that would narrow the result, or complete what is shown
    beside it, in the form's order."""
    notice: str
    """The decision-support notice, shown with every result."""
    record: AssessmentRecord
    """The verifiable audit record; store ``record.to_json()`` with the hearing file."""

    def scale(self, scale_id: str) -> ScaleView:
        """Return the view of scale ``scale_id``."""
        for s in self.scales:
            if s.scale == scale_id:
                return s
        raise KeyError(f"the screening has no scale {scale_id!r}")

    def for_ui(self) -> dict[str, Any]:
        """Return everything but the audit record as JSON-ready data for the UI."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del data["record"]
        data["scales"] = [dataclasses.asdict(s) for s in self.scales]
        data["beside_the_scores"] = [dataclasses.asdict(s) for s in self.beside_the_scores]
        data["audit_record_sha256"] = self.record.record_sha256
        return data


def _label(field: str | None) -> str:
    if field is None:
        return "The hearing file"
    head, _, rest = field.partition("[")
    label = FORM_LABELS.get(head, head)
    if not rest:
        return label
    index, _, sub = rest.partition("]")
    entry = f"{label}, entry {int(index) + 1}"
    sub = sub.lstrip(".")
    return f"{entry}: {ENTRY_LABELS.get(sub, sub)}" if sub else entry


def _problems(exc: ValidationError) -> tuple[FieldProblem, ...]:
    problems = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        field = form_field(error["loc"])
        rule = _RULES.get(error["type"], _RULE_FALLBACK.format(rule=error["type"]))
        problems.append(FieldProblem(field=field, label=_label(field), message=rule))
    return tuple(problems)


@cache
def _pinned_scorer(pin: InstrumentPin) -> WeightedScorer:
    try:
        instrument = load_instrument(pin.id)
    except StalkriskError as exc:
        raise ScreeningError(SCREEN_UNAVAILABLE.format(kind=type(exc).__name__)) from exc
    if (instrument.id, instrument.version, instrument.sha256) != (pin.id, pin.version, pin.sha256):
        raise ScreeningError(
            NOT_PINNED.format(
                found=f"{instrument.id} {instrument.version}, sha256 {instrument.sha256[:12]}",
                expected=f"{pin.id} {pin.version}, sha256 {pin.sha256[:12]}",
            )
        )
    return WeightedScorer(instrument)


def _unanswered(file: HearingFile, field: str) -> bool:
    value = getattr(file, field)
    # Every "not recorded" of the form (Answer, Relation, ...) has the same value.
    return value is None or value == Answer.NOT_RECORDED


def _reads(instrument: Instrument, item_id: str) -> tuple[str, ...]:
    """Return the factors an item reads: its own, and its conditions' (``only_if`` too)."""
    item = instrument.item(item_id)
    conditions = [*(item.any_of or []), *(item.all_of or []), *(item.only_if or [])]
    names = [item.factor, *(c.factor for c in conditions)]
    return tuple(dict.fromkeys(n for n in names if n is not None))


def _questions(file: HearingFile, factors: Sequence[str]) -> tuple[str, ...]:
    fields = dict.fromkeys(f for factor in factors for f in FACTOR_QUESTIONS.get(factor, ()))
    ordered = sorted(fields, key=lambda f: not _unanswered(file, f))
    return tuple(FORM_LABELS[f] for f in ordered)


def _scale_view(file: HearingFile, instrument: Instrument, s: ScaleResult) -> ScaleView:
    unknown = set(s.unknown_items)
    return ScaleView(
        scale=s.scale,
        title=s.title,
        scored=s.status is ScaleStatus.SCORED,
        band=s.final_band.label if s.final_band else None,
        computed_band=s.band.label if s.band else None,
        total=s.total,
        total_range=s.total_range,
        possible_bands=tuple(b.label for b in s.possible_bands),
        reason_not_scored=s.reason,
        unknowns=tuple(
            UnknownItem(item=c.label, questions=_questions(file, _reads(instrument, c.item)))
            for c in s.contributions
            if c.item in unknown
        ),
        red_flags_fired=tuple(f.label for f in s.red_flags if f.status == "fired"),
        red_flags_not_recorded=tuple(f.label for f in s.red_flags if f.status == "unknown"),
    )


def _shown(assessment: Assessment) -> tuple[ShownItem, ...]:
    # The library's answers in the form's words: a tri-state answer, or the victim's view.
    words = {p.value: a.value for a, p in ANSWERS.items()}
    words |= {fear.value: view.value for view, fear in VICTIM_VIEWS.items()}
    return tuple(
        ShownItem(label=f.label, kind=f.kind, answer=words.get(f.value, f.value))
        for f in assessment.shown_factors
    )


def _to_complete(
    file: HearingFile, instrument: Instrument, assessment: Assessment
) -> tuple[str, ...]:
    factors = {
        factor
        for s in assessment.scales
        for c in s.contributions
        if not c.known
        for factor in _reads(instrument, c.item)
    }
    factors |= {f.factor for s in assessment.scales for f in s.red_flags if f.status == "unknown"}
    factors |= {f.factor for f in assessment.shown_factors if not f.known}
    fields = {f for factor in factors for f in FACTOR_QUESTIONS.get(factor, ())}
    return tuple(FORM_LABELS[f] for f in FORM_LABELS if f in fields and _unanswered(file, f))


def _case(file: HearingFile) -> Case:
    try:
        return to_case(file)
    except ValidationError as exc:
        raise ScreeningError(INVALID_FILE, _problems(exc)) from exc
    except FormValueError as exc:
        problem = FieldProblem(
            field=exc.field, label=_label(exc.field), message="is not one of the form's answers"
        )
        raise ScreeningError(INVALID_FILE, [problem]) from exc


def screen(
    file: HearingFile,
    *,
    pin: InstrumentPin = PINNED_INSTRUMENT,
    created_at: dt.datetime | None = None,
) -> Screening:
    """Screen a hearing file with the pinned instrument.

    Parameters
    ----------
    file : HearingFile
        The hearing file.
    pin : InstrumentPin, default PINNED_INSTRUMENT
        The instrument to use; it is loaded and checked against the pin's sha256.
    created_at : datetime, optional
        The audit record's time stamp (time-zone aware; default now).

    Returns
    -------
    Screening

    Raises
    ------
    ScreeningError
        If the file breaks a rule (each problem names the question), or the installed
        instrument is not the pinned one, or it cannot be run on a hearing file.
    """
    scorer = _pinned_scorer(pin)
    case = _case(file)
    try:
        assessment = scorer.score(case)
    except StalkriskError as exc:
        raise ScreeningError(SCREEN_UNAVAILABLE.format(kind=type(exc).__name__)) from exc
    record = AssessmentRecord.from_assessment(assessment, case, created_at=created_at)
    ref = assessment.instrument
    return Screening(
        listing_ref=file.listing_ref,
        defendant_ref=file.defendant_ref,
        hearing=file.hearing.value,
        test_record=file.test_record,
        instrument=f"{ref.id} {ref.version}",
        instrument_sha256=ref.sha256,
        validation_status=ref.validation_status,
        validation_statement=ref.validation_statement,
        scales=tuple(_scale_view(file, scorer.instrument, s) for s in assessment.scales),
        beside_the_scores=_shown(assessment),
        questions_to_complete=_to_complete(file, scorer.instrument, assessment),
        notice=assessment.notice,
        record=record,
    )


def check_record(record_json: str, file: HearingFile) -> tuple[str, ...]:
    """Re-score a stored audit record's hearing file and list every difference.

    Parameters
    ----------
    record_json : str
        The stored ``Screening.record.to_json()``.
    file : HearingFile
        The hearing file as it is stored now.

    Returns
    -------
    tuple of str
        Empty when the record is intact and the file, re-scored, gives the same result.

    Raises
    ------
    ScreeningError
        If the file as stored now breaks a rule.
    """
    return tuple(str(d) for d in verify(record_json, _case(file)))
