"""Risk bands and the one function that places a total in a band."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

from stalkrisk._internal.validation import plain_line, plain_text

__all__ = ["Band", "BandSpec", "band_index"]

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class BandSpec(BaseModel):
    """A band in an instrument: a label and the half-open range of totals ``[min, max)``.

    ``min`` of the first band may be omitted (no lower bound) and ``max`` of the last band
    must be omitted (no upper bound), so the bands of a scale cover every total.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    """Identifier, e.g. ``"high"``."""
    label: Annotated[str, Field(min_length=1, max_length=80), AfterValidator(plain_line)]
    """Label shown in reports, e.g. ``"High"``."""
    min: Annotated[float, Strict(), Field(allow_inf_nan=False)] | None = None
    """Smallest total in the band (inclusive)."""
    max: Annotated[float, Strict(), Field(allow_inf_nan=False)] | None = None
    """Total at which the next band starts (exclusive)."""
    description: Annotated[str, Field(max_length=2000), AfterValidator(plain_text)] = ""
    """What the band means, in the instrument's words."""

    def describe_range(self) -> str:
        """Describe the band's totals in words.

        Examples
        --------
        >>> BandSpec(id="moderate", label="Moderate", min=4, max=8).describe_range()
        '4 to under 8'
        >>> BandSpec(id="high", label="High", min=8).describe_range()
        '8 or more'
        """

        def num(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else str(x)

        if self.min is None:
            return "any total" if self.max is None else f"under {num(self.max)}"
        if self.max is None:
            return f"{num(self.min)} or more"
        return f"{num(self.min)} to under {num(self.max)}"


class Band(BaseModel):
    """A band as it appears in a result: its id, label, rank (0 is the lowest) and range.

    ``min`` and ``max`` are the band's cut-points (``[min, max)``, as in the instrument), so a
    report or a chart can draw the bands from the result alone.

    Examples
    --------
    >>> Band(id="high", label="High", rank=2, min=8) > Band(id="low", label="Low", rank=0)
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    label: Annotated[str, Field(max_length=80), AfterValidator(plain_line)]
    rank: Annotated[int, Field(ge=0, le=100)]
    min: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The smallest total (or percentage) in the band; ``None``: no lower bound."""
    max: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """Where the next band starts; ``None``: no upper bound."""

    @classmethod
    def of(cls, spec: BandSpec, rank: int) -> Band:
        """Return the result band of an instrument's band at ``rank``.

        Examples
        --------
        >>> Band.of(BandSpec(id="moderate", label="Moderate", min=4, max=8), 1)
        Band(id='moderate', label='Moderate', rank=1, min=4.0, max=8.0)
        """
        return cls(id=spec.id, label=spec.label, rank=rank, min=spec.min, max=spec.max)

    def __lt__(self, other: Band) -> bool:
        return self.rank < other.rank

    def __gt__(self, other: Band) -> bool:
        return self.rank > other.rank

    def __le__(self, other: Band) -> bool:
        return self.rank <= other.rank

    def __ge__(self, other: Band) -> bool:
        return self.rank >= other.rank


def band_index(total: float, bands: Sequence[BandSpec]) -> int:
    """Return the index of the band whose ``[min, max)`` range holds ``total``.

    The bands must be ordered and contiguous, as the instrument loader guarantees.

    Examples
    --------
    >>> bands = [BandSpec(id="low", label="Low", max=4),
    ...          BandSpec(id="moderate", label="Moderate", min=4, max=8),
    ...          BandSpec(id="high", label="High", min=8)]
    >>> [band_index(t, bands) for t in (0, 3.99, 4, 7.5, 8, 40)]
    [0, 0, 1, 1, 2, 2]
    """
    if math.isnan(total):
        raise ValueError("a total cannot be NaN")
    for i, band in enumerate(bands):
        if band.max is None or total < band.max:
            return i
    return len(bands) - 1
