"""The pre-sentence report's sections on the guidelines, serious harm, requirements and orders.

Each section is built directly (``stalkrisk.report._sentencing``) from CT-21 at sentencing,
changed field by field, and read as flat text.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import stalkrisk
from stalkrisk.judgement import Judgement
from stalkrisk.report._document import Bullets, Document, KeyValues, Para, Section, Table
from stalkrisk.report._sentencing import (
    NOT_CLASSIFIED,
    ROSH_NOTICE,
    ancillary_orders,
    guideline_facts,
    requirements_prompts,
    rosh_input,
    source_note,
)
from stalkrisk.report._text import document_markdown, document_text

from .conftest import EXAMPLES

CT21 = EXAMPLES / "sentencing" / "CT-21-at-sentencing.json"

#: Words a court uses to place an offence in a guideline's category: never a conclusion here.
CATEGORY_WORDS = [
    r"\bculpability [abc]\b",
    r"\b(high|higher|medium|lower|lesser|low) culpability\b",
    r"\bcategory [1-4]\b",
    r"\bharm category\b(?! *: that)",
    r"\b(greater|lesser) harm\b",
    r"\bstarting point\b",
    r"\bcategory range\b",
]

#: Phrasing that would state or propose a decision (as tests/test_report.py checks reports).
DECISIONS = [
    r"\brecommend",
    r"\bgrant",
    r"\brefus",
    r"\bthe court should\b",
    r"\bshould (be )?(made|imposed|sentenced|given)\b",
    r"\b(is|would be) (appropriate|inappropriate|warranted|justified|necessary)\b",
    r"\bwe (suggest|propose)",
]

#: Acronyms a section may write in capitals; any other word in capitals would be emphasis.
ACRONYMS = {"OASYS", "MARAC", "DASH", "S-DASH", "ISAC", "IDVA", "MAPPA", "DAPO", "DAPN"}


# --- helpers ----------------------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


def _text(section: Section) -> str:
    """A section's blocks as one line of text: ``key: value`` pairs, items, cells."""
    parts: list[str] = [section.title]
    for b in section.blocks:
        if isinstance(b, Para):
            parts.append(b.text)
        elif isinstance(b, Bullets):
            parts += list(b.items) or [b.empty]
        elif isinstance(b, KeyValues):
            parts += [f"{k}: {v}" for k, v in b.pairs]
        elif isinstance(b, Table):
            parts += [" ".join(r) for r in (b.header, *b.rows)]
    return _flat(" ".join(parts))


def _raw() -> dict[str, Any]:
    """CT-21 at sentencing, with every field these tests read set explicitly."""
    raw = stalkrisk.Case.model_validate_json(CT21.read_text()).model_dump(mode="json")
    raw["episode"].update(planning="present", ongoing="absent", start_date="2025-01-06")
    raw["episode"]["last_incident_date"] = None
    raw["victim"].update(
        changed_lifestyle="present", moved_home="absent", children_affected="absent"
    )
    raw["current_offence"].update(
        committed_on_bail="absent", committed_in_breach_of_order="present"
    )
    raw["history"]["protective_orders"] = [
        {
            "kind": "non_molestation_order",
            "made_on": "2025-02-03",
            "protects_current_victim": "present",
            "in_force": "present",
            "expires_on": "2026-02-03",
            "terms": ["no_contact", "not_to_enter_address"],
            "breaches": [{"date": "2025-02-21"}, {"date": "2025-03-08"}],
        }
    ]
    raw["conditions"] = {
        "knows_victim_address": "present",
        "knows_victim_workplace": "present",
        "knows_childrens_school": "absent",
        "proposed_address_near_victim": "present",
        "victim_view": "Wants no contact of any kind, with no end date.",
    }
    raw["sources"] = {
        "history.convictions[0]": {"source": "conviction_record", "known_on": "2025-03-08"},
        "history.protective_orders[0]": {"source": "court_record", "corroborated": "present"},
        "history.protective_orders[0].breaches[0]": {
            "source": "police_record",
            "known_on": "2025-02-21",
            "corroborated": "present",
        },
        "relationship.domestic_abuse": {
            "source": "victim_account",
            "known_on": "2025-04-02",
            "corroborated": "absent",
        },
        "victim.changed_lifestyle": {"source": "victim_account"},
    }
    return raw


def _case(change: Any = None) -> stalkrisk.Case:
    raw = _raw()
    if change is not None:
        change(raw)
    return stalkrisk.Case.model_validate(raw)


