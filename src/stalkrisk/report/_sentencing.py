"""The pre-sentence report's sections on the guidelines, serious harm, requirements and orders.

Each function returns one :class:`~stalkrisk.report._document.Section` built from the
assessment, the case and (for the serious-harm input) the practitioner's structured judgement.
They list what the case records and where it came from; they never classify a fact into a
guideline's category, never state or propose a decision, and never read an unknown as absent.

The person is convicted at this stage, so the sections call them "the person"; a fact that no
court has found and nothing corroborates reads as alleged (:func:`source_note`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from stalkrisk.assessment import Assessment, ScaleResult, ScaleRole
from stalkrisk.features import (
    BAIL_LICENCE_CONDITIONS,
    PROTECTIVE_ORDER_BREACH_OFFENCES,
    FactorValue,
    evaluate_factors,
)
from stalkrisk.judgement import Judgement, PeopleAtRisk, Scenario, ScenarioKind, TriggerKind
from stalkrisk.report._document import Block, Bullets, KeyValues, Para, Section
from stalkrisk.report._practice import source_note
from stalkrisk.schemas import (
    AdvocateKind,
    BehaviourKind,
    Case,
    Conviction,
    Disposal,
    OffenceCategory,
    OrderKind,
    OrderTerm,
    Presence,
    ProtectiveOrder,
)

__all__ = [
    "NOT_CLASSIFIED",
    "ROSH_NOTICE",
    "ancillary_orders",
    "guideline_facts",
    "requirements_prompts",
    "rosh_input",
    "source_note",
]

#: The fixed sentence of the serious-harm input block, word for word.
ROSH_NOTICE: Final = (
    "The screen's band is not an OASys Risk of Serious Harm level, and the screen does not "
    "measure psychological harm: this block is an input to the officer's own OASys assessment."
)

#: The fixed sentence of the guideline facts: listed, never classified.
NOT_CLASSIFIED: Final = (
    "These facts are listed as the case records them. They are not classified into a "
    "culpability or harm category: that assessment is the court's."
)

_NO_CASE: Final = "The case itself was not given to this report, so none of its facts are shown."


def _noted(text: str, case: Case | None, *paths: str) -> str:
    """Append the first source note recorded for any of ``paths`` (or their parents)."""
    for path in paths:
        note = source_note(case, path)
        if note:
            return f"{text} {note}"
    return text


# --- small phrases ----------------------------------------------------------------------------

_STATE: Final[dict[Presence, str]] = {
    Presence.PRESENT: "recorded",
    Presence.ABSENT: "recorded as absent",
    Presence.UNKNOWN: "not recorded",
}


def _state(value: Presence, case: Case | None = None, path: str | None = None) -> str:
    """Return ``recorded``, ``recorded as absent`` or ``not recorded``, with the fact's source."""
    text = _STATE[value]
    return _noted(text, case, path) if path is not None and value is not Presence.UNKNOWN else text


def _group(case: Case, at: str, parts: Sequence[tuple[str, Presence, str]]) -> str:
    """Return several facts of one part of the case, its source noted once at the end.

    ``parts`` holds ``(label, value, field)``; a field with a source of its own has it noted
    beside it, and the source recorded for the part (``at``) or above is noted once.
    """
    shown: list[str] = []
    shared = False  # whether a recorded fact takes its source from the part
    for label, value, field in parts:
        own = (
            source_note(case, f"{at}.{field}", exact=True) if value is not Presence.UNKNOWN else ""
        )
        shown.append(f"{label}: {_STATE[value]}" + (f" {own}" if own else ""))
        shared = shared or (value is not Presence.UNKNOWN and not own)
    note = source_note(case, at) if shared else ""
    if note:  # "(alleged: X)" reads "(each alleged: X)"; "(source: X)", "(source of each: X)"
        note = note.replace("(alleged: ", "(each alleged: ").replace(
            "(source: ", "(source of each: "
        )
    return "; ".join(shown) + (f" {note}" if note else "")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _any(*values: Presence) -> Presence:
    """Present if any is present; else unknown if any is unknown; else absent."""
    if Presence.PRESENT in values:
        return Presence.PRESENT
    return Presence.UNKNOWN if Presence.UNKNOWN in values else Presence.ABSENT


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _days(n: int) -> str:
    """Return a number of days, with the months or years it comes to."""
    text = _count(n, "day")
    if n < 28:
        return text
    months = round(n / 30.44)
    if months < 12:
        return f"{text} (about {_count(max(months, 1), 'month')})"
    years, rest = divmod(months, 12)
    about = _count(years, "year") + (f" and {_count(rest, 'month')}" if rest else "")
    return f"{text} (about {about})"


def _range(v: FactorValue) -> str:
    """Return a count factor's value in words: ``2``, ``1 to 3``, ``at least 1``."""
    if v.low is None:
        return "not recorded"
    low = int(v.low)
    if v.high is None:
        return "not recorded" if low == 0 else f"at least {low}"
    return str(low) if v.high == v.low else f"{low} to {int(v.high)}"


def _by_role(a: Assessment, role: ScaleRole) -> ScaleResult | None:
    return next((s for s in a.scales if s.role is role), None)


