"""The instrument format: a pydantic model of an instrument file, checked as it loads."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from stalkrisk.bands import BandSpec, Identifier
from stalkrisk.features import FACTORS, FactorKind, FactorValue

__all__ = [
    "FORMAT",
    "Instrument",
    "Item",
    "Level",
    "MissingDataMethod",
    "MissingDataRule",
    "RedFlag",
    "Scale",
    "Validation",
    "ValidationStatus",
]

#: The instrument format this version of the library reads.
FORMAT = "stalkrisk-instrument/1"

Points = Annotated[float, Field(allow_inf_nan=False, ge=-1000, le=1000)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
SemVer = Annotated[
    str, StringConstraints(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
]
InstrumentId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    """One level of an item: a range of factor values (or a set of categories) and its points.

    For binary and count factors give ``min`` and ``max`` (both inclusive; omit ``max`` for
    "and above"); for category factors give ``categories``.
    """

    min: Annotated[int, Field(ge=0)] | None = None
    """Smallest factor value in this level (inclusive)."""
    max: Annotated[int, Field(ge=0)] | None = None
    """Largest factor value in this level (inclusive); omit for no upper bound."""
    categories: Annotated[list[str], Field(min_length=1)] | None = None
    """Categories in this level (category factors)."""
    points: Points
    """Points scored at this level."""

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


class Item(_Strict):
    """An instrument item: a factor, the evidence for including it, and points per level.

    For a binary factor, ``points = 2`` is shorthand for the levels absent → 0, present → 2.
    """

    id: Identifier
    """Identifier, unique within the instrument."""
    factor: str
    """The registered factor the item reads (see ``stalkrisk.FACTORS``)."""
    label: Annotated[str, Field(min_length=1, max_length=200)]
    """Short label shown in explanations."""
    rationale: Text
    """Why the item is in the instrument, with its evidence."""
    levels: Annotated[list[Level], Field(min_length=1, max_length=100)]
    """Levels in ascending order of factor value."""

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

    @property
    def kind(self) -> FactorKind:
        """The kind of the item's factor."""
        return FACTORS[self.factor].kind

    def level_for(self, value: FactorValue) -> Level | None:
        """Return the level holding every value consistent with ``value``, or ``None``."""
        held = [level for level in self.levels if level.holds(value)]
        return held[0] if len(held) == 1 else None

    def possible_points(self, value: FactorValue) -> tuple[float, float]:
        """Return the least and greatest points the item could score given ``value``."""
        points = [level.points for level in self.levels if level.overlaps(value)]
        return min(points), max(points)

    @property
    def max_points(self) -> float:
        """The most points the item can score."""
        return max(level.points for level in self.levels)

    @property
    def min_points(self) -> float:
        """The fewest points the item can score."""
        return min(level.points for level in self.levels)


class RedFlag(_Strict):
    """A rule that raises a scale to at least ``minimum_band`` whatever its total."""

    id: Identifier
    """Identifier, unique within the scale."""
    factor: str
    """The factor that triggers the flag."""
    at_least: Annotated[int, Field(ge=1)] = 1
    """The flag fires when the factor's value is at least this (1: present)."""
    minimum_band: Identifier
    """The band the scale is raised to, at least."""
    label: Annotated[str, Field(min_length=1, max_length=200)]
    """Short label shown in explanations."""
    rationale: Text
    """Why this factor overrides the total."""


class MissingDataMethod(StrEnum):
    """How a scale's total is formed when some of its items are unknown."""

    PRORATE = "prorate"
    """Scale the known points up by (max points of all items) / (max points of known items)."""
    KNOWN_ONLY = "known_only"
    """Sum the known items only; the total is then a lower bound and is reported as such."""


class MissingDataRule(_Strict):
    """How many unknown items a scale tolerates, and how it forms a total with them."""

    max_unknown: Annotated[int, Field(ge=0)]
    """The most unknown items with which the scale is still scored."""
    method: MissingDataMethod
    """How the total is formed when 1 to ``max_unknown`` items are unknown."""


class Scale(_Strict):
    """A scale: a set of items summed to a total, cut into bands, with red flags."""

    id: Identifier
    """Identifier, unique within the instrument."""
    title: Annotated[str, Field(min_length=1, max_length=200)]
    """Title shown in reports."""
    description: Text
    """What the scale is about."""
    items: Annotated[list[Identifier], Field(min_length=1)]
    """Ids of the items summed on this scale."""
    bands: Annotated[list[BandSpec], Field(min_length=1, max_length=20)]
    """Bands in ascending order, contiguous, covering every total."""
    red_flags: list[RedFlag] = Field(default_factory=list)
    """Rules that set a minimum band."""
    missing: MissingDataRule
    """The missing-data rule."""

    def band_rank(self, band_id: str) -> int:
        """Return the position of ``band_id`` among the scale's bands."""
        return [b.id for b in self.bands].index(band_id)


