"""The scoring engine: cases' factor values in, numpy arrays of totals and bands out.

Every case stalkrisk scores goes through this engine: :func:`stalkrisk.score` scores a batch
of one, :meth:`~stalkrisk.WeightedScorer.score_batch` many. :meth:`BatchScores.assessment`
builds a case's full :class:`~stalkrisk.Assessment` (explanation included), in the one
function that makes a :class:`~stalkrisk.ScaleResult`. ``tests/test_vectorised.py`` checks
every result against ``tests/reference_scorer.py``, the same rules written out item by item,
case for case and to the last bit.

How it gets there faster:

* an item's result depends only on the values of the factors it reads, which take few
  distinct values across a caseload, so each item keeps a table from those values to its
  points, possible range and reported contribution, and most items are looked up, not scored;
* a scale's totals, unknown counts, pro-rating, ranges, red flags and bands are computed for
  all the cases at once with numpy. Sums run item by item in the instrument's order, as the
  single-case scorer adds them, so floating-point rounding is the same;
* logistic scales compute their percentages case by case with the single-case code, because
  rounding half up on exact binary values is not something numpy does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

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
from stalkrisk.instruments import Instrument, Item, MissingDataMethod, Scale, UnknownRedFlags
from stalkrisk.schemas import Case, ItemAnswers

__all__ = ["BatchScores", "ScaleScores", "VectorisedScorer"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]

_NONE = -1  # "no band" in the rank arrays
#: The most results one item keeps in its table (each is a few hundred bytes).
MAX_CELLS = 4096


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
        self._cells: dict[tuple[FactorValue, ...], _Cell] = {}
        # Items that read one factor whose value is one of the three shared binary values
        # (features._BINARY_VALUES, which live as long as the process) are looked up by
        # the value's identity: no tuple to build and no hash to compute in Python.
        self._single = self.sources[0] if len(self.sources) == 1 else None
        self._shared: dict[int, _Cell] = {}

    def cell(self, values: Values) -> _Cell:
        if self._single is not None:
            value = values[self._single]
            found = self._shared.get(id(value))
            if found is not None:
                return found
            found = self._lookup((value,), values)
            if id(value) in _SHARED_BINARY_IDS:
                self._shared[id(value)] = found
            return found
        return self._lookup(tuple([values[s] for s in self.sources]), values)

    def _lookup(self, key: tuple[FactorValue, ...], values: Values) -> _Cell:
        cell = self._cells.get(key)
        if cell is None:
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
    out as the loop's ``0.0``.
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
        case = self._cases[i]
        return Assessment(
            case_id=case.case_id,
            assessment_date=case.assessment_date,
            synthetic=case.synthetic,
            schema_version=case.schema_version,
            instrument=self._engine.ref,
            library_version=__version__,
            scales=tuple(
                self._scale_result(s, cells, i)
                for s, cells in zip(self.scales, self._cells, strict=True)
            ),
            input_kind=self._input_kind,
            shown_factors=self._shown_factors(i),
        )

    def _shown_factors(self, i: int) -> tuple[ShownFactorResult, ...]:
        instrument = self._engine.instrument
        if not instrument.shown_factors:
            return ()
        values = self._values[i]
        results = []
        for f in instrument.shown_factors:
            value = values[f.source]
            kind = instrument.source_kind(f.source)[0]
            results.append(
                ShownFactorResult(
                    id=f.id,
                    label=f.label,
                    factor=f.source,
                    kind=f.kind,
                    value=value.describe(kind),
                    known=value.known,
                )
            )
        return tuple(results)

    @staticmethod
    def _scale_result(s: ScaleScores, cells: list[list[_Cell]], i: int) -> ScaleResult:
        """Build one scale's result for case ``i``: the one place a ScaleResult is made."""
        scale, bands = s.scale, s.bands
        contributions = tuple(column[i].contribution for column in cells)
        unknown = tuple(c.item for c in contributions if c.points is None)
        scored = bool(s.scored[i])
        reason = None
        if not scored:
            unknown_flags = (
                [f.label for k, f in enumerate(scale.red_flags) if s.flag_status[i, k] == -1]
                if scale.missing.unknown_red_flags is UnknownRedFlags.NOT_SCORED
                and s.floor_rank[i] == _NONE
                else []
            )
            reason = not_scored_reason(scale, unknown, contributions, unknown_flags)
        flags = tuple(
            RedFlagResult(
                id=flag.id,
                label=flag.label,
                factor=flag.source,
                status=_FLAG_STATUS[int(s.flag_status[i, k])],
                minimum_band=bands[scale.band_rank(flag.minimum_band)],
            )
            for k, flag in enumerate(scale.red_flags)
        )

        def band(rank: int) -> Band | None:
            return None if rank == _NONE else bands[rank]

        score_rank = int(s.score_rank[i])
        next_rank = None if score_rank == _NONE or score_rank + 1 >= len(bands) else score_rank + 1
        to_next = None
        if next_rank is not None:
            start = scale.bands[next_rank].min
            to_next = None if start is None else start - float(s.banded[i])
        low, high = float(s.low[i]), float(s.high[i])
        logistic = scale.kind == "logistic"
        horizons = s.horizons[i] if logistic else None
        return ScaleResult(
            scale=scale.id,
            title=scale.title,
            status=ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
            total=float(s.total[i]) if scored else None,
            known_points=float(s.known_points[i]),
            prorated=bool(s.prorated[i]),
            total_range=None if math.isnan(low) else (low, high),
            score_band=band(score_rank),
            band=band(int(s.rank[i])),
            band_floor=band(int(s.floor_rank[i])),
            possible_bands=bands[int(s.low_rank[i]) : int(s.high_rank[i]) + 1],
            next_band=None if next_rank is None else bands[next_rank],
            points_to_next_band=to_next,
            contributions=contributions,
            unknown_items=unknown,
            max_unknown=scale.missing.max_unknown,
            red_flags=flags,
            reason=reason,
            bands=bands,
            role=scale.role,
            kind=scale.kind,
            horizons=horizons or (),
            band_on=(scale.band_on or scale.horizons[0].id) if logistic and scored else None,
        )