_OFFENCE_LABELS: Final[dict[OffenceCategory, str]] = {
    OffenceCategory.ASSAULT_OCCASIONING_HARM: "assault occasioning bodily harm",
    OffenceCategory.WOUNDING_GBH: "wounding or grievous bodily harm",
    OffenceCategory.BREACH_RESTRAINING_ORDER: "breach of a restraining order",
    OffenceCategory.BREACH_NON_MOLESTATION_ORDER: "breach of a non-molestation order",
    OffenceCategory.BREACH_STALKING_PROTECTION_ORDER: "breach of a Stalking Protection Order",
    OffenceCategory.BREACH_BAIL: "breach of bail",
    OffenceCategory.BREACH_LICENCE: "breach of licence",
    OffenceCategory.OTHER: "another offence",
}


def _offence(category: OffenceCategory) -> str:
    return _OFFENCE_LABELS.get(category, category.value.replace("_", " "))


_DISPOSALS: Final[dict[Disposal, str]] = {
    Disposal.CUSTODY: "custodial sentence",
    Disposal.SUSPENDED_SENTENCE: "suspended sentence",
    Disposal.COMMUNITY: "community sentence",
    Disposal.FINE: "fine",
    Disposal.DISCHARGE: "discharge",
    Disposal.OTHER: "other outcome",
    Disposal.UNKNOWN: "outcome not recorded",
}

_ORDER_NAMES: Final[dict[OrderKind, str]] = {
    OrderKind.RESTRAINING_ORDER: "restraining order",
    OrderKind.NON_MOLESTATION_ORDER: "non-molestation order (Family Law Act 1996 s.42)",
    OrderKind.STALKING_PROTECTION_ORDER: "Stalking Protection Order (Stalking Protection Act 2019)",
    OrderKind.INTERIM_STALKING_PROTECTION_ORDER: (
        "interim Stalking Protection Order (Stalking Protection Act 2019 s.5)"
    ),
    OrderKind.DOMESTIC_ABUSE_PROTECTION_ORDER: (
        "Domestic Abuse Protection Order (Domestic Abuse Act 2021)"
    ),
    OrderKind.DOMESTIC_ABUSE_PROTECTION_NOTICE: (
        "Domestic Abuse Protection Notice (Domestic Abuse Act 2021)"
    ),
    OrderKind.BAIL_CONDITIONS: "bail conditions",
    OrderKind.LICENCE_CONDITIONS: "licence conditions",
    OrderKind.OTHER: "another order",
}
"""Each order's name as it reads inside a sentence (proper names keep their capitals)."""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_RELATIONSHIPS: Final[dict[str, str]] = {
    "ex_intimate_partner": "former intimate partner",
    "current_intimate_partner": "current intimate partner",
    "family": "family member",
    "acquaintance": "acquaintance",
    "work": "colleague or other work relationship",
    "stranger": "stranger",
    "other": "another relationship",
}

_TERM_LABELS: Final[dict[OrderTerm, str]] = {
    OrderTerm.NO_CONTACT: "no contact with the protected person, direct or indirect",
    OrderTerm.NO_ONLINE_CONTACT: "no online contact with, or posting about, the protected person",
    OrderTerm.EXCLUSION_ZONE: "an exclusion zone",
    OrderTerm.NOT_TO_ENTER_ADDRESS: "not to go to a named address",
    OrderTerm.RESIDENCE: "to live at an approved address",
    OrderTerm.CURFEW: "a curfew",
    OrderTerm.ELECTRONIC_MONITORING: "electronic monitoring",
    OrderTerm.POSITIVE_REQUIREMENT: "a positive requirement",
    OrderTerm.OTHER: "another term",
}

_PLACES: Final[dict[BehaviourKind, str]] = {
    BehaviourKind.TURNING_UP_AT_HOME: "the victim's home",
    BehaviourKind.TURNING_UP_AT_WORK: "the victim's workplace",
    BehaviourKind.FOLLOWING: "following the victim",
    BehaviourKind.LOITERING: "loitering near the victim",
    BehaviourKind.APPROACHING: "approaching the victim",
}


def _terms(order: ProtectiveOrder) -> str:
    if order.terms is None:
        return "terms not recorded"
    if not order.terms:
        return "no terms listed"
    return "terms: " + "; ".join(_TERM_LABELS[t] for t in order.terms)


def _breaches(case: Case, i: int, order: ProtectiveOrder) -> str:
    """Return an order's breaches: how many, their dates, and each one's own source."""
    if order.breaches is None:
        return "breaches not recorded"
    if not order.breaches:
        return "breaches: recorded as none"
    at = f"history.protective_orders[{i}].breaches"
    dates: list[str] = []
    for j, breach in enumerate(order.breaches):
        when = breach.date.isoformat() if breach.date is not None else "undated"
        note = source_note(case, f"{at}[{j}]", exact=True)
        dates.append(f"{when} {note}" if note else when)
    text = f"{_count(len(order.breaches), 'breach', 'breaches')} recorded: {_and(dates)}"
    note = source_note(case, at, exact=True)
    return f"{text} {note}" if note else text


def _order_line(case: Case, i: int, order: ProtectiveOrder) -> str:
    made = f"made on {order.made_on.isoformat()}" if order.made_on else "date made not recorded"
    expiry = (
        f"expires on {order.expires_on.isoformat()}" if order.expires_on else "no end date recorded"
    )
    parts = [
        made,
        f"in force: {_state(order.in_force)}",
        expiry,
        f"protects the victim in this case: {_state(order.protects_current_victim)}",
        _terms(order),
        _breaches(case, i, order),
    ]
    name = _noted(_cap(_ORDER_NAMES[order.kind]), case, f"history.protective_orders[{i}]")
    return f"{name}: " + "; ".join(parts) + "."