def _judgement(case: stalkrisk.Case, **changes: Any) -> Judgement:
    data: dict[str, Any] = {
        "case_id": "CT-21",
        "case_sha256": stalkrisk.input_sha256(case),
        "version": 2,
        "assessor": "PO-117",
        "made_on": "2025-06-16",
        "scenarios": [
            {
                "kind": "continued_stalking",
                "description": "Messages and visits to the victim's home continue",
                "people_at_risk": ["victim"],
                "imminence": "high",
                "severity": "moderate",
                "likelihood": "high",
                "triggers": ["Release from custody", "Learning of a new partner."],
                "warning_signs": ["New accounts used to reach the victim"],
            },
            {
                "kind": "escalation",
                "description": "Confrontation at the victim's workplace, with threats.",
                "people_at_risk": ["victim", "family_or_friends"],
                "imminence": "moderate",
                "severity": "high",
                "likelihood": "moderate",
            },
        ],
        "reassessment_triggers": [
            {"kind": "order_expiry", "due_on": "2026-02-03", "note": "The order ends."},
            {"kind": "victim_new_relationship"},
        ],
    }
    data.update(changes)
    return Judgement.model_validate(data)


def _all(case: stalkrisk.Case | None, judgement: Judgement | None = None) -> list[Section]:
    a = stalkrisk.score(case if case is not None else _case())
    return [
        guideline_facts(a, case),
        rosh_input(a, case, judgement),
        requirements_prompts(a, case),
        ancillary_orders(a, case),
    ]


# --- the four sections: titles and anchors -----------------------------------------------------


def test_titles_and_anchors() -> None:
    sections = _all(_case())
    assert [(s.title, s.anchor, s.level) for s in sections] == [
        ("Facts relevant to the sentencing guidelines", "guideline-facts", 2),
        ("Risk of serious harm: input to the OASys assessment", "rosh-input", 2),
        ("Requirements: prompts for the author", "requirements", 2),
        (
            "Ancillary orders: restraining order and Stalking Protection Order",
            "ancillary-orders",
            2,
        ),
    ]


def test_the_sections_render_in_every_format() -> None:
    doc = Document("t", "s", (), tuple(_all(_case(), _judgement(_case()))))
    text, markdown = document_text(doc), document_markdown(doc)
    for s in doc.sections:
        assert s.title in text
        assert s.title in markdown
    assert _flat(ROSH_NOTICE) in _flat(text)


# --- 1. guideline facts -----------------------------------------------------------------------


def test_guideline_facts_for_ct21() -> None:
    case = _case()
    text = _text(guideline_facts(stalkrisk.score(case), case))
    for expected in (
        "Protection from Harassment Act 1997 ss.2, 2A, 4 and 4A",
        "the domestic abuse overarching guideline",
        NOT_CLASSIFIED,
        "Offence of conviction: stalking, convicted on 2025-05-19",
        "How long the conduct lasted: 61 days (about 2 months): the conduct began on "
        "2025-01-06; the last incident recorded was on 2025-03-08",
        "How often, at its recorded rate: several times a day",
        "Evidence of planning: recorded",
        "The victim caused to change their routine, work, studies or social life: recorded "
        "(alleged: the victim's account; corroboration not recorded)",
        "The victim moved home, or was moved, because of the conduct: recorded as absent",
        "Children saw, heard or were otherwise affected by the conduct: recorded as absent",
        "Offence committed on bail: recorded as absent",
        "Offence committed in breach of a court order: recorded",
        "Relationship to the victim: former intimate partner",
        "Abuse earlier in the relationship: physical violence: recorded; sexual violence or "
        "abuse: recorded as absent; controlling or coercive behaviour: recorded; "
        "strangulation, suffocation or choking: recorded (each alleged: the victim's account, "
        "known 2025-04-02; not corroborated)",
        "Previous convictions: 2",
        "Against a current or former intimate partner or a family member: 2",
        "For stalking, harassment, malicious communications or intimate-image abuse: 1",
        "For violence: 1",
        "For breach of a protective order: 0",
        "2017-05-10 (8 years before the assessment date): common assault; community sentence; "
        "against a current or former intimate partner: recorded; against a family member: not "
        "recorded; against the victim in this case: recorded as absent (source: conviction "
        "record, known 2025-03-08).",
        "2019-09-23 (5 years before the assessment date): harassment; community sentence;",
        "Breaches of protective orders: 2 recorded; the non-molestation order (Family Law Act "
        "1996 s.42) made on 2025-02-03: 2 breaches recorded: 2025-02-21 (source: police record, "
        "known 2025-02-21; corroborated) and 2025-03-08",
        "Bail and licence: breaches of bail or licence conditions: 0",
        "Distress and psychological harm to the victim: not measured by this screen",
    ):
        assert expected in text, expected


