"""The contribution chart of one scale, with its band cut-points (needs ``stalkrisk[plot]``).

matplotlib is imported only inside these functions. Figures are built with
:class:`matplotlib.figure.Figure` and an Agg canvas, never through ``pyplot``, so drawing a
chart neither changes the global backend nor registers a figure with pyplot. The SVG is
deterministic: a fixed hash salt per scale, no date in the metadata, matplotlib's default
style, and text drawn as paths.

Every piece of text is drawn as plain text, never parsed as mathtext or TeX: an instrument's
labels may contain ``$``, backslashes, ``^`` or ``_`` and are drawn exactly as written. The text is
created with ``text.parse_math`` and ``text.usetex`` off, and every text object in the finished
figure (tick labels included) is set to plain text again before it is returned.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from stalkrisk.assessment import Assessment, ScaleResult, fmt_points
from stalkrisk.bands import Band, BandSpec
from stalkrisk.instruments import Instrument, bundled_instruments

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CHART_FAILED",
    "NO_CUT_POINTS",
    "PLOT_EXTRA",
    "contribution_chart",
    "contribution_svg",
]

#: The message of the ImportError raised when matplotlib is missing.
PLOT_EXTRA = (
    "the contribution chart needs matplotlib, which is not installed: pip install 'stalkrisk[plot]'"
)

#: Raised (as ValueError) when the instrument's cut-points cannot be found.
NO_CUT_POINTS = (
    "the band cut-points of instrument {id} {version} (sha256 {sha}) are not available: it is "
    "not the bundled instrument with that hash; pass instrument= the file it was scored with"
)

#: Raised (as RuntimeError, the cause chained) when drawing or saving a chart fails. Fixed, so
#: that no label or value reaches a report through an exception's text.
CHART_FAILED = "the chart could not be drawn"

#: rcParams under which a chart's text is created and drawn: plain text, no mathtext, no TeX.
_PLAIN_TEXT: dict[str, Any] = {"text.parse_math": False, "text.usetex": False}

# Band shading, lowest band first: light to dark, readable in greyscale and when printed.
_BAND_COLOURS = ("#e8f1e4", "#fdf0d0", "#f8d5cc", "#eab3b3", "#d99090")
_KNOWN = "#2f4f7f"
_UNKNOWN_EDGE = "#7a7a7a"


def _matplotlib() -> Any:
    try:
        import matplotlib  # noqa: PLC0415 - the [plot] extra is optional
    except ImportError as exc:
        raise ImportError(PLOT_EXTRA) from exc
    return matplotlib


def _band_specs(
    assessment: Assessment, scale_id: str, instrument: Instrument | None
) -> Sequence[Band | BandSpec]:
    """Return the scale's bands with their cut-points, from the result itself.

    Only a result made before bands carried their cut-points (a format-1 record) needs the
    instrument it was scored with.
    """
    s = assessment.scale(scale_id)
    if len(s.bands) == 1 or any(b.min is not None or b.max is not None for b in s.bands):
        return s.bands
    ref = assessment.instrument
    inst = instrument if instrument is not None else bundled_instruments().get(ref.id)
    if inst is None or ref.sha256 not in (inst.sha256, inst.legacy_sha256):
        raise ValueError(NO_CUT_POINTS.format(id=ref.id, version=ref.version, sha=ref.sha256[:12]))
    return list(inst.scale(scale_id).bands)


def _cuts(bands: Sequence[Band | BandSpec]) -> list[float]:
    return [b.min for b in bands if b.min is not None]


def _draw_items(ax: Any, s: ScaleResult) -> None:
    labels = [c.label for c in s.contributions]
    ys = list(range(len(labels)))[::-1]
    for y, c in zip(ys, s.contributions, strict=True):
        if c.points is not None:
            ax.barh(y, c.points, color=_KNOWN, height=0.6)
            text = f"{c.points:+.3f}" if s.kind == "logistic" else fmt_points(c.points)
            ax.annotate(
                text,
                (c.points, y),
                xytext=(3 if c.points >= 0 else -3, 0),
                textcoords="offset points",
                ha="left" if c.points >= 0 else "right",
                va="center",
                fontsize=7,
            )
        else:
            lo, hi = c.possible_points if c.possible_points is not None else (0.0, 1.0)
            ax.barh(
                y,
                hi - lo,
                left=lo,
                color="white",
                edgecolor=_UNKNOWN_EDGE,
                hatch="///",
                height=0.6,
                linewidth=0.8,
            )
            ax.annotate(
                "? unknown",
                (hi, y),
                xytext=(3, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=7,
                color="#444444",
            )
    ax.set_yticks(ys, labels, fontsize=7.5)
    ax.axvline(0, color="#333333", linewidth=0.6)
    ax.set_xlabel("Log-odds contribution" if s.kind == "logistic" else "Points", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    lo_x, hi_x = ax.get_xlim()
    ax.set_xlim(min(lo_x, 0), hi_x + (hi_x - min(lo_x, 0)) * 0.15)


def _draw_bands(ax: Any, s: ScaleResult, bands: Sequence[Band | BandSpec]) -> None:
    cuts = _cuts(bands)
    if s.kind == "logistic":
        banded = next((h for h in s.horizons if h.id == s.band_on), None)
        value = banded.percent if banded else None
        lo_range = hi_range = value
        x_min, x_max = 0.0, 100.0
        unit = f"% ({banded.label})" if banded else "%"
    else:
        value = s.total
        lo_range, hi_range = s.total_range if s.total_range is not None else (None, None)
        top = max([*cuts, value or 0.0, hi_range or 0.0, 1.0])
        x_min, x_max = 0.0, top * 1.15 + 1
        unit = " points"
    edges = [x_min, *cuts, x_max]
    for i, band in enumerate(bands):
        left, right = edges[i], edges[i + 1]
        ax.axvspan(left, right, color=_BAND_COLOURS[min(i, len(_BAND_COLOURS) - 1)], lw=0)
        ax.text(
            (left + right) / 2,
            0.95,
            band.label,
            ha="center",
            va="top",
            fontsize=8.5,
            transform=ax.get_xaxis_transform(),
        )
    for cut in cuts:
        ax.axvline(cut, color="#333333", linewidth=1, linestyle="--")
        ax.text(
            cut,
            1.02,
            f"cut-point {fmt_points(cut)}",
            ha="center",
            va="bottom",
            fontsize=7,
            transform=ax.get_xaxis_transform(),
        )
    if lo_range is not None and hi_range is not None and lo_range != hi_range:
        ax.plot(
            [lo_range, hi_range],
            [0.22, 0.22],
            color=_UNKNOWN_EDGE,
            linewidth=2.5,
            transform=ax.get_xaxis_transform(),
            solid_capstyle="butt",
            marker="|",
            markersize=8,
        )
        right_half = (lo_range + hi_range) / 2 > (x_min + x_max) / 2
        ax.text(
            hi_range if right_half else lo_range,
            0.08,
            "range of totals if the unknown items were known",
            va="center",
            ha="right" if right_half else "left",
            fontsize=7,
            color="#333333",
            transform=ax.get_xaxis_transform(),
        )
    if value is not None:
        ax.plot(
            [value, value],
            [0.3, 0.7],
            color="black",
            linewidth=3,
            transform=ax.get_xaxis_transform(),
        )
        label = (
            f"total {fmt_points(value)}{unit}" if s.kind == "sum" else f"{fmt_points(value)}{unit}"
        )
        if s.prorated:
            label += " (pro-rated)"
        right = value > (x_min + x_max) / 2
        ax.text(
            value,
            0.5,
            f"{label}  " if right else f"  {label}",
            ha="right" if right else "left",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            transform=ax.get_xaxis_transform(),
        )
    else:
        ax.text(
            0.01,
            0.55,
            "Not scored: too much is unknown",
            ha="left",
            va="center",
            fontsize=8,
            fontweight="bold",
            transform=ax.transAxes,
            bbox={"facecolor": "white", "edgecolor": "#555555", "pad": 2},
        )
    raised = s.band is not None and (s.score_band is None or s.band > s.score_band)
    if raised and s.band is not None and s.fired_red_flags:
        flags = ", ".join(f.label for f in s.fired_red_flags)
        ax.text(
            0.99,
            0.5,
            f"Raised to {s.band.label} by red flag:\n{flags}",
            ha="right",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color="#8b0000",
            transform=ax.transAxes,
            bbox={"facecolor": "white", "edgecolor": "#8b0000", "pad": 2},
        )
    ax.set_xlim(x_min, x_max)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(
        "Band of the "
        + ("banded probability" if s.kind == "logistic" else "total")
        + ", with the cut-points (dashed)",
        fontsize=8,
    )


def contribution_chart(
    assessment: Assessment, scale_id: str, *, instrument: Instrument | None = None
) -> Figure:
    """Return a matplotlib figure of one scale's contributions and its band cut-points.

    The upper panel shows each item's points (unknown items hatched over the points they
    could score); the lower panel shows the total against the bands, with the cut-points
    dashed and the range that the unknown items leave open. Every label is drawn as plain
    text, exactly as written: ``$``, backslashes, ``^`` and ``_`` are never read as mathtext
    or TeX. The figure is not registered with ``pyplot``; save it with ``figure.savefig(...)``.

    Parameters
    ----------
    assessment : Assessment
        The assessment.
    scale_id : str
        The scale to draw.
    instrument : Instrument, optional
        Needed only for an assessment made before results carried their bands' cut-points
        (a format-1 record) with an instrument that is not bundled: the cut-points are then
        read from it, and its hash must match the assessment's.

    Raises
    ------
    ImportError
        Without matplotlib (``pip install 'stalkrisk[plot]'``).
    KeyError
        If the assessment has no such scale.
    ValueError
        If the instrument's cut-points are not available.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.report import contribution_chart
    >>> a = stalkrisk.score(stalkrisk.load_example("EX-07"))
    >>> figure = contribution_chart(a, "serious_harm")
    >>> [ax.get_xlabel() for ax in figure.axes]
    ['Points', 'Band of the total, with the cut-points (dashed)']
    """
    s = assessment.scale(scale_id)
    bands = _band_specs(assessment, scale_id, instrument)
    _matplotlib()
    return _figure(s, bands, assessment.instrument.validation_status)


def _plain_text(figure: Figure) -> None:
    """Draw every text object of the figure as plain text: no mathtext, no TeX."""
    from matplotlib.text import Text  # noqa: PLC0415

    for text in figure.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def _figure(s: ScaleResult, bands: Sequence[Band | BandSpec], status: str) -> Figure:
    from matplotlib import style  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    with style.context(["default", _PLAIN_TEXT]):
        n = len(s.contributions)
        figure = Figure(figsize=(7.5, 0.24 * n + 2.2), layout="constrained")
        FigureCanvasAgg(figure)
        items_ax, bands_ax = figure.subplots(
            2, 1, gridspec_kw={"height_ratios": [max(n, 1) * 0.24 + 0.4, 1.3]}
        )
        _draw_items(items_ax, s)
        _draw_bands(bands_ax, s, bands)
        final = s.final_band.label if s.final_band else "not scored"
        computed = s.band.label if s.band else "not scored"
        title = f"{s.title}: computed band {computed}"
        if s.override is not None:
            title += f", final band {final} (override)"
        if status == "illustrative":
            title += "\nIllustrative weights: not tested against outcomes"
        elif status == "locally_fitted":
            title += f"\nValidation status: {status.replace('_', ' ')}"
        figure.suptitle(title, fontsize=9.5, fontweight="bold")
        _plain_text(figure)
    return figure


_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


def contribution_svg(
    assessment: Assessment, scale_id: str, *, instrument: Instrument | None = None
) -> str:
    """Return the chart as an inline ``<svg>`` element: deterministic, no XML prologue.

    Parameters
    ----------
    assessment : Assessment
        The assessment.
    scale_id : str
        The scale to draw.
    instrument : Instrument, optional
        As for :func:`contribution_chart`: needed only for an old result (see there).

    Returns
    -------
    str
        The ``<svg>`` element, its text drawn as paths.

    Raises
    ------
    ImportError
        Without matplotlib (``pip install 'stalkrisk[plot]'``).
    KeyError
        If the assessment has no such scale.
    ValueError
        If the instrument's cut-points are not available (:data:`NO_CUT_POINTS`).
    RuntimeError
        If drawing or saving the chart fails for any other reason; the message is always
        :data:`CHART_FAILED`, and the original exception is chained as its cause.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.report._chart import contribution_svg
    >>> a = stalkrisk.score(stalkrisk.load_example("EX-07"))
    >>> contribution_svg(a, "serious_harm").startswith("<svg")
    True
    """
    s = assessment.scale(scale_id)
    bands = _band_specs(assessment, scale_id, instrument)
    mpl = _matplotlib()
    buffer = io.StringIO()
    rc = {"svg.hashsalt": f"stalkrisk-{scale_id}", "svg.fonttype": "path", **_PLAIN_TEXT}
    try:
        figure = _figure(s, bands, assessment.instrument.validation_status)
        with mpl.rc_context(rc):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    except Exception as exc:  # any failure becomes one fixed message, free of case data
        raise RuntimeError(CHART_FAILED) from exc
    return _PROLOGUE.sub("", buffer.getvalue(), count=1).strip()