def _channels(case: Case) -> list[str]:
    seen: dict[str, None] = {}
    for b in case.episode.behaviours or ():
        for c in b.channels:
            seen[c.value.replace("_", " ")] = None
    return list(seen)


def _places(case: Case) -> list[str]:
    seen: dict[str, None] = {}
    for b in case.episode.behaviours or ():
        if b.kind in _PLACES:
            seen[_PLACES[b.kind]] = None
    return list(seen)


# --- 1. facts relevant to the sentencing guidelines ------------------------------------------


def _conduct_span(case: Case, v: FactorValue) -> str:
    e = case.episode
    firsts = [b.first_date for b in e.behaviours or () if b.first_date is not None]
    lasts = [b.last_date for b in e.behaviours or () if b.last_date is not None]
    start = e.start_date if e.start_date is not None else min(firsts, default=None)
    last = max([d for d in (e.last_incident_date, *lasts) if d is not None], default=None)
    if start is None or v.low is None:
        return "not recorded"
    low = int(v.low)
    began = f"the conduct began on {start.isoformat()}"
    if e.ongoing is Presence.PRESENT and v.known:
        text = f"{_days(low)}: {began} and is recorded as continuing at the assessment date"
    elif v.known:
        end = f"; the last incident recorded was on {last.isoformat()}" if last else ""
        text = f"{_days(low)}: {began}{end}"
    elif v.high is None:
        text = f"at least {_days(low)}: {began} at the latest"
    else:
        end = f"the last incident recorded was on {last.isoformat()}" if last else "no end recorded"
        text = (
            f"between {_days(low)} and {_days(int(v.high))}: {began}; {end}, and whether the "
            "conduct went on after it is not recorded"
        )
    return _noted(text, case, "episode.start_date", "episode.last_incident_date")


def _offence_of_conviction(case: Case) -> str:
    o = case.current_offence
    if o.category is None and o.conviction_date is None:
        return "not recorded"
    what = _offence(o.category) if o.category is not None else "offence category not recorded"
    when = (
        f", convicted on {o.conviction_date.isoformat()}"
        if o.conviction_date
        else ", date of conviction not recorded"
    )
    return what + when


def _relationship(case: Case) -> str:
    kind = case.relationship.type.value
    if kind not in _RELATIONSHIPS:
        return "not recorded"
    return _noted(_RELATIONSHIPS[kind], case, "relationship.type")


def _abuse_history(case: Case) -> str:
    d = case.relationship.domestic_abuse
    parts = (
        ("physical violence", d.physical, "physical"),
        ("sexual violence or abuse", d.sexual, "sexual"),
        ("controlling or coercive behaviour", d.coercive_control, "coercive_control"),
        ("strangulation, suffocation or choking", d.strangulation, "strangulation"),
    )
    return _group(case, "relationship.domestic_abuse", parts)


def _years_before(when: dt.date, today: dt.date) -> str:
    years = (today - when).days // 365
    if years < 1:
        return "less than a year before the assessment date"
    return f"{_count(years, 'year')} before the assessment date"


def _conviction_line(case: Case, i: int, c: Conviction, today: dt.date) -> str:
    if c.date is not None:
        when = f"{c.date.isoformat()} ({_years_before(c.date, today)})"
    else:
        when = f"at age {c.age}"
    victim = [
        f"against a current or former intimate partner: {_state(c.against_intimate_partner)}",
        f"against a family member: {_state(c.against_family_member)}",
        f"against the victim in this case: {_state(c.against_current_victim)}",
    ]
    line = f"{when}: {_offence(c.offence)}; {_DISPOSALS[c.disposal]}; " + "; ".join(victim)
    return _noted(line, case, f"history.convictions[{i}]") + "."


def _partner_or_family(listed: Sequence[Conviction], unlisted: int) -> str:
    present = sum(
        1
        for c in listed
        if Presence.PRESENT in (c.against_intimate_partner, c.against_family_member)
    )
    open_ = sum(
        1
        for c in listed
        if Presence.PRESENT not in (c.against_intimate_partner, c.against_family_member)
        and Presence.UNKNOWN in (c.against_intimate_partner, c.against_family_member)
    )
    text = str(present)
    if open_:
        text += f" (and {open_} whose victim is not recorded)"
    if unlisted:
        text += f"; {unlisted} further not listed in detail"
    return text


