"""Every report, in every context and format, for every example case: the sections a court and a
probation officer need are there, and phrasing a court would correct is not."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.judgement import Judgement
from stalkrisk.report import FORMATS, render_report
from stalkrisk.report._content import COURT_VALIDITY

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"


def _ct21(stage: str) -> tuple[stalkrisk.Case, Judgement]:
    folder = CASES / ("bail" if stage == "bail" else "sentencing")
    case = stalkrisk.Case.model_validate_json(
        (folder / f"CT-21-at-{stage}.json").read_text(encoding="utf-8")
    )
    judgement = Judgement.model_validate_json(
        (folder / f"CT-21-judgement-at-{stage}.json").read_text(encoding="utf-8")
    )
    return case, judgement


def _cases() -> list[tuple[str, stalkrisk.Case, Judgement | None]]:
    out: list[tuple[str, stalkrisk.Case, Judgement | None]] = [
        (case.case_id, case, None) for case in stalkrisk.load_examples()
    ]
    for stage in ("bail", "sentencing"):
        case, judgement = _ct21(stage)
        out.append((f"CT-21-{stage}", case, judgement))
    return out


def _flat(text: str) -> str:
    """Text with markup, entities and line breaks removed, so phrases match across wraps."""
    text = re.sub(r"<svg.*?</svg>", " ", text, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("*", "").replace("\\", "")
    return " ".join(text.split())


#: Phrasing a court would correct (issue 14, item 12), as regular expressions.
BANNED: dict[str, str] = {
    "outvote": r"no total can outvote",
    "calibrate locally, addressed to a bench": r"calibrate locally",
    "imminence over static history": r"Signs that harm may be imminent",
    "the study's judgement of programmes": r"judged such programmes|inappropriate for stalking",
    "agreement read as validation": r"fuller information now computes",
    "certified": r"certif",
    "perpetrator": r"\bperpetrator",
    "questions addressed to the court": r"Questions the court may want answered",
    "band words in capitals": r"\b(HIGH|HIGHER|MODERATE|LOW|LOWER|FIRED|NOT SCORED)\b",
    "totals to two decimals": r"\b(total|Total) \d+\.\d{2}|\d+\.\d{2} \(pro-rated\)",
    "a base rate under the band": r"reoffend, most of them|About half of court-referred",
    "a rate attached to a band": r"\d+% of (people|those|cases) in (this|the \w+) band",
}

BAIL_SECTIONS = (
    "Bands at a glance",
    "Offending on bail: the risk of further stalking",
    "Interference with witnesses: the victim is the principal witness",
    "Physical or mental injury to an associated person",
    "Character, antecedents and previous bail",
    "Managing the risk on bail: information relevant to conditions",
    "Multi-agency status and checks",
    "Structured professional judgement",
    "Victim safety planning: prompts for the practitioner",
    "Red flags",
    "What is unknown, and what it could change",
    "Information not yet available (for police, CPS or probation to obtain)",
    "Audit",
)
SENTENCING_SECTIONS = (
    "Bands at a glance",
    "Persistence and recurrence",
    "Facts relevant to the sentencing guidelines",
    "Risk of serious harm: input to the OASys assessment",
    "Treatment need",
    "Requirements: prompts for the author",
    "Ancillary orders: restraining order and Stalking Protection Order",
    "Management considerations",
    "Multi-agency status and checks",
    "Structured professional judgement",
    "Victim safety planning: prompts for the practitioner",
    "Red flags",
    "What is unknown, and what it could change",
    "Questions still open for the pre-sentence report",
    "Audit",
)
REQUIRED = {"bail": BAIL_SECTIONS, "sentencing": SENTENCING_SECTIONS}


def _reports() -> list[tuple[str, str, str, str]]:
    out = []
    for label, case, judgement in _cases():
        a = stalkrisk.score(case)
        for context in ("bail", "sentencing"):
            for fmt in FORMATS:
                text = render_report(
                    a, context, fmt, case=case, judgement=judgement, charts=fmt == "html"
                )
                out.append((label, context, fmt, text))
    return out


@pytest.fixture(scope="module")
def reports() -> list[tuple[str, str, str, str]]:
    return _reports()


def test_every_report_is_scanned(reports: list[tuple[str, str, str, str]]) -> None:
    # 8 bundled examples + CT-21 twice, 2 contexts, 3 formats
    assert len(reports) == (len(stalkrisk.example_ids()) + 2) * 2 * len(FORMATS)


@pytest.mark.parametrize("rule", sorted(BANNED))
def test_no_report_uses_phrasing_a_court_would_correct(
    reports: list[tuple[str, str, str, str]], rule: str
) -> None:
    pattern = re.compile(BANNED[rule])
    for label, context, fmt, text in reports:
        found = pattern.search(_flat(text))
        assert found is None, f"{label} {context} {fmt}: {rule}: {found.group(0)!r}"


def _headings(text: str, fmt: str) -> list[str]:
    """The section headings of a report, in order."""
    if fmt == "html":
        found = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", text, flags=re.DOTALL)
        return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in found]
    if fmt == "markdown":
        return [m.replace("\\", "") for m in re.findall(r"^#{2,3} (.+)$", text, flags=re.M)]
    lines = text.splitlines()
    return [
        lines[i]
        for i in range(len(lines) - 1)
        if lines[i] and re.fullmatch(r"=+|-+", lines[i + 1]) and len(lines[i + 1]) == len(lines[i])
    ]


def test_every_report_has_its_required_sections_in_order(
    reports: list[tuple[str, str, str, str]],
) -> None:
    for label, context, fmt, text in reports:
        headings = _headings(text, fmt)
        missing = [t for t in REQUIRED[context] if t not in headings]
        assert not missing, f"{label} {context} {fmt}: no section {missing}"
        order = [headings.index(t) for t in REQUIRED[context]]
        assert order == sorted(order), f"{label} {context} {fmt}: sections out of order"


def test_a_delusional_disorder_finding_is_stated_with_the_other(
    reports: list[tuple[str, str, str, str]],
) -> None:
    seen = 0
    for _, _, _, text in reports:
        flat = _flat(text)
        if "lower recidivism" in flat:
            seen += 1
            assert "McEwan et al. 2017" in flat
    case = stalkrisk.Case.model_validate(
        {
            "case_id": "DD-1",
            "assessment_date": "2025-01-01",
            "perpetrator": {"mental_disorder": {"delusional_disorder": "present"}},
        }
    )
    flat = _flat(render_report(stalkrisk.score(case), "sentencing", case=case))
    assert "lower recidivism in one study (Rosenfeld 2003)" in flat
    assert "erotomanic delusions with recurrence in another (McEwan et al. 2017)" in flat


def test_the_caveat_goes_wherever_a_band_is_shown(
    reports: list[tuple[str, str, str, str]],
) -> None:
    for label, context, fmt, text in reports:
        flat = _flat(text)
        assert "Illustrative bands: not tested against outcomes." in flat, (label, context)
        assert COURT_VALIDITY in flat
        if fmt == "html":
            charts = text.count("<figure")
            assert charts == 3
            assert flat.count("(illustrative weights, not tested against outcomes)") == charts


def test_decision_support_at_the_top_and_the_end(
    reports: list[tuple[str, str, str, str]],
) -> None:
    notice = stalkrisk.DECISION_SUPPORT_NOTICE
    for label, context, fmt, text in reports:
        flat = _flat(text)
        assert flat.index(notice) < flat.index("Bands at a glance"), (label, context, fmt)
        assert flat.rstrip().endswith(notice) or flat.rindex(notice) > flat.index("Audit")


def test_at_bail_an_uncorroborated_allegation_reads_as_alleged() -> None:
    case, judgement = _ct21("bail")
    flat = _flat(render_report(stalkrisk.score(case), "bail", case=case, judgement=judgement))
    assert (
        "Threats of violence in this episode (alleged: the victim's account, known 2025-03-07; "
        "not corroborated)" in flat
    )
    assert "Following, loitering or turning up (alleged)" in flat  # the conduct charged
    # absent facts carry no allegation; convictions rest on a court's finding
    assert "recorded as absent (alleged" not in flat
    assert "history.convictions[0]: conviction record, known 2025-03-08; corroborated" in flat


def test_the_bail_report_says_what_is_not_a_recommendation() -> None:
    case, judgement = _ct21("bail")
    flat = _flat(render_report(stalkrisk.score(case), "bail", case=case, judgement=judgement))
    assert (
        "This is information relevant to conditions, not a proposal: the decision on bail, and "
        "on any conditions, is the court's." in flat
    )
    assert "Bail Act 1976, Sch 1 Pt 1 para 2ZA" in flat
    assert "Bail Act 1976, Sch 1 Pt 1 para 2(1)(c)" in flat
    assert "Bail Act 1976, Sch 1 Pt 1 para 9" in flat
    assert (
        "The victim's view of conditions: Wants no contact of any kind, direct or through "
        "others" in flat
    )
    assert (
        "Non-molestation order: made 2025-02-03, expires 2026-02-03, in force; terms: no "
        "contact, not to enter address; 1 breach" in flat
    )
    assert "Report status: draft: cannot be marked complete until recorded: MAPPA eligibility" in (
        flat
    )


def test_a_report_is_marked_complete_only_when_every_check_is_recorded() -> None:
    case, judgement = _ct21("bail")
    a = stalkrisk.score(case)
    with pytest.raises(stalkrisk.ReportIncompleteError, match="MAPPA eligibility"):
        render_report(a, "bail", case=case, judgement=judgement, complete=True)
    data = json.loads(case.model_dump_json())
    data["multi_agency"]["mappa"] = {"eligible": "absent"}
    done = stalkrisk.Case.model_validate(data)
    flat = _flat(render_report(stalkrisk.score(done), "bail", case=done, complete=True))
    assert "Report status: complete: every multi-agency check is recorded" in flat
    data["multi_agency"]["childrens_services_check"] = {"status": "unknown"}
    missing = stalkrisk.Case.model_validate(data)
    with pytest.raises(stalkrisk.ReportIncompleteError, match="children's-services"):
        render_report(stalkrisk.score(missing), "bail", case=missing, complete=True)
    with pytest.raises(stalkrisk.ReportIncompleteError, match="the case itself"):
        render_report(a, "bail", complete=True)


def test_a_judgement_of_other_case_data_is_refused() -> None:
    case, judgement = _ct21("bail")
    later, _ = _ct21("sentencing")
    with pytest.raises(ValueError, match="made on other case data"):
        render_report(stalkrisk.score(later), "sentencing", case=later, judgement=judgement)
    other = judgement.model_copy(update={"case_id": "OTHER-1"})
    with pytest.raises(ValueError, match="another case"):
        render_report(stalkrisk.score(case), "bail", case=case, judgement=other)


def test_the_judgement_is_shown_apart_and_changes_no_band() -> None:
    case, judgement = _ct21("sentencing")
    a = stalkrisk.score(case)
    with_j = _flat(render_report(a, "sentencing", case=case, judgement=judgement))
    without = _flat(render_report(a, "sentencing", case=case))
    assert "The judgement of practitioner PO-117, made on 2025-06-16 (version 2)" in with_j
    assert "Scenario 3: recurrence." in with_j
    assert "No structured judgement was given to this report." in without
    glance = slice(with_j.index("Bands at a glance"), with_j.index("Persistence and recurrence"))
    assert with_j[glance] == without[glance]


def test_the_sentencing_report_shows_what_changed_since_bail() -> None:
    bail_case, _ = _ct21("bail")
    case, judgement = _ct21("sentencing")
    bail = stalkrisk.score(bail_case)
    flat = _flat(
        render_report(
            stalkrisk.score(case),
            "sentencing",
            case=case,
            judgement=judgement,
            earlier=bail,
            earlier_case=bail_case,
        )
    )
    section = flat[flat.index("What has changed since bail") : flat.index("Persistence and")]
    assert "is not evidence that either was right" in section
    assert "Serious physical or sexual violence: red flag now fired: Strangulation" in section
    assert "episode.planning: unknown -> present" in section
    with pytest.raises(ValueError, match="another case"):
        render_report(
            stalkrisk.score(case),
            "sentencing",
            earlier=stalkrisk.score(stalkrisk.load_example("EX-01")),
        )
