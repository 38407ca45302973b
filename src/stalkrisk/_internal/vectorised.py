"""The scoring engine: cases' factor values in, totals, bands and assessments out.

Every case stalkrisk scores goes through this engine: :meth:`~stalkrisk.WeightedScorer.
score_batch` scores many with numpy arrays, and :func:`stalkrisk.score` one, as a batch of one
held in plain Python values (:meth:`VectorisedScorer.score_one`). :meth:`BatchScores.
assessment` builds a case's full :class:`~stalkrisk.Assessment` (explanation included), in the
one function that makes a :class:`~stalkrisk.ScaleResult`. ``tests/test_vectorised.py`` and
``tests/test_fast_single.py`` check every result against ``tests/reference_scorer.py``, the
same rules written out item by item, case for case and to the last bit.

How it gets there faster:

* everything about the instrument is compiled once, when the scorer is made: each scale's
  item tables, bands, cut-points, each item's most points, its red flags (with their three
  possible results) and a validated result to copy (:class:`_CompiledScale`);
* an item's result depends only on the values of the factors it reads, which take few
  distinct values across a caseload, so each item keeps a table from those values to its
  points, possible range and reported contribution, and most items are looked up, not scored;
* a scale's totals, unknown counts, pro-rating, ranges, red flags and bands are computed by
  one function, :func:`_apply_rules`: for all the cases of a batch at once with numpy, or for
  one case with Python's own numbers (numpy spends more on an array of one than on the
  arithmetic). Sums run item by item in the instrument's order, from 0.0, whichever way, so
  floating-point rounding is the same to the bit. For one case, the rules' outcome depends
  only on the scale's sums and its red flags' values, which take few distinct values too, so
  it is remembered as item results are;
* logistic scales compute their percentages case by case with the single-case code, because
  rounding half up on exact binary values is not something numpy does.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from stalkrisk._internal.items import Values, horizon_result, item_result, not_scored_reason
from stalkrisk._version import __version__
from stalkrisk.assessment import (
    Assessment,
    Contribution,
    HorizonResult,
    InstrumentRef,
    RedFlagResult,
    ScaleResult,
    ScaleStatus,
    ShownFactorResult,
)
from stalkrisk.bands import Band
from stalkrisk.features import _SHARED_BINARY_IDS, FactorKind, FactorValue
from stalkrisk.instruments import (
    Instrument,
    Item,
    MissingDataMethod,
    Scale,
    ShownFactor,
    UnknownRedFlags,
)
from stalkrisk.schemas import Case, ItemAnswers

__all__ = ["BatchScores", "ScaleScores", "VectorisedScorer"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]

_NONE = -1  # "no band" in the rank arrays
#: The most results one item keeps in its table (each is a few hundred bytes).
MAX_CELLS = 4096


def _key(value: FactorValue) -> tuple[object, ...]:
    """Return a value as a table's key: its fields, which compare and hash as the value does.

    A tuple of numbers and strings is hashed and compared without calling back into Python,
    which is what a lookup mostly costs. -0.0 equals 0.0 but is written ``-0.0`` in a result's
    JSON, so a float zero's sign is part of the key (whole numbers have none).
    """
    low, high = value.low, value.high
    if (low == 0 and type(low) is float) or (high == 0 and type(high) is float):
        return (low, high, value.category, value.note, _sign(low), _sign(high))
    return (low, high, value.category, value.note)


def _sign(x: float | None) -> float | None:
    return None if x is None else math.copysign(1.0, x)


@dataclass(frozen=True, slots=True)
class _Cell:
    """One item's result for one combination of the values it reads."""

    points: float  # NaN when unknown
    low: float  # NaN when the possible range is unbounded
    high: float
    contribution: Contribution