def _convictions_blocks(case: Case, today: dt.date) -> list[Block]:
    h = case.history
    total = h.total_convictions()
    if total is None:
        return [KeyValues((("Previous convictions", "not recorded"),))]
    listed = list(h.convictions or ())
    unlisted = total - len(listed)
    head = str(total) + (f" ({len(listed)} listed in detail)" if unlisted and listed else "")
    if h.convictions is None:
        head += " (not listed in detail)"
    head = _noted(head, case, "history.convictions", "history.conviction_count")
    factors = evaluate_factors(
        case,
        ("violent_convictions", "stalking_harassment_convictions"),
    )
    breach_convictions = sum(1 for c in listed if c.offence in PROTECTIVE_ORDER_BREACH_OFFENCES)
    pairs: list[tuple[str, str]] = [
        ("Previous convictions", head),
        (
            "Against a current or former intimate partner or a family member",
            _partner_or_family(listed, unlisted) if listed or not unlisted else "not recorded",
        ),
        (
            "For stalking, harassment, malicious communications or intimate-image abuse",
            _range(factors["stalking_harassment_convictions"]),
        ),
        ("For violence", _range(factors["violent_convictions"])),
        (
            "For breach of a protective order",
            _range(FactorValue(breach_convictions, None if unlisted else breach_convictions)),
        ),
    ]
    blocks: list[Block] = [KeyValues(tuple(pairs))]
    if listed:
        blocks.append(
            Bullets(tuple(_conviction_line(case, i, c, today) for i, c in enumerate(listed)))
        )
    return blocks


def _order_breach_history(case: Case) -> str:
    """Return the breaches of every order other than bail or licence conditions, with dates."""
    orders = case.history.protective_orders
    if orders is None:
        return "not recorded (orders are not recorded)"
    listed = [(i, o) for i, o in enumerate(orders) if o.kind not in BAIL_LICENCE_CONDITIONS]
    if not listed:
        return "none: the record lists no protective order"
    total = sum(len(o.breaches or ()) for _, o in listed)
    unknown = any(o.breaches is None for _, o in listed)
    lines = []
    for i, o in listed:
        made = f" made on {o.made_on.isoformat()}" if o.made_on else ""
        lines.append(f"the {_ORDER_NAMES[o.kind]}{made}: {_breaches(case, i, o)}")
    head = f"at least {total} recorded" if unknown else f"{total} recorded"
    return f"{head}; " + "; ".join(lines)


def _bail_breach_history(case: Case) -> str:
    v = evaluate_factors(case, ("bail_or_licence_breaches",))["bail_or_licence_breaches"]
    parts = [f"breaches of bail or licence conditions: {_range(v)}"]
    earlier = case.conditions.previous_bail_breaches
    if earlier is not None:
        parts.append(f"breaches of bail conditions recorded in any case: {earlier}")
    parts.append(f"failure to surrender to custody: {_state(case.conditions.failed_to_surrender)}")
    return "; ".join(parts)


def guideline_facts(a: Assessment, case: Case | None) -> Section:
    """Return the facts the case records that the sentencing guidelines list, unclassified.

    The Sentencing Council's intimidatory offences guideline (harassment and stalking) and the
    domestic abuse overarching guideline name these facts; the section lists each as
    recorded, recorded as absent or not recorded, with its source, and never places it in a
    culpability or harm category.
    """
    title = "Facts relevant to the sentencing guidelines"
    intro = Para(
        "Facts the case records that the Sentencing Council's guidelines name: the "
        "intimidatory offences guideline (harassment and stalking, Protection from Harassment "
        "Act 1997 ss.2, 2A, 4 and 4A) and the domestic abuse overarching guideline. Each reads "
        '"recorded", "recorded as absent" or "not recorded"; not recorded is never read as '
        "absent."
    )
    if case is None:
        return Section(
            title,
            (intro, Para(NOT_CLASSIFIED), Para(_NO_CASE, style="warning")),
            "guideline-facts",
        )
    factors = evaluate_factors(case, ("conduct_span_days", "contact_frequency"))
    frequency = factors["contact_frequency"].category
    e, v, o = case.episode, case.victim, case.current_offence
    conduct = KeyValues(
        (
            ("Offence of conviction", _offence_of_conviction(case)),
            ("How long the conduct lasted", _conduct_span(case, factors["conduct_span_days"])),
            (
                "How often, at its recorded rate",
                frequency.replace("_", " ") if frequency else "not recorded",
            ),
            ("Evidence of planning", _state(e.planning, case, "episode.planning")),
            (
                "Contact with the victim after arrest or charge",
                _state(
                    e.contact_since_arrest_or_charge, case, "episode.contact_since_arrest_or_charge"
                ),
            ),
        )
    )
    effect = KeyValues(
        (
            (
                "The victim caused to change their routine, work, studies or social life",
                _state(v.changed_lifestyle, case, "victim.changed_lifestyle"),
            ),
            (
                "The victim moved home, or was moved, because of the conduct",
                _state(v.moved_home, case, "victim.moved_home"),
            ),
            (
                "Children saw, heard or were otherwise affected by the conduct",
                _state(v.children_affected, case, "victim.children_affected"),
            ),
            (
                "Distress and psychological harm to the victim",
                "not measured by this screen; the court has the victim personal statement and "
                "any medical evidence on them",
            ),
        )
    )
    circumstances = KeyValues(
        (
            (
                "Offence committed on bail",
                _state(o.committed_on_bail, case, "current_offence.committed_on_bail"),
            ),
            (
                "Offence committed in breach of a court order",
                _state(
                    o.committed_in_breach_of_order,
                    case,
                    "current_offence.committed_in_breach_of_order",
                ),
            ),
            ("Relationship to the victim", _relationship(case)),
            ("Abuse earlier in the relationship", _abuse_history(case)),
        )
    )
    history = KeyValues(
        (
            ("Breaches of protective orders", _order_breach_history(case)),
            ("Bail and licence", _bail_breach_history(case)),
        )
    )
    blocks: list[Block] = [
        intro,
        Para(NOT_CLASSIFIED),
        Para("The conduct:"),
        conduct,
        Para("Its effect on the victim and on children:"),
        effect,
        Para("The circumstances of the offence:"),
        circumstances,
        Para("Criminal record:"),
        *_convictions_blocks(case, a.assessment_date),
        Para("Compliance with orders and bail:"),
        history,
    ]
    return Section(title, tuple(blocks), "guideline-facts")


