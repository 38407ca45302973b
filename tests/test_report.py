"""stalkrisk.report: bail and pre-sentence reports in text, Markdown and HTML; charts; CLI."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.cli import main
from stalkrisk.report import (
    CONTEXTS,
    FORMATS,
    PLOT_EXTRA,
    ModelResult,
    contribution_chart,
    render_report,
)
from stalkrisk.report._content import COURT_VALIDITY
from stalkrisk.report._text import md

from .conftest import EXAMPLES, ROOT

COURT_CASES = sorted((EXAMPLES / "bail").glob("*-at-*.json")) + sorted(
    (EXAMPLES / "sentencing").glob("*-at-*.json")
)
COURT_CASES = [p for p in COURT_CASES if "judgement" not in p.name]
REASON = "Police report a new threat made yesterday <script>alert(1)</script> | *bold*."
WHEN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
#: The instrument whose scales, bands and totals these tests name, pinned so that a new default
#: changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"
#: Reports that must hold for any instrument are checked with the pinned one and the default.
SCREENS = (SCREEN_1, stalkrisk.DEFAULT_INSTRUMENT)

#: Phrasing that would state or propose a decision about liberty, bail or sentence.
FORBIDDEN = [
    r"\bshould be (remanded|released|detained|imprisoned|sentenced|bailed|granted|refused)\b",
    r"\b(must|should|ought to) (be )?(remand|detain|release|imprison|sentence|jail)",
    r"\bremand(ed)? in(to)? custody\b",
    r"\brecommend",
    r"\badvise[sd]? (that|the court)",
    r"\bgrant",
    r"\brefus",
    r"\bwe (suggest|propose)",
    r"\b(bail|custody|a custodial sentence|release) (is|would be) (appropriate|inappropriate|"
    r"warranted|justified|necessary)",
    r"\bthe court should\b",
    r"\bdeny bail\b",
    r"\bis (safe|unsafe) to release\b",
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _all_cases() -> list[stalkrisk.Case]:
    cases = list(stalkrisk.load_examples())
    cases += [stalkrisk.Case.model_validate_json(p.read_text()) for p in COURT_CASES]
    return cases


def _with_override(a: stalkrisk.Assessment) -> stalkrisk.Assessment:
    """Override serious harm to its top band (``high`` on stalkrisk-screen 1.0.0)."""
    top = a.scale("serious_harm").bands[-1].id
    return a.with_override("serious_harm", top, "imminent_risk_indicators", REASON, "PO-117")


def _model() -> ModelResult:
    return ModelResult(
        probability=0.4321,
        outcome="continued stalking within 12 months",
        model_id="service-model-2025.json",
        sha256="ab" * 32,
        validation="Fitted to 2019-2023 referrals of one service; not validated elsewhere.",
        band="moderate",
        top_contributions=(("protective_order_breaches", 0.61), ("escalating", 0.4)),
    )


# --- what every report shows ------------------------------------------------------------------


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_shows_what_it_must(context: str, fmt: str) -> None:
    for case in _all_cases():
        a = stalkrisk.score(case)
        record = stalkrisk.AssessmentRecord.from_assessment(a, case, created_at=WHEN)
        text = render_report(a, context, fmt, case=case, record=record, charts=False)  # type: ignore[arg-type]
        flat = _flat(html.unescape(text) if fmt == "html" else text)
        i = a.instrument
        assert case.case_id in flat
        assert ("SYNTHETIC" in flat) == case.synthetic
        for needle in (i.id, i.version, i.sha256, i.validation_status, record.record_sha256):
            assert needle in flat, (case.case_id, needle)
        assert record.input_sha256 in flat
        assert _flat(stalkrisk.DECISION_SUPPORT_NOTICE) in flat
        assert COURT_VALIDITY in flat
        for s in a.scales:
            assert f"Computed band: {s.band.label if s.band else 'not scored'}" in flat
            assert "Final band: " in flat
            for c in s.contributions:
                if fmt != "text":  # text tables wrap long labels across lines
                    assert (md(c.label) if fmt == "markdown" else c.label) in text or (
                        c.label in flat
                    ), c.label
            for c in s.contributions:
                if not c.known:  # every unknown is listed by name, in every format
                    label = md(c.label) if fmt == "markdown" else c.label
                    assert f"{label}: " in (text if fmt == "markdown" else flat), c.label


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_override_shows_both_bands_reason_code_reasons_and_assessor(fmt: str) -> None:
    case = stalkrisk.load_example("EX-07")
    a = stalkrisk.score(case, SCREEN_1).with_override(
        "continued_stalking", "moderate", "information_not_captured", REASON, "PO-117"
    )
    text = render_report(a, "bail", fmt, case=case, charts=False)  # type: ignore[arg-type]
    flat = _flat(html.unescape(text) if fmt == "html" else text.replace("\\", ""))
    assert "Computed band: Low (total 3)" in flat
    assert (
        "Final band: Moderate, set by professional override (assessor PO-117; reason code "
        "information_not_captured)"
    ) in flat
    assert "Police report a new threat made yesterday" in flat
    if fmt != "text":  # the text table wraps the cell over two lines
        assert "Moderate (professional override)" in flat


def test_a_report_without_the_case_says_it_cannot_be_matched() -> None:
    a = stalkrisk.score(stalkrisk.load_example("EX-02"))
    text = _flat(render_report(a, "bail", "text"))
    assert "carries no input or record hash and cannot be matched to a case file" in text
    assert "The case was not given to this report" in text
    assert "Report status: draft: cannot be marked complete until recorded: the case itself" in (
        text
    )
    text = _flat(render_report(a, "sentencing", "text"))
    assert "only the factors that the instrument's items read are shown" in text


def test_no_timestamp_unless_given() -> None:
    case = stalkrisk.load_example("EX-01")
    a = stalkrisk.score(case)
    plain = render_report(a, "bail", "text", case=case)
    assert "Report prepared" not in plain
    dated = render_report(a, "bail", "text", case=case, generated_at=dt.date(2026, 2, 3))
    assert "Report prepared:" in dated
    assert "2026-02-03" in dated


@pytest.mark.parametrize("instrument", SCREENS)
def test_text_reports_fit_78_columns(instrument: str) -> None:
    for case in _all_cases():
        a = _with_override(stalkrisk.score(case, instrument))
        for context in CONTEXTS:
            text = render_report(
                a, context, "text", case=case, ogrs3=stalkrisk.score(case, "ogrs3")
            )
            too_long = [line for line in text.splitlines() if len(line) > 78]
            assert not too_long, (case.case_id, too_long[:2])


# --- never a decision -------------------------------------------------------------------------


def test_forbidden_phrasing_is_caught_by_the_scanner() -> None:
    for bad in (
        "He should be remanded in custody.",
        "We recommend bail with conditions.",
        "The defendant must be detained.",
        "The court should grant bail.",
        "Refuse bail.",
        "Bail is appropriate here.",
    ):
        assert any(re.search(p, bad, re.IGNORECASE) for p in FORBIDDEN), bad


@pytest.mark.parametrize("instrument", SCREENS)
def test_no_report_states_or_proposes_a_decision(instrument: str) -> None:
    model = _model()
    for case in _all_cases():
        computed = stalkrisk.score(case, instrument)
        ogrs3 = stalkrisk.score(case, "ogrs3")
        for a in (computed, _with_override(computed)):
            for context in CONTEXTS:
                for fmt in FORMATS:
                    text = render_report(
                        a,
                        context,
                        fmt,
                        case=case,
                        model=model,
                        ogrs3=ogrs3,
                        charts=False,  # type: ignore[arg-type]
                    )
                    plain = _flat(html.unescape(text)).replace("\\", "")
                    for pattern in FORBIDDEN:
                        found = re.search(pattern, plain, re.IGNORECASE)
                        assert found is None, (case.case_id, context, fmt, found.group(0))


# --- context ----------------------------------------------------------------------------------


def _order(text: str, *titles: str) -> list[int]:
    return [text.index(f"## {t}\n") for t in titles]


def test_bail_leads_with_serious_harm_and_sentencing_with_persistence() -> None:
    case = stalkrisk.load_example("EX-10")
    a = stalkrisk.score(case, SCREEN_1)
    bail = render_report(a, "bail", "markdown", case=case, charts=False)
    order = _order(
        bail,
        "Bands at a glance",
        "Offending on bail: the risk of further stalking",
        "Interference with witnesses: the victim is the principal witness",
        "Physical or mental injury to an associated person",
        "Character, antecedents and previous bail",
        "Managing the risk on bail: information relevant to conditions",
        "Red flags",
        "What is unknown, and what it could change",
        "Information not yet available (for police, CPS or probation to obtain)",
    )
    assert order == sorted(order)
    glance = bail[bail.index("## Bands at a glance") :]
    assert glance.index("| Serious harm |") < glance.index("| Continued stalking or recurrence |")
    assert "## Persistence and recurrence" not in bail

    psr = render_report(a, "sentencing", "markdown", case=case, charts=False)
    order = _order(
        psr,
        "Bands at a glance",
        "Persistence and recurrence",
        "Treatment need",
        "Management considerations",
        "Red flags",
    )
    assert order == sorted(order)
    glance = psr[psr.index("## Bands at a glance") :]
    assert glance.index("| Continued stalking or recurrence |") < glance.index("| Serious harm |")
    assert "Physical or mental injury to an associated person" not in psr


def test_imminence_indicators_come_from_the_case() -> None:
    case = stalkrisk.load_example("EX-01")
    text = _flat(render_report(stalkrisk.score(case), "bail", "text", case=case))
    current = text[text.index("Current and recent indicators") : text.index("History (earlier")]
    for indicator in (
        "Threats to kill in this episode",
        "A countdown or deadline",
        "An attempt to pay or persuade someone else to harm",
    ):
        assert f"- {indicator}" in current
        assert f"{indicator}: not recorded" not in current
        assert f"{indicator}: recorded as absent" not in current


def test_bail_questions_always_include_the_standard_ones_and_the_case_specific_ones() -> None:
    for case in _all_cases():
        text = _flat(render_report(stalkrisk.score(case), "bail", "text", case=case))
        questions = text[
            text.index("Information not yet available (for police, CPS or probation to obtain)") :
        ]
        for q in (
            "Has a psychiatric assessment been requested or obtained?",
            "Has a victim risk assessment been requested or completed",
            "What is the victim's own view of the risk, and has the victim been asked?",
            "What is the history of protective orders",
        ):
            assert q in questions, (case.case_id, q)
    early = stalkrisk.load_example("EX-04")
    text = _flat(render_report(stalkrisk.score(early), "bail", "text", case=early))
    assert "Has the following been asked about: strangulation? It is not recorded" in text
    assert "Pending charges are not recorded." in text
    assert "No mental-health assessment is recorded for this case." in text


def test_treatment_need_is_a_consideration_pointing_to_stalking_specific_work() -> None:
    persistent = stalkrisk.load_example("EX-10")
    text = _flat(render_report(stalkrisk.score(persistent), "sentencing", "text", case=persistent))
    assert (
        "For consideration: whether a stalking-specific intervention is available, rather "
        "than a generic domestic-abuse programme alone." in text
    )
    assert "No stalking-specific treatment is recorded as received." in text
    assert "fewer than 10% of those convicted received any treatment" in text
    brief = stalkrisk.load_example("EX-03")  # low on both scales, nearly everything absent
    text = _flat(render_report(stalkrisk.score(brief), "sentencing", "text", case=brief))
    assert "The factors point to the stalking itself" not in text


def test_unknowns_say_what_they_could_change() -> None:
    case = stalkrisk.load_example("EX-08")
    text = _flat(render_report(stalkrisk.score(case, SCREEN_1), "bail", "text", case=case))
    assert (
        "the total would lie between 5 and 9. The band could be Moderate to High: the "
        "unknowns could change the picture." in text
    )
    assert "Personality disorder: not recorded (could score 0 to 1)" in text
    not_scored = stalkrisk.load_example("EX-04")
    text = _flat(
        render_report(stalkrisk.score(not_scored, SCREEN_1), "bail", "text", case=not_scored)
    )
    assert "This scale is not scored: 13 items are unknown and the scale tolerates 4." in text
    assert (
        "Red flag not recorded: Strangulation. If present, the band would be at least High." in text
    )


def test_not_scored_for_an_unknown_red_flag_says_so() -> None:
    record = json.loads(stalkrisk.load_example("EX-03").model_dump_json())
    record["episode"]["strangulation"] = "unknown"
    case = stalkrisk.Case.model_validate(record)
    text = _flat(render_report(stalkrisk.score(case), "bail", "text", case=case))
    assert (
        "This scale is not scored: its rule does not score it while a red flag is not "
        "recorded (Strangulation) and none has fired." in text
    )


# --- extras: model, OGRS3, audit ------------------------------------------------------------


def test_model_probability_is_shown_with_its_own_validation_label() -> None:
    case = stalkrisk.load_example("EX-09")
    text = _flat(render_report(stalkrisk.score(case), "sentencing", "text", model=_model()))
    assert "Probability: 43.2%" in text
    assert "service-model-2025.json" in text
    assert "ab" * 32 in text
    assert "Fitted to 2019-2023 referrals of one service; not validated elsewhere." in text
    assert "not a statement about what this person will do" in text


def test_model_result_from_a_saved_model(tmp_path: Path) -> None:
    from stalkrisk.model import CaseEncoder, LogisticRiskModel, save_model
    from stalkrisk.synthetic import cohort

    data = cohort(300, seed=3)
    factors = ["previous_convictions", "protective_order_breaches", "escalating"]
    encoder = CaseEncoder(factors).fit(list(data.cases))
    model = LogisticRiskModel(random_state=0).fit(
        encoder.transform(list(data.cases)), list(data.outcomes)
    )
    path = tmp_path / "model.json"
    save_model(model, path, encoder=encoder)
    case = stalkrisk.load_example("EX-10")
    result = ModelResult.from_model_file(path, case, outcome="the synthetic outcome")
    row = encoder.transform([case])
    assert result.probability == pytest.approx(float(model.predict_proba(row)[0, 1]))
    assert result.model_id == "model.json"
    assert len(result.sha256) == 64
    assert result.validation.startswith("Weights fitted to local outcome data")
    assert len(result.top_contributions) == 3


def test_ogrs3_is_shown_beside_the_stalking_scales() -> None:
    case = stalkrisk.load_example("EX-09")
    text = _flat(
        render_report(
            stalkrisk.score(case), "bail", "text", case=case, ogrs3=stalkrisk.score(case, "ogrs3")
        )
    )
    assert "General reoffending (OGRS3)" in text
    assert "Computed band: Low (22% at 2 years)" in text
    assert "does not measure continued stalking or serious harm" in text


def test_parts_that_do_not_belong_are_refused() -> None:
    case = stalkrisk.load_example("EX-01")
    a = stalkrisk.score(case, SCREEN_1)
    other = stalkrisk.load_example("EX-02")
    with pytest.raises(ValueError, match="case_id differs"):
        render_report(a, "bail", "text", case=other)
    with pytest.raises(ValueError, match="OGRS3 assessment is of another case"):
        render_report(a, "bail", "text", ogrs3=stalkrisk.score(other, "ogrs3"))
    record = stalkrisk.AssessmentRecord.from_assessment(a, case, created_at=WHEN)
    with pytest.raises(ValueError, match="different assessment"):
        render_report(_with_override(a), "bail", "text", record=record)
    with pytest.raises(ValueError, match="context must be one of bail, sentencing"):
        render_report(a, "trial", "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be one of text, markdown, html"):
        render_report(a, "bail", "pdf")  # type: ignore[arg-type]


# --- HTML: self-contained, escaped, deterministic, with charts -------------------------------


def test_html_is_self_contained_and_escapes_everything() -> None:
    case = stalkrisk.load_example("EX-01")
    a = _with_override(stalkrisk.score(case, SCREEN_1))
    page = render_report(a, "bail", "html", case=case)
    assert page.startswith("<!DOCTYPE html>")
    for external in ("<script", "<link", "@import", "src=", 'href="http', "<img"):
        assert external not in page, external
    assert not re.search(r'xlink:href="(?!#)', page)
    assert not re.search(r"url\((?!#)", page)  # only references inside the page's own SVG
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "@page { size: A4" in page
    assert "@media print" in page
    markdown = render_report(a, "bail", "markdown", case=case)
    assert "\\<script\\>" in markdown
    assert "\\| \\*bold\\*" in markdown


def test_html_embeds_one_deterministic_inline_svg_chart_per_scale() -> None:
    case = stalkrisk.load_example("EX-08")
    a = stalkrisk.score(case)
    page = render_report(a, "sentencing", "html", case=case)
    assert page.count("<svg") == len(a.scales)
    assert "<?xml" not in page
    assert "<dc:date>" not in page
    assert page == render_report(a, "sentencing", "html", case=case)
    code = (
        "import sys, stalkrisk; from stalkrisk.report import render_report; "
        "c = stalkrisk.load_example('EX-08'); "
        "sys.stdout.write(render_report(stalkrisk.score(c), 'sentencing', 'html', case=c))"
    )
    other_process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert other_process == page


def test_without_matplotlib_the_html_says_the_charts_were_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    case = stalkrisk.load_example("EX-07")
    page = render_report(stalkrisk.score(case, SCREEN_1), "bail", "html", case=case)
    assert "<svg" not in page
    assert page.count("the chart was left out because matplotlib is not installed") == 2
    assert "pip install &#x27;stalkrisk[plot]&#x27;" in page
    with pytest.raises(ImportError, match=re.escape(PLOT_EXTRA)):
        contribution_chart(stalkrisk.score(case, SCREEN_1), "serious_harm")


def test_contribution_chart_draws_the_cut_points_without_touching_pyplot() -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    a = stalkrisk.score(stalkrisk.load_example("EX-07"), SCREEN_1)
    figure = contribution_chart(a, "serious_harm")
    assert matplotlib.get_backend() == backend
    assert plt.get_fignums() == figures
    items, bands = figure.axes
    dashed = [line.get_xdata()[0] for line in bands.get_lines() if line.get_linestyle() == "--"]
    assert dashed == [5, 10]
    texts = [t.get_text() for t in bands.texts]
    assert {"Low", "Moderate", "High", "cut-point 5", "cut-point 10"} <= set(texts)
    assert any("Raised to High by red flag" in t for t in texts)
    assert [t.get_text() for t in items.get_yticklabels()] == [
        c.label for c in a.scale("serious_harm").contributions
    ]


def test_a_chart_of_an_instrument_that_is_not_bundled_is_drawn_from_the_result(
    tmp_path: Path,
) -> None:
    inst = stalkrisk.load_instrument(SCREEN_1)
    data = inst.model_dump(mode="json")
    data["id"] = "local-screen"
    path = tmp_path / "local.json"
    path.write_text(json.dumps(data))
    local = stalkrisk.load_instrument(path)
    case = stalkrisk.load_example("EX-09")
    a = stalkrisk.score(case, local)
    # the result's bands carry their cut-points: the report needs no instrument file
    assert all(b.min is not None or b.max is not None for s in a.scales for b in s.bands)
    page = render_report(a, "bail", "html", case=case)
    assert "the chart was left out" not in page
    assert page.count("<svg") == 2
    assert page == render_report(a, "bail", "html", case=case, instrument=local)


def test_repr_html_shows_the_synthetic_marker_and_overrides() -> None:
    a = _with_override(stalkrisk.score(stalkrisk.load_example("EX-03"), SCREEN_1))
    fragment = a._repr_html_()
    assert fragment.startswith("<table>")
    assert "[SYNTHETIC: a fictional case]" in fragment
    assert "reason code imminent_risk_indicators; assessor PO-117" in fragment
    assert "&lt;script&gt;" in fragment
    assert "<script>" not in fragment


# --- the command line -------------------------------------------------------------------------

EX07 = str(EXAMPLES / "EX-07-strangulation-history.json")


def test_cli_report_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", EX07, "--context", "bail"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("STALKING RISK INFORMATION FOR A BAIL HEARING\n")
    assert _flat(stalkrisk.DECISION_SUPPORT_NOTICE) in _flat(out)


@pytest.mark.parametrize(("fmt", "start"), [("md", "# Stalking"), ("html", "<!DOCTYPE html>")])
def test_cli_report_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, start: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    code = main(["report", EX07, "--context", "sentencing", "--format", fmt, "-o", str(target)])
    assert code == 0
    assert f"written to {target}" in capsys.readouterr().out
    assert target.read_text().startswith(start)


def test_cli_report_with_a_record_shows_its_hash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record_path = tmp_path / "record.json"
    ex09 = str(EXAMPLES / "EX-09-ex-partner-moderate.json")
    code = main(["report", ex09, "--context", "bail", "--record", str(record_path), "--ogrs3"])
    assert code == 0
    out = capsys.readouterr().out
    record = stalkrisk.AssessmentRecord.model_validate_json(record_path.read_text())
    assert record.record_sha256 in out
    assert "General reoffending (OGRS3)" in out
    assert stalkrisk.verify(record, stalkrisk.load_example("EX-09")) == []


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["nope.json", "--context", "bail"], 1, "error: nope.json: no such file"),
        (
            [str(ROOT / "examples" / "invalid" / "bad-presence-value.json"), "--context", "bail"],
            1,
            "episode.threats.to_kill",
        ),
        ([EX07, "--context", "bail", "--instrument", "nope"], 2, "no bundled instrument"),
        ([EX07, "--context", "bail", "--instrument", "psa"], 2, "a report is made from a case"),
        ([EX07, "--context", "trial"], 2, "invalid choice"),
    ],
)
def test_cli_report_errors_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
) -> None:
    assert main(["report", *argv]) == status
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_report_of_a_file_of_several_cases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    many = tmp_path / "many.json"
    many.write_text(
        "["
        + (EXAMPLES / "EX-07-strangulation-history.json").read_text()
        + ","
        + (EXAMPLES / "EX-03-former-colleague-messages.json").read_text()
        + "]"
    )
    assert main(["report", str(many), "--context", "bail"]) == 1
    assert "holds 2 cases; give one case" in capsys.readouterr().err


# --- docs -------------------------------------------------------------------------------------


def test_docs_reports_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for block in blocks:
            exec(compile(block, "docs/reports.md", "exec"), namespace)
    assert (tmp_path / "EX-07-bail.html").read_text().startswith("<!DOCTYPE html>")
    assert "STALKING RISK INFORMATION FOR A PRE-SENTENCE REPORT" in out.getvalue()


def test_an_instrument_of_ones_own_gets_the_report_of_its_scales_roles(tmp_path: Path) -> None:
    data = stalkrisk.load_instrument(SCREEN_1).model_dump(mode="json")
    data["id"] = "own-screen"
    ids = {"continued_stalking": "keeps_going", "serious_harm": "violence"}
    for scale in data["scales"]:
        scale["id"] = ids[scale["id"]]
        scale["title"] = f"Own {scale['title'].lower()}"
    path = tmp_path / "own.json"
    path.write_text(json.dumps(data))
    own = stalkrisk.load_instrument(path)
    case = stalkrisk.load_example("EX-07")
    page = render_report(stalkrisk.score(case, own), "bail", "text", case=case)
    assert "has no scale of serious harm" not in page
    assert "has no scale of continued stalking" not in page
    harm = page.index("Physical or mental injury to an associated person")
    assert page.index("Own serious harm", harm) > harm  # the role, not the id, places it
    bundled = render_report(stalkrisk.score(case, SCREEN_1), "bail", "text", case=case)

    def headings(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.isupper() and len(line) > 3]

    assert headings(page) == headings(bundled)  # the same sections, in the same order
