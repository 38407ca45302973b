"""The instrument format: a pydantic model of an instrument file, checked as it loads."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from stalkrisk._internal.canonical import canonical_json, legacy_sha256
from stalkrisk._internal.jsonschema import schema_document
from stalkrisk._internal.validation import plain_line, plain_text
from stalkrisk.assessment import ScaleRole
from stalkrisk.bands import BandSpec, Identifier
from stalkrisk.features import FACTORS, MAX_COUNT, FactorKind, FactorValue
from stalkrisk.instruments._describe import describe_instrument
from stalkrisk.schemas import Presence

__all__ = [
    "FORMAT",
    "Instrument",
    "Item",
    "Level",
    "MissingDataMethod",
    "MissingDataRule",
    "RedFlag",
    "Scale",
    "ShownFactor",
    "UnknownRedFlags",
    "Validation",
    "ValidationStatus",
    "instrument_json_schema",
]

#: The instrument format this version of the library reads.
FORMAT = "stalkrisk-instrument/1"

#: Numbers in an instrument file are JSON/TOML numbers: never booleans or text (``true`` is
#: not 1 point, ``"1_0"`` not 10), so pydantic's strict mode reads every one of them.
Points = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=-1000, le=1000)]
StrictNumber = Annotated[float, Strict()]
Text = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(plain_text)]
#: A label or title: one line, no control or direction-changing characters.
Label = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(plain_line)]
SemVer = Annotated[
    str,
    StringConstraints(
        max_length=64,
        pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$",
    ),
]
InstrumentId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
#: A factor's name (the registry's names are identifiers of at most 64 characters).
FactorName = Annotated[str, Field(max_length=64)]
#: A category of a factor or question, as an item or condition names it.
CategoryName = Annotated[str, Field(max_length=64)]
#: The most categories a level, condition or question lists.
MAX_CATEGORIES = 100
#: The categories a level or condition lists.
Categories = Annotated[list[CategoryName], Field(min_length=1, max_length=MAX_CATEGORIES)]
#: The most conditions in one ``any_of``, ``all_of`` or ``only_if``.
MAX_CONDITIONS = 100
#: The most items (or questions) in an instrument, and so on one scale.
MAX_ITEMS = 500
#: The largest whole-number bound of a level (a count answer is at most 10,000).
MAX_LEVEL_VALUE = 1_000_000_000
#: A bound of a question, or a condition's threshold (a number answer is at most 1e9 in size).
Bound = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=-1e9, le=1e9)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    """One level of an item: a range of factor values (or a set of categories) and its points.

    For binary and count factors give ``min`` and ``max`` (both inclusive; omit ``max`` for
    "and above"); for category factors give ``categories``.
    """

    min: Annotated[int, Strict(), Field(ge=0, le=MAX_LEVEL_VALUE)] | None = None
    """Smallest factor value in this level (inclusive)."""
    max: Annotated[int, Strict(), Field(ge=0, le=MAX_LEVEL_VALUE)] | None = None
    """Largest factor value in this level (inclusive); omit for no upper bound."""
    categories: Categories | None = None
    """Categories in this level (category factors)."""
    points: Points | None = None
    """Points scored at this level."""
    unscorable: (
        Annotated[str, Field(min_length=1, max_length=500), AfterValidator(plain_text)] | None
    ) = None
    """Instead of points: why the instrument cannot score values in this level. An item at
    such a level is unknown, with this reason shown."""

    @model_validator(mode="after")
    def _points_or_reason(self) -> Level:
        if (self.points is None) == (self.unscorable is None):
            raise ValueError("a level has exactly one of points or unscorable (a reason)")
        return self

    def label(self, kind: FactorKind) -> str:
        """Describe the level (``"absent"``, ``"1-2"``, ``"3+"``, ``"ex_intimate_partner"``)."""
        if self.categories is not None:
            return ", ".join(self.categories)
        low = self.min or 0
        if kind is FactorKind.BINARY:
            return {0: "absent", 1: "present"}[low] if low == self.max else "absent or present"
        if self.max is None:
            return f"{low}+"
        return str(low) if low == self.max else f"{low}-{self.max}"

    def holds(self, value: FactorValue) -> bool:
        """Whether every value consistent with ``value`` falls in this level."""
        if self.categories is not None:
            return value.category is not None and value.category in self.categories
        if value.low is None:
            return False
        above_min = value.low >= (self.min or 0)
        below_max = self.max is None or (value.high is not None and value.high <= self.max)
        return above_min and below_max

    def overlaps(self, value: FactorValue) -> bool:
        """Whether some value consistent with ``value`` falls in this level."""
        if self.categories is not None:
            return value.category is None or value.category in self.categories
        low = value.low or 0
        return (value.high is None or value.high >= (self.min or 0)) and (
            self.max is None or low <= self.max
        )


class Question(_Strict):
    """A question that an instrument asks directly, answered item by item from a checklist.

    Instruments whose items read questions are scored from answers
    (:meth:`stalkrisk.WeightedScorer.score_answers`), not from a :class:`~stalkrisk.Case`.
    """

    id: Identifier
    """Identifier, unique within the instrument and distinct from every factor's name."""
    label: Annotated[str, Field(min_length=1, max_length=300), AfterValidator(plain_line)]
    """The question as the practitioner sees it."""
    kind: FactorKind
    """``binary`` (present/absent), ``count`` (whole number from 0), ``number`` or ``category``."""
    categories: (
        Annotated[list[Identifier], Field(min_length=2, max_length=MAX_CATEGORIES)] | None
    ) = None
    """The possible answers of a category question."""
    help: Annotated[str, Field(max_length=2000), AfterValidator(plain_text)] = ""
    """Guidance on answering, in the instrument's words."""
    min: Bound | None = None
    """Count and number questions: the smallest answer accepted (inclusive)."""
    max: Bound | None = None
    """Count and number questions: the largest answer accepted (inclusive)."""