# --- 2. risk of serious harm: input to OASys --------------------------------------------------

_PEOPLE: Final[dict[PeopleAtRisk, str]] = {
    PeopleAtRisk.VICTIM: "the victim",
    PeopleAtRisk.CHILDREN: "children",
    PeopleAtRisk.NEW_PARTNER: "a new partner of the victim",
    PeopleAtRisk.FAMILY_OR_FRIENDS: "the victim's family or friends",
    PeopleAtRisk.PROFESSIONALS: "professionals (police, probation, court or health staff)",
    PeopleAtRisk.PUBLIC: "the public",
    PeopleAtRisk.SELF: "the person themselves",
}

_KINDS: Final[dict[ScenarioKind, str]] = {
    ScenarioKind.CONTINUED_STALKING: "continued stalking",
    ScenarioKind.ESCALATION: "escalation",
    ScenarioKind.SERIOUS_VIOLENCE: "serious violence",
    ScenarioKind.HARM_TO_OTHERS: "harm to people close to the victim",
    ScenarioKind.RECURRENCE: "recurrence",
    ScenarioKind.SELF_HARM: "self-harm",
    ScenarioKind.OTHER: "another scenario",
}

_TRIGGERS: Final[dict[TriggerKind, str]] = {
    TriggerKind.RELEASE: "release from custody, or the end of a remand",
    TriggerKind.HEARING: "a hearing",
    TriggerKind.FAMILY_COURT: "a family-court date",
    TriggerKind.VICTIM_NEW_RELATIONSHIP: "the victim starting a new relationship",
    TriggerKind.ORDER_EXPIRY: "an order or conditions coming to an end",
    TriggerKind.BREACH: "a breach of an order, of bail or of a licence",
    TriggerKind.CHANGE_OF_CIRCUMSTANCES: "a change of circumstances",
    TriggerKind.OTHER: "another event",
}

_NO_JUDGEMENT: Final = "The practitioner's judgement is not recorded."


def _scenario_name(n: int, s: Scenario) -> str:
    return f"Scenario {n} ({_KINDS[s.kind]})"


def _numbers(ns: Sequence[int]) -> str:
    return ("scenario " if len(ns) == 1 else "scenarios ") + _and([str(n) for n in ns])


def _who(judgement: Judgement | None, case: Case | None) -> list[str]:
    items: list[str] = []
    if judgement is None or not judgement.scenarios:
        items.append(_NO_JUDGEMENT)
    else:
        for person, label in _PEOPLE.items():
            ns = [n for n, s in enumerate(judgement.scenarios, 1) if person in s.people_at_risk]
            if ns:
                items.append(f"{label[0].upper()}{label[1:]} ({_numbers(ns)}).")
    if case is not None:
        threats = case.episode.threats
        items.append(
            "Recorded in the case: children living with the victim: "
            f"{_state(case.victim.children_in_household, case, 'victim.children_in_household')}"
            "; threats against third parties or children: "
            + _state(_any(threats.against_third_parties, threats.against_children))
            + "; harassment of people close to the victim: "
            + _state(case.episode.third_party_harassment, case, "episode.third_party_harassment")
            + "."
        )
    return items


def _what(judgement: Judgement | None) -> list[str]:
    if judgement is None or not judgement.scenarios:
        return [_NO_JUDGEMENT]
    return [
        f"{_scenario_name(n, s)}: {_sentence(s.description)} Severity, physical and "
        f"psychological, in the practitioner's judgement: {s.severity.value}; likelihood: "
        f"{s.likelihood.value}."
        for n, s in enumerate(judgement.scenarios, 1)
    ]


def _when(judgement: Judgement | None, case: Case | None) -> list[str]:
    items: list[str] = []
    if judgement is None or not judgement.scenarios:
        items.append(_NO_JUDGEMENT)
    else:
        items += [
            f"{_scenario_name(n, s)}: imminence in the practitioner's judgement: "
            f"{s.imminence.value}."
            for n, s in enumerate(judgement.scenarios, 1)
        ]
    if judgement is not None and judgement.reassessment_triggers:
        events = []
        for t in judgement.reassessment_triggers:
            event = _TRIGGERS[t.kind] + (f", due {t.due_on.isoformat()}" if t.due_on else "")
            events.append(event + (f" ({t.note.rstrip('.')})" if t.note else ""))
        items.append(
            "Events on which the assessment is to be made again: " + "; ".join(events) + "."
        )
    if case is not None:
        days = evaluate_factors(case, ("days_since_last_incident",))["days_since_last_incident"]
        if days.known and days.low is not None:
            last = f"{_count(int(days.low), 'day')} before the assessment date"
        elif days.high is not None and days.low is not None:
            last = f"between {int(days.low)} and {int(days.high)} days before the assessment date"
        else:
            last = "not recorded"
        items.append(
            f"Recorded in the case: the last incident: {last}; the conduct continuing at the "
            f"assessment date: {_state(case.episode.ongoing, case, 'episode.ongoing')}; contact "
            "with the victim after arrest or charge: "
            + _state(
                case.episode.contact_since_arrest_or_charge,
                case,
                "episode.contact_since_arrest_or_charge",
            )
            + "."
        )
    return items