def test_the_conduct_span_reads_what_is_known() -> None:
    def ongoing(raw: dict[str, Any]) -> None:
        raw["episode"]["ongoing"] = "present"

    def open_end(raw: dict[str, Any]) -> None:
        raw["episode"]["ongoing"] = "unknown"

    def long(raw: dict[str, Any]) -> None:
        raw["episode"]["start_date"] = raw["episode"]["behaviours"][0]["first_date"] = "2023-01-06"

    def no_start(raw: dict[str, Any]) -> None:
        raw["episode"]["start_date"] = None
        raw["episode"]["behaviours"] = None

    expected = {
        ongoing: "How long the conduct lasted: 161 days (about 5 months): the conduct began on "
        "2025-01-06 and is recorded as continuing at the assessment date",
        open_end: "How long the conduct lasted: between 61 days (about 2 months) and 161 days "
        "(about 5 months): the conduct began on 2025-01-06; the last incident recorded was on "
        "2025-03-08, and whether the conduct went on after it is not recorded",
        long: "How long the conduct lasted: 792 days (about 2 years and 2 months)",
        no_start: "How long the conduct lasted: not recorded",
    }
    for change, line in expected.items():
        case = _case(change)
        assert line in _text(guideline_facts(stalkrisk.score(case), case)), line


def test_unknown_facts_read_not_recorded_never_absent() -> None:
    case = stalkrisk.Case(case_id="CT-21", assessment_date="2025-06-16")
    a = stalkrisk.score(case)
    text = _text(guideline_facts(a, case))
    assert ": recorded as absent" not in text
    assert "recorded as none" not in text
    for label in (
        "Offence of conviction",
        "How long the conduct lasted",
        "How often, at its recorded rate",
        "Evidence of planning",
        "The victim caused to change their routine, work, studies or social life",
        "The victim moved home, or was moved, because of the conduct",
        "Children saw, heard or were otherwise affected by the conduct",
        "Offence committed on bail",
        "Offence committed in breach of a court order",
        "Relationship to the victim",
        "Previous convictions",
    ):
        assert f"{label}: not recorded" in text, label
    assert "Breaches of protective orders: not recorded" in text
    for section in _all(case)[1:]:
        assert ": recorded as absent" not in _text(section), section.title


def test_convictions_not_listed_in_detail_widen_the_counts() -> None:
    def more(raw: dict[str, Any]) -> None:
        raw["history"].update(conviction_count=4, previous_sanctions=5)

    case = _case(more)
    text = _text(guideline_facts(stalkrisk.score(case), case))
    assert "Previous convictions: 4 (2 listed in detail)" in text
    assert (
        "Against a current or former intimate partner or a family member: 2; 2 further not "
        "listed in detail" in text
    )
    assert "For violence: 1 to 3" in text
    assert "For breach of a protective order: at least 0" not in text
    assert "For breach of a protective order: not recorded" in text


def test_guideline_facts_never_classify() -> None:
    for case in (_case(), stalkrisk.Case(case_id="CT-21", assessment_date="2025-06-16")):
        text = _text(guideline_facts(stalkrisk.score(case), case))
        assert NOT_CLASSIFIED in text
        for pattern in CATEGORY_WORDS:
            assert re.search(pattern, text, re.IGNORECASE) is None, pattern


# --- sources: alleged facts read as alleged ----------------------------------------------------