class _ItemTable:
    """An item's results, keyed by the values of the factors it reads."""

    __slots__ = (
        "_cells",
        "_shared",
        "_single",
        "item",
        "kind",
        "max_points",
        "scores_levels",
        "sources",
    )

    def __init__(self, item: Item, kind: FactorKind) -> None:
        self.item = item
        self.kind = kind
        conditions = [*(item.any_of or []), *(item.all_of or []), *(item.only_if or [])]
        names = [item.source] if item.source is not None else []
        names += [c.source for c in conditions]
        self.sources = tuple(dict.fromkeys(names))
        self.scores_levels = item.levels is not None
        self.max_points = item.max_points
        self._cells: dict[object, _Cell] = {}
        # Items that read one factor whose value is one of the three shared binary values
        # (features._BINARY_VALUES, which live as long as the process) are looked up by
        # the value's identity: no tuple to build and no hash to compute in Python.
        self._single = self.sources[0] if len(self.sources) == 1 else None
        self._shared: dict[int, _Cell] = {}

    def cell(self, values: Values) -> _Cell:
        single = self._single
        if single is not None:
            value = values[single]
            found = self._shared.get(id(value))
            if found is not None:
                return found
            key: object = _key(value)
            found = self._cells.get(key)
            if found is None:
                found = self._score(key, values)
            if id(value) in _SHARED_BINARY_IDS:
                self._shared[id(value)] = found
            return found
        key = tuple([_key(values[s]) for s in self.sources])
        return self._cells.get(key) or self._score(key, values)

    def _score(self, key: object, values: Values) -> _Cell:
        """Score the item for values it has not seen, and remember the result (bounded)."""
        scored, contribution = item_result(self.item, self.kind, values)
        nan = float("nan")
        low, high = scored.possible if scored.possible is not None else (nan, nan)
        points = nan if scored.points is None else scored.points
        cell = _Cell(points, low, high, contribution)
        # NaN never equals itself, so a key holding one would never be found again. The
        # table stops growing at MAX_CELLS (many distinct counts, say, in a hostile file):
        # further values are scored each time, so memory stays bounded.
        if key == key and len(self._cells) < MAX_CELLS:  # noqa: PLR0124 - NaN
            self._cells[key] = cell
        return cell


def _sequential_sum(columns: Floats) -> Floats:
    """Sum the columns of an (n, m) array left to right from 0.0, as Python's ``+=`` would.

    ``np.add.accumulate`` adds strictly in order (unlike ``np.sum``, which adds pairwise), so
    the rounding is that of the plain loop; the leading zero column makes ``0.0 + -0.0`` come
    out as the loop's ``0.0``. :func:`_sums_one` is that loop, for one case.
    """
    n, m = columns.shape
    if m == 0:
        return np.zeros(n)
    padded = np.empty((n, m + 1))
    padded[:, 0] = 0.0
    padded[:, 1:] = columns
    result: Floats = np.add.accumulate(padded, axis=1)[:, -1]
    return result


@dataclass(frozen=True, slots=True)
class ScaleScores:
    """One scale's results for every case of a batch, as numpy arrays (one entry per case).

    Ranks index :attr:`bands`; -1 means "no band". Totals are NaN where the scale was not
    scored.
    """

    scale: Scale
    bands: tuple[Band, ...]
    scored: Bools
    """True where the missing-data rule allowed a total."""
    total: Floats
    """The banded total (pro-rated where the rule says so); NaN where not scored."""
    known_points: Floats
    prorated: Bools
    unknown_count: Ints
    low: Floats
    """The lowest total possible; NaN where the range is unbounded."""
    high: Floats
    score_rank: Ints
    """The band of the total alone."""
    rank: Ints
    """The computed band: the total's band raised by any red flag that fired."""
    floor_rank: Ints
    """The lowest band the fired red flags allow."""
    low_rank: Ints
    high_rank: Ints
    flag_status: npt.NDArray[np.int8]
    """Per case and red flag: 1 fired, 0 not fired, -1 not recorded."""
    points: Floats
    """Per case and item (in the scale's order): the points, NaN where unknown."""
    horizons: tuple[tuple[HorizonResult, ...] | None, ...]
    """Logistic scales: per case, the horizons (``None`` where not scored)."""
    banded: Floats
    """The number the bands cut: the total, or a logistic scale's percentage."""

    def band_ids(self, final: bool = True) -> list[str | None]:
        """Each case's band id (the computed band, or with ``final=False`` the total's band)."""
        ranks = self.rank if final else self.score_rank
        ids = [b.id for b in self.bands]
        return [None if r == _NONE else ids[r] for r in ranks.tolist()]

    ranking: Ints
    """Per case, the items' columns from the largest contribution down (a stable sort, so ties
    keep the instrument's order); only the first :attr:`ranked` of them count."""
    ranked: Ints
    """Per case, how many items have a known, non-zero contribution."""

    def top(self, i: int, n: int) -> list[tuple[str, float]]:
        """Return case ``i``'s ``n`` largest non-zero contributions, largest first.

        Ties keep the instrument's order, as in the single-case results.
        """
        items, row = self.scale.items, self.points[i]
        return [(items[j], float(row[j])) for j in self.ranking[i, : min(n, self.ranked[i])]]

    def _row(self, i: int) -> _Outcome:
        """Case ``i``'s entries, as plain Python values."""
        return _Outcome(
            scored=bool(self.scored[i]),
            total=float(self.total[i]),
            known_points=float(self.known_points[i]),
            prorated=bool(self.prorated[i]),
            unknown_count=int(self.unknown_count[i]),
            low=float(self.low[i]),
            high=float(self.high[i]),
            score_rank=int(self.score_rank[i]),
            rank=int(self.rank[i]),
            floor_rank=int(self.floor_rank[i]),
            low_rank=int(self.low_rank[i]),
            high_rank=int(self.high_rank[i]),
            flag_status=self.flag_status[i].tolist(),
            horizons=self.horizons[i],
            banded=float(self.banded[i]),
        )