class Condition(_Strict):
    """A test on one factor or question, true, false or unknown (Kleene logic).

    ``min``/``max`` (inclusive) test a count or number; ``categories`` a category; with
    neither, a binary source is tested for "present".
    """

    factor: FactorName | None = None
    """A registered factor."""
    question: Identifier | None = None
    """One of the instrument's questions."""
    min: Annotated[float, Strict(), Field(allow_inf_nan=False)] | None = None
    """Smallest value for which the condition holds."""
    max: Annotated[float, Strict(), Field(allow_inf_nan=False)] | None = None
    """Largest value for which the condition holds."""
    categories: Categories | None = None
    """Categories for which the condition holds."""

    @model_validator(mode="after")
    def _one_source(self) -> Condition:
        if (self.factor is None) == (self.question is None):
            raise ValueError("a condition names exactly one of factor or question")
        if self.categories is not None and (self.min is not None or self.max is not None):
            raise ValueError("a condition tests either categories or min/max, not both")
        return self

    @property
    def source(self) -> str:
        """The factor or question tested."""
        return self.factor if self.factor is not None else str(self.question)

    def evaluate(self, value: FactorValue) -> Presence:
        """Return whether the condition holds for ``value``: present, absent or unknown."""
        if self.categories is not None:
            if value.category is None:
                return Presence.UNKNOWN
            return Presence.PRESENT if value.category in self.categories else Presence.ABSENT
        if value.low is None:
            return Presence.UNKNOWN
        low = self.min if self.min is not None or self.max is not None else 1
        high = self.max
        inside_low = low is None or value.low >= low
        inside_high = high is None or (value.high is not None and value.high <= high)
        if inside_low and inside_high:
            return Presence.PRESENT
        below = low is not None and value.high is not None and value.high < low
        above = high is not None and value.low > high
        return Presence.ABSENT if below or above else Presence.UNKNOWN


#: The conditions of an ``any_of``, ``all_of`` or ``only_if``.
Conditions = Annotated[list[Condition], Field(min_length=1, max_length=MAX_CONDITIONS)]