def test_source_note_wording() -> None:
    def sources(raw: dict[str, Any]) -> None:
        raw["sources"] = {
            "episode.planning": {
                "source": "victim_account",
                "corroborated": "absent",
                "known_on": "2025-03-08",
            },
            "episode.threats": {"source": "police_record", "corroborated": "present"},
            "episode.threats.violence": {"source": "defendant_account"},
            "history.convictions[0]": {"source": "conviction_record"},
            "history.convictions[1]": {"source": "conviction_record", "corroborated": "present"},
        }

    case = _case(sources)
    assert source_note(case, "episode.planning") == (
        "(alleged: the victim's account, known 2025-03-08; not corroborated)"
    )
    assert source_note(case, "episode.threats.to_kill") == ("(source: police record; corroborated)")
    assert source_note(case, "episode.threats.to_kill", exact=True) == ""
    assert source_note(case, "episode.threats.violence") == (
        "(alleged: the person's own account; corroboration not recorded)"
    )
    assert source_note(case, "episode.threats.violence", context="bail") == (
        "(alleged: the defendant's account; corroboration not recorded)"
    )
    assert source_note(case, "history.convictions[0]") == "(source: conviction record)"
    assert source_note(case, "history.convictions[1]") == (
        "(source: conviction record; corroborated)"
    )
    assert source_note(case, "episode.violence") == ""
    assert source_note(case, "history.convictions") == ""
    assert source_note(None, "episode.planning") == ""
    text = _text(guideline_facts(stalkrisk.score(case), case))
    assert (
        "Evidence of planning: recorded (alleged: the victim's account, known 2025-03-08; not "
        "corroborated)" in text
    )


def test_a_part_of_the_case_with_one_source_is_noted_once() -> None:
    def sources(raw: dict[str, Any]) -> None:
        raw["perpetrator"]["mental_disorder"] = {
            "personality_disorder": "present",
            "delusional_disorder": "absent",
        }
        raw["sources"] = {
            "perpetrator.mental_disorder": {"source": "agency_record", "corroborated": "present"},
            "perpetrator.mental_disorder.personality_disorder": {"source": "defendant_account"},
        }

    case = _case(sources)
    text = _text(requirements_prompts(stalkrisk.score(case), case))
    assert (
        "The case records: personality disorder: recorded (alleged: the person's own account; "
        "corroboration not recorded); delusional or psychotic disorder: recorded as absent; "
        "other mental disorder: not recorded (source of each: another agency's record; "
        "corroborated);" in text
    )


def test_no_source_no_note() -> None:
    def none(raw: dict[str, Any]) -> None:
        raw["sources"] = None

    case = _case(none)
    text = "".join(_text(s) for s in _all(case))
    assert "alleged" not in text
    assert "(source:" not in text


# --- 2. risk of serious harm ------------------------------------------------------------------


def test_rosh_notice_is_present_verbatim_in_every_form() -> None:
    case = _case()
    a = stalkrisk.score(case)
    assert ROSH_NOTICE == (
        "The screen's band is not an OASys Risk of Serious Harm level, and the screen does not "
        "measure psychological harm: this block is an input to the officer's own OASys "
        "assessment."
    )
    for section in (
        rosh_input(a, case, None),
        rosh_input(a, case, _judgement(case)),
        rosh_input(a, None, None),
    ):
        assert any(isinstance(b, Para) and b.text == ROSH_NOTICE for b in section.blocks)


def test_rosh_input_from_the_judgement() -> None:
    case = _case()
    text = _text(rosh_input(stalkrisk.score(case), case, _judgement(case)))
    for expected in (
        "From the practitioner's structured judgement (assessor PO-117, version 2, made on "
        "2025-06-16).",
        "Who is at risk: The victim (scenarios 1 and 2). The victim's family or friends "
        "(scenario 2). Recorded in the case: children living with the victim: recorded as "
        "absent;",
        "What harm: Scenario 1 (continued stalking): Messages and visits to the victim's home "
        "continue. Severity, physical and psychological, in the practitioner's judgement: "
        "moderate; likelihood: high.",
        "Scenario 2 (escalation): Confrontation at the victim's workplace, with threats. "
        "Severity, physical and psychological, in the practitioner's judgement: high;",
        "When (imminence): Scenario 1 (continued stalking): imminence in the practitioner's "
        "judgement: high. Scenario 2 (escalation): imminence in the practitioner's judgement: "
        "moderate.",
        "Events on which the assessment is to be made again: an order or conditions coming to "
        "an end, due 2026-02-03 (The order ends); the victim starting a new relationship.",
        "Recorded in the case: the last incident: 100 days before the assessment date;",
        "In what circumstances: Scenario 1 (continued stalking). Triggers: Release from "
        "custody; Learning of a new partner. Warning signs: New accounts used to reach the "
        "victim. Scenario 2 (escalation). Triggers: none recorded. Warning signs: none "
        "recorded.",
    ):
        assert expected in text, expected
    assert "The practitioner's judgement is not recorded." not in text