@dataclass(slots=True)
class _Outcome:
    """A scale's results: numpy arrays for a batch, or plain Python values for one case.

    :func:`_apply_rules` makes both, with the same code.
    """

    scored: Any
    total: Any
    known_points: Any
    prorated: Any
    unknown_count: Any
    low: Any
    high: Any
    score_rank: Any
    rank: Any
    floor_rank: Any
    low_rank: Any
    high_rank: Any
    flag_status: Any
    """A batch: an (n, flags) int8 array; one case: one status per flag."""
    horizons: Any
    banded: Any


@dataclass(frozen=True, slots=True)
class _Flag:
    """A red flag, compiled: what it reads, its threshold and band, and its three results."""

    source: str
    at_least: int
    rank: int
    label: str
    results: dict[int, RedFlagResult]
    """The flag's result for each status (1 fired, 0 not fired, -1 not recorded)."""


class _CompiledScale:
    """A scale, compiled once when the scorer is made, never per case.

    Its item tables, bands and cut-points, each item's most points, its red flags (with their
    three possible results) and its missing-data rule.
    """

    __slots__ = (
        "_outcomes",
        "band_on",
        "bands",
        "by_rank",
        "constants",
        "cut_list",
        "cuts",
        "flags",
        "last",
        "level_max",
        "level_max_list",
        "logistic",
        "max_all",
        "missing",
        "next_band",
        "scale",
        "tables",
        "template",
    )

    def __init__(self, scale: Scale, tables: tuple[_ItemTable, ...]) -> None:
        if any(b.max is None for b in scale.bands[:-1]):  # the loader rules this out
            raise ValueError(f"scale {scale.id!r}: only the last band may have no max")
        self.scale = scale
        self.tables = tables
        self.missing = scale.missing
        self.bands = tuple(Band.of(b, r) for r, b in enumerate(scale.bands))
        self.last = len(scale.bands) - 1
        self.cuts: Floats = np.array([b.max for b in scale.bands[:-1]], dtype=np.float64)
        self.cut_list: list[float] = self.cuts.tolist()  # the same float64 values, one by one
        # An item's most points count towards the known maximum where it scores by levels.
        self.level_max: Floats = np.array(
            [t.max_points if t.scores_levels else 0.0 for t in tables], dtype=np.float64
        )
        self.level_max_list: list[float] = self.level_max.tolist()
        max_all = 0.0
        for t in tables:
            if t.scores_levels:
                max_all += t.max_points
        self.max_all = max_all
        self.logistic = scale.kind == "logistic"
        self.band_on = (scale.band_on or scale.horizons[0].id) if self.logistic else None
        flags = []
        for flag in scale.red_flags:
            rank = scale.band_rank(flag.minimum_band)
            results = {
                code: RedFlagResult(
                    id=flag.id,
                    label=flag.label,
                    factor=flag.source,
                    status=status,
                    minimum_band=self.bands[rank],
                )
                for code, status in _FLAG_STATUS.items()
            }
            flags.append(_Flag(flag.source, flag.at_least, rank, flag.label, results))
        self.flags = tuple(flags)
        # A band by its rank, and the band after it with the total where it starts; rank -1
        # ("no band") is the last entry, so it finds None.
        self.by_rank: tuple[Band | None, ...] = (*self.bands, None)
        self.next_band: tuple[tuple[Band | None, float | None], ...] = (
            *((self.bands[r + 1], scale.bands[r + 1].min) for r in range(self.last)),
            (None, None),  # the top band has none after it
            (None, None),  # nor has "no band"
        )
        # What every result of the scale says whatever the case, and a result holding them
        # (validated once) that the results of the cases copy.
        self.constants: dict[str, Any] = {
            "scale": scale.id,
            "title": scale.title,
            "bands": self.bands,
            "max_unknown": scale.missing.max_unknown,
            "role": scale.role,
            "kind": scale.kind,
        }
        self.template = ScaleResult(
            **self.constants,
            status=ScaleStatus.NOT_SCORED,
            total=None,
            known_points=0.0,
            prorated=False,
            total_range=None,
            score_band=None,
            band=None,
            band_floor=None,
            possible_bands=(),
            next_band=None,
            points_to_next_band=None,
            contributions=(),
            unknown_items=(),
            red_flags=(),
            horizons=(),
            band_on=None,
            reason=None,
        )
        self._outcomes: dict[tuple[_Sums, tuple[tuple[float, float], ...]], _Outcome] = {}

    def outcome(self, sums: _Sums, flag_values: tuple[tuple[float, float], ...]) -> _Outcome:
        """Return the rules' outcome for one case, from its sums and its red flags' values.

        The outcome depends on nothing else, and sums take few distinct values across a
        caseload (whole points, mostly), so outcomes are remembered as item results are
        (bounded, as there). Sums never hold -0.0 (they start from 0.0), so keys that compare
        equal give the same outcome to the bit.
        """
        key = (sums, flag_values)
        found = self._outcomes.get(key)
        if found is None:
            found = _apply_rules(self, None, sums, flag_values)
            if len(self._outcomes) < MAX_CELLS:
                self._outcomes[key] = found
        return found


