"""Plain-language explanations of assessments: why each scale has its band.

Every explanation names each item's contribution, every unknown item, every red flag, the
instrument's validation status and the decision-support notice. It contains the pseudonymous
case id and no other case content beyond the factor values it explains.
"""

from __future__ import annotations

from stalkrisk.assessment import Assessment, ScaleResult, ScaleStatus, fmt_points

__all__ = ["explain", "render_text"]


def _points(x: float) -> str:
    return f"{fmt_points(x)} point{'' if x == 1 else 's'}"


def _band_phrase(s: ScaleResult) -> str:
    # The band's label as the instrument writes it: never upper-cased.
    computed = s.band.label if s.band else "not scored"
    if s.override is None:
        return computed
    return f"{s.override.final_band.label} after professional override (computed: {computed})"


def _override_lines(s: ScaleResult) -> list[str]:
    lines: list[str] = []
    for o in s.overrides:
        computed = o.computed_band.label if o.computed_band else "not scored"
        lines.append(
            f"  Professional override: {o.final_band.label} (computed: {computed}); "
            f"reason code {o.reason_code.value}; assessor {o.assessor}."
        )
        lines.append(f"    Reasons: {o.reason}")
    return lines


def _header_lines(s: ScaleResult) -> list[str]:
    lines: list[str] = []
    n_items = len(s.contributions)
    if s.status is ScaleStatus.SCORED and s.total is not None:
        how = ""
        if s.prorated:
            how = (
                f" (pro-rated from {_points(s.known_points)} on the "
                f"{n_items - len(s.unknown_items)} known items)"
            )
        lines.append(f"{s.title}: {_band_phrase(s)}")
        lines += _override_lines(s)
        band_of_total = s.score_band.label if s.score_band else ""
        if s.kind == "logistic":
            lines.append(
                f"  Linear predictor (log-odds, before the horizon constant): {s.total:.4f}"
            )
            for h in s.horizons:
                marker = "  <- banded" if h.id == s.band_on else ""
                lines.append(
                    f"  {h.label}: {fmt_points(h.percent)}% "
                    f"(log-odds {h.log_odds:.4f} with constant {h.constant:g}){marker}"
                )
            lines.append(f"  {band_of_total} band.")
        else:
            lines.append(f"  Total {fmt_points(s.total)}{how}: {band_of_total} band.")
        raised = s.band is not None and s.score_band is not None and s.band > s.score_band
        if raised:
            fired = ", ".join(f.label for f in s.fired_red_flags)
            lines.append(
                f"  Raised to {s.band.label if s.band else ''} by red flag: {fired}. "
                "A red flag sets this band whatever the total, and calls for a practitioner's "
                "review."
            )
        below_next = s.next_band is not None and s.band is not None and s.band < s.next_band
        if below_next and s.next_band is not None and s.points_to_next_band is not None:
            more = (
                f"{fmt_points(s.points_to_next_band)} percentage points"
                if s.kind == "logistic"
                else _points(s.points_to_next_band)
            )
            lines.append(f"  {more} more would reach the {s.next_band.label} band.")
    else:
        lines.append(f"{s.title}: {_band_phrase(s)}")
        lines += _override_lines(s)
        lines.append(f"  {s.reason}")
        if s.band_floor is not None:
            fired = ", ".join(f.label for f in s.fired_red_flags)
            lines.append(
                f"  Red flag fired ({fired}): whatever the unknown items, the band is at least "
                f"{s.band_floor.label}."
            )
    return lines


