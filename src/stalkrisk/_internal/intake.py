"""The one way a record becomes a case: every reader of cases validates through here.

The command line's ``score``, ``validate``, ``report`` and ``verify``, the batch readers
(JSONL, JSON, CSV, Parquet, frames) and ``read_dataset`` (``fit``, ``evaluate``) each read
bytes their own way, but hand every record to :func:`validate_case` (or, for item answers,
:func:`validate_record`), so a record is accepted
or refused by the same rules, with the same problems, wherever it comes in:

- it must be an object (:data:`NOT_OBJECT`);
- a labelled record (``{"case": {...}, "outcome": 1}``, as ``fit`` reads and
  :meth:`stalkrisk.synthetic.Cohort.write_jsonl` writes) is read as its case, and a field of
  a case beside ``"case"`` is an error (:data:`NOT_A_CASE`), not dropped;
- the case is validated by its pydantic model (strict JSON, discreet errors and bounded size
  are the models' own rules: :mod:`stalkrisk._internal.validation`);
- each problem names its field as ``history.convictions[0].date`` (:func:`field_path`) and
  its rule, never the value.

Pass ``context=TEXT_CELLS`` for records whose every value is text (CSV cells), so numbers and
dates may be read from text, as the schema allows only there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from stalkrisk._internal.validation import known_field_names
from stalkrisk.schemas import Case, ItemAnswers
from stalkrisk.schemas._case import CaseId

__all__ = [
    "CASE_KEYS",
    "DOCUMENT_KEYS",
    "NOT_A_CASE",
    "NOT_OBJECT",
    "Issue",
    "Rejected",
    "field_path",
    "issues_of",
    "known_case_id",
    "validate_case",
    "validate_record",
]

#: The field names of a case at any depth: a key among them may be repeated in an error.
CASE_KEYS: Final = known_field_names(Case)
#: The field names of a case or of item answers, for a file that may hold either.
DOCUMENT_KEYS: Final = CASE_KEYS | known_field_names(ItemAnswers)

NOT_OBJECT: Final = "a case must be a JSON object"
NOT_A_CASE: Final = (
    'a labelled record holds its case under "case"; {field} beside it would not be part of '
    'the case: move it into "case"'
)

#: The longest field path shown; an unknown key may be as long as the record.
_MAX_FIELD_PATH: Final = 200
_CASE_ID: Final = TypeAdapter(CaseId)
_CASE_FIELDS: Final = frozenset(Case.model_fields)
M = TypeVar("M", bound=BaseModel)


class Issue(NamedTuple):
    """One problem with a record: where, what rule, and a stable code; never the value."""

    field: str
    """A field path such as ``history.convictions[0].date``, or ``(top level)``."""
    message: str
    """The rule that was broken."""
    type: str
    """pydantic's error type, or ``not_object`` / ``labelled_record``."""


class Rejected(NamedTuple):
    """Why a record is not a valid case."""

    kind: str
    """``"not_object"`` (not an object at all) or ``"validation"`` (an invalid case)."""
    issues: tuple[Issue, ...]
    """Every problem, in the order pydantic found them."""


def field_path(loc: Sequence[str | int]) -> str:
    """Return a pydantic error location as a field path: ``history.convictions[0].date``.

    Examples
    --------
    >>> field_path(("history", "convictions", 0, "date"))
    'history.convictions[0].date'
    >>> field_path(())
    '(top level)'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if len(out) > _MAX_FIELD_PATH:
        out = out[: _MAX_FIELD_PATH - 3] + "..."
    return out or "(top level)"


def known_case_id(data: Any) -> str | None:
    """Return a record's case id only when it is a valid one (an invalid id is never echoed)."""
    if isinstance(data, Case):
        return data.case_id
    if isinstance(data, Mapping) and isinstance(data.get("case_id"), str):
        try:
            return str(_CASE_ID.validate_python(data["case_id"]))
        except ValidationError:
            return None
    return None


def _unlabelled(data: Mapping[str, Any]) -> Mapping[str, Any] | Issue:
    """Return the case of a record: itself, or what a labelled record holds under "case"."""
    inner = data.get("case")
    if not isinstance(inner, Mapping) or "case_id" in data:
        return data
    beside = sorted(k for k in data if k != "case" and k in _CASE_FIELDS)
    if beside:
        return Issue(beside[0], NOT_A_CASE.format(field=beside[0]), "labelled_record")
    return inner


def issues_of(exc: ValidationError) -> tuple[Issue, ...]:
    """Return a pydantic ``ValidationError``'s problems, each with its field path."""
    return tuple(
        Issue(field_path(e["loc"]), e["msg"], e["type"])
        for e in exc.errors(include_input=False, include_url=False)
    )


def validate_case(data: Any, *, context: dict[str, Any] | None = None) -> Case | Rejected:
    """Return ``data`` validated as a case, or why it is not one (:func:`validate_record`).

    Examples
    --------
    >>> validate_case({"case_id": "C-1", "assessment_date": "2024-05-01"}).case_id
    'C-1'
    >>> validate_case([1, 2]).issues[0].message
    'a case must be a JSON object'
    >>> validate_case({"case_id": "C-1"}).issues[0][:2]
    ('assessment_date', 'Field required')
    """
    return validate_record(data, Case, context=context)


def validate_record(
    data: Any, model: type[M], *, context: dict[str, Any] | None = None
) -> M | Rejected:
    """Return ``data`` validated as ``model`` (a case, or item answers), or why it is not one.

    Parameters
    ----------
    data : object
        A parsed record: a mapping (a JSON object, a CSV row nested by the column convention),
        or an already validated instance of ``model`` (returned as it is).
    model : type
        :class:`~stalkrisk.Case` or :class:`~stalkrisk.ItemAnswers`. A labelled record is
        unwrapped only for cases.
    context : dict, optional
        The validation context (``TEXT_CELLS`` for records of text cells).
    """
    if isinstance(data, model):
        return data
    if not isinstance(data, Mapping):
        return Rejected("not_object", (Issue("(top level)", NOT_OBJECT, "not_object"),))
    if model is Case:
        unwrapped = _unlabelled(data)
        if isinstance(unwrapped, Issue):
            return Rejected("validation", (unwrapped,))
        data = unwrapped
    try:
        return model.model_validate(data if isinstance(data, dict) else dict(data), context=context)
    except ValidationError as exc:
        return Rejected("validation", issues_of(exc))