def _circumstances(judgement: Judgement | None) -> list[str]:
    if judgement is None or not judgement.scenarios:
        return [_NO_JUDGEMENT]
    items: list[str] = []
    for n, s in enumerate(judgement.scenarios, 1):
        triggers = "; ".join(t.rstrip(".") for t in s.triggers) or "none recorded"
        signs = "; ".join(w.rstrip(".") for w in s.warning_signs) or "none recorded"
        items.append(f"{_scenario_name(n, s)}. Triggers: {triggers}. Warning signs: {signs}.")
    return items


def _check_judgement(a: Assessment, case: Case | None, judgement: Judgement) -> None:
    if judgement.case_id != a.case_id:
        raise ValueError("the judgement is of another case (case_id differs)")
    if case is not None and judgement.case_sha256 is not None:
        from stalkrisk.audit import input_sha256  # noqa: PLC0415 - only when a hash is given

        if judgement.case_sha256 != input_sha256(case):
            raise ValueError("the judgement was made on other case data (case_sha256 differs)")


def _screen_blocks(a: Assessment) -> list[Block]:
    status = a.instrument.validation_status
    label = (
        "illustrative"
        if status in ("illustrative", "locally_fitted")
        else f"validation status: {status.replace('_', ' ')}"
    )
    harm = _by_role(a, ScaleRole.HARM)
    blocks: list[Block] = []
    if harm is None:
        blocks.append(
            Para(f"The instrument {a.instrument.id} has no scale of serious harm (role harm).")
        )
    else:
        final = f'"{harm.final_band.label}"' if harm.final_band is not None else "not scored"
        if harm.override is not None:
            final += " (set by professional override)"
        blocks.append(Para(f"The screen's band for {harm.title.lower()} ({label}): {final}."))
    fired = [
        f"{f.label} ({s.title.lower()}): it calls for professional review, and puts the band "
        f'at "{f.minimum_band.label}" at least, whatever the total.'
        for s in a.scales
        for f in s.fired_red_flags
    ]
    unknown = [
        f"{f.label} ({s.title.lower()})"
        for s in a.scales
        for f in s.red_flags
        if f.status == "unknown"
    ]
    blocks.append(Para("Red flags fired:"))
    blocks.append(Bullets(tuple(fired), empty="None fired."))
    if unknown:
        blocks.append(
            Para(
                "Red flags not recorded (not read as absent): " + "; ".join(unknown) + ".",
                style="warning",
            )
        )
    return blocks


def rosh_input(a: Assessment, case: Case | None, judgement: Judgement | None) -> Section:
    """Return the Risk of Serious Harm input block: who, what harm, when, in what circumstances.

    Filled from the practitioner's scenarios when a judgement is given; otherwise each heading
    says the judgement is not recorded. The screen's band for serious harm and the red flags
    fired are shown beside it, labelled, with :data:`ROSH_NOTICE`.

    Raises
    ------
    ValueError
        If the judgement is of another case, or was made on other case data.
    """
    if judgement is not None:
        _check_judgement(a, case, judgement)
    blocks: list[Block] = [Para(ROSH_NOTICE, style="warning")]
    if judgement is not None:
        blocks.append(
            Para(
                f"From the practitioner's structured judgement (assessor {judgement.assessor}, "
                f"version {judgement.version}, made on {judgement.made_on.isoformat()}). The "
                "judgement is the practitioner's; no score reads it."
            )
        )
    for heading, items in (
        ("Who is at risk", _who(judgement, case)),
        ("What harm", _what(judgement)),
        ("When (imminence)", _when(judgement, case)),
        ("In what circumstances", _circumstances(judgement)),
    ):
        blocks += [Para(f"{heading}:"), Bullets(tuple(items))]
    blocks += _screen_blocks(a)
    return Section(
        "Risk of serious harm: input to the OASys assessment", tuple(blocks), "rosh-input"
    )


# --- 3. requirements: prompts for the author ------------------------------------------------


def _mental_health(case: Case | None) -> str:
    text = (
        "Mental health treatment requirement: it needs an assessment of the person's mental "
        "health by a registered medical practitioner or registered psychologist, and the "
        "person's willingness to comply."
    )
    if case is None:
        return text + " What the case records about mental disorder is not shown here."
    m = case.perpetrator.mental_disorder
    disorders = _group(
        case,
        "perpetrator.mental_disorder",
        (
            ("personality disorder", m.personality_disorder, "personality_disorder"),
            ("delusional or psychotic disorder", m.delusional_disorder, "delusional_disorder"),
            ("other mental disorder", m.other, "other"),
        ),
    )
    return (
        f"{text} The case records: {disorders}"
        "; suicidal threats or attempts in the last 12 months: "
        f"{_state(case.perpetrator.suicidality.recent)}. Whether an assessment has been "
        "requested or obtained is for the author to establish."
    )


