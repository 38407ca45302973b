"""What changed between two assessments of the same case: bands, items, red flags and facts.

:func:`compare` takes two :class:`~stalkrisk.Assessment` objects of one case (at bail and at
sentencing, say) and returns :class:`Changes`: scale by scale, the computed and final bands
before and after, every item whose value changed or whose unknown was resolved, the red flags
that fired or stopped firing; and, when both cases (or both practitioner's judgements) are
given, every field of them that changed, by dotted path. :meth:`Changes.lines` says it in
words; :meth:`Changes.render_text` is what ``stalkrisk compare`` prints.

Comparing assessments made with different instrument versions is allowed, and said: a change
may then come from the instrument rather than the case. Agreement between a band computed now
and a band a practitioner set earlier by override is reported as agreement, not as evidence
that either is right.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from stalkrisk.assessment import (
    DECISION_SUPPORT_NOTICE,
    Assessment,
    Contribution,
    RedFlagResult,
    ScaleResult,
    fmt_points,
)
from stalkrisk.bands import Band, Identifier
from stalkrisk.schemas import Case
from stalkrisk.schemas._case import CaseId

__all__ = ["Changes", "FieldChange", "ItemChange", "ScaleChange", "compare"]

#: Two assessments of different cases (the ids are not echoed: a case id may be mistyped data).
DIFFERENT_CASES: Final = (
    "the two assessments are of different cases (case_id differs); compare two assessments "
    "of the same case"
)
#: A case given beside an assessment that is not of it.
CASE_NOT_ASSESSED: Final = (
    "{which}_case is not the case of the {which} assessment ({field} differs); give the case "
    "that was assessed"
)
#: A judgement given beside an assessment of another case.
JUDGEMENT_NOT_OF_CASE: Final = (
    "{which}_judgement is of another case (case_id differs from the {which} assessment's)"
)

#: A value as a change carries it: a JSON scalar, or compact JSON text for an object or list.
JsonScalar = str | int | float | bool | None

_Path = Annotated[str, StringConstraints(max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _points(x: float | None) -> str:
    return "unknown" if x is None else f"{fmt_points(x)} point{'' if x == 1 else 's'}"


def _band(band: Band | None) -> str:
    return band.label if band else "not scored"


def _same_band(a: Band | None, b: Band | None) -> bool:
    """Whether two bands are the same band (by id, rank and label; cut-points may move)."""
    if a is None or b is None:
        return a is b
    return (a.id, a.rank, a.label) == (b.id, b.rank, b.label)


class ItemChange(_Frozen):
    """One item of a scale whose value changed between the two assessments.

    ``kind`` is ``"unknown_resolved"`` (unknown before, known now), ``"became_unknown"``,
    ``"changed"`` (another value, or the same value worth other points), or, between
    instrument versions, ``"only_before"`` / ``"only_after"`` (an item one version lacks).

    Examples
    --------
    >>> c = ItemChange(item="recent_incident", label="Last incident within 90 days",
    ...                kind="changed", value_before="0", value_after="100",
    ...                points_before=2, points_after=0)
    >>> c.line("Persistence")
    'Persistence: changed: Last incident within 90 days: 0 -> 100 (2 points -> 0 points)'
    """

    item: Identifier
    label: str
    kind: Literal["unknown_resolved", "became_unknown", "changed", "only_before", "only_after"]
    value_before: str | None
    """The value in words before (``None``: the earlier instrument has no such item)."""
    value_after: str | None
    """The value in words after (``None``: the later instrument has no such item)."""
    points_before: float | None
    """Points before; ``None`` when unknown (or no such item)."""
    points_after: float | None
    """Points after; ``None`` when unknown (or no such item)."""

    def line(self, title: str) -> str:
        """Say the change in words, prefixed with the scale's title."""
        if self.kind == "unknown_resolved":
            return (
                f"{title}: unknown resolved: {self.label} is now {self.value_after} "
                f"({_points(self.points_after)})"
            )
        if self.kind == "became_unknown":
            return f"{title}: became unknown: {self.label} ({self.value_after})"
        if self.kind == "only_before":
            return (
                f"{title}: item only in the earlier instrument: {self.label} ({self.value_before})"
            )
        if self.kind == "only_after":
            return (
                f"{title}: item only in the later instrument: {self.label} is {self.value_after} "
                f"({_points(self.points_after)})"
            )
        points = (
            f"(still {_points(self.points_after)})"
            if self.points_before == self.points_after
            else f"({_points(self.points_before)} -> {_points(self.points_after)})"
        )
        return f"{title}: changed: {self.label}: {self.value_before} -> {self.value_after} {points}"


