"""Result objects: :class:`Assessment` and its parts. Immutable, and carry what produced them."""

from __future__ import annotations

import datetime as dt
import html
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from stalkrisk._internal.validation import plain_line, plain_text
from stalkrisk.bands import Band, Identifier
from stalkrisk.schemas._case import CaseId

__all__ = [
    "DECISION_SUPPORT_NOTICE",
    "LOCALLY_FITTED_STATEMENT",
    "Assessment",
    "Contribution",
    "HorizonResult",
    "InstrumentRef",
    "Override",
    "OverrideReason",
    "RedFlagResult",
    "ScaleResult",
    "ScaleRole",
    "ScaleStatus",
    "ShownFactorResult",
]

#: Shown with every result: the library supports a professional's judgement and decides nothing.
DECISION_SUPPORT_NOTICE = (
    "This assessment supports a professional's judgement; it is not a decision about bail, "
    "sentence or any person's liberty or safety."
)

#: Shown wherever a model's results are: its weights are fitted to a service's own outcomes
#: (``stalkrisk fit``) and are not validated until they are checked on other cases.
LOCALLY_FITTED_STATEMENT = (
    "Weights fitted to local outcome data; not validated until checked on other cases."
)


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def fmt_points(x: float) -> str:
    """Format points without a spurious decimal part (``2``, ``2.5``, ``5.45``).

    Examples
    --------
    >>> fmt_points(2.0), fmt_points(5.454545)
    ('2', '5.45')
    """
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


#: Text from an instrument file (a label, a title, a statement), as results carry it.
_Label = Annotated[str, Field(max_length=200), AfterValidator(plain_line)]
_Statement = Annotated[str, Field(max_length=4000), AfterValidator(plain_text)]
#: A factor's name, or the names of the factors an item combines (``a+b``).
_FactorNames = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_+]{0,2000}$")]


class InstrumentRef(_Result):
    """The exact instrument that produced a result.

    Its id, version and hash are checked against their patterns whenever a result is read
    (an audit record, say), so a record cannot carry text that would disguise what it is.
    """

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.+-]{1,64}$")]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    title: _Label
    validation_status: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")]
    validation_statement: _Statement
    citation: tuple[_Statement, ...] = ()
    """The instrument's sources, as its file cites them."""
    bundled: bool | None = None
    """Whether the instrument is one bundled with stalkrisk (the same content), or another
    (a service's own file). ``None`` in records made before this was recorded."""


class Contribution(_Result):
    """What one item contributed to one scale.

    ``points`` is ``None`` when the item is unknown; ``possible_points`` then gives the range
    it could have scored.
    """

    item: Identifier
    label: _Label
    factor: _FactorNames
    value: Annotated[str, Field(max_length=200), AfterValidator(plain_text)]
    """The factor's value in words: ``"present"``, ``"3"``, ``"at least 2"``, ``"unknown"``."""
    level: Annotated[str, Field(max_length=2000), AfterValidator(plain_text)] | None
    """The level that fired, or ``None`` when unknown."""
    points: float | None
    possible_points: tuple[float, float] | None
    """The least and most the item could score (``None`` when unbounded)."""
    note: Annotated[str, Field(max_length=2000), AfterValidator(plain_text)] | None = None
    """Why the item is unknown, when there is more to say than "not recorded"."""
    value_low: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The factor's value as data: the least it can be (``value`` says it in words). For a
    binary factor 0 is absent and 1 present; ``None`` when nothing is known."""
    value_high: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The most the factor's value can be; ``None`` when unbounded (or nothing is known)."""
    value_category: Annotated[str, Field(max_length=64)] | None = None
    """A category factor's value; ``None`` when unknown (or not a category factor)."""

    @property
    def known(self) -> bool:
        """True when the item was scored."""
        return self.points is not None


class RedFlagResult(_Result):
    """Whether a red flag fired: ``"fired"``, ``"not_fired"`` or ``"unknown"`` (not recorded)."""

    id: Identifier
    label: _Label
    factor: _FactorNames
    status: Literal["fired", "not_fired", "unknown"]
    minimum_band: Band