class Item(_Strict):
    """An instrument item: what it reads, the evidence for it, and how it scores.

    An item reads one ``factor`` (from a case) or one ``question`` (answered directly), or is
    a binary combination of conditions (``any_of`` / ``all_of``). It scores by ``levels``
    (points per range of values or per category) or, on logistic scales, by ``coefficient``
    times the value. ``only_if`` conditions gate it: when they do not hold the item scores 0 ("not
    applicable"). For binary sources, ``points = 2`` is shorthand for absent → 0, present → 2.
    """

    id: Identifier
    """Identifier, unique within the instrument."""
    factor: FactorName | None = None
    """The registered factor the item reads (see ``stalkrisk.FACTORS``)."""
    question: Identifier | None = None
    """The instrument question the item reads."""
    any_of: Conditions | None = None
    """Present when any condition holds (Kleene "or")."""
    all_of: Conditions | None = None
    """Present when every condition holds (Kleene "and")."""
    only_if: Conditions | None = None
    """Conditions that must all hold for the item to apply; otherwise it scores 0."""
    label: Label
    """Short label shown in explanations."""
    rationale: Text
    """Why the item is in the instrument, with its evidence."""
    levels: Annotated[list[Level], Field(min_length=1, max_length=100)] | None = None
    """Levels in ascending order of value."""
    coefficient: Points | None = None
    """Points per unit of the value (logistic scales: a log-odds coefficient)."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """Expand the ``points = N`` shorthand and write out ``min = 0``.

        Equivalent files then have the same canonical content, and so the same hash.
        """
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "points" in data and "levels" not in data:
            points = data.pop("points")
            data["levels"] = [
                {"min": 0, "max": 0, "points": 0},
                {"min": 1, "max": 1, "points": points},
            ]
        levels = data.get("levels")
        if isinstance(levels, list):
            data["levels"] = [
                {**lv, "min": 0}
                if isinstance(lv, dict) and "categories" not in lv and lv.get("min") is None
                else lv
                for lv in levels
            ]
        return data

    @model_validator(mode="after")
    def _shape(self) -> Item:
        sources = [self.factor, self.question, self.any_of, self.all_of]
        if sum(s is not None for s in sources) != 1:
            raise ValueError("an item reads exactly one of factor, question, any_of or all_of")
        if (self.levels is None) == (self.coefficient is None):
            raise ValueError("an item scores by exactly one of levels (or points) or coefficient")
        return self

    @property
    def source(self) -> str | None:
        """The factor or question read, or ``None`` for a combination of conditions."""
        return self.factor if self.factor is not None else self.question

    def level_for(self, value: FactorValue) -> Level | None:
        """Return the level holding every value consistent with ``value``, or ``None``."""
        held = [level for level in self.levels or [] if level.holds(value)]
        return held[0] if len(held) == 1 else None

    def possible_points(self, value: FactorValue) -> tuple[float, float] | None:
        """Return the least and greatest points possible given ``value``.

        ``None`` when the range is unbounded, or when every possible level is unscorable.
        """
        if self.coefficient is not None:
            if value.low is None or value.high is None:
                return None
            a, b = self.coefficient * value.low, self.coefficient * value.high
            return min(a, b), max(a, b)
        points = [
            level.points
            for level in self.levels or []
            if level.points is not None and level.overlaps(value)
        ]
        return (min(points), max(points)) if points else None

    @property
    def max_points(self) -> float:
        """The most points the item can score (levels only)."""
        return max((lv.points for lv in self.levels or [] if lv.points is not None), default=0.0)

    @property
    def min_points(self) -> float:
        """The fewest points the item can score (levels only)."""
        return min((lv.points for lv in self.levels or [] if lv.points is not None), default=0.0)


class RedFlag(_Strict):
    """A rule that raises a scale to at least ``minimum_band`` whatever its total."""

    id: Identifier
    """Identifier, unique within the scale."""
    factor: FactorName | None = None
    """The factor that triggers the flag."""
    question: Identifier | None = None
    """The instrument question that triggers the flag (instead of a factor)."""
    at_least: Annotated[int, Strict(), Field(ge=1, le=MAX_LEVEL_VALUE)] = 1
    """The flag fires when the factor's value is at least this (1: present)."""
    minimum_band: Identifier
    """The band the scale is raised to, at least."""
    label: Label
    """Short label shown in explanations."""
    rationale: Text
    """Why this factor overrides the total."""

    @model_validator(mode="after")
    def _one_source(self) -> RedFlag:
        if (self.factor is None) == (self.question is None):
            raise ValueError("a red flag names exactly one of factor or question")
        return self

    @property
    def source(self) -> str:
        """The factor or question that triggers the flag."""
        return self.factor if self.factor is not None else str(self.question)


class ShownFactor(_Strict):
    """A factor shown beside the scores and never scored: a protective factor, or context.

    Results list each one with its value (present, absent, unknown, a count or a category), so
    the practitioner sees it; no total changes because of it.
    """

    id: Identifier
    """Identifier, unique among the instrument's shown factors."""
    factor: FactorName | None = None
    """The registered factor shown."""
    question: Identifier | None = None
    """The instrument question shown (instead of a factor)."""
    kind: Literal["protective", "context"]
    """``protective``: may lower the risk (never subtracted); ``context``: informs judgement."""
    label: Label
    """Short label shown in explanations."""
    rationale: Text
    """Why it is shown and not scored, with its evidence."""

    @model_validator(mode="after")
    def _one_source(self) -> ShownFactor:
        if (self.factor is None) == (self.question is None):
            raise ValueError("a shown factor names exactly one of factor or question")
        return self

    @property
    def source(self) -> str:
        """The factor or question shown."""
        return self.factor if self.factor is not None else str(self.question)


class MissingDataMethod(StrEnum):
    """How a scale's total is formed when some of its items are unknown."""

    PRORATE = "prorate"
    """Scale the known points up by (max points of all items) / (max points of known items),
    kept within the range of totals that the unknown items still allow."""
    KNOWN_ONLY = "known_only"
    """Sum the known items, and the least that each partly known item is sure to score (an
    item whose value is known to lie in scoring levels); the total is then a lower bound and
    is reported as such."""


class UnknownRedFlags(StrEnum):
    """What a scale does when one of its red flags is unknown and none has fired."""

    ALLOWED = "allowed"
    """The scale is scored; the unknown flag is shown, and the bands it could raise the scale
    to are among the possible bands."""
    NOT_SCORED = "not_scored"
    """The scale is not scored: the unknown red flags are named as what to ask about. A flag
    that has fired still sets the band, whatever the other flags."""