def _item_change(old: Contribution | None, new: Contribution | None) -> ItemChange | None:
    if old is None or new is None:
        known = new if new is not None else old
        assert known is not None  # an item is in one assessment at least
        return ItemChange(
            item=known.item,
            label=known.label,
            kind="only_after" if old is None else "only_before",
            value_before=None if old is None else old.value,
            value_after=None if new is None else new.value,
            points_before=None if old is None else old.points,
            points_after=None if new is None else new.points,
        )
    if old.known and new.known and old.value == new.value and old.points == new.points:
        return None
    if not old.known and new.known:
        kind: Literal["unknown_resolved", "became_unknown", "changed"] = "unknown_resolved"
    elif old.known and not new.known:
        kind = "became_unknown"
    elif old.value != new.value or old.points != new.points:
        kind = "changed"
    else:  # unknown both times, and said the same way
        return None
    return ItemChange(
        item=new.item,
        label=new.label,
        kind=kind,
        value_before=old.value,
        value_after=new.value,
        points_before=old.points,
        points_after=new.points,
    )


_FLAG_STATUS: Final = {"not_fired": "not fired", "unknown": "not recorded"}


class ScaleChange(_Frozen):
    """What changed in one scale: bands, items and red flags.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.changes import compare
    >>> before = stalkrisk.score(stalkrisk.load_example("EX-01"))
    >>> after = before.with_override("persistence", "many", "information_not_captured",
    ...                              "A further incident was reported this morning.", "PO-117")
    >>> (s,) = compare(before, after).scales
    >>> s.scale, s.final_band_before.id, s.final_band_after.id, s.overridden_after
    ('persistence', 'several', 'many', True)
    """

    scale: Identifier
    title: str
    band_before: Band | None
    """The computed band before (``None``: not scored, or no such scale)."""
    band_after: Band | None
    """The computed band after (``None``: not scored, or no such scale)."""
    final_band_before: Band | None
    """The band after any override, before."""
    final_band_after: Band | None
    """The band after any override, after."""
    overridden_before: bool
    """Whether the earlier final band was set by a practitioner's override."""
    overridden_after: bool
    """Whether the later final band is set by a practitioner's override."""
    items: tuple[ItemChange, ...] = ()
    red_flags_fired: tuple[RedFlagResult, ...] = ()
    """Red flags that fired after and not before (as the later assessment has them)."""
    red_flags_cleared: tuple[RedFlagResult, ...] = ()
    """Red flags that fired before and not after: as the later assessment has them (its status
    says ``not_fired`` or ``unknown``), or as the earlier one had them (status ``fired``) when
    the later instrument has no such red flag."""
    in_before: bool = True
    """False when the earlier assessment's instrument has no such scale."""
    in_after: bool = True
    """False when the later assessment's instrument has no such scale."""

    @property
    def computed_band_matches_earlier_override(self) -> bool:
        """Whether the band computed now is the band a practitioner set earlier by override.

        Agreement is not validation: it shows neither that the override was right nor that
        the computed band is.
        """
        return (
            self.overridden_before
            and not self.overridden_after
            and self.band_after is not None
            and _same_band(self.band_after, self.final_band_before)
        )

    def lines(self) -> list[str]:
        """Say, one line each, what changed in this scale (empty: nothing)."""
        t = self.title
        if not self.in_before:
            return [
                f"{t}: scale only in the later assessment's instrument (computed band "
                f"{_band(self.band_after)}; final band {_band(self.final_band_after)})"
            ]
        if not self.in_after:
            return [
                f"{t}: scale only in the earlier assessment's instrument (computed band "
                f"{_band(self.band_before)}; final band {_band(self.final_band_before)})"
            ]
        out: list[str] = []
        if not _same_band(self.band_before, self.band_after):
            out.append(f"{t}: computed band {_band(self.band_before)} -> {_band(self.band_after)}")
        if not _same_band(self.final_band_before, self.final_band_after):
            how = {
                (True, True): " (both set by override)",
                (True, False): " (the earlier final band was set by override)",
                (False, True): " (the later final band is set by override)",
                (False, False): "",
            }[self.overridden_before, self.overridden_after]
            out.append(
                f"{t}: final band {_band(self.final_band_before)} -> "
                f"{_band(self.final_band_after)}{how}"
            )
        if self.computed_band_matches_earlier_override:
            out.append(
                f"{t}: the computed band is now {_band(self.band_after)}, the band the "
                "practitioner set by override at the earlier assessment (agreement between the "
                "two is not evidence that either is right)"
            )
        out += [c.line(t) for c in self.items]
        out += [
            f"{t}: red flag now fired: {f.label} (minimum band {f.minimum_band.label})"
            for f in self.red_flags_fired
        ]
        for f in self.red_flags_cleared:
            now = _FLAG_STATUS.get(f.status, "not in the later instrument")
            out.append(f"{t}: red flag no longer fired: {f.label} (now {now})")
        return out


