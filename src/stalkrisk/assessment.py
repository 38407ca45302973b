"""Result objects: :class:`Assessment` and its parts. Immutable, and carry what produced them."""

from __future__ import annotations

import datetime as dt
import html
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from stalkrisk.bands import Band

__all__ = [
    "DECISION_SUPPORT_NOTICE",
    "Assessment",
    "Contribution",
    "InstrumentRef",
    "RedFlagResult",
    "ScaleResult",
    "ScaleStatus",
]

#: Shown with every result: the library supports a professional's judgement and decides nothing.
DECISION_SUPPORT_NOTICE = (
    "This assessment supports a professional's judgement; it is not a decision about bail, "
    "sentence or any person's liberty or safety."
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


class InstrumentRef(_Result):
    """The exact instrument that produced a result."""

    id: str
    version: str
    sha256: str
    title: str
    validation_status: str
    validation_statement: str


class Contribution(_Result):
    """What one item contributed to one scale.

    ``points`` is ``None`` when the item is unknown; ``possible_points`` then gives the range
    it could have scored.
    """

    item: str
    label: str
    factor: str
    value: str
    """The factor's value in words: ``"present"``, ``"3"``, ``"at least 2"``, ``"unknown"``."""
    level: str | None
    """The level that fired, or ``None`` when unknown."""
    points: float | None
    possible_points: tuple[float, float]

    @property
    def known(self) -> bool:
        """True when the item was scored."""
        return self.points is not None


class RedFlagResult(_Result):
    """Whether a red flag fired: ``"fired"``, ``"not_fired"`` or ``"unknown"`` (not recorded)."""

    id: str
    label: str
    factor: str
    status: Literal["fired", "not_fired", "unknown"]
    minimum_band: Band


class ScaleStatus(StrEnum):
    """Whether a scale could be scored under its missing-data rule."""

    SCORED = "scored"
    NOT_SCORED = "not_scored"


class ScaleResult(_Result):
    """One scale's result: total, band, every contribution, every unknown, every red flag."""

    scale: str
    title: str
    status: ScaleStatus
    total: float | None
    """The total used for banding (pro-rated where the rule says so); ``None`` if not scored."""
    known_points: float
    """The sum of the points of the known items."""
    prorated: bool
    """True when the total was pro-rated for unknown items."""
    total_range: tuple[float, float]
    """The lowest and highest totals possible if the unknown items were known."""
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
    reason: str | None
    """Why the scale was not scored, if it was not."""

    @property
    def fired_red_flags(self) -> tuple[RedFlagResult, ...]:
        """The red flags that fired."""
        return tuple(f for f in self.red_flags if f.status == "fired")


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
    <Assessment DOC-3 stalkrisk-screen@1.0.0: continued_stalking=not scored, ...>
    """

    case_id: str
    assessment_date: dt.date
    synthetic: bool
    schema_version: str
    instrument: InstrumentRef
    library_version: str
    scales: tuple[ScaleResult, ...]
    notice: str = DECISION_SUPPORT_NOTICE

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

    def explain(self) -> str:
        """Explain in plain language why each scale has its band (:func:`stalkrisk.explain`)."""
        # explain builds on this module, so it is imported here to avoid an import cycle.
        from stalkrisk.explain import explain  # noqa: PLC0415

        return explain(self)

    def __repr__(self) -> str:
        parts = ", ".join(f"{s.scale}={s.band.id if s.band else 'not scored'}" for s in self.scales)
        return (
            f"<Assessment {self.case_id} {self.instrument.id}@{self.instrument.version}: {parts}>"
        )

    def __str__(self) -> str:
        return repr(self)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(s.title)}</td><td>{e(s.band.label if s.band else 'not scored')}</td>"
            f"<td>{e(fmt_points(s.total) if s.total is not None else '-')}</td>"
            f"<td>{len(s.unknown_items)}</td>"
            f"<td>{e(', '.join(f.label for f in s.fired_red_flags) or '-')}</td></tr>"
            for s in self.scales
        )
        return (
            f"<table><caption>Case {e(self.case_id)}: {e(self.instrument.title)} "
            f"{e(self.instrument.version)}</caption>"
            "<tr><th>Scale</th><th>Band</th><th>Total</th><th>Unknown items</th>"
            f"<th>Red flags</th></tr>{rows}</table>"
            f"<p><em>{e(self.instrument.validation_statement)}</em></p>"
            f"<p><em>{e(self.notice)}</em></p>"
        )