class _ShownTable:
    """A shown factor's results, keyed by its value (bounded, as the item tables are)."""

    __slots__ = ("_results", "factor", "kind", "source")

    def __init__(self, factor: ShownFactor, kind: FactorKind) -> None:
        self.factor = factor
        self.source = factor.source
        self.kind = kind
        self._results: dict[object, ShownFactorResult] = {}

    def result(self, value: FactorValue) -> ShownFactorResult:
        key = _key(value)
        found = self._results.get(key)
        if found is None:
            f = self.factor
            found = ShownFactorResult(
                id=f.id,
                label=f.label,
                factor=self.source,
                kind=f.kind,
                value=value.describe(self.kind),
                known=value.known,
            )
            if key == key and len(self._results) < MAX_CELLS:  # noqa: PLR0124 - NaN
                self._results[key] = found
        return found


class BatchScores:
    """The results of scoring a batch of cases, scale by scale, as numpy arrays.

    Made by :meth:`WeightedScorer.score_batch <stalkrisk.WeightedScorer.score_batch>`.
    :meth:`assessment` rebuilds any one case's full :class:`~stalkrisk.Assessment`, equal to
    what :meth:`WeightedScorer.score <stalkrisk.WeightedScorer.score>` gives for that case.

    Examples
    --------
    >>> import stalkrisk
    >>> cases = [stalkrisk.load_example(f"EX-0{i}") for i in (1, 3)]
    >>> scores = stalkrisk.WeightedScorer().score_batch(cases)
    >>> scores.scale("serious_harm").band_ids()
    ['many', 'fewer']
    >>> scores.scale("serious_harm").total.tolist()
    [9.0, 0.0]
    >>> scores.assessment(1) == stalkrisk.score(cases[1])
    True
    """

    def __init__(
        self,
        engine: VectorisedScorer,
        cases: Sequence[Case | ItemAnswers],
        scales: tuple[ScaleScores, ...],
        cells: tuple[list[list[_Cell]], ...],
        input_kind: Literal["case", "answers"] = "case",
        *,
        values: Sequence[Values] = (),
    ) -> None:
        self._engine = engine
        self._cases = cases
        self.scales = scales
        self._cells = cells
        self._input_kind: Literal["case", "answers"] = input_kind
        self._values = values

    def __len__(self) -> int:
        return len(self._cases)

    def scale(self, scale_id: str) -> ScaleScores:
        """Return the arrays of scale ``scale_id``."""
        for s in self.scales:
            if s.scale.id == scale_id:
                return s
        raise KeyError(scale_id)

    def assessment(self, i: int) -> Assessment:
        """Build case ``i``'s full assessment (what :func:`stalkrisk.score` gives for it)."""
        engine = self._engine
        return engine._assessment(
            self._cases[i],
            [
                self._scale_result(c, s._row(i), tuple(column[i].contribution for column in cells))
                for c, s, cells in zip(engine._scales, self.scales, self._cells, strict=True)
            ],
            self._input_kind,
            self._values[i],
        )

    @staticmethod
    def _scale_result(
        c: _CompiledScale, row: _Outcome, contributions: tuple[Contribution, ...]
    ) -> ScaleResult:
        """Build one scale's result for one case: the one place a ScaleResult is made.

        ``row`` holds the case's entries as plain Python values (:meth:`ScaleScores._row` for
        a case of a batch, or :func:`_apply_rules` for one case).
        """
        scale, bands, by_rank = c.scale, c.bands, c.by_rank
        unknown = tuple([x.item for x in contributions if x.points is None])
        scored: bool = row.scored
        status: Sequence[int] = row.flag_status
        reason = None
        if not scored:
            unknown_flags = (
                [f.label for f, k in zip(c.flags, status, strict=True) if k == -1]
                if c.missing.unknown_red_flags is UnknownRedFlags.NOT_SCORED
                and row.floor_rank == _NONE
                else []
            )
            reason = not_scored_reason(scale, unknown, contributions, unknown_flags)
        next_band, start = c.next_band[row.score_rank]
        low = row.low
        logistic = c.logistic
        fields: dict[str, Any] = {
            "status": ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
            "total": row.total if scored else None,
            "known_points": row.known_points,
            "prorated": row.prorated,
            "total_range": None if math.isnan(low) else (low, row.high),
            "score_band": by_rank[row.score_rank],
            "band": by_rank[row.rank],
            "band_floor": by_rank[row.floor_rank],
            "possible_bands": bands[row.low_rank : row.high_rank + 1],
            "next_band": next_band,
            "points_to_next_band": None if start is None else start - row.banded,
            "contributions": contributions,
            "unknown_items": unknown,
            "red_flags": tuple([f.results[k] for f, k in zip(c.flags, status, strict=True)]),
            "horizons": (row.horizons if logistic else None) or (),
            "band_on": c.band_on if logistic and scored else None,
        }
        if reason is None:
            # Every value here is the engine's own, made from parts already validated (the
            # instrument, the item tables' contributions, the red flags' results, the bands),
            # so the result is a copy of the scale's validated template with them set, which
            # pydantic does not validate again: equal to ScaleResult(...) of the same values,
            # with the same fields set and the same JSON (tests/test_fast_single.py checks
            # both against the reference scorer's validated results), at half the cost. A
            # reason is text composed from many parts, with a length limit: validated.
            return c.template.model_copy(update=fields)
        return ScaleResult(**c.constants, **fields, reason=reason)