class ShownFactorResult(_Result):
    """A factor the instrument shows beside the scores and never scores, with its value."""

    id: Identifier
    label: _Label
    factor: _FactorNames
    kind: Literal["protective", "context"]
    """``protective``: may lower the risk, never subtracted; ``context``: informs judgement."""
    value: Annotated[str, Field(max_length=200), AfterValidator(plain_text)]
    """The value in words: ``"present"``, ``"absent"``, ``"unknown"``, a count or a category."""
    known: bool
    """False when the value is not recorded (or only partly)."""


class OverrideReason(StrEnum):
    """Why a professional overrode a computed band."""

    INFORMATION_NOT_CAPTURED = "information_not_captured"
    """Relevant information that the instrument does not capture."""
    IMMINENT_RISK_INDICATORS = "imminent_risk_indicators"
    """Signs that harm may be imminent."""
    PROTECTIVE_FACTORS = "protective_factors"
    """Protective factors that the instrument does not capture."""
    DATA_QUALITY = "data_quality"
    """The case data are incomplete, out of date or doubtful."""
    OTHER = "other"
    """Another reason, given in full in the text."""


#: A pseudonymous staff reference (same rules as a case id): never a name.
AssessorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class Override(_Result):
    """A professional's override of one scale's band, with the reason.

    The computed band is kept beside the final one, so a report and an audit record always
    show both.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    scale: Identifier
    computed_band: Band | None
    """The band the instrument computed (``None`` if the scale could not be scored)."""
    final_band: Band
    """The band the professional set."""
    reason_code: OverrideReason
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=10, max_length=2000),
        AfterValidator(plain_text),
    ]
    """The reasons, in the professional's words (no names or addresses)."""
    assessor: AssessorId
    """A pseudonymous staff reference for the professional."""


class HorizonResult(_Result):
    """A logistic scale's result at one horizon."""

    id: Identifier
    label: Annotated[str, Field(max_length=100), AfterValidator(plain_line)]
    constant: float
    log_odds: float
    """The scale's total plus this horizon's constant."""
    probability: float
    """1 / (1 + exp(-log_odds))."""
    percent: float
    """The probability as a percentage, rounded as the instrument says."""


class ScaleRole(StrEnum):
    """What a scale is about, so that reports order and word it without knowing its id.

    An instrument's scale declares its role (``role = "harm"``); a scale with no role is
    reported after the others, under its own title.
    """

    PERSISTENCE = "persistence"
    """The current episode of stalking continuing (or, where not told apart, recurring)."""
    RECURRENCE = "recurrence"
    """Stalking starting again after it has stopped, of the same victim or another."""
    HARM = "harm"
    """Serious physical or sexual violence."""
    REOFFENDING = "reoffending"
    """Proven reoffending of any kind (e.g. OGRS3)."""
    FAILURE_TO_APPEAR = "failure_to_appear"
    """Not appearing at court while a case is pending (e.g. the PSA's FTA scale)."""
    NEW_ARREST = "new_arrest"
    """A new arrest while a case is pending (e.g. the PSA's NCA scale)."""
    VIOLENT_ARREST = "violent_arrest"
    """A new arrest for violence while a case is pending (e.g. the PSA's NVCA flag)."""


class ScaleStatus(StrEnum):
    """Whether a scale could be scored under its missing-data rule."""

    SCORED = "scored"
    NOT_SCORED = "not_scored"