class MissingDataRule(_Strict):
    """How many unknown items a scale tolerates, and how it forms a total with them."""

    max_unknown: Annotated[int, Strict(), Field(ge=0, le=MAX_ITEMS)]
    """The most unknown items with which the scale is still scored."""
    method: MissingDataMethod
    """How the total is formed when 1 to ``max_unknown`` items are unknown."""
    unknown_red_flags: UnknownRedFlags = UnknownRedFlags.ALLOWED
    """``not_scored``: while a red flag is unknown and none has fired, the scale is not
    scored (for a harm scale whose red flags are the facts most often missing early on)."""


class Horizon(_Strict):
    """A follow-up period of a logistic scale, with its own constant (intercept)."""

    id: Identifier
    """Identifier, e.g. ``"two_years"``."""
    label: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(plain_line)]
    """Label shown in reports, e.g. ``"2 years"``."""
    constant: Points
    """Added to the linear predictor for this horizon."""


class Scale(_Strict):
    """A scale: items summed to a total, cut into bands, with red flags.

    A ``sum`` scale (the default) bands its total of points. A ``logistic`` scale treats the
    points as log-odds: for each horizon, probability = 1 / (1 + exp(-(total + constant))),
    shown as a percentage (rounded half up to ``percent_decimals`` if given) and banded on the
    ``band_on`` horizon, with bands stated in percent.
    """

    id: Identifier
    """Identifier, unique within the instrument."""
    title: Label
    """Title shown in reports."""
    description: Text
    """What the scale is about."""
    items: Annotated[list[Identifier], Field(min_length=1, max_length=MAX_ITEMS)]
    """Ids of the items summed on this scale."""
    bands: Annotated[list[BandSpec], Field(min_length=1, max_length=20)]
    """Bands in ascending order, contiguous, covering every total."""
    red_flags: Annotated[list[RedFlag], Field(max_length=100)] = Field(default_factory=list)
    """Rules that set a minimum band."""
    missing: MissingDataRule
    """The missing-data rule (a logistic scale tolerates no unknown items)."""
    role: ScaleRole | None = None
    """What the scale is about (``persistence``, ``recurrence``, ``harm``, ``reoffending``,
    ``failure_to_appear``, ``new_arrest``, ``violent_arrest``): reports order and word scales
    by their role, so an instrument of your own gets the same report."""
    kind: Literal["sum", "logistic"] = "sum"
    """``sum`` of points, or ``logistic`` (points are log-odds)."""
    horizons: Annotated[list[Horizon], Field(max_length=20)] = Field(default_factory=list)
    """Logistic scales: the follow-up periods and their constants."""
    band_on: Identifier | None = None
    """Logistic scales: the horizon whose percentage is banded."""
    probability_decimals: Annotated[int, Strict(), Field(ge=1, le=12)] | None = None
    """Logistic scales: first round each probability half up to this many decimals."""
    percent_decimals: Annotated[int, Strict(), Field(ge=0, le=6)] | None = None
    """Logistic scales: round each percentage half up to this many decimals."""
    percent_range: tuple[StrictNumber, StrictNumber] | None = None
    """Logistic scales: keep each percentage within [low, high] (e.g. OGRS3's 1 to 99), with
    0 <= low < high <= 100."""

    def band_rank(self, band_id: str) -> int:
        """Return the position of ``band_id`` among the scale's bands."""
        return [b.id for b in self.bands].index(band_id)


class ValidationStatus(StrEnum):
    """How far an instrument's weights have been checked against outcomes."""

    ILLUSTRATIVE = "illustrative"
    """Weights chosen from the literature; not validated on outcomes."""
    PUBLISHED = "published"
    """A published instrument with its published weights, validated elsewhere."""
    LOCALLY_FITTED = "locally_fitted"
    """Weights fitted to this service's own outcome data, not yet checked on other cases."""
    LOCALLY_VALIDATED = "locally_validated"
    """Validated on this service's own outcome data."""


class Validation(_Strict):
    """The instrument's validation status and the statement every report must show."""

    status: ValidationStatus
    """How far the weights have been validated."""
    statement: Text
    """The caveat shown wherever the instrument's results are shown."""


_NAME_LIKE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def shown(name: object) -> str:
    """Quote a name from a file in a message, if it looks like a name: otherwise say so.

    A factor or category name (``'threats_to_kil'``, a typo) is repeated, so the author can
    find it; arbitrary text is not (it could be anything pasted into the file).

    Examples
    --------
    >>> shown("threats_to_kil"), shown("Jane Doe #7")
    ("'threats_to_kil'", 'a name that is not repeated (not lowercase letters, digits and _)')
    """
    if isinstance(name, str) and _NAME_LIKE.fullmatch(name):
        return repr(name)
    return "a name that is not repeated (not lowercase letters, digits and _)"


def _problem(loc: tuple[str | int, ...], kind: str, message: str) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)