_FLAG_STATUS: dict[int, Literal["fired", "not_fired", "unknown"]] = {
    1: "fired",
    0: "not_fired",
    -1: "unknown",
}


# The rules below are written once, for a batch and for one case. For a batch every value is
# a numpy array (one entry per case); for one case it is a plain Python value (a bool, an int
# or a float), and these helpers do for it what numpy does for an array, without building
# arrays of one.


def _where(cond: Any, a: Any, b: Any) -> Any:
    """``np.where``; for one case (``cond`` a Python bool), the plain choice."""
    if cond is True:
        return a
    if cond is False:
        return b
    return np.where(cond, a, b)


def _not(x: Any) -> Any:
    """Logical not, of a bool array or a bool."""
    if x is True:
        return False
    if x is False:
        return True
    return ~x


def _maximum(a: Any, b: Any) -> Any:
    """``np.maximum`` of band ranks (integers, so the built-in ``max`` is the same)."""
    if type(a) is int and type(b) is int:
        return max(a, b)
    return np.maximum(a, b)


def _any(x: Any) -> bool:
    """Whether any entry is true."""
    return x if type(x) is bool else bool(x.any())


def _full(n: int | None, value: Any, dtype: Any) -> Any:
    """``value`` for every case of a batch of ``n``; for one case (``n`` None), ``value``."""
    return value if n is None else np.full(n, value, dtype=dtype)