def _scale_lines(s: ScaleResult) -> list[str]:
    lines = _header_lines(s)
    n_items = len(s.contributions)
    lines.append("  Contributions:")
    for c in s.contributions:
        if c.points is None:
            if c.possible_points is not None:
                lo, hi = c.possible_points
                why = f"; {c.note}" if c.note and c.note not in c.value else ""
                detail = f"could score {fmt_points(lo)} to {fmt_points(hi)}{why}"
            elif c.note:
                detail = f"cannot be scored: {c.note}"
            else:
                detail = "could score any amount"
            lines.append(f"       ?  {c.label}: {c.value} ({detail})")
        else:
            points = (
                f"{c.points:+.4f}"
                if s.kind == "logistic"
                else (f"{'+' if c.points > 0 else ' '}{fmt_points(c.points):>5}")
            )
            level = f" [{c.level}]" if c.level == "not applicable" else ""
            lines.append(f"  {points}  {c.label}: {c.value}{level}")
    if s.unknown_items:
        lines.append(
            f"  Unknown: {len(s.unknown_items)} of {n_items} items "
            f"(this scale tolerates {s.max_unknown}). Unknown is never read as absent."
        )
    if s.total_range is not None and s.kind == "sum" and s.total_range[0] != s.total_range[1]:
        lo, hi = s.total_range
        bands = " to ".join(dict.fromkeys((s.possible_bands[0].label, s.possible_bands[-1].label)))
        lines.append(
            f"  If the unknown items were known, the total would lie between {fmt_points(lo)} "
            f"and {fmt_points(hi)}; the band could be {bands}."
        )
    fired_flags = [f.label for f in s.red_flags if f.status == "fired"]
    unknown_flags = [f.label for f in s.red_flags if f.status == "unknown"]
    if s.red_flags:
        lines.append(f"  Red flags fired: {', '.join(fired_flags) if fired_flags else 'none'}.")
        if unknown_flags:
            lines.append(
                f"  Red flags not recorded (could not be checked): {', '.join(unknown_flags)}."
            )
    return lines


def explain(assessment: Assessment) -> str:
    """Explain, scale by scale, why the assessment has its bands.

    Examples
    --------
    >>> import stalkrisk
    >>> text = stalkrisk.explain(stalkrisk.score(stalkrisk.load_example("EX-01")))
    >>> print(text.splitlines()[0])
    Persistence of the current episode: Several factors
    """
    blocks = ["\n".join(_scale_lines(s)) for s in assessment.scales]
    if assessment.shown_factors:
        blocks.append("\n".join(shown_factor_lines(assessment)))
    return "\n\n".join(blocks)


def shown_factor_lines(assessment: Assessment) -> list[str]:
    """Lines listing the instrument's shown factors: protective factors and context.

    They are shown beside the scores and never change them. Empty when the instrument
    shows none.

    Examples
    --------
    >>> import stalkrisk
    >>> lines = shown_factor_lines(stalkrisk.score(stalkrisk.load_example("EX-01")))
    >>> print(lines[0])
    Shown beside the scores, never scored:
    """
    if not assessment.shown_factors:
        return []
    lines = ["Shown beside the scores, never scored:"]
    for kind, title in (("protective", "Protective factors"), ("context", "Context")):
        entries = [f for f in assessment.shown_factors if f.kind == kind]
        if entries:
            lines.append(f"  {title}:")
            lines += [f"    {f.label}: {f.value}" for f in entries]
    return lines


def render_text(assessment: Assessment) -> str:
    """Render one assessment's explanation as plain text: what ``stalkrisk score`` prints.

    It names the case, the instrument (id, version and content hash), its validation status,
    the explanation of every scale (:func:`explain`: every contribution, unknown and red
    flag), and the decision-support notice. For a document for a bail hearing or a
    pre-sentence report, in text, Markdown or HTML, use
    :func:`stalkrisk.report.render_report`.

    Examples
    --------
    >>> import stalkrisk
    >>> report = stalkrisk.render_text(stalkrisk.score(stalkrisk.load_example("EX-01")))
    >>> "not validated on outcomes" in report
    True
    """
    a = assessment
    i = a.instrument
    head = [
        f"Case {a.case_id}  (assessed {a.assessment_date.isoformat()})"
        + ("  [SYNTHETIC: a fictional case]" if a.synthetic else ""),
        f"Instrument: {i.title} {i.version} ({i.id}, sha256 {i.sha256[:12]}), "
        f"stalkrisk {a.library_version}",
        f"Validation: {i.validation_status}. {i.validation_statement}",
        "",
    ]
    return "\n".join(head) + "\n" + explain(a) + "\n\n" + a.notice + "\n"