def _rehabilitation(case: Case | None) -> str:
    text = (
        "Rehabilitation activity requirement: appointments and activities with the probation "
        "service, for a number of days the court sets."
    )
    if case is None:
        return text
    p = case.perpetrator
    motivation = p.motivation.value
    return (
        f"{text} What the case records that the activity might address: obsessive "
        f"preoccupation with the victim: {_state(p.obsession, case, 'perpetrator.obsession')}; "
        f"anger: {_state(p.anger, case, 'perpetrator.anger')}; no remorse, or minimisation: "
        f"{_state(p.lack_of_remorse, case, 'perpetrator.lack_of_remorse')}; motivation "
        "(Mullen typology): "
        + ("not recorded" if motivation == "unknown" else motivation.replace("_", " "))
        + "."
    )


def _programme(case: Case | None) -> str:
    text = (
        "Accredited programme (a programme requirement): suitability for a programme is the "
        "author's assessment."
    )
    if case is None:
        return text
    t, at = case.perpetrator.treatment, "perpetrator.treatment."
    abuse = evaluate_factors(case, ("domestic_abuse_history",))["domestic_abuse_history"]
    abuse_text = (
        "recorded"
        if abuse.low == 1
        else "recorded as absent"
        if abuse.high == 0
        else "not recorded"
    )
    return (
        f"{text} The case records: stalking-specific treatment received: "
        f"{_state(t.stalking_specific, case, at + 'stalking_specific')}; a "
        "domestic-violence programme attended: "
        f"{_state(t.domestic_violence_programme, case, at + 'domestic_violence_programme')}"
        f"; domestic abuse in the relationship: {abuse_text}."
    )


def _monitoring(case: Case | None) -> list[str]:
    em = (
        "Electronic monitoring and an exclusion requirement: an exclusion zone is drawn around "
        "places the victim lives, works or takes children, and electronic monitoring can "
        "check it."
    )
    if case is None:
        return [em]
    c = case.conditions
    assessed = c.electronic_monitoring_assessed.replace("_", " ")
    in_force = [
        f"{_ORDER_NAMES[o.kind]}: {_terms(o)}"
        for o in case.history.protective_orders or ()
        if o.in_force is Presence.PRESENT
    ]
    orders = (
        "not recorded"
        if case.history.protective_orders is None
        else "; ".join(in_force)
        if in_force
        else "none recorded as in force"
    )
    places = _places(case)
    em += (
        " The case records: the person knows the victim's home address: "
        f"{_state(c.knows_victim_address)}; the victim's workplace: "
        f"{_state(c.knows_victim_workplace)}; the school or nursery of the victim's children: "
        f"{_state(c.knows_childrens_school)}; the person's own address is within easy reach "
        f"of the victim: {_state(c.proposed_address_near_victim)}; places the conduct reached: "
        + (
            _and(places)
            if places
            else "not recorded"
            if case.episode.behaviours is None
            else "none recorded"
        )
        + f"; suitability for electronic monitoring, as assessed by the author: {assessed}; "
        f"orders in force and their terms: {orders}."
    )
    channels = _channels(case)
    prohibited = (
        "Prohibited activity requirement (for example, no contact with the victim by any "
        "means, directly or through others): channels the conduct used: "
        + (
            _and(channels)
            if channels
            else "not recorded"
            if case.episode.behaviours is None
            else "none recorded"
        )
        + "; others recruited to contact, watch or harass the victim: "
        + _state(case.episode.recruiting_others, case, "episode.recruiting_others")
        + "."
    )
    return [em, prohibited]


_ADVOCATES: Final[dict[AdvocateKind, str]] = {
    AdvocateKind.ISAC: "an independent stalking advocacy caseworker",
    AdvocateKind.IDVA: "an independent domestic violence adviser",
    AdvocateKind.BOTH: (
        "an independent stalking advocacy caseworker and an independent domestic violence adviser"
    ),
    AdvocateKind.NONE: "recorded as none",
    AdvocateKind.UNKNOWN: "not recorded",
}


def _stalking_service(case: Case | None) -> str:
    text = (
        "Referral to a multi-agency stalking intervention service, where one is available "
        "locally (for example a Multi-Agency Stalking Intervention Programme)."
    )
    if case is None:
        return text
    m = case.multi_agency
    return (
        f"{text} The case records: an advocate working with the victim: "
        f"{_ADVOCATES[m.advocate]}; referral to a MARAC: {_state(m.marac.referred)}."
    )


def _substance(case: Case | None) -> list[str]:
    if case is None or case.perpetrator.substance_misuse.recent is not Presence.PRESENT:
        return []
    return [
        _noted(
            "Drug rehabilitation or alcohol treatment requirement: recent substance misuse is "
            "recorded",
            case,
            "perpetrator.substance_misuse.recent",
        )
        + "; either needs an assessment, and the person's consent or willingness to comply."
    ]