def _clamp(x: Any, low: Any, high: Any) -> Any:
    """``np.minimum(np.maximum(x, low), high)`` (NaN in, NaN out), for one case as a float."""
    result = np.minimum(np.maximum(x, low), high)
    return result if isinstance(result, np.ndarray) else float(result)


def _rank_of(values: Any, c: _CompiledScale) -> Any:
    """Return each value's band index, as ``band_index`` does: bands are ``[min, max)``.

    ``bisect_right`` on the same float64 cut-points is ``searchsorted(side="right")`` for one
    value (a NaN, beyond every cut, goes last in both).
    """
    if isinstance(values, float):
        return bisect_right(c.cut_list, values)
    ranks: Ints = np.searchsorted(c.cuts, values, side="right").astype(np.intp)
    return ranks


def _horizons(c: _CompiledScale, total: float) -> tuple[tuple[HorizonResult, ...], float]:
    """Return a logistic scale's horizons for one total, and the percentage it is banded on."""
    results = tuple(horizon_result(h, total, c.scale) for h in c.scale.horizons)
    return results, next(h.percent for h in results if h.id == c.band_on)


def _logistic(c: _CompiledScale, n: int | None, scored: Any, total: Any) -> tuple[Any, Any]:
    """Return the banded percentages and the horizons, case by case with the scalar code."""
    if n is None:
        if not scored:
            return math.nan, None
        results, percent = _horizons(c, total)
        return percent, results
    horizons: list[tuple[HorizonResult, ...] | None] = [None] * n
    banded = np.full(n, np.nan)
    for i in np.flatnonzero(scored).tolist():
        horizons[i], banded[i] = _horizons(c, float(total[i]))
    return banded, tuple(horizons)


def _apply_rules(
    c: _CompiledScale, n: int | None, sums: _Sums, flag_values: Sequence[tuple[Any, Any]]
) -> _Outcome:
    """Apply a scale's rules to the sums over its items and to its red flags' values.

    The missing-data rule (totals, pro-rating, the range unknowns leave open), the red flags
    and the bands, written once: for a batch of ``n`` cases every argument is a numpy array;
    for one case (``n`` None) a plain Python value.
    """
    nan = math.nan
    missing = c.missing
    unknown_count, known_points, max_known, bounded, sum_low, sum_high = sums
    total_low = _where(bounded, sum_low, nan)
    total_high = _where(bounded, sum_high, nan)
    scored = unknown_count <= missing.max_unknown
    total = _where(scored, known_points, nan)
    if missing.method is MissingDataMethod.KNOWN_ONLY:
        # A partly known item can be sure of some points: a lower bound counts them too.
        raised = scored & bounded & (total_low > known_points)
        total = _where(raised, total_low, total)
    prorate = missing.method is MissingDataMethod.PRORATE
    prorated = scored & (unknown_count > 0) & (max_known > 0) & prorate
    if _any(prorated):
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = known_points * c.max_all / max_known
        # Partly known items can rule out low totals: never estimate outside what is possible.
        clamped = _where(bounded, _clamp(estimate, total_low, total_high), estimate)
        total = _where(prorated, clamped, total)

    # A flag fires when its value's low end reaches the threshold, does not fire when the
    # high end stays below it, and is otherwise not recorded.
    statuses = []
    floor = _full(n, _NONE, np.intp)
    could_raise = _full(n, _NONE, np.intp)
    for flag, (lows, highs) in zip(c.flags, flag_values, strict=True):
        fired = lows >= flag.at_least
        not_fired = _not(fired) & (highs < flag.at_least)
        statuses.append(_where(fired, 1, _where(not_fired, 0, -1)))
        floor = _where(fired, _maximum(floor, flag.rank), floor)
        unknown = _not(fired) & _not(not_fired)
        could_raise = _where(unknown, _maximum(could_raise, flag.rank), could_raise)
    fired = floor != _NONE
    if missing.unknown_red_flags is UnknownRedFlags.NOT_SCORED:
        flag_unknown = _full(n, False, bool)
        for status in statuses:
            flag_unknown = flag_unknown | (status == -1)
        blocked = flag_unknown & _not(fired)
        if _any(blocked):
            scored = scored & _not(blocked)
            total = _where(blocked, nan, total)
            prorated = prorated & _not(blocked)

    horizons: Any = None if n is None else (None,) * n
    banded = total
    if c.logistic:
        banded, horizons = _logistic(c, n, scored, total)

    score_rank = _where(scored, _rank_of(_where(scored, banded, 0.0), c), _NONE)
    rank = _where(scored & fired, _maximum(score_rank, floor), score_rank)
    # The bands the unknowns leave open: from the range of totals where it is known,
    # otherwise the total's band (or every band, when there is no total).
    range_known = _full(n, False, bool) if c.logistic else bounded
    low_rank = _where(
        range_known,
        _rank_of(_where(range_known, total_low, 0.0), c),
        _where(scored, score_rank, 0),
    )
    high_rank = _where(
        range_known,
        _rank_of(_where(range_known, total_high, 0.0), c),
        _where(scored, score_rank, c.last),
    )
    low_rank = _where(fired, _maximum(low_rank, floor), low_rank)
    high_rank = _where(fired, _maximum(high_rank, floor), high_rank)
    high_rank = _where(could_raise != _NONE, _maximum(high_rank, could_raise), high_rank)
    if n is not None:
        statuses_array = (
            np.stack(statuses, axis=1).astype(np.int8)
            if statuses
            else np.zeros((n, 0), dtype=np.int8)
        )
    return _Outcome(
        scored=scored,
        total=total,
        known_points=known_points,
        prorated=prorated,
        unknown_count=unknown_count,
        low=total_low,
        high=total_high,
        score_rank=score_rank,
        rank=rank,
        floor_rank=floor,
        low_rank=low_rank,
        high_rank=high_rank,
        flag_status=tuple(statuses) if n is None else statuses_array,
        horizons=horizons,
        banded=banded,
    )