class ScaleResult(_Result):
    """One scale's result: total, band, every contribution, every unknown, every red flag."""

    scale: Identifier
    title: _Label
    status: ScaleStatus
    total: float | None
    """The total used for banding; ``None`` if not scored. With unknown items it is, under the
    ``known_only`` rule (as on ``stalkrisk-screen`` 2.0.0), the least the case is sure to score,
    and under ``prorate`` the pro-rated estimate."""
    known_points: float
    """The sum of the points of the known items."""
    prorated: bool
    """True when the total was pro-rated for unknown items."""
    total_range: tuple[float, float] | None
    """The lowest and highest totals possible if the unknown items were known (``None``:
    unbounded)."""
    score_band: Band | None
    """The band of the total alone."""
    band: Band | None
    """The computed band: the band of the total, raised by any red flag that fired."""
    band_floor: Band | None
    """The lowest band the fired red flags allow, whether or not the scale could be scored."""
    possible_bands: tuple[Band, ...]
    """Every band consistent with what is known."""
    next_band: Band | None
    """The band above the total's band, if any."""
    points_to_next_band: float | None
    """How many more points would reach ``next_band``."""
    contributions: tuple[Contribution, ...]
    unknown_items: tuple[str, ...]
    max_unknown: int
    """The most unknown items this scale tolerates."""
    red_flags: tuple[RedFlagResult, ...]
    reason: Annotated[str, Field(max_length=20_000), AfterValidator(plain_text)] | None
    """Why the scale was not scored, if it was not."""
    bands: tuple[Band, ...]
    """Every band of the scale, lowest first."""
    overrides: tuple[Override, ...] = ()
    """Professional overrides, oldest first; the last one sets :attr:`final_band`."""
    role: ScaleRole | None = None
    """What the scale is about (``None`` when the instrument does not say)."""
    kind: Literal["sum", "logistic"] = "sum"
    """``sum``: the total is points. ``logistic``: the total is log-odds, and the band is
    set by the percentage at the ``band_on`` horizon."""
    horizons: tuple[HorizonResult, ...] = ()
    """Logistic scales: the probability at each horizon."""
    band_on: str | None = None
    """Logistic scales: the horizon whose percentage is banded."""

    @model_validator(mode="after")
    def _each_entry_once(self) -> ScaleResult:
        """Refuse an item or red flag given twice: a copy could show another value as it."""
        items = [c.item for c in self.contributions]
        flags = [f.id for f in self.red_flags]
        if len(set(items)) != len(items) or len(set(flags)) != len(flags):
            raise ValueError("each item and each red flag appears once in a scale's result")
        return self

    @property
    def fired_red_flags(self) -> tuple[RedFlagResult, ...]:
        """The red flags that fired."""
        return tuple(f for f in self.red_flags if f.status == "fired")

    @property
    def override(self) -> Override | None:
        """The override in force, if any."""
        return self.overrides[-1] if self.overrides else None

    @property
    def final_band(self) -> Band | None:
        """The band after any professional override; otherwise the computed :attr:`band`."""
        return self.overrides[-1].final_band if self.overrides else self.band