def _scale_change(old: ScaleResult | None, new: ScaleResult | None) -> ScaleChange:
    either = new if new is not None else old
    assert either is not None
    items: list[ItemChange] = []
    fired: tuple[RedFlagResult, ...] = ()
    cleared: tuple[RedFlagResult, ...] = ()
    if old is not None and new is not None:  # a scale in one version only has no item changes
        was = {c.item: c for c in old.contributions}
        now = {c.item: c for c in new.contributions}
        for item in [*now, *(i for i in was if i not in now)]:
            change = _item_change(was.get(item), now.get(item))
            if change is not None:
                items.append(change)
        fired_before = {f.id for f in old.fired_red_flags}
        fired_after = {f.id for f in new.fired_red_flags}
        flags_after = {f.id: f for f in new.red_flags}
        fired = tuple(f for f in new.fired_red_flags if f.id not in fired_before)
        cleared = tuple(
            flags_after.get(f.id, f) for f in old.fired_red_flags if f.id not in fired_after
        )
    return ScaleChange(
        scale=either.scale,
        title=either.title,
        band_before=old.band if old else None,
        band_after=new.band if new else None,
        final_band_before=old.final_band if old else None,
        final_band_after=new.final_band if new else None,
        overridden_before=bool(old and old.overrides),
        overridden_after=bool(new and new.overrides),
        items=tuple(items),
        red_flags_fired=fired,
        red_flags_cleared=cleared,
        in_before=old is not None,
        in_after=new is not None,
    )


class FieldChange(_Frozen):
    """One field of a case (or of a practitioner's judgement) that changed, by dotted path.

    ``path`` names the field as the JSON names it, with list positions:
    ``history.protective_orders[0].breaches[1]``; a key that is not a plain name (a key of a
    mapping, such as ``sources``) is written as JSON in brackets:
    ``sources["episode.threats"].known_on``. A value is a JSON scalar, or compact JSON
    text for an object or a list. ``kind`` is ``"added"`` for a list entry only in the later
    document (``before`` is ``None``), ``"removed"`` for one only in the earlier (``after``
    is ``None``), and ``"changed"`` otherwise.

    Examples
    --------
    >>> FieldChange(path="episode.ongoing", before="present", after="absent").line("facts")
    'facts: episode.ongoing: present -> absent'
    """

    path: _Path
    before: JsonScalar
    after: JsonScalar
    kind: Literal["changed", "added", "removed"] = "changed"

    def line(self, prefix: str) -> str:
        """Say the change in words, prefixed (``facts``, ``judgement``)."""
        if self.kind == "added":
            return f"{prefix}: {self.path}: added: {_show(self.after)}"
        if self.kind == "removed":
            return f"{prefix}: {self.path}: removed: {_show(self.before)}"
        return f"{prefix}: {self.path}: {_show(self.before)} -> {_show(self.after)}"