class _Sums(NamedTuple):
    """The sums over a scale's items, in the scale's order: arrays for a batch, or floats."""

    unknown_count: Any
    known_points: Any
    max_known: Any
    """The most points of the known items that score by levels."""
    bounded: Any
    """Whether every item's possible points are bounded."""
    low: Any
    high: Any


def _sums(c: _CompiledScale, cells: list[list[_Cell]]) -> tuple[Floats, _Sums]:
    """Return a batch's points, and its sums over a scale's items in the scale's order."""
    n, m = (len(cells[0]) if cells else 0), len(c.tables)
    points, low, high = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
    for j, column in enumerate(cells):
        points[:, j] = [x.points for x in column]
        low[:, j] = [x.low for x in column]
        high[:, j] = [x.high for x in column]
    unknown = np.isnan(points)
    unknown_count = unknown.sum(axis=1).astype(np.intp)
    known_points = _sequential_sum(np.where(unknown, 0.0, points))
    max_known = _sequential_sum(np.where(unknown, 0.0, c.level_max))
    bounded: Bools = np.asarray(~np.isnan(low).any(axis=1), dtype=bool)
    return points, _Sums(
        unknown_count,
        known_points,
        max_known,
        bounded,
        _sequential_sum(low),
        _sequential_sum(high),
    )


def _sums_one(c: _CompiledScale, cells: list[_Cell]) -> _Sums:
    """One case's sums over a scale's items: :func:`_sums` for a batch of one, with floats.

    The same additions in the same order as ``_sequential_sum`` (from 0.0, item by item, an
    unknown item adding 0.0), so the same rounding, to the bit.
    """
    unknown_count = 0
    known_points = max_known = low = high = 0.0
    bounded = True
    for cell, level_max in zip(cells, c.level_max_list, strict=True):
        points = cell.points
        unknown = points != points  # noqa: PLR0124 - NaN: the item is unknown
        unknown_count += unknown
        known_points += 0.0 if unknown else points
        max_known += 0.0 if unknown else level_max
        if cell.low != cell.low:  # NaN: the range is unbounded
            bounded = False
        low += cell.low
        high += cell.high
    if not bounded:  # the rules set aside unbounded sums: one NaN, so a key holding it is found
        low = high = math.nan
    return _Sums(unknown_count, known_points, max_known, bounded, low, high)


def _flag_value(value: FactorValue) -> tuple[float, float]:
    """Return a red flag's value as its rule reads it: the low and high ends (NaN, infinity)."""
    low, high = value.low, value.high
    return (math.nan if low is None else float(low), math.inf if high is None else float(high))