class Assessment(_Result):
    """The result of scoring one case with one instrument.

    Equal inputs give equal assessments: the same case and instrument version always give the
    same totals, bands, contributions and explanation.

    Examples
    --------
    >>> import stalkrisk
    >>> case = stalkrisk.Case(case_id="DOC-3", assessment_date="2024-05-01")
    >>> a = stalkrisk.score(case)
    >>> a.scorable  # nothing is known about this case, so no scale can be scored
    False
    >>> a
    <Assessment DOC-3 stalkrisk-screen@2.0.0: persistence=not scored, recurrence=not scored, ...>
    """

    case_id: CaseId
    assessment_date: dt.date
    synthetic: bool
    schema_version: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}\.[0-9]{1,3}$")]
    instrument: InstrumentRef
    library_version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.+-]{1,64}$")]
    scales: tuple[ScaleResult, ...]
    input_kind: Literal["case", "answers"] = "case"
    """Whether the input was a :class:`~stalkrisk.Case` or direct item answers."""
    notice: _Statement = DECISION_SUPPORT_NOTICE
    shown_factors: tuple[ShownFactorResult, ...] = ()
    """The instrument's shown factors (protective factors, context), never scored."""

    @model_validator(mode="after")
    def _each_scale_once(self) -> Assessment:
        """Refuse a scale given twice: a copy could show another band under its name."""
        ids = [s.scale for s in self.scales]
        if len(set(ids)) != len(ids):
            raise ValueError("each scale appears once in an assessment")
        return self

    @property
    def scorable(self) -> bool:
        """True when every scale was scored."""
        return all(s.status is ScaleStatus.SCORED for s in self.scales)

    def scale(self, scale_id: str) -> ScaleResult:
        """Return the result of scale ``scale_id``."""
        for s in self.scales:
            if s.scale == scale_id:
                return s
        raise KeyError(f"this assessment has no scale {scale_id!r}")

    def with_override(
        self,
        scale: str,
        band: str,
        reason_code: OverrideReason | str,
        reason: str,
        assessor: str,
    ) -> Assessment:
        """Return a copy in which a professional has overridden ``scale``'s band.

        The computed band is kept; the override (band, reason code, reasons, assessor) is
        recorded beside it, and earlier overrides of the same scale are kept too.

        Parameters
        ----------
        scale : str
            The scale's id.
        band : str
            The id of the band the professional sets.
        reason_code : OverrideReason or str
            Why: one of :class:`OverrideReason`.
        reason : str
            The reasons in the professional's words (at least 10 characters; no names).
        assessor : str
            A pseudonymous staff reference.

        Raises
        ------
        KeyError
            If the scale or band does not exist.
        pydantic.ValidationError
            If the reason code is unknown, the reason is missing or too short, or the
            assessor reference is not pseudonymous.

        Examples
        --------
        >>> import stalkrisk
        >>> a = stalkrisk.score(stalkrisk.load_example("EX-03"))
        >>> b = a.with_override("serious_harm", "several", "information_not_captured",
        ...                     "Police report a new threat made yesterday.", "PO-117")
        >>> s = b.scale("serious_harm")
        >>> s.band.id, s.final_band.id, s.override.reason_code.value
        ('fewer', 'several', 'information_not_captured')
        >>> a.scale("serious_harm").final_band.id  # the original is unchanged
        'fewer'
        """
        target = self.scale(scale)
        chosen = next((b for b in target.bands if b.id == band), None)
        if chosen is None:
            ids = ", ".join(b.id for b in target.bands)
            raise KeyError(f"scale {scale!r} has no band {band!r}; its bands are {ids}")
        override = Override(
            scale=scale,
            computed_band=target.band,
            final_band=chosen,
            reason_code=reason_code,  # type: ignore[arg-type]  # validated by pydantic
            reason=reason,
            assessor=assessor,
        )
        updated = target.model_copy(update={"overrides": (*target.overrides, override)})
        scales = tuple(updated if s.scale == scale else s for s in self.scales)
        return self.model_copy(update={"scales": scales})

    def explain(self) -> str:
        """Explain in plain language why each scale has its band (:func:`stalkrisk.explain`)."""
        # explain builds on this module, so it is imported here to avoid an import cycle.
        from stalkrisk.explain import explain  # noqa: PLC0415

        return explain(self)

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{s.scale}={s.final_band.id if s.final_band else 'not scored'}"
            + (" (override)" if s.overrides else "")
            for s in self.scales
        )
        return (
            f"<Assessment {self.case_id} {self.instrument.id}@{self.instrument.version}: {parts}>"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(s.title)}</td><td>{e(s.band.label if s.band else 'not scored')}</td>"
            f"<td>{e(s.final_band.label if s.final_band else 'not scored')}</td>"
            f"<td>{e(fmt_points(s.total) if s.total is not None else '-')}</td>"
            f"<td>{len(s.unknown_items)}</td>"
            f"<td>{e(', '.join(f.label for f in s.fired_red_flags) or '-')}</td></tr>"
            for s in self.scales
        )
        overrides = "".join(
            f"<p>Override of {e(s.title)}: {e(o.final_band.label)} (computed: "
            f"{e(o.computed_band.label if o.computed_band else 'not scored')}); reason code "
            f"{e(o.reason_code.value)}; assessor {e(o.assessor)}. Reasons: {e(o.reason)}</p>"
            for s in self.scales
            for o in s.overrides
        )
        synthetic = " [SYNTHETIC: a fictional case]" if self.synthetic else ""
        return (
            f"<table><caption>Case {e(self.case_id)}{synthetic}: {e(self.instrument.title)} "
            f"{e(self.instrument.version)} (sha256 {e(self.instrument.sha256[:12])})</caption>"
            "<tr><th>Scale</th><th>Computed band</th><th>Final band</th><th>Total</th>"
            "<th>Unknown items</th>"
            f"<th>Red flags</th></tr>{rows}</table>{overrides}"
            f"<p><em>Validation: {e(self.instrument.validation_status)}. "
            f"{e(self.instrument.validation_statement)}</em></p>"
            f"<p><em>{e(self.notice)}</em></p>"
            "<p><small>Full report: <code>stalkrisk.report.render_report(assessment, "
            "context, format)</code>.</small></p>"
        )
