"""The :class:`Case`: everything the library knows about one stalking case."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from stalkrisk._internal.jsonschema import schema_document, schema_text

from ._base import MAX_LIST, Date, DocumentModel, Flag, Loc, raise_problems
from ._episode import StalkingEpisode
from ._history import CriminalHistory
from ._offence import CurrentOffence
from ._perpetrator import Perpetrator
from ._practice import MAY_BE_LATER, ConditionsInformation, FactPath, FactSource, MultiAgencyStatus
from ._relationship import Relationship
from ._victim import VictimSituation

__all__ = ["SCHEMA_VERSION", "Case", "CaseId", "case_json_schema"]

#: The version of the case schema. A case file states the version it was written for.
SCHEMA_VERSION: Final = "1.0"

_CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


def _check_case_id(value: str) -> str:
    if not re.fullmatch(_CASE_ID_PATTERN, value):
        raise PydanticCustomError(
            "case_id_format",
            "case_id must be a pseudonymous reference of 1 to 64 letters, digits or . _ : - "
            "(starting with a letter or digit, no spaces); never a name or anything derived "
            "from one",
        )
    return value


#: A pseudonymous case reference: letters, digits and ``. _ : -``, at most 64 characters, no
#: spaces. It must not be derived from a name, address or date of birth.
CaseId = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_check_case_id),
    WithJsonSchema({"type": "string", "pattern": _CASE_ID_PATTERN, "maxLength": 64}),
]

#: Allowed gap, in years, between a conviction's recorded age and the age its date implies.
#: Both ages are whole years (each may be up to a year below the exact age), so a gap of up to
#: a year is expected; half a year more absorbs leap days and rounding.
_AGE_TOLERANCE_YEARS = 1.5


def _may_hold_date(annotation: object) -> bool:
    """Return whether a field of this type can hold a date, directly or anywhere inside.

    A date marked :data:`~stalkrisk.schemas._practice.MAY_BE_LATER` (an order's expiry) is not
    an event, so it may lie after the assessment date: it is not visited.
    """
    args = get_args(annotation)
    if MAY_BE_LATER in args:
        return False
    if isinstance(annotation, type):
        if issubclass(annotation, dt.date):
            return True
        if issubclass(annotation, BaseModel):
            return bool(_date_fields(annotation))
    return any(_may_hold_date(arg) for arg in args)


@cache
def _date_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Return the fields of ``model`` that can hold a date (worked out once per class)."""
    return tuple(
        name for name, info in model.model_fields.items() if _may_hold_date(info.annotation)
    )


def _iter_dates(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, dt.date]]:
    """Yield ``(location, date)`` for every date anywhere inside ``model``.

    Only the fields whose type can hold a date are visited (most of a case is tri-state
    answers), which keeps this rule from dominating the cost of validating a case.
    """
    for name in _date_fields(type(model)):
        yield from _iter_value(getattr(model, name), (*loc, name))


def _latest_date(model: BaseModel) -> dt.date:
    """Return the latest date anywhere inside ``model`` (``date.min`` if there is none).

    Run on every case validated, so it reads the field values straight from each model's
    ``__dict__`` (where pydantic keeps them) and visits only the fields that can hold a date.
    """
    latest = dt.date.min
    stack: list[BaseModel] = [model]
    while stack:
        part = stack.pop()
        values = part.__dict__
        for name in _date_fields(type(part)):
            value = values[name]
            if value is None:
                continue
            items = (
                value
                if type(value) is list
                else value.values()
                if type(value) is dict
                else (value,)
            )
            for item in items:
                if isinstance(item, BaseModel):
                    stack.append(item)
                elif item > latest:  # a date: the only other thing these fields hold
                    latest = item
    return latest


