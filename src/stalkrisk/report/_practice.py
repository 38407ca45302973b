"""Report sections from what the practitioner records beside the factors.

Multi-agency status and checks, the victim safety-planning prompts, the practitioner's
structured judgement, where facts came from, and whether a report can be marked complete. None
of it changes a score; each section says whose it is.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from stalkrisk.judgement import Judgement, Level, SafetyPrompt
from stalkrisk.report._document import Block, Bullets, KeyValues, Para, Section
from stalkrisk.schemas import Case, Presence
from stalkrisk.schemas._practice import AgencyCheck, CheckStatus, FactSource, SourceKind

__all__ = [
    "SAFETY_PROMPTS",
    "completeness_gaps",
    "fact_path",
    "first_source_note",
    "judgement_sections",
    "multi_agency_section",
    "safety_planning_section",
    "source_note",
    "sources_section",
]


def _describe_source(src: FactSource) -> str:
    when = f", known {src.known_on.isoformat()}" if src.known_on else ""
    return f"{_SOURCE_LABELS[src.source]}{when}; {_CORROBORATION[src.corroborated]}"


# --- sources (one helper for every section) ------------------------------------------------

_SOURCE_LABELS: Final[dict[SourceKind, str]] = {
    SourceKind.CONVICTION_RECORD: "conviction record",
    SourceKind.COURT_RECORD: "court record",
    SourceKind.POLICE_RECORD: "police record",
    SourceKind.RISK_FORM: "DASH or S-DASH form",
    SourceKind.VICTIM_ACCOUNT: "the victim's account",
    SourceKind.DEFENDANT_ACCOUNT: "the person's own account",
    SourceKind.THIRD_PARTY: "a third party",
    SourceKind.AGENCY_RECORD: "another agency's record",
    SourceKind.INTELLIGENCE: "intelligence",
}

_CORROBORATION: Final[dict[Presence, str]] = {
    Presence.PRESENT: "corroborated",
    Presence.ABSENT: "not corroborated",
    Presence.UNKNOWN: "corroboration not recorded",
}

_PARENT = re.compile(r"(?:\.[a-z_]+|\[[0-9]+\])$")


def _recorded_source(case: Case, path: str, *, exact: bool) -> FactSource | None:
    """Return the source recorded for ``path`` or, unless ``exact``, for its nearest parent."""
    sources = case.sources or {}
    while True:
        if path in sources:
            return sources[path]
        parent = _PARENT.sub("", path)
        if exact or parent == path:
            return None
        path = parent


def source_note(
    case: Case | None,
    path: str,
    *,
    context: Literal["bail", "sentencing"] = "sentencing",
    exact: bool = False,
) -> str:
    """Return how the report qualifies the fact at ``path``, or ``""`` when no source is recorded.

    ``path`` is the fact's field path as ``case.sources`` keys it (``episode.planning``,
    ``history.protective_orders[0].breaches[1]``). A source recorded for a part of the case
    covers every fact inside it (``relationship.domestic_abuse`` covers
    ``relationship.domestic_abuse.physical``) unless the fact has its own, or ``exact`` is set.

    A fact that is neither a court's finding nor corroborated reads as alleged: ``(alleged: the
    victim's account; not corroborated)``. Otherwise the note names the source: ``(source:
    police record, known 2025-02-21; corroborated)``; a conviction or court record needs no
    corroboration, so none is mentioned unless recorded. At bail the defendant's own account
    is called that; after conviction, "the person's own account".

    Examples
    --------
    >>> case = Case.model_validate({
    ...     "case_id": "EX-1", "assessment_date": "2025-06-16",
    ...     "relationship": {"type": "ex_intimate_partner",
    ...                      "domestic_abuse": {"physical": "present"}},
    ...     "sources": {"relationship.domestic_abuse": {"source": "victim_account",
    ...                                                 "corroborated": "absent"}},
    ... })
    >>> source_note(case, "relationship.domestic_abuse.physical")
    "(alleged: the victim's account; not corroborated)"
    >>> source_note(case, "relationship.domestic_abuse.physical", exact=True)
    ''
    """
    if case is None or not case.sources:
        return ""
    src = _recorded_source(case, path, exact=exact)
    if src is None:
        return ""
    label = _SOURCE_LABELS[src.source]
    if src.source is SourceKind.DEFENDANT_ACCOUNT and context == "bail":
        label = "the defendant's account"
    when = f", known {src.known_on.isoformat()}" if src.known_on else ""
    lead = "alleged" if src.alleged else "source"
    if src.source.is_record_of_finding and src.corroborated is not Presence.PRESENT:
        return f"({lead}: {label}{when})"
    return f"({lead}: {label}{when}; {_CORROBORATION[src.corroborated]})"


def first_source_note(
    case: Case | None, *paths: str, context: Literal["bail", "sentencing"] = "sentencing"
) -> str:
    """Return `` (note)`` for the first of ``paths`` with a source recorded, else ``""``."""
    for path in paths:
        note = source_note(case, path, context=context)
        if note:
            return f" {note}"
    return ""


def fact_path(path: str, context: str) -> str:
    """Return a case field path as a report shows it.

    The person is the defendant before conviction and "the person" after it, never "the
    perpetrator" (the schema's group name).
    """
    if path.startswith("perpetrator"):
        return ("defendant" if context == "bail" else "person") + path[len("perpetrator") :]
    return path


def sources_section(case: Case | None, context: str) -> Section | None:
    """Return the strength of the evidence as recorded: each sourced fact and its source."""
    if case is None or not case.sources:
        return None
    lines = [
        f"{fact_path(path, context)}: {_describe_source(src)}"
        for path, src in sorted(case.sources.items())
    ]
    alleged = sum(1 for src in case.sources.values() if src.alleged)
    findings = sum(1 for src in case.sources.values() if src.source.is_record_of_finding)
    lead = (
        f"Sources are recorded for {len(case.sources)} facts: {findings} rest on a court's "
        f"finding or order, and {alleged} are allegations that nothing recorded corroborates."
    )
    if context == "bail":
        lead += (
            " Before trial the conduct charged is alleged; this report does not weigh the "
            "evidence, which is for the court."
        )
    blocks: list[Block] = [
        Para(lead),
        Bullets(tuple(lines)),
        Para(
            "Sources never change a score: an instrument counts a fact as recorded whatever "
            "its source.",
            style="muted",
        ),
    ]
    return Section("Strength of the evidence, as recorded", tuple(blocks), "sources", level=3)


# --- multi-agency status ------------------------------------------------------------------


_ADVOCATE = {
    "isac": "an independent stalking advocacy caseworker (ISAC)",
    "idva": "an independent domestic violence adviser (IDVA)",
    "both": "an ISAC and an IDVA",
    "none": "none",
    "unknown": "not recorded",
}


def _check(check: AgencyCheck) -> str:
    if check.status is CheckStatus.UNKNOWN:
        return "not recorded"
    text = {
        CheckStatus.MADE: "made",
        CheckStatus.NOT_MADE: "not made",
        CheckStatus.PENDING: "requested, no answer yet",
    }[check.status]
    if check.made_on is not None:
        text += f" ({check.made_on.isoformat()})"
    if check.result is not None:
        text += ": " + check.result.value.replace("_", " ")
    if check.note:
        text += f". {check.note}"
    return text


def completeness_gaps(case: Case | None) -> list[str]:
    """Return what must still be recorded before a report can be marked complete.

    The multi-agency checks count as recorded once their status is recorded, even as "not
    made": HM Inspectorate of Probation keeps finding them undone, so a report says so.

    Examples
    --------
    >>> import stalkrisk
    >>> completeness_gaps(stalkrisk.load_example("EX-01"))[:2]
    ['MARAC referral', 'MAPPA eligibility']
    """
    if case is None:
        return ["the case itself (not given to the report)"]
    m = case.multi_agency
    gaps = []
    if m.marac.referred is Presence.UNKNOWN:
        gaps.append("MARAC referral")
    if m.mappa.eligible is Presence.UNKNOWN and m.mappa.category is None:
        gaps.append("MAPPA eligibility")
    if m.advocate.value == "unknown":
        gaps.append("independent advocate (ISAC or IDVA)")
    if not m.police_callout_check.recorded:
        gaps.append("police domestic-abuse call-out check")
    if not m.childrens_services_check.recorded:
        gaps.append("children's-services safeguarding check")
    return gaps


def multi_agency_section(case: Case | None) -> Section:
    """Return MARAC, MAPPA, the advocate and the two safeguarding checks, as recorded."""
    if case is None:
        return Section(
            "Multi-agency status and checks",
            (Para("The case was not given to this report: nothing can be shown.", "warning"),),
            "multi-agency",
        )
    m = case.multi_agency
    marac = {
        Presence.PRESENT: "referred",
        Presence.ABSENT: "not referred",
        Presence.UNKNOWN: "not recorded",
    }[m.marac.referred]
    if m.marac.heard is Presence.PRESENT:
        marac += "; heard" + (f" on {m.marac.heard_on.isoformat()}" if m.marac.heard_on else "")
    elif m.marac.referred is Presence.PRESENT:
        marac += "; not yet heard" if m.marac.heard is Presence.ABSENT else "; hearing not recorded"
    if m.mappa.category is not None:
        mappa = f"category {m.mappa.category}" + (
            f", level {m.mappa.level}" if m.mappa.level else ", level not recorded"
        )
    else:
        mappa = {
            Presence.PRESENT: "eligible; category not recorded",
            Presence.ABSENT: "not eligible",
            Presence.UNKNOWN: "not recorded",
        }[m.mappa.eligible]
    advocate = _ADVOCATE[m.advocate.value]
    pairs = (
        ("MARAC", marac),
        ("MAPPA", mappa),
        ("Independent advocate for the victim", advocate),
        ("Police domestic-abuse call-out check", _check(m.police_callout_check)),
        ("Children's-services safeguarding check", _check(m.childrens_services_check)),
    )
    blocks: list[Block] = [KeyValues(pairs)]
    gaps = completeness_gaps(case)
    if gaps:
        blocks.append(
            Para(
                "Not yet recorded: " + "; ".join(gaps) + ". A report can be marked complete "
                "only when each is recorded, even as not made.",
                style="warning",
            )
        )
    return Section("Multi-agency status and checks", tuple(blocks), "multi-agency")


# --- victim safety planning ---------------------------------------------------------------

#: The safety-planning prompts, in the order a report lists them.
SAFETY_PROMPTS: dict[SafetyPrompt, str] = {
    SafetyPrompt.ADVOCATE: "Is an independent stalking or domestic-violence advocate in place?",
    SafetyPrompt.MARAC_REFERRAL: "Is a MARAC referral needed, or has one been made?",
    SafetyPrompt.ADDRESS_EXPOSURE: (
        "Does the person know, or could they find, where the victim lives?"
    ),
    SafetyPrompt.WORKPLACE_AND_ROUTINE: (
        "Does the person know the victim's workplace, place of study or routine?"
    ),
    SafetyPrompt.TECHNOLOGY: (
        "Technology safety: spyware, tracking devices, location sharing, shared accounts."
    ),
    SafetyPrompt.CHILDREN: "Children's schools, nurseries and contact handovers.",
    SafetyPrompt.THIRD_PARTIES: (
        "Third parties at risk: a new partner, family, friends, colleagues."
    ),
    SafetyPrompt.VICTIMS_WISHES: "What does the victim want from conditions and orders?",
    SafetyPrompt.VICTIM_CONTACT_SCHEME: "Is the victim eligible for the Victim Contact Scheme?",
}


def _case_hint(prompt: SafetyPrompt, case: Case | None) -> str:
    if case is None:
        return ""
    c, m = case.conditions, case.multi_agency

    def state(value: Presence, what: str) -> str:
        return (
            f"{what}: "
            + {
                Presence.PRESENT: "recorded",
                Presence.ABSENT: "recorded as absent",
                Presence.UNKNOWN: "not recorded",
            }[value]
        )

    hints = {
        SafetyPrompt.ADVOCATE: "advocate: " + _ADVOCATE[m.advocate.value],
        SafetyPrompt.MARAC_REFERRAL: state(m.marac.referred, "MARAC referral"),
        SafetyPrompt.ADDRESS_EXPOSURE: state(c.knows_victim_address, "knows the address"),
        SafetyPrompt.WORKPLACE_AND_ROUTINE: state(c.knows_victim_workplace, "knows the workplace"),
        SafetyPrompt.TECHNOLOGY: _technology_hint(case),
        SafetyPrompt.CHILDREN: state(
            case.victim.children_in_household, "children living with the victim"
        ),
        SafetyPrompt.THIRD_PARTIES: state(
            case.episode.third_party_harassment, "harassment of third parties"
        ),
        SafetyPrompt.VICTIMS_WISHES: "the victim's view: "
        + ("recorded in the case" if c.victim_view else "not recorded"),
        SafetyPrompt.VICTIM_CONTACT_SCHEME: state(m.victim_contact_scheme, "eligible"),
    }
    return hints[prompt]


def _technology_hint(case: Case) -> str:
    behaviours = case.episode.behaviours
    if behaviours is None:
        return "the case does not record the behaviours"
    used = sorted(
        {
            b.kind.value.replace("_", " ")
            for b in behaviours
            if b.kind.value in ("surveillance", "tracking_device", "impersonation")
        }
    )
    return (
        "the case records " + " and ".join(used)
        if used
        else "the case records no surveillance, tracking device or impersonation"
    )


def safety_planning_section(case: Case | None, judgement: Judgement | None) -> Section:
    """Return the victim safety-planning prompts, with what the case and the judgement record."""
    lines = []
    for prompt, question in SAFETY_PROMPTS.items():
        text = question
        hint = _case_hint(prompt, case)
        if hint:
            text += f" ({hint})"
        note = judgement.safety_planning.get(prompt) if judgement else None
        if note is not None:
            text += f" Practitioner: {note.status.value.replace('_', ' ')}"
            text += f": {note.note}" if note.note else "."
        elif judgement is not None:
            text += " Practitioner: nothing recorded."
        lines.append(text)
    blocks: list[Block] = [
        Para(
            "Prompts for the practitioner and the victim's advocate when planning for the "
            "victim's safety. stalkrisk never contacts a victim or sends anything to one."
        ),
        Bullets(tuple(lines)),
    ]
    return Section("Victim safety planning: prompts for the practitioner", tuple(blocks), "safety")


# --- the practitioner's structured judgement ------------------------------------------------

_LEVEL = {Level.LOW: "low", Level.MODERATE: "moderate", Level.HIGH: "high"}


def judgement_sections(judgement: Judgement | None) -> list[Section]:
    """Return the structured judgement's sections: formulation, scenarios, summary, triggers."""
    if judgement is None:
        return [
            Section(
                "Structured professional judgement",
                (
                    Para(
                        "No structured judgement was given to this report. The bands above "
                        "are an input to the practitioner's judgement, not a substitute for it.",
                        style="warning",
                    ),
                ),
                "judgement",
            )
        ]
    j = judgement
    head = Para(
        f"The judgement of practitioner {j.assessor}, made on {j.made_on.isoformat()} "
        f"(version {j.version}). It is the practitioner's, is kept apart from every score, "
        "and no band above is changed by it."
    )
    blocks: list[Block] = [head]
    blocks.append(Para("Formulation: " + (j.formulation or "not recorded.")))
    if j.protective_factors:
        blocks += [Para("Protective factors, in the practitioner's judgement:")]
        blocks.append(Bullets(j.protective_factors))
    sections = [Section("Structured professional judgement", tuple(blocks), "judgement")]

    scen: list[Block] = []
    if not j.scenarios:
        scen.append(Para("No scenarios are recorded.", style="warning"))
    for n, s in enumerate(j.scenarios, 1):
        who = ", ".join(p.value.replace("_", " ") for p in s.people_at_risk)
        scen.append(Para(f"Scenario {n}: {s.kind.value.replace('_', ' ')}. {s.description}"))
        pairs = [
            ("People at risk", who),
            ("Imminence", _LEVEL[s.imminence]),
            ("Severity", _LEVEL[s.severity]),
            ("Likelihood", _LEVEL[s.likelihood]),
            ("Triggers", "; ".join(s.triggers) or "none recorded"),
            ("Warning signs", "; ".join(s.warning_signs) or "none recorded"),
        ]
        mg = s.management
        for label, notes in (
            ("Monitoring", mg.monitoring),
            ("Supervision", mg.supervision),
            ("Treatment", mg.treatment),
            ("Victim safety planning", mg.victim_safety_planning),
        ):
            pairs.append((label, "; ".join(notes) or "none recorded"))
        scen.append(KeyValues(tuple(pairs)))
    sections.append(Section("Scenarios and their management", tuple(scen), "scenarios", level=3))

    summ: list[Block] = []
    if not j.summary:
        summ.append(Para("No summary judgement is recorded.", style="warning"))
    for concern in j.summary:
        summ.append(
            Para(
                f"{concern.concern.value.replace('_', ' ').capitalize()}: "
                f"{_LEVEL[concern.level]}, in the practitioner's judgement. Reasons: "
                f"{concern.reasons}"
            )
        )
    triggers = [
        t.kind.value.replace("_", " ")
        + (f" (due {t.due_on.isoformat()})" if t.due_on else "")
        + (f": {t.note}" if t.note else "")
        for t in j.reassessment_triggers
    ]
    summ.append(Para("Re-assess on:"))
    summ.append(Bullets(tuple(triggers), empty="No re-assessment triggers are recorded."))
    sections.append(
        Section("Summary judgement and re-assessment", tuple(summ), "summary-judgement", level=3)
    )
    return sections