class VectorisedScorer:
    """Score many cases at once with one instrument (see the module docstring)."""

    def __init__(self, instrument: Instrument, ref: InstrumentRef) -> None:
        self.instrument = instrument
        self.ref = ref
        kinds = {item.id: instrument.item_kind(item) for item in instrument.items}
        tables = {item.id: _ItemTable(item, kinds[item.id]) for item in instrument.items}
        self._tables = tuple(tuple(tables[i] for i in s.items) for s in instrument.scales)
        self._scales = tuple(
            _CompiledScale(s, t) for s, t in zip(instrument.scales, self._tables, strict=True)
        )
        self._shown = tuple(
            _ShownTable(f, instrument.source_kind(f.source)[0]) for f in instrument.shown_factors
        )

    def score(
        self,
        cases: Sequence[Case | ItemAnswers],
        values: Sequence[Values],
        input_kind: Literal["case", "answers"] = "case",
    ) -> BatchScores:
        """Score ``cases`` (or answers), whose source values are ``values`` (one per case)."""
        scales = []
        all_cells = []
        for c in self._scales:
            cells = [[t.cell(v) for v in values] for t in c.tables]
            scales.append(self._scale(c, cells, values))
            all_cells.append(cells)
        return BatchScores(self, cases, tuple(scales), tuple(all_cells), input_kind, values=values)

    def score_one(
        self,
        case: Case | ItemAnswers,
        values: Values,
        input_kind: Literal["case", "answers"] = "case",
    ) -> Assessment:
        """Score one case (or answers): :meth:`score` of a batch of one, with Python values.

        The same item tables and the same rules (:func:`_apply_rules`), without building
        numpy arrays of one entry; the property tests check it equals ``score([case],
        [values]).assessment(0)`` to the bit.
        """
        results = []
        for c in self._scales:
            cells = [t.cell(values) for t in c.tables]
            flag_values = tuple([_flag_value(values[f.source]) for f in c.flags])
            row = c.outcome(_sums_one(c, cells), flag_values)
            contributions = tuple([cell.contribution for cell in cells])
            results.append(BatchScores._scale_result(c, row, contributions))
        return self._assessment(case, results, input_kind, values)

    def _assessment(
        self,
        case: Case | ItemAnswers,
        scales: list[ScaleResult],
        input_kind: Literal["case", "answers"],
        values: Values,
    ) -> Assessment:
        """Build a case's assessment from its scales' results: the one place one is made."""
        return Assessment(
            case_id=case.case_id,
            assessment_date=case.assessment_date,
            synthetic=case.synthetic,
            schema_version=case.schema_version,
            instrument=self.ref,
            library_version=__version__,
            scales=tuple(scales),
            input_kind=input_kind,
            shown_factors=tuple([t.result(values[t.source]) for t in self._shown]),
        )

    @staticmethod
    def _scale(
        c: _CompiledScale, cells: list[list[_Cell]], values: Sequence[Values]
    ) -> ScaleScores:
        n = len(values)
        points, sums = _sums(c, cells)
        flag_values = []
        for f in c.flags:
            pairs = [_flag_value(v[f.source]) for v in values]
            lows, highs = zip(*pairs, strict=True) if pairs else ((), ())
            flag_values.append(
                (np.array(lows, dtype=np.float64), np.array(highs, dtype=np.float64))
            )
        o = _apply_rules(c, n, sums, flag_values)
        counted = ~np.isnan(points) & (points != 0)
        key = np.where(counted, -points, np.inf)
        return ScaleScores(
            ranking=np.argsort(key, axis=1, kind="stable").astype(np.intp),
            ranked=counted.sum(axis=1).astype(np.intp),
            scale=c.scale,
            bands=c.bands,
            scored=o.scored,
            total=o.total,
            known_points=o.known_points,
            prorated=o.prorated,
            unknown_count=o.unknown_count,
            low=o.low,
            high=o.high,
            score_rank=np.asarray(o.score_rank).astype(np.intp),
            rank=np.asarray(o.rank).astype(np.intp),
            floor_rank=np.asarray(o.floor_rank).astype(np.intp),
            low_rank=np.asarray(o.low_rank).astype(np.intp),
            high_rank=np.asarray(o.high_rank).astype(np.intp),
            flag_status=o.flag_status,
            points=points,
            horizons=o.horizons,
            banded=o.banded,
        )