def _iter_value(value: object, loc: Loc) -> Iterator[tuple[Loc, dt.date]]:
    if isinstance(value, dt.date):
        yield loc, value
    elif isinstance(value, BaseModel):
        yield from _iter_dates(value, loc)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _iter_value(item, (*loc, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _iter_value(item, (*loc, key))


_STEP = re.compile(r"([a-z_]+)|\[([0-9]+)\]")


def _resolves(model: BaseModel, path: str) -> bool:
    """Return whether ``path`` (``a.b[0].c``) names a field, or a list entry, inside ``model``."""
    node: object = model
    for name, index in _STEP.findall(path):
        if name:
            if not isinstance(node, BaseModel) or name not in type(node).model_fields:
                return False
            node = getattr(node, name)
        else:
            if not isinstance(node, list) or int(index) >= len(node):
                return False
            node = node[int(index)]
    return True


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Case(DocumentModel):
    """One stalking case, as known at the assessment date.

    Every part defaults to "not known", so a case can be built from whatever is recorded; the
    instrument's missing-data rule then decides whether it can be scored. The case carries a
    pseudonymous ``case_id`` and no field for a name, address or free-text identity.

    Cross-field rules: no date may fall after ``assessment_date``; ages at conviction and at
    first conviction cannot exceed the perpetrator's age, and must agree (within a year) with
    the conviction's date; counts must agree with the lists they summarise.

    Examples
    --------
    >>> case = Case(
    ...     case_id="EX-0001",
    ...     assessment_date="2024-05-01",
    ...     perpetrator={"age": 44, "sex": "male"},
    ...     episode={"threats": {"to_kill": "present"}},
    ... )
    >>> case.episode.threats.to_kill.value
    'present'
    >>> case.history.convictions is None  # not recorded, which is not the same as none
    True
    >>> Case(case_id="EX-0002", assessment_date="2024-05-01",
    ...      episode={"start_date": "2024-06-01"})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Case
    episode.start_date
      episode.start_date is after assessment_date; ... [type=date_after_assessment]
    """

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    """The case-schema version this case was written for."""
    case_id: CaseId
    """A pseudonymous reference, never a name or anything derived from one."""
    assessment_date: Date
    """The date the assessment refers to; nothing in the case may be dated after it."""
    synthetic: Flag = False
    """True for generated or fictional cases, which must never be mistaken for real ones."""
    perpetrator: Perpetrator = Perpetrator()
    """The person who stalks (group D)."""
    history: CriminalHistory = CriminalHistory()
    """Criminal history (group A)."""
    episode: StalkingEpisode = StalkingEpisode()
    """The current stalking episode (group B)."""
    relationship: Relationship = Relationship()
    """Relationship and domestic-abuse context (group C)."""
    victim: VictimSituation = VictimSituation()
    """The victim's situation (group E)."""
    current_offence: CurrentOffence = CurrentOffence()
    """The current offence, for instruments that need it (OGRS3)."""
    multi_agency: MultiAgencyStatus = MultiAgencyStatus()
    """MARAC, MAPPA, an advocate and the safeguarding checks (never scored)."""
    conditions: ConditionsInformation = ConditionsInformation()
    """Information relevant to conditions of bail and to orders (never scored)."""
    sources: Annotated[dict[FactPath, FactSource], Field(max_length=MAX_LIST)] | None = None
    """Where facts came from, by the fact's field path (``episode.threats.to_kill``,
    ``history.convictions[0]``). Never scored; reports show it, and at bail a fact that no
    court has found and nothing corroborates reads as alleged."""

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Case:
        problems: list[tuple[Loc, str, str]] = []
        problems += self._source_paths()
        late = _latest_date(self) > self.assessment_date  # quick; locations only when needed
        for loc, when in _iter_dates(self) if late else ():
            if loc != ("assessment_date",) and when > self.assessment_date:
                problems.append(
                    (
                        loc,
                        "date_after_assessment",
                        f"{_dotted(loc)} is after assessment_date; no event can be dated after "
                        "the assessment",
                    )
                )
        age = self.perpetrator.age
        if age is not None:
            first = self.history.age_at_first_conviction
            if first is not None and first > age:
                problems.append(
                    (
                        ("history", "age_at_first_conviction"),
                        "age_inconsistent",
                        "history.age_at_first_conviction is greater than perpetrator.age",
                    )
                )
            for i, conviction in enumerate(self.history.convictions or []):
                where = ("history", "convictions", i, "age")
                if conviction.age is None:
                    continue
                if conviction.age > age:
                    problems.append(
                        (
                            where,
                            "age_inconsistent",
                            f"history.convictions[{i}].age is greater than perpetrator.age",
                        )
                    )
                elif conviction.date is not None and conviction.date <= self.assessment_date:
                    years_ago = (self.assessment_date - conviction.date).days / 365.25
                    if abs(conviction.age - (age - years_ago)) > _AGE_TOLERANCE_YEARS:
                        problems.append(
                            (
                                where,
                                "age_inconsistent",
                                f"history.convictions[{i}].age disagrees with its date and "
                                "perpetrator.age by more than a year; correct the age or "
                                "the date",
                            )
                        )
        problems += self._sanction_rules()
        raise_problems("Case", problems)
        return self

    def _source_paths(self) -> list[tuple[Loc, str, str]]:
        """Every key of ``sources`` names a fact of this case (never echoed: keys may be data)."""
        problems: list[tuple[Loc, str, str]] = []
        for i, path in enumerate(sorted(self.sources or ())):
            if path in ("case_id", "assessment_date", "synthetic", "schema_version"):
                reason = "names a field that is not a fact (case_id, dates of the assessment)"
            elif path.startswith(("sources", "multi_agency", "conditions")):
                reason = "names a field that is not a risk fact (sources, multi-agency, conditions)"
            elif not _resolves(self, path):
                reason = "names no field of this case (or a list entry it does not have)"
            else:
                continue
            problems.append(
                (
                    ("sources",),
                    "unknown_fact_path",
                    f"sources: key {i + 1} (in sorted order) {reason}; keys are field paths "
                    "such as episode.threats.to_kill or history.convictions[0]",
                )
            )
        return problems

    def _sanction_rules(self) -> list[tuple[Loc, str, str]]:
        """Ages of the current offence and the first sanction agree with each other."""
        problems: list[tuple[Loc, str, str]] = []
        offence, history, age = self.current_offence, self.history, self.perpetrator.age
        current = offence.age_at_conviction
        first = history.age_at_first_sanction
        if current is not None and age is not None and current > age:
            problems.append(
                (
                    ("current_offence", "age_at_conviction"),
                    "age_inconsistent",
                    "current_offence.age_at_conviction is greater than perpetrator.age",
                )
            )
        if first is not None and current is not None:
            if first > current:
                problems.append(
                    (
                        ("history", "age_at_first_sanction"),
                        "age_inconsistent",
                        "history.age_at_first_sanction is greater than "
                        "current_offence.age_at_conviction; the first sanction cannot come "
                        "after the current one",
                    )
                )
            elif history.previous_sanctions == 0 and first != current:
                problems.append(
                    (
                        ("history", "age_at_first_sanction"),
                        "age_inconsistent",
                        "history.previous_sanctions is 0, so the current sanction is the first: "
                        "age_at_first_sanction must equal current_offence.age_at_conviction",
                    )
                )
        elif first is not None and age is not None and first > age:
            problems.append(
                (
                    ("history", "age_at_first_sanction"),
                    "age_inconsistent",
                    "history.age_at_first_sanction is greater than perpetrator.age",
                )
            )
        return problems


def case_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of :class:`Case`.

    Examples
    --------
    >>> schema = case_json_schema()
    >>> schema["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> "case_id" in schema["required"]
    True
    """
    return schema_document(Case, f"case-{SCHEMA_VERSION}")


def case_json_schema_text() -> str:
    """Return :func:`case_json_schema` as the canonical text committed under ``docs/``."""
    return schema_text(case_json_schema())
