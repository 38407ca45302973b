"""Reports for a bail hearing or a pre-sentence report: plain text, Markdown or HTML.

:func:`render_report` renders an :class:`~stalkrisk.Assessment` (with any professional
override, and optionally a model's probability and an OGRS3 result) for one of two contexts:

- ``"bail"``: the grounds of the Bail Act 1976 (offending on bail, interference with
  witnesses, injury to an associated person) and para 9; information relevant to conditions;
  multi-agency status; the structured judgement; safety-planning prompts; red flags, unknowns
  and the information not yet available.
- ``"sentencing"``: what has changed since bail; persistence and recurrence; the facts
  relevant to the sentencing guidelines; a risk of serious harm input block; treatment need;
  requirements; ancillary orders; management; multi-agency status, the structured judgement
  and safety-planning prompts; red flags, unknowns and open questions.

Every report shows the case id (and a synthetic marker), the instrument's id, version, sha256
and validation status, both the computed and the final band of every scale with any override's
reasons, every contribution and every unknown, the audit hashes, and the decision-support
notice. No report states or proposes a decision about bail, liberty or sentence. The same
inputs always give byte-identical output.

The HTML page is self-contained (no scripts, no external files) and prints on A4; with
matplotlib (``pip install 'stalkrisk[plot]'``) it embeds a contribution chart per scale as
inline SVG, and without it says plainly that the charts were left out.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from stalkrisk._internal.public import export
from stalkrisk.assessment import Assessment
from stalkrisk.audit import AssessmentRecord
from stalkrisk.instruments import Instrument
from stalkrisk.judgement import Judgement
from stalkrisk.report._chart import PLOT_EXTRA, contribution_chart, contribution_svg
from stalkrisk.report._content import CONTEXTS, Context, build_document
from stalkrisk.report._document import Chart
from stalkrisk.report._html import ChartRenderer, render_html
from stalkrisk.report._model_result import LOCALLY_FITTED_STATEMENT, ModelResult
from stalkrisk.report._text import document_markdown, document_text
from stalkrisk.schemas import Case

__all__ = [
    "CONTEXTS",
    "FORMATS",
    "LOCALLY_FITTED_STATEMENT",
    "PLOT_EXTRA",
    "ModelResult",
    "contribution_chart",
    "render_report",
]

Format = Literal["text", "markdown", "html"]

#: The output formats of :func:`render_report`.
FORMATS: tuple[Format, ...] = ("text", "markdown", "html")

#: What the HTML says when matplotlib is missing.
NO_MATPLOTLIB = "matplotlib is not installed; install it with pip install 'stalkrisk[plot]'"


def _chart_drawer(assessment: Assessment, instrument: Instrument | None) -> ChartRenderer:
    def draw(chart: Chart) -> tuple[str | None, str | None]:
        try:
            return contribution_svg(assessment, chart.scale_id, instrument=instrument), None
        except ImportError:
            return None, NO_MATPLOTLIB
        except ValueError as exc:
            return None, str(exc)

    return draw


def render_report(
    assessment: Assessment,
    context: Context = "bail",
    format: Format = "text",
    *,
    case: Case | None = None,
    model: ModelResult | None = None,
    ogrs3: Assessment | None = None,
    record: AssessmentRecord | None = None,
    generated_at: dt.datetime | dt.date | None = None,
    instrument: Instrument | None = None,
    charts: bool = True,
    judgement: Judgement | None = None,
    earlier: Assessment | None = None,
    earlier_case: Case | None = None,
    earlier_judgement: Judgement | None = None,
    complete: bool = False,
) -> str:
    """Render a report of ``assessment`` for a bail hearing or a pre-sentence report.

    Parameters
    ----------
    assessment : Assessment
        The assessment, with any professional overrides (``Assessment.with_override``).
    context : {"bail", "sentencing"}
        ``"bail"`` follows the grounds of the Bail Act 1976 (offending on bail, interference
        with witnesses, injury to an associated person, then para 9) and adds information
        relevant to conditions; ``"sentencing"`` (a pre-sentence report) leads with
        persistence and recurrence, the facts relevant to the sentencing guidelines, a risk of
        serious harm input block, treatment need, requirements and ancillary orders.
    format : {"text", "markdown", "html"}
        Plain text (78 columns), Markdown, or a self-contained HTML page.
    case : Case, optional
        The case assessed. With it, the report lists indicators and questions from every
        recorded factor (not only those the instrument scores) and shows the input hash.
    model : ModelResult, optional
        A model's probability, shown beside the bands with its own validation statement.
    ogrs3 : Assessment, optional
        An OGRS3 assessment of the same case (``stalkrisk.score(case, "ogrs3")``).
    record : AssessmentRecord, optional
        The audit record of this assessment; its hashes are shown. It must hold exactly
        this assessment (and, when ``case`` is given, be of this case).
    generated_at : datetime or date, optional
        Shown as the date the report was prepared. Reports carry no timestamp otherwise,
        so the same inputs give byte-identical output.
    instrument : Instrument, optional
        The instrument file the assessment was scored with, when it is not bundled: the
        charts read its cut-points.
    charts : bool, default True
        Include a contribution chart per scale (drawn in HTML only).
    judgement : Judgement, optional
        The practitioner's structured professional judgement of this case, shown in its own
        sections (it never changes a band). It must be of this case and, when ``case`` is
        given and the judgement names a ``case_sha256``, of this version of it.
    earlier : Assessment, optional
        An earlier assessment of the same case (at bail): a pre-sentence report then shows
        what has changed since (:func:`stalkrisk.compare`).
    earlier_case : Case, optional
        The case as it was at the earlier assessment, so that changed facts are listed too.
    earlier_judgement : Judgement, optional
        The judgement made at the earlier assessment, so that changed judgements are listed.
    complete : bool, default False
        Mark the report complete. Refused unless the case records every multi-agency check
        (MARAC, MAPPA, an advocate, the police call-out and children's-services checks), even
        as not made; without it the report says it is a draft and what is missing.

    Returns
    -------
    str
        The report.

    Raises
    ------
    ValueError
        If ``context`` or ``format`` is unknown, or ``case``, ``ogrs3``, ``record``,
        ``judgement`` or ``earlier`` does not belong to ``assessment``.
    stalkrisk.ReportIncompleteError
        If ``complete`` is true and a multi-agency check is not recorded.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.report import render_report
    >>> case = stalkrisk.load_example("EX-07")
    >>> a = stalkrisk.score(case)
    >>> text = render_report(a, "bail", "text", case=case)
    >>> print(text.splitlines()[0])
    STALKING RISK INFORMATION FOR A BAIL HEARING
    >>> stalkrisk.DECISION_SUPPORT_NOTICE in " ".join(text.split())
    True
    >>> page = render_report(a, "sentencing", "html", case=case, charts=False)
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page
    (True, False)
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    doc = build_document(
        assessment,
        context,
        case=case,
        model=model,
        ogrs3=ogrs3,
        record=record,
        generated_at=generated_at,
        charts=charts,
        judgement=judgement,
        earlier=earlier,
        earlier_case=earlier_case,
        earlier_judgement=earlier_judgement,
        complete=complete,
    )
    if format == "text":
        return document_text(doc)
    if format == "markdown":
        return document_markdown(doc)
    return render_html(doc, _chart_drawer(assessment, instrument))


export(__name__, __all__, globals())