def test_rosh_input_without_a_judgement() -> None:
    case = _case()
    text = _text(rosh_input(stalkrisk.score(case), case, None))
    assert text.count("The practitioner's judgement is not recorded.") == 4
    for heading in ("Who is at risk:", "What harm:", "When (imminence):", "In what circumstances:"):
        assert heading in text


def test_rosh_input_shows_the_band_as_illustrative_and_the_red_flags() -> None:
    case = _case()
    a = stalkrisk.score(case)
    text = _text(rosh_input(a, case, None))
    harm = next(s for s in a.scales if s.role is stalkrisk.ScaleRole.HARM)
    assert harm.final_band is not None
    assert (
        f"The screen's band for {harm.title.lower()} (illustrative): "
        f'"{harm.final_band.label}".' in text
    )
    assert (
        "Strangulation (serious physical or sexual violence): it calls for professional review, "
        'and puts the band at "Many factors or a red flag" at least, whatever the total.' in text
    )
    override = a.with_override(
        harm.scale, harm.bands[0].id, "information_not_captured", "New information.", "PO-117"
    )
    assert "(set by professional override)" in _text(rosh_input(override, case, None))


def test_rosh_input_names_unrecorded_red_flags() -> None:
    def unknown(raw: dict[str, Any]) -> None:
        raw["episode"]["threats"]["to_kill"] = "unknown"

    case = _case(unknown)
    text = _text(rosh_input(stalkrisk.score(case), case, None))
    assert "Red flags not recorded (not read as absent): Threats to kill" in text


def test_rosh_input_refuses_a_judgement_of_other_data() -> None:
    case = _case()
    a = stalkrisk.score(case)
    with pytest.raises(ValueError, match="another case"):
        rosh_input(a, case, _judgement(case, case_id="CT-22"))
    with pytest.raises(ValueError, match="other case data"):
        rosh_input(a, case, _judgement(case, case_sha256="0" * 64))
    rosh_input(a, case, _judgement(case, case_sha256=None))  # no hash: nothing to check


# --- 3. requirements --------------------------------------------------------------------------


def test_requirements_prompts_for_ct21() -> None:
    case = _case()
    text = _text(requirements_prompts(stalkrisk.score(case), case))
    for expected in (
        "Mental health treatment requirement: it needs an assessment of the person's mental "
        "health by a registered medical practitioner or registered psychologist, and the "
        "person's willingness to comply. The case records: personality disorder: recorded as "
        "absent; delusional or psychotic disorder: recorded as absent; other mental disorder: "
        "recorded as absent",
        "Drug rehabilitation or alcohol treatment requirement: recent substance misuse is recorded",
        "Rehabilitation activity requirement:",
        "motivation (Mullen typology): rejected.",
        "Accredited programme (a programme requirement): suitability for a programme is the "
        "author's assessment. The case records: stalking-specific treatment received: recorded "
        "as absent; a domestic-violence programme attended: recorded as absent; domestic abuse "
        "in the relationship: recorded.",
        "the person knows the victim's home address: recorded; the victim's workplace: "
        "recorded; the school or nursery of the victim's children: recorded as absent",
        "places the conduct reached: the victim's home",
        "suitability for electronic monitoring, as assessed by the author: not assessed",
        "orders in force and their terms: non-molestation order (Family Law Act 1996 s.42): "
        "terms: no contact with the protected person, direct or indirect; not to go to a named "
        "address.",
        "channels the conduct used: text message, phone call, social media and in person",
        "Referral to a multi-agency stalking intervention service, where one is available locally",
        "The court decides the sentence and any requirements. This section lists what the "
        "author may consider; it proposes none of them.",
    ):
        assert expected in text, expected


def test_requirements_read_unknown_mental_health_as_not_recorded() -> None:
    def unknown(raw: dict[str, Any]) -> None:
        raw["perpetrator"]["mental_disorder"] = {}
        raw["perpetrator"]["substance_misuse"] = {}

    case = _case(unknown)
    text = _text(requirements_prompts(stalkrisk.score(case), case))
    assert (
        "The case records: personality disorder: not recorded; delusional or psychotic "
        "disorder: not recorded; other mental disorder: not recorded" in text
    )
    assert "Drug rehabilitation" not in text


# --- 4. ancillary orders ----------------------------------------------------------------------