def _show(value: JsonScalar) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _scalar(value: Any) -> JsonScalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _differ(a: Any, b: Any) -> bool:
    return bool(a != b or type(a) is not type(b)) and not (
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


#: Stands for a key that one document's object does not hold (an entry of a mapping).
_MISSING: Final = object()
#: A key written plainly in a path; any other key (``history.convictions[0]``, a key of
#: ``sources``) is written as JSON in brackets, so that a path reads one way only.
_PLAIN_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key_path(path: str, key: str) -> str:
    if not _PLAIN_KEY.fullmatch(key):
        return f"{path}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{path}.{key}" if path else key


def _entry(path: str, a: Any, b: Any) -> FieldChange:
    """Report a list or mapping entry that one document holds and the other does not."""
    if a is _MISSING:
        return FieldChange(path=path, before=None, after=_scalar(b), kind="added")
    return FieldChange(path=path, before=_scalar(a), after=None, kind="removed")


def _diff(path: str, a: Any, b: Any, skip: frozenset[str] = frozenset()) -> Iterator[FieldChange]:
    """Yield every leaf that differs between two JSON values, in the documents' own order.

    An object that is ``null`` on one side (an optional part of a case not recorded) is
    compared field by field against nothing; an entry of a list, or of a mapping, that only
    one side holds is one change, ``added`` or ``removed``.
    """
    if a is _MISSING or b is _MISSING:
        yield _entry(path, a, b)
        return
    if (
        isinstance(a, dict | None)
        and isinstance(b, dict | None)
        and (a is not None or b is not None)
    ):
        # a field of a null object is null; an entry a mapping lacks is missing
        old, new = a or {}, b or {}
        gone_a, gone_b = (
            (_MISSING if a is not None else None),
            (_MISSING if b is not None else None),
        )
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in skip:
                yield from _diff(_key_path(path, key), old.get(key, gone_a), new.get(key, gone_b))
        return
    if (
        isinstance(a, list | None)
        and isinstance(b, list | None)
        and (a is not None or b is not None)
    ):
        old_list, new_list = a or [], b or []
        for i in range(max(len(old_list), len(new_list))):
            yield from _diff(
                f"{path}[{i}]",
                old_list[i] if i < len(old_list) else _MISSING,
                new_list[i] if i < len(new_list) else _MISSING,
            )
        return
    if _differ(a, b):
        yield FieldChange(path=path, before=_scalar(a), after=_scalar(b))


def _field_changes(
    before: BaseModel, after: BaseModel, skip: Iterable[str] = ()
) -> tuple[FieldChange, ...]:
    return tuple(
        _diff(
            "",
            before.model_dump(mode="json", exclude_defaults=False),
            after.model_dump(mode="json", exclude_defaults=False),
            frozenset(skip),
        )
    )


class Changes(_Frozen):
    """What changed between two assessments of the same case (:func:`compare`).

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.changes import compare
    >>> case = stalkrisk.load_example("EX-01")
    >>> a = stalkrisk.score(case)
    >>> changes = compare(a, a, before_case=case, after_case=case)
    >>> changes.lines()  # the same assessment twice: nothing changed
    []
    >>> print(changes.render_text())  # doctest: +ELLIPSIS
    Case EX-01: changes from the assessment of ... to the assessment of ...
    Instrument: stalkrisk-screen@2.0.0 both times
    No changes in bands, items, red flags or case facts.
    <BLANKLINE>
    This assessment supports a professional's judgement; ...
    """

    case_id: CaseId
    before_date: dt.date
    """The earlier assessment's date (as given: ``before`` may be the later one)."""
    after_date: dt.date
    synthetic: bool
    """Whether either assessment is of a fictional case."""
    instrument_before: Annotated[str, Field(max_length=200)]
    """``id@version`` of the instrument of ``before``."""
    instrument_after: Annotated[str, Field(max_length=200)]
    """``id@version`` of the instrument of ``after``."""
    instrument_sha256_before: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    instrument_sha256_after: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    scales: tuple[ScaleChange, ...] = ()
    """The scales with something to report, in the later instrument's order."""
    facts: tuple[FieldChange, ...] = ()
    """Fields of the case that changed (``assessment_date`` aside); empty unless both cases
    were given (see :attr:`facts_compared`)."""
    judgement: tuple[FieldChange, ...] = ()
    """Fields of the practitioner's judgement that changed; empty unless both were given."""
    facts_compared: bool = False
    """Whether both cases were given, so that their facts were compared."""
    judgement_compared: bool = False
    """Whether both judgements were given, so that they were compared."""
    notice: str = DECISION_SUPPORT_NOTICE

    @property
    def instrument_changed(self) -> bool:
        """Whether the two assessments were made with different instruments (or content)."""
        return (
            self.instrument_before != self.instrument_after
            or self.instrument_sha256_before != self.instrument_sha256_after
        )

    def lines(self) -> list[str]:
        """Say, one line each, what changed: instrument, scales, case facts, judgement."""
        out: list[str] = []
        if self.instrument_before != self.instrument_after:
            out.append(
                f"instrument differs: {self.instrument_before} -> {self.instrument_after}; "
                "scales, items and red flags are compared where both versions have them, and a "
                "change may come from the instrument rather than the case"
            )
        elif self.instrument_sha256_before != self.instrument_sha256_after:
            out.append(
                f"instrument {self.instrument_after}: the same id and version with different "
                f"content (sha256 {self.instrument_sha256_before[:12]} -> "
                f"{self.instrument_sha256_after[:12]}); a change may come from the instrument "
                "rather than the case"
            )
        for s in self.scales:
            out += s.lines()
        out += [f.line("facts") for f in self.facts]
        out += [f.line("judgement") for f in self.judgement]
        return out

    def render_text(self) -> str:
        """Render the changes as plain text, ending with the decision-support notice.

        This is what ``stalkrisk compare`` prints.
        """
        synthetic = "  [SYNTHETIC: a fictional case]" if self.synthetic else ""
        head = [
            f"Case {self.case_id}: changes from the assessment of {self.before_date.isoformat()}"
            f" to the assessment of {self.after_date.isoformat()}{synthetic}",
            (
                f"Instrument: {self.instrument_after} both times"
                if not self.instrument_changed
                else f"Instruments: {self.instrument_before} -> {self.instrument_after}"
            ),
        ]
        if not self.facts_compared:
            head.append(
                "Case facts: not compared (give both cases to compare them; only the "
                "assessments were compared)"
            )
        lines = self.lines()
        compared = "bands, items, red flags" + (" or case facts" if self.facts_compared else "")
        body = [f"- {line}" for line in lines] or [f"No changes in {compared}."]
        return "\n".join([*head, *body, "", self.notice]) + "\n"

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(line)}</td></tr>" for line in self.lines())
        return (
            f"<table><caption>Case {e(self.case_id)}: changes from the assessment of "
            f"{e(self.before_date.isoformat())} to the assessment of "
            f"{e(self.after_date.isoformat())}</caption>"
            f"{rows or '<tr><td>No changes.</td></tr>'}</table><p><em>{e(self.notice)}</em></p>"
        )

    def __repr__(self) -> str:
        return (
            f"<Changes {self.case_id} {self.before_date.isoformat()} -> "
            f"{self.after_date.isoformat()}: {len(self.scales)} scales, {len(self.facts)} facts, "
            f"{len(self.judgement)} judgement fields>"
        )