def requirements_prompts(a: Assessment, case: Case | None) -> Section:
    """Return prompts for the author on the requirements of a sentence: prompts, not proposals.

    Each prompt names what the requirement needs and what the case records that bears on it:
    a mental health treatment requirement, rehabilitation activity, an accredited programme,
    electronic monitoring and exclusion zones, and a multi-agency stalking service.
    """
    del a  # the prompts read the case; the assessment is accepted for a uniform signature
    items = [
        _mental_health(case),
        *_substance(case),
        _rehabilitation(case),
        _programme(case),
        *_monitoring(case),
        _stalking_service(case),
    ]
    blocks: list[Block] = [
        Para(
            "Prompts for the author of the report, with what the case records that bears on "
            "each. The requirements of a community order or a suspended sentence order are in "
            "the Sentencing Act 2020, Schedule 9."
        ),
        Bullets(tuple(items)),
        Para(
            "The court decides the sentence and any requirements. This section lists what the "
            "author may consider; it proposes none of them."
        ),
    ]
    if case is None:
        blocks.append(Para(_NO_CASE, style="muted"))
    return Section("Requirements: prompts for the author", tuple(blocks), "requirements")


# --- 4. ancillary orders ----------------------------------------------------------------------

_RESTRAINING_ORDER_LAW: Final = (
    "On conviction, the court may make a restraining order (Sentencing Act 2020 ss.359-360; "
    "Protection from Harassment Act 1997 s.5 before the Sentencing Code) to protect the victim, "
    "or any other person named in it, from conduct that amounts to harassment or will cause a "
    "fear of violence. On acquittal, it may make one if it considers it necessary to protect a "
    "person from harassment (Protection from Harassment Act 1997 s.5A). An order may last for a "
    "period it specifies or until further order."
)

_SPO_LAW: Final = (
    "A Stalking Protection Order (Stalking Protection Act 2019) is made by a magistrates' court "
    "on an application by a chief officer of police (s.1), whether or not there is a "
    "conviction; it is not made by the sentencing court of its own motion. It may prohibit the "
    "person from doing anything it describes (for example, contact by any means, or entering "
    "an area) and may require the person to do anything it describes: positive requirements, "
    "such as attending an assessment or an intervention. It lasts for a fixed period of at "
    "least two years or until further order (s.3). An interim order can be made while the "
    "application is decided (s.5). Breach without reasonable excuse is an offence (s.8)."
)


def _people_also(case: Case) -> str:
    parts = [
        "children living with the victim: "
        + _state(case.victim.children_in_household, case, "victim.children_in_household"),
        "harassment of the victim's family, friends, new partner or colleagues: "
        + _state(case.episode.third_party_harassment, case, "episode.third_party_harassment"),
    ]
    return "; ".join(parts)


def _orders_blocks(case: Case) -> list[Block]:
    orders = case.history.protective_orders
    if orders is None:
        return [Para("Orders and conditions: not recorded.")]
    return [
        Para("Orders and conditions recorded, past and present:"),
        Bullets(
            tuple(_order_line(case, i, o) for i, o in enumerate(orders)),
            empty="The record lists none.",
        ),
    ]


def _spo_recorded(case: Case) -> str:
    orders = case.history.protective_orders
    if orders is None:
        return "Whether a Stalking Protection Order has been made is not recorded."
    spo = [
        o
        for o in orders
        if o.kind
        in (OrderKind.STALKING_PROTECTION_ORDER, OrderKind.INTERIM_STALKING_PROTECTION_ORDER)
    ]
    if not spo:
        return "The record lists no Stalking Protection Order or interim order."
    listed = _count(len(spo), "Stalking Protection Order")
    return f"The record lists {listed} (interim orders included), set out above."


def ancillary_orders(a: Assessment, case: Case | None) -> Section:
    """Return information for the court on a restraining order and a Stalking Protection Order.

    The law on each, the victim's view on terms and duration, the orders already recorded
    (kind, dates, terms and breaches) and the case facts the terms could need to cover.
    Information for the court, never a proposal.
    """
    del a  # the section reads the case; the assessment is accepted for a uniform signature
    blocks: list[Block] = [
        Para(
            "Information for the court, not a proposal: whether to make an order, and its "
            "terms and duration, is for the court."
        ),
        Para("Restraining order:"),
        Para(_RESTRAINING_ORDER_LAW),
    ]
    if case is None:
        blocks += [
            KeyValues((("The victim's view on terms and duration", "not recorded"),)),
            Para("Stalking Protection Order:"),
            Para(_SPO_LAW),
            Para(_NO_CASE, style="warning"),
        ]
        return Section(
            "Ancillary orders: restraining order and Stalking Protection Order",
            tuple(blocks),
            "ancillary-orders",
        )
    view = case.conditions.victim_view
    channels, places = _channels(case), _places(case)
    none = "not recorded" if case.episode.behaviours is None else "none recorded"
    blocks.append(
        KeyValues(
            (
                ("The victim's view on terms and duration", view if view else "not recorded"),
                ("Channels the conduct used", _and(channels) if channels else none),
                ("Places the conduct reached", _and(places) if places else none),
                ("Others the order could name", _people_also(case)),
            )
        )
    )
    if view is None:
        blocks.append(
            Para(
                "The victim's view is not recorded: it can be sought through the police, the "
                "witness care unit or the victim's advocate.",
                style="warning",
            )
        )
    blocks += _orders_blocks(case)
    blocks += [
        Para("Stalking Protection Order:"),
        Para(_SPO_LAW),
        Para(
            _spo_recorded(case) + " Whether the police have applied for one, or are "
            "considering it, is not something the case records: the author may ask the police."
        ),
    ]
    return Section(
        "Ancillary orders: restraining order and Stalking Protection Order",
        tuple(blocks),
        "ancillary-orders",
    )