def test_ancillary_orders_for_ct21() -> None:
    case = _case()
    text = _text(ancillary_orders(stalkrisk.score(case), case))
    for expected in (
        "Information for the court, not a proposal",
        "Sentencing Act 2020 ss.359-360",
        "(Protection from Harassment Act 1997 s.5A)",
        "until further order",
        "The victim's view on terms and duration: Wants no contact of any kind, with no end date.",
        "Non-molestation order (Family Law Act 1996 s.42) (source: court record; corroborated): "
        "made on 2025-02-03; in force: recorded; expires on 2026-02-03; protects the victim in "
        "this case: recorded; terms: no contact with the protected person, direct or indirect; "
        "not to go to a named address; 2 breaches recorded: 2025-02-21 (source: police record, "
        "known 2025-02-21; corroborated) and 2025-03-08.",
        "Stalking Protection Act 2019",
        "application by a chief officer of police (s.1)",
        "positive requirements",
        "An interim order can be made while the application is decided (s.5).",
        "The record lists no Stalking Protection Order or interim order.",
    ):
        assert expected in text, expected
    assert "The victim's view is not recorded" not in text


def test_ancillary_orders_list_every_order_and_what_is_unknown() -> None:
    def orders(raw: dict[str, Any]) -> None:
        raw["conditions"]["victim_view"] = None
        raw["history"]["protective_orders"] += [
            {"kind": "interim_stalking_protection_order", "made_on": "2025-03-10"},
            {
                "kind": "restraining_order",
                "made_on": "2020-01-10",
                "in_force": "absent",
                "expires_on": "2022-01-10",
                "terms": [],
                "breaches": [],
            },
        ]

    case = _case(orders)
    text = _text(ancillary_orders(stalkrisk.score(case), case))
    assert (
        "Interim Stalking Protection Order (Stalking Protection Act 2019 s.5): made on "
        "2025-03-10; in force: not recorded; no end date recorded; protects the victim in this "
        "case: not recorded; terms not recorded; breaches not recorded." in text
    )
    assert (
        "Restraining order: made on 2020-01-10; in force: recorded as absent; expires on "
        "2022-01-10; protects the victim in this case: not recorded; no terms listed; breaches: "
        "recorded as none." in text
    )
    assert "The record lists 1 Stalking Protection Order (interim orders included)" in text
    assert "The victim's view on terms and duration: not recorded" in text
    assert "The victim's view is not recorded: it can be sought" in text
    facts = _text(guideline_facts(stalkrisk.score(case), case))
    assert "Breaches of protective orders: at least 2 recorded;" in facts
    assert (
        "the interim Stalking Protection Order (Stalking Protection Act 2019 s.5) made on "
        "2025-03-10: breaches not recorded" in facts
    )


def test_orders_not_recorded() -> None:
    def none(raw: dict[str, Any]) -> None:
        raw["history"]["protective_orders"] = None
        raw["sources"] = None

    case = _case(none)
    text = _text(ancillary_orders(stalkrisk.score(case), case))
    assert "Orders and conditions: not recorded." in text
    assert "Whether a Stalking Protection Order has been made is not recorded." in text


# --- every section: language -----------------------------------------------------------------


def _variants() -> list[tuple[stalkrisk.Case | None, Judgement | None]]:
    case = _case()
    empty = stalkrisk.Case(case_id="CT-21", assessment_date="2025-06-16")
    return [(case, None), (case, _judgement(case)), (empty, None), (None, None)]


@pytest.mark.parametrize("variant", range(4))
def test_language_of_every_section(variant: int) -> None:
    case, judgement = _variants()[variant]
    for section in _all(case, judgement):
        text = _text(section)
        assert "perpetrator" not in text.lower(), section.title
        assert "defendant" not in text.lower(), section.title
        for pattern in DECISIONS + CATEGORY_WORDS:
            found = re.search(pattern, text, re.IGNORECASE)
            assert found is None, (section.title, found.group(0) if found else "")
        capitals = set(re.findall(r"\b[A-Z][A-Z-]{3,}\b", text))
        assert capitals <= ACRONYMS, (section.title, capitals - ACRONYMS)


def test_no_case_says_so() -> None:
    a = stalkrisk.score(_case())
    for section in (guideline_facts(a, None), ancillary_orders(a, None)):
        text = _text(section)
        assert "The case itself was not given to this report" in text
    assert "The victim's view on terms and duration: not recorded" in _text(
        ancillary_orders(a, None)
    )


def test_sections_do_not_change_the_case() -> None:
    case = _case()
    before = copy.deepcopy(case.model_dump())
    _all(case, _judgement(case))
    assert case.model_dump() == before