class ValidationStatus(StrEnum):
    """How far an instrument's weights have been checked against outcomes."""

    ILLUSTRATIVE = "illustrative"
    """Weights chosen from the literature; not validated on outcomes."""
    PUBLISHED = "published"
    """A published instrument with its published weights, validated elsewhere."""
    LOCALLY_VALIDATED = "locally_validated"
    """Validated on this service's own outcome data."""


class Validation(_Strict):
    """The instrument's validation status and the statement every report must show."""

    status: ValidationStatus
    """How far the weights have been validated."""
    statement: Text
    """The caveat shown wherever the instrument's results are shown."""


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
    ('stalkrisk-screen', '1.0.0', 'illustrative')
    >>> [s.id for s in screen.scales]
    ['continued_stalking', 'serious_harm']
    """

    format: Literal["stalkrisk-instrument/1"]
    """The instrument format, ``"stalkrisk-instrument/1"``."""
    id: InstrumentId
    """Identifier, e.g. ``"stalkrisk-screen"``."""
    version: SemVer
    """Semantic version of this instrument's content."""
    title: Annotated[str, Field(min_length=1, max_length=200)]
    """Title shown in reports."""
    description: Text
    """What the instrument is for, and for whom."""
    citation: Annotated[list[Text], Field(min_length=1)]
    """Sources: where the instrument, or the evidence for its items, comes from."""
    validation: Validation
    """Validation status and caveat."""
    items: Annotated[list[Item], Field(min_length=1, max_length=500)]
    """The items."""
    scales: Annotated[list[Scale], Field(min_length=1, max_length=20)]
    """The scales."""

    @model_validator(mode="after")
    def _coherent(self) -> Instrument:
        errors: list[InitErrorDetails] = []
        add = errors.append
        item_ids = _duplicates(self.items, ("items",), "item", add)
        for i, item in enumerate(self.items):
            _check_item(item, ("items", i), add)
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
                if flag.factor not in FACTORS:
                    add(
                        _problem(
                            (*where, "red_flags", k, "factor"),
                            "unknown_factor",
                            f"no factor is named {flag.factor!r}",
                        )
                    )
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

    @cached_property
    def canonical_json(self) -> str:
        """The canonical JSON of the validated instrument: sorted keys, no spaces, UTF-8."""
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )

    @cached_property
    def sha256(self) -> str:
        """The sha256 of :attr:`canonical_json`, as hex."""
        return hashlib.sha256(self.canonical_json.encode("utf-8")).hexdigest()

    @property
    def reference(self) -> str:
        """``id@version#sha256:<first 12 hex digits>``, for logs and reports."""
        return f"{self.id}@{self.version}#sha256:{self.sha256[:12]}"

    def item(self, item_id: str) -> Item:
        """Return the item with id ``item_id``."""
        return next(i for i in self.items if i.id == item_id)

    def scale(self, scale_id: str) -> Scale:
        """Return the scale with id ``scale_id``."""
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(f"instrument {self.id!r} has no scale {scale_id!r}")


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


def _check_item(item: Item, where: tuple[str | int, ...], add: Any) -> None:
    factor = FACTORS.get(item.factor)
    if factor is None:
        add(
            _problem(
                (*where, "factor"),
                "unknown_factor",
                f"no factor is named {item.factor!r}; see `stalkrisk factors` or stalkrisk.FACTORS",
            )
        )
        return
    if factor.kind is FactorKind.CATEGORY:
        covered: list[str] = []
        for j, level in enumerate(item.levels):
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
                            f"{cat!r} is not a category of {factor.name!r}; expected one "
                            f"of {', '.join(factor.categories)}",
                        )
                    )
                elif cat in covered:
                    add(
                        _problem(
                            (*where, "levels", j, "categories"),
                            "levels_overlap",
                            f"category {cat!r} appears in more than one level",
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
    for j, level in enumerate(item.levels):
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
                (*where, "levels", len(item.levels) - 1, "max"),
                "levels_gap",
                f"values above {expected - 1} are not covered; omit max on the last level",
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