_FLAG_STATUS: dict[int, Literal["fired", "not_fired", "unknown"]] = {
    1: "fired",
    0: "not_fired",
    -1: "unknown",
}


def _rank_of(values: Floats, scale: Scale) -> Ints:
    """Return each value's band index, as ``band_index`` does: bands are ``[min, max)``."""
    cuts = np.array([b.max for b in scale.bands[:-1]], dtype=np.float64)
    return np.searchsorted(cuts, values, side="right").astype(np.intp)


@dataclass(frozen=True, slots=True)
class _Totals:
    """A scale's sums over its items, for every case."""

    points: Floats
    unknown_count: Ints
    known_points: Floats
    bounded: Bools
    low: Floats
    high: Floats
    scored: Bools
    total: Floats
    prorated: Bools


def _totals(scale: Scale, tables: tuple[_ItemTable, ...], cells: list[list[_Cell]]) -> _Totals:
    n, m = (len(cells[0]) if cells else 0), len(tables)
    points, low, high = np.empty((n, m)), np.empty((n, m)), np.empty((n, m))
    for j, column in enumerate(cells):
        points[:, j] = [c.points for c in column]
        low[:, j] = [c.low for c in column]
        high[:, j] = [c.high for c in column]
    unknown = np.isnan(points)
    unknown_count = unknown.sum(axis=1).astype(np.intp)
    known_points = _sequential_sum(np.where(unknown, 0.0, points))
    levels = np.array([t.scores_levels for t in tables], dtype=bool)
    max_points = np.array([t.max_points for t in tables], dtype=np.float64)
    max_all = 0.0
    for t in tables:
        if t.scores_levels:
            max_all += t.max_points
    max_known = _sequential_sum(np.where(~unknown & levels, max_points, 0.0))
    bounded: Bools = np.asarray(~np.isnan(low).any(axis=1), dtype=bool)
    total_low = np.where(bounded, _sequential_sum(low), np.nan)
    total_high = np.where(bounded, _sequential_sum(high), np.nan)

    scored = unknown_count <= scale.missing.max_unknown
    total = np.where(scored, known_points, np.nan)
    if scale.missing.method is MissingDataMethod.KNOWN_ONLY:
        # A partly known item can be sure of some points: a lower bound counts them too.
        raised = scored & bounded & (total_low > known_points)
        total = np.where(raised, total_low, total)
    prorate = scale.missing.method is MissingDataMethod.PRORATE
    prorated = scored & (unknown_count > 0) & (max_known > 0) & prorate
    if prorated.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = known_points * max_all / max_known
        # Partly known items can rule out low totals: never estimate outside what is possible.
        clamped = np.where(
            bounded, np.minimum(np.maximum(estimate, total_low), total_high), estimate
        )
        total = np.where(prorated, clamped, total)
    return _Totals(
        points, unknown_count, known_points, bounded, total_low, total_high, scored, total, prorated
    )


def _logistic(
    scale: Scale, totals: _Totals
) -> tuple[Floats, tuple[tuple[HorizonResult, ...] | None, ...]]:
    """Return the banded percentages and the horizons, case by case with the scalar code."""
    n = totals.total.shape[0]
    horizons: list[tuple[HorizonResult, ...] | None] = [None] * n
    banded = np.full(n, np.nan)
    band_on = scale.band_on or scale.horizons[0].id
    for i in np.flatnonzero(totals.scored).tolist():
        results = tuple(horizon_result(h, float(totals.total[i]), scale) for h in scale.horizons)
        horizons[i] = results
        banded[i] = next(h.percent for h in results if h.id == band_on)
    return banded, tuple(horizons)