def _check_case(which: str, case: Case | None, assessment: Assessment) -> None:
    if case is None:
        return
    for field in ("case_id", "assessment_date"):
        if getattr(case, field) != getattr(assessment, field):
            raise ValueError(CASE_NOT_ASSESSED.format(which=which, field=field))


def _check_judgement(which: str, judgement: BaseModel | None, assessment: Assessment) -> None:
    case_id = getattr(judgement, "case_id", None)
    if judgement is not None and case_id is not None and case_id != assessment.case_id:
        raise ValueError(JUDGEMENT_NOT_OF_CASE.format(which=which))


def compare(
    before: Assessment,
    after: Assessment,
    *,
    before_case: Case | None = None,
    after_case: Case | None = None,
    before_judgement: BaseModel | None = None,
    after_judgement: BaseModel | None = None,
) -> Changes:
    """List what changed between two assessments of the same case.

    Scale by scale (in the later instrument's order, then any scale only the earlier one
    has): the computed and final bands, each item whose value or points changed (in the
    instrument's item order), and the red flags that fired or stopped firing. With both
    cases, every field of the case that changed; with both judgements (any pydantic models,
    such as :class:`stalkrisk.judgement.Judgement`), every field of them that changed. The
    result is the same for the same inputs, in the same order.

    Parameters
    ----------
    before, after : Assessment
        Two assessments of the same case, usually the earlier first. Assessments made with
        different instrument versions may be compared; the lines say so.
    before_case, after_case : Case, optional
        The cases assessed. Their facts are compared only when both are given.
    before_judgement, after_judgement : pydantic.BaseModel, optional
        The practitioner's judgement at each assessment, compared field by field when both
        are given.

    Returns
    -------
    Changes

    Raises
    ------
    ValueError
        If the assessments are of different cases, a case is not the one its assessment was
        made of (``case_id`` or ``assessment_date`` differs), or a judgement with a
        ``case_id`` is of another case. The message never holds a value from the case.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.changes import compare
    >>> case = stalkrisk.load_example("EX-01")
    >>> data = case.model_dump(mode="json")
    >>> data["episode"]["ongoing"] = "absent"  # the stalking has stopped
    >>> fuller = stalkrisk.Case.model_validate(data)
    >>> changes = compare(stalkrisk.score(case), stalkrisk.score(fuller),
    ...                   before_case=case, after_case=fuller)
    >>> [f.path for f in changes.facts]
    ['episode.ongoing']
    >>> compare(stalkrisk.score(case), stalkrisk.score(stalkrisk.load_example("EX-02")))
    Traceback (most recent call last):
    ...
    ValueError: the two assessments are of different cases (case_id differs); ...
    """
    if before.case_id != after.case_id:
        raise ValueError(DIFFERENT_CASES)
    _check_case("before", before_case, before)
    _check_case("after", after_case, after)
    _check_judgement("before", before_judgement, before)
    _check_judgement("after", after_judgement, after)

    was = {s.scale: s for s in before.scales}
    now = {s.scale: s for s in after.scales}
    order = [*now, *(s for s in was if s not in now)]
    scales = tuple(
        change
        for change in (_scale_change(was.get(s), now.get(s)) for s in order)
        if change.lines()
    )
    facts_compared = before_case is not None and after_case is not None
    facts = (
        _field_changes(before_case, after_case, skip=("assessment_date",))
        if before_case is not None and after_case is not None
        else ()
    )
    judgement_compared = before_judgement is not None and after_judgement is not None
    judgement = (
        _field_changes(before_judgement, after_judgement)
        if before_judgement is not None and after_judgement is not None
        else ()
    )
    b, a = before.instrument, after.instrument
    return Changes(
        case_id=after.case_id,
        before_date=before.assessment_date,
        after_date=after.assessment_date,
        synthetic=before.synthetic or after.synthetic,
        instrument_before=f"{b.id}@{b.version}",
        instrument_after=f"{a.id}@{a.version}",
        instrument_sha256_before=b.sha256,
        instrument_sha256_after=a.sha256,
        scales=scales,
        facts=facts,
        judgement=judgement,
        facts_compared=facts_compared,
        judgement_compared=judgement_compared,
    )