class Instrument(_Strict):
    """A versioned points instrument, as read from a TOML or JSON file.

    An instrument is identified by ``id``, ``version`` and the sha256 of its canonical content
    (:attr:`sha256`), so a result can always be traced to the exact weights that produced it.

    Examples
    --------
    >>> from stalkrisk import load_instrument
    >>> screen = load_instrument("stalkrisk-screen")
    >>> screen.id, screen.version, screen.validation.status.value
    ('stalkrisk-screen', '2.0.0', 'illustrative')
    >>> [s.id for s in screen.scales]
    ['persistence', 'recurrence', 'serious_harm']
    """

    format: Literal["stalkrisk-instrument/1"]
    """The instrument format, ``"stalkrisk-instrument/1"``."""
    id: InstrumentId
    """Identifier, e.g. ``"stalkrisk-screen"``."""
    version: SemVer
    """Semantic version of this instrument's content."""
    title: Label
    """Title shown in reports."""
    description: Text
    """What the instrument is for, and for whom."""
    citation: Annotated[list[Text], Field(min_length=1, max_length=50)]
    """Sources: where the instrument, or the evidence for its items, comes from."""
    validation: Validation
    """Validation status and caveat."""
    questions: Annotated[list[Question], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    """Questions asked directly (for instruments scored from answers)."""
    items: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    """The items."""
    scales: Annotated[list[Scale], Field(min_length=1, max_length=20)]
    """The scales."""
    shown_factors: Annotated[list[ShownFactor], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    """Factors shown beside the scores and never scored (protective factors, context)."""

    @model_validator(mode="after")
    def _coherent(self) -> Instrument:
        errors: list[InitErrorDetails] = []
        add = errors.append
        questions = _duplicates(self.questions, ("questions",), "question", add)
        for q, question in enumerate(self.questions):
            _check_question(question, ("questions", q), add)
        item_ids = _duplicates(self.items, ("items",), "item", add)
        for i, item in enumerate(self.items):
            _check_item(item, ("items", i), add, questions)
        _duplicates(self.shown_factors, ("shown_factors",), "shown factor", add)
        for k, info in enumerate(self.shown_factors):
            _check_source(info, ("shown_factors", k), add, questions)
        _duplicates(self.scales, ("scales",), "scale", add)
        for s, scale in enumerate(self.scales):
            where: tuple[str | int, ...] = ("scales", s)
            seen: set[str] = set()
            for j, ref in enumerate(scale.items):
                if ref not in item_ids:
                    add(
                        _problem(
                            (*where, "items", j),
                            "unknown_item",
                            f"no item has the id {ref!r}; define it under [[items]]",
                        )
                    )
                if ref in seen:
                    add(
                        _problem(
                            (*where, "items", j),
                            "duplicate_id",
                            f"item {ref!r} is listed twice on this scale",
                        )
                    )
                seen.add(ref)
            band_ids = _duplicates(scale.bands, (*where, "bands"), "band", add)
            _check_bands(scale, where, add)
            _duplicates(scale.red_flags, (*where, "red_flags"), "red flag", add)
            for k, flag in enumerate(scale.red_flags):
                _check_source(flag, (*where, "red_flags", k), add, questions)
                if flag.minimum_band not in band_ids:
                    add(
                        _problem(
                            (*where, "red_flags", k, "minimum_band"),
                            "unknown_band",
                            f"no band of this scale has the id {flag.minimum_band!r}",
                        )
                    )
            if scale.missing.method is MissingDataMethod.PRORATE:
                negative = [r for r in scale.items if r in item_ids and item_ids[r].min_points < 0]
                if negative:
                    add(
                        _problem(
                            (*where, "missing", "method"),
                            "prorate_negative",
                            "pro-rating needs items with no negative points; "
                            f"these have some: {', '.join(negative)}",
                        )
                    )
            _check_scale_kind(scale, where, add, item_ids)
            if scale.missing.max_unknown > len(scale.items):
                add(
                    _problem(
                        (*where, "missing", "max_unknown"),
                        "out_of_range",
                        f"max_unknown is more than the scale's {len(scale.items)} items",
                    )
                )
        if errors:
            raise ValidationError.from_exception_data("Instrument", errors)
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Return a copy (see pydantic); its content hash is computed afresh, never copied.

        ``update`` is not validated (as in pydantic): load an edited instrument through
        :func:`stalkrisk.instrument_from_data` to have it checked.
        """
        copy = super().model_copy(update=update, deep=deep)
        for cached in ("canonical_json", "sha256", "legacy_sha256"):
            copy.__dict__.pop(cached, None)
        return copy

    @cached_property
    def canonical_json(self) -> str:
        """The canonical JSON of the validated instrument (RFC 8785).

        Fields at their default values are left out, so that an optional field added to the
        format later does not change existing hashes; the rest is canonicalised by RFC 8785
        (JCS), so any language recomputes the same hash from the same content.
        """
        return canonical_json(self.model_dump(mode="json", exclude_defaults=True))

    @cached_property
    def sha256(self) -> str:
        """The sha256 of :attr:`canonical_json`, as hex."""
        return hashlib.sha256(self.canonical_json.encode("utf-8")).hexdigest()

    @cached_property
    def legacy_sha256(self) -> str:
        """The instrument's hash as record format 1 wrote it (before RFC 8785).

        Only :func:`stalkrisk.verify` uses it, to check records written in that format.
        """
        content = self.model_dump(mode="json", exclude_defaults=True)
        for scale in content["scales"]:
            scale.pop("role", None)  # added to the format after record format 1
        return legacy_sha256(content)

    @property
    def reference(self) -> str:
        """``id@version#sha256:<first 12 hex digits>``, for logs and reports."""
        return f"{self.id}@{self.version}#sha256:{self.sha256[:12]}"

    def source_kind(self, source: str) -> tuple[FactorKind, tuple[str, ...]]:
        """Return the kind and categories of a factor or question named ``source``."""
        for q in self.questions:
            if q.id == source:
                return q.kind, tuple(q.categories or ())
        factor = FACTORS[source]
        return factor.kind, factor.categories

    def item_kind(self, item: Item) -> FactorKind:
        """Return the kind of value an item reads (binary for combinations)."""
        return FactorKind.BINARY if item.source is None else self.source_kind(item.source)[0]

    @property
    def factors(self) -> tuple[str, ...]:
        """The registered factors the instrument reads, sorted."""
        names: set[str] = set()
        for item in self.items:
            conditions = [*(item.any_of or []), *(item.all_of or []), *(item.only_if or [])]
            names.update(c.factor for c in conditions if c.factor is not None)
            if item.factor is not None:
                names.add(item.factor)
        names.update(f.factor for s in self.scales for f in s.red_flags if f.factor is not None)
        names.update(f.factor for f in self.shown_factors if f.factor is not None)
        return tuple(sorted(names))

    @property
    def answers_only(self) -> bool:
        """True when the instrument reads questions, so it is scored from answers only."""
        return bool(self.questions)

    def item(self, item_id: str) -> Item:
        """Return the item with id ``item_id``."""
        return next(i for i in self.items if i.id == item_id)

    def scale(self, scale_id: str) -> Scale:
        """Return the scale with id ``scale_id``."""
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(f"instrument {self.id!r} has no scale {scale_id!r}")

    def describe(self) -> str:
        """Return the instrument in words, as ``stalkrisk instruments show`` prints it.

        Its id, version, sha256 and validation status; each question; each scale with its
        items (the factor or question read, and the points of each level), bands, red flags
        and missing-data rule; and its sources.

        Examples
        --------
        >>> from stalkrisk import load_instrument
        >>> text = load_instrument("psa").describe()
        >>> print(text.splitlines()[0])
        Public Safety Assessment (PSA) 1.0.0  (psa)
        >>> "Missing data: up to" in text
        True
        """
        return describe_instrument(self)


def _duplicates(
    entries: list[Any], where: tuple[str | int, ...], what: str, add: Any
) -> dict[str, Any]:
    by_id: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        if entry.id in by_id:
            add(
                _problem(
                    (*where, i, "id"),
                    "duplicate_id",
                    f"another {what} already has the id {entry.id!r}; ids must be unique",
                )
            )
        by_id.setdefault(entry.id, entry)
    return by_id


Where = tuple[str | int, ...]


class _Named(NamedTuple):
    name: str
    kind: FactorKind
    categories: tuple[str, ...]


def _check_question(question: Question, where: Where, add: Any) -> None:
    if question.id in FACTORS:
        add(
            _problem(
                (*where, "id"),
                "duplicate_id",
                f"{question.id!r} is the name of a factor; give the question another id",
            )
        )
    if (question.kind is FactorKind.CATEGORY) != (question.categories is not None):
        add(
            _problem(
                (*where, "categories"),
                "question_shape",
                "a category question lists its categories, and only a category question does",
            )
        )
    bounds = [(key, getattr(question, key)) for key in ("min", "max")]
    bounds = [(key, value) for key, value in bounds if value is not None]
    if bounds and question.kind not in (FactorKind.COUNT, FactorKind.NUMBER):
        add(
            _problem(
                (*where, bounds[0][0]),
                "question_shape",
                "min and max bound the answers of a count or number question only",
            )
        )
        return
    if question.kind is FactorKind.COUNT:
        for key, value in bounds:
            if not (float(value).is_integer() and 0 <= value <= MAX_COUNT):
                add(
                    _problem(
                        (*where, key),
                        "question_shape",
                        f"a count question's {key} is a whole number from 0 to {MAX_COUNT}",
                    )
                )
    if question.min is not None and question.max is not None and question.min > question.max:
        add(_problem((*where, "max"), "question_shape", "max is below min"))


def _resolve(
    source: Item | Condition | RedFlag | ShownFactor,
    where: Where,
    add: Any,
    questions: dict[str, Any],
) -> tuple[str, FactorKind, tuple[str, ...]] | None:
    """Return (name, kind, categories) of what ``source`` reads, or report why it cannot."""
    if source.factor is not None:
        factor = FACTORS.get(source.factor)
        if factor is None:
            add(
                _problem(
                    (*where, "factor"),
                    "unknown_factor",
                    f"no factor is named {shown(source.factor)}; see `stalkrisk factors` or "
                    "stalkrisk.FACTORS",
                )
            )
            return None
        return factor.name, factor.kind, factor.categories
    question = questions.get(str(source.question))
    if question is None:
        add(
            _problem(
                (*where, "question"),
                "unknown_question",
                f"no question has the id {source.question!r}; define it under [[questions]]",
            )
        )
        return None
    return question.id, question.kind, tuple(question.categories or ())


def _check_source(
    source: Condition | RedFlag | ShownFactor, where: Where, add: Any, questions: dict[str, Any]
) -> None:
    resolved = _resolve(source, where, add, questions)
    if resolved is None or not isinstance(source, Condition):
        return
    name, kind, categories = resolved
    if source.categories is not None:
        if kind is not FactorKind.CATEGORY:
            add(
                _problem(
                    (*where, "categories"),
                    "condition_shape",
                    f"{name!r} is {kind.value}: test it with min/max, not categories",
                )
            )
        for cat in source.categories:
            if kind is FactorKind.CATEGORY and cat not in categories:
                add(
                    _problem(
                        (*where, "categories"),
                        "unknown_category",
                        f"{shown(cat)} is not a category of {name!r}",
                    )
                )
    elif kind is FactorKind.CATEGORY:
        add(
            _problem(
                (*where,), "condition_shape", f"{name!r} is a category: test it with categories"
            )
        )


def _check_item(item: Item, where: Where, add: Any, questions: dict[str, Any]) -> None:
    for key in ("any_of", "all_of", "only_if"):
        for k, condition in enumerate(getattr(item, key) or []):
            _check_source(condition, (*where, key, k), add, questions)
    if item.source is None:
        name, kind = item.id, FactorKind.BINARY
        categories: tuple[str, ...] = ()
    else:
        resolved = _resolve(item, where, add, questions)
        if resolved is None:
            return
        name, kind, categories = resolved
    if item.coefficient is not None:
        if kind not in (FactorKind.COUNT, FactorKind.NUMBER):
            add(
                _problem(
                    (*where, "coefficient"),
                    "item_shape",
                    f"{name!r} is {kind.value}: a coefficient multiplies a count or number; "
                    "use levels",
                )
            )
        return
    if kind is FactorKind.NUMBER:
        add(
            _problem(
                (*where, "levels"),
                "item_shape",
                f"{name!r} is a number: score it with a coefficient, or test it in a condition",
            )
        )
        return
    levels = item.levels or []
    factor = _Named(name, kind, categories)
    if factor.kind is FactorKind.CATEGORY:
        covered: list[str] = []
        for j, level in enumerate(levels):
            if level.categories is None or level.min is not None or level.max is not None:
                add(
                    _problem(
                        (*where, "levels", j),
                        "level_shape",
                        f"factor {factor.name!r} is a category factor: give `categories` "
                        "(and no min or max)",
                    )
                )
                continue
            for cat in level.categories:
                if cat not in factor.categories:
                    add(
                        _problem(
                            (*where, "levels", j, "categories"),
                            "unknown_category",
                            f"{shown(cat)} is not a category of {factor.name!r}; expected one "
                            f"of {', '.join(factor.categories)}",
                        )
                    )
                elif cat in covered:
                    add(
                        _problem(
                            (*where, "levels", j, "categories"),
                            "levels_overlap",
                            f"category {shown(cat)} appears in more than one level",
                        )
                    )
                covered.append(cat)
        missing = [c for c in factor.categories if c not in covered]
        if missing:
            add(
                _problem(
                    (*where, "levels"),
                    "levels_gap",
                    f"the levels do not cover the categories {', '.join(missing)}",
                )
            )
        return
    expected: int | None = 0
    for j, level in enumerate(levels):
        if level.categories is not None:
            add(
                _problem(
                    (*where, "levels", j),
                    "level_shape",
                    f"factor {factor.name!r} is {factor.kind.value}: give min and max, "
                    "not categories",
                )
            )
            return
        low = level.min or 0
        if expected is None:
            add(
                _problem(
                    (*where, "levels", j),
                    "levels_overlap",
                    "this level follows one with no upper bound",
                )
            )
            return
        if low > expected:
            gap = str(expected) if low - 1 == expected else f"s {expected} to {low - 1} are"
            add(
                _problem(
                    (*where, "levels", j, "min"),
                    "levels_gap",
                    f"levels must be contiguous: this level starts at {low} but the value"
                    f"{' ' + gap + ' is' if low - 1 == expected else gap} not covered",
                )
            )
            return
        if low < expected:
            top = expected - 1
            dup = f" {low} is" if low == top else f"s {low} to {top} are"
            add(
                _problem(
                    (*where, "levels", j, "min"),
                    "levels_overlap",
                    f"levels must be contiguous: this level starts at {low} but the value"
                    f"{dup} already covered",
                )
            )
            return
        if level.max is not None and level.max < low:
            add(
                _problem(
                    (*where, "levels", j, "max"),
                    "level_shape",
                    f"max ({level.max}) is below min ({low})",
                )
            )
            return
        expected = None if level.max is None else level.max + 1
    if factor.kind is FactorKind.BINARY:
        if expected != 2:
            add(
                _problem(
                    (*where, "levels"),
                    "levels_gap",
                    "a binary factor's levels must cover exactly 0 (absent) and 1 (present)",
                )
            )
    elif expected is not None:
        add(
            _problem(
                (*where, "levels", len(levels) - 1, "max"),
                "levels_gap",
                f"values above {expected - 1} are not covered; omit max on the last level",
            )
        )


def _check_scale_kind(scale: Scale, where: Where, add: Any, items: dict[str, Item]) -> None:
    on_scale = [items[i] for i in scale.items if i in items]
    if scale.kind == "sum":
        for field in (
            "horizons",
            "band_on",
            "probability_decimals",
            "percent_decimals",
            "percent_range",
        ):
            if getattr(scale, field):
                add(
                    _problem(
                        (*where, field),
                        "scale_shape",
                        f'{field} applies only to logistic scales (kind = "logistic")',
                    )
                )
        for item in on_scale:
            if item.coefficient is not None:
                add(
                    _problem(
                        (*where, "items"),
                        "scale_shape",
                        f"item {item.id!r} scores by coefficient, which only a logistic "
                        "scale can use; give it levels",
                    )
                )
        return
    if not scale.horizons:
        add(
            _problem(
                (*where, "horizons"),
                "scale_shape",
                "a logistic scale needs at least one horizon (with its constant)",
            )
        )
    horizon_ids = _duplicates(scale.horizons, (*where, "horizons"), "horizon", add)
    if scale.band_on is None and len(scale.horizons) > 1:
        add(
            _problem(
                (*where, "band_on"),
                "scale_shape",
                "with several horizons, band_on names the one whose percentage is banded",
            )
        )
    if scale.band_on is not None and scale.band_on not in horizon_ids:
        add(
            _problem(
                (*where, "band_on"),
                "unknown_horizon",
                f"no horizon of this scale has the id {scale.band_on!r}",
            )
        )
    if scale.missing.max_unknown != 0:
        add(
            _problem(
                (*where, "missing", "max_unknown"),
                "scale_shape",
                "a logistic scale cannot be scored with unknown items: set max_unknown = 0",
            )
        )
    if scale.percent_range is not None:
        low, high = scale.percent_range
        if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high <= 100):
            add(
                _problem(
                    (*where, "percent_range"),
                    "scale_shape",
                    "percent_range is [low, high] with 0 <= low < high <= 100 (finite percentages)",
                )
            )


def _check_bands(scale: Scale, where: tuple[str | int, ...], add: Any) -> None:
    bands = scale.bands
    loc = (*where, "bands")
    if bands[-1].max is not None:
        add(
            _problem(
                (*loc, len(bands) - 1, "max"),
                "bands_gap",
                "the last band must have no max, so that every total has a band",
            )
        )
    for i in range(len(bands) - 1):
        this, nxt = bands[i], bands[i + 1]
        if this.max is None:
            add(
                _problem(
                    (*loc, i, "max"),
                    "bands_overlap",
                    f"band {this.id!r} has no max but is followed by {nxt.id!r}",
                )
            )
        elif nxt.min is None:
            add(
                _problem(
                    (*loc, i + 1, "min"),
                    "bands_overlap",
                    f"band {nxt.id!r} needs a min (only the first band may omit it)",
                )
            )
        elif this.max != nxt.min:
            kind = "bands_gap" if this.max < nxt.min else "bands_overlap"
            add(
                _problem(
                    (*loc, i + 1, "min"),
                    kind,
                    f"bands must be contiguous: {this.id!r} ends at {_num(this.max)} but "
                    f"{nxt.id!r} starts at {_num(nxt.min)}",
                )
            )
    for i, band in enumerate(bands):
        if band.min is not None and band.max is not None and band.max <= band.min:
            add(_problem((*loc, i), "bands_order", f"band {band.id!r} has max <= min"))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def instrument_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of an instrument file (:class:`Instrument`).

    Published as ``docs/instrument-schema.json`` and printed by ``stalkrisk schema
    instrument``. The schema checks each field; the rules between fields (an item's scale
    exists, bands cover every total, ...) are checked when the file is loaded.

    Examples
    --------
    >>> instrument_json_schema()["$id"]
    'https://stalkrisk.invalid/schema/instrument-1.json'
    """
    return schema_document(Instrument, "instrument-" + FORMAT.rsplit("/", 1)[1])