def _red_flags(scale: Scale, values: Sequence[Values]) -> tuple[npt.NDArray[np.int8], Ints, Ints]:
    """Return each flag's status per case, the band floor, and the band an unknown flag could set.

    A flag fires when its value's low end reaches the threshold, does not fire when the high
    end stays below it, and is otherwise not recorded.
    """
    n = len(values)
    status = np.zeros((n, len(scale.red_flags)), dtype=np.int8)
    floor = np.full(n, _NONE, dtype=np.intp)
    could_raise = np.full(n, _NONE, dtype=np.intp)
    for k, flag in enumerate(scale.red_flags):
        rank = scale.band_rank(flag.minimum_band)
        source = flag.source
        lows = np.array([_or(v[source].low, np.nan) for v in values], dtype=np.float64)
        highs = np.array([_or(v[source].high, np.inf) for v in values], dtype=np.float64)
        fired = lows >= flag.at_least
        not_fired = ~fired & (highs < flag.at_least)
        status[:, k] = np.where(fired, 1, np.where(not_fired, 0, -1))
        floor = np.where(fired, np.maximum(floor, rank), floor)
        could_raise = np.where(~fired & ~not_fired, np.maximum(could_raise, rank), could_raise)
    return status, floor, could_raise


class VectorisedScorer:
    """Score many cases at once with one instrument (see the module docstring)."""

    def __init__(self, instrument: Instrument, ref: InstrumentRef) -> None:
        self.instrument = instrument
        self.ref = ref
        kinds = {item.id: instrument.item_kind(item) for item in instrument.items}
        tables = {item.id: _ItemTable(item, kinds[item.id]) for item in instrument.items}
        self._tables = tuple(tuple(tables[i] for i in s.items) for s in instrument.scales)
        for s in instrument.scales:
            if any(b.max is None for b in s.bands[:-1]):  # the loader rules this out
                raise ValueError(f"scale {s.id!r}: only the last band may have no max")

    def score(
        self,
        cases: Sequence[Case | ItemAnswers],
        values: Sequence[Values],
        input_kind: Literal["case", "answers"] = "case",
    ) -> BatchScores:
        """Score ``cases`` (or answers), whose source values are ``values`` (one per case)."""
        scales = []
        all_cells = []
        for scale, tables in zip(self.instrument.scales, self._tables, strict=True):
            cells = [[t.cell(v) for v in values] for t in tables]
            scales.append(self._scale(scale, tables, cells, values))
            all_cells.append(cells)
        return BatchScores(self, cases, tuple(scales), tuple(all_cells), input_kind, values=values)

    @staticmethod
    def _scale(
        scale: Scale,
        tables: tuple[_ItemTable, ...],
        cells: list[list[_Cell]],
        values: Sequence[Values],
    ) -> ScaleScores:
        n = len(values)
        totals = _totals(scale, tables, cells)
        flag_status, floor, could_raise = _red_flags(scale, values)
        fired = floor != _NONE
        if scale.missing.unknown_red_flags is UnknownRedFlags.NOT_SCORED:
            blocked = (flag_status == -1).any(axis=1) & ~fired
            if blocked.any():
                totals = replace(
                    totals,
                    scored=totals.scored & ~blocked,
                    total=np.where(blocked, np.nan, totals.total),
                    prorated=totals.prorated & ~blocked,
                )
        logistic = scale.kind == "logistic"
        horizons: tuple[tuple[HorizonResult, ...] | None, ...] = (None,) * n
        banded = totals.total
        if logistic:
            banded, horizons = _logistic(scale, totals)

        scored = totals.scored
        score_rank = np.where(scored, _rank_of(np.where(scored, banded, 0.0), scale), _NONE)
        rank = np.where(scored & fired, np.maximum(score_rank, floor), score_rank)
        # The bands the unknowns leave open: from the range of totals where it is known,
        # otherwise the total's band (or every band, when there is no total).
        last = len(scale.bands) - 1
        range_known = np.zeros(n, dtype=bool) if logistic else totals.bounded
        low_rank = np.where(
            range_known,
            _rank_of(np.where(range_known, totals.low, 0.0), scale),
            np.where(scored, score_rank, 0),
        )
        high_rank = np.where(
            range_known,
            _rank_of(np.where(range_known, totals.high, 0.0), scale),
            np.where(scored, score_rank, last),
        )
        low_rank = np.where(fired, np.maximum(low_rank, floor), low_rank)
        high_rank = np.where(fired, np.maximum(high_rank, floor), high_rank)
        high_rank = np.where(could_raise != _NONE, np.maximum(high_rank, could_raise), high_rank)

        counted = ~np.isnan(totals.points) & (totals.points != 0)
        key = np.where(counted, -totals.points, np.inf)
        return ScaleScores(
            ranking=np.argsort(key, axis=1, kind="stable").astype(np.intp),
            ranked=counted.sum(axis=1).astype(np.intp),
            scale=scale,
            bands=tuple(Band.of(b, r) for r, b in enumerate(scale.bands)),
            scored=scored,
            total=totals.total,
            known_points=totals.known_points,
            prorated=totals.prorated,
            unknown_count=totals.unknown_count,
            low=totals.low,
            high=totals.high,
            score_rank=score_rank.astype(np.intp),
            rank=rank.astype(np.intp),
            floor_rank=floor,
            low_rank=low_rank.astype(np.intp),
            high_rank=high_rank.astype(np.intp),
            flag_status=flag_status,
            points=totals.points,
            horizons=horizons,
            banded=banded,
        )


def _or(x: float | None, default: float) -> float:
    return default if x is None else x
