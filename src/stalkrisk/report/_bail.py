"""The bail report's sections, in the order of the grounds a court decides on.

Bail Act 1976, Schedule 1 Part 1: whether there are substantial grounds for believing that the
defendant, if released, would commit an offence while on bail or interfere with witnesses
(para 2(1)(b) and (c)), or would commit an offence by conduct that would cause an associated
person physical or mental injury, or fear of it (para 2ZA; Part 1A holds the corresponding
grounds for offences triable only summarily); then the considerations of para 9 (the nature of
the offence, character, antecedents and community ties, the record on earlier bail, the strength
of the evidence). Each section sets out what is recorded under that heading. None
of them says whether a ground is made out: that is the court's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from stalkrisk.assessment import Assessment, ScaleResult, ScaleRole
from stalkrisk.features import FACTORS, FactorKind
from stalkrisk.report._document import Block, Bullets, KeyValues, Para, Section
from stalkrisk.report._practice import first_source_note
from stalkrisk.schemas import Case, OrderKind, Presence

__all__ = [
    "CONDITIONS_NOTICE",
    "bail_ground_sections",
    "conditions_section",
    "dated_events",
    "order_name",
]

#: The fixed sentence under the conditions section.
CONDITIONS_NOTICE = (
    "This is information relevant to conditions, not a proposal: the decision on bail, and on "
    "any conditions, is the court's."
)

_STATE = {
    Presence.PRESENT: "recorded",
    Presence.ABSENT: "recorded as absent",
    Presence.UNKNOWN: "not recorded",
}


_ORDER_NAMES: dict[OrderKind, str] = {
    OrderKind.RESTRAINING_ORDER: "restraining order",
    OrderKind.NON_MOLESTATION_ORDER: "non-molestation order",
    OrderKind.STALKING_PROTECTION_ORDER: "Stalking Protection Order",
    OrderKind.INTERIM_STALKING_PROTECTION_ORDER: "interim Stalking Protection Order",
    OrderKind.DOMESTIC_ABUSE_PROTECTION_ORDER: "Domestic Abuse Protection Order",
    OrderKind.DOMESTIC_ABUSE_PROTECTION_NOTICE: "Domestic Abuse Protection Notice",
    OrderKind.BAIL_CONDITIONS: "bail conditions",
    OrderKind.LICENCE_CONDITIONS: "licence conditions",
    OrderKind.OTHER: "other order or conditions",
}


def order_name(kind: OrderKind) -> str:
    """Return an order's name as a report writes it (``non-molestation order``)."""
    return _ORDER_NAMES[kind]


def _fmt(d: dt.date | None) -> str:
    return d.isoformat() if d else "date not recorded"


def dated_events(case: Case | None) -> list[tuple[str, str]]:
    """Return the dated events of the current episode, oldest first, as (what, when) pairs."""
    if case is None:
        return []
    e = case.episode
    pairs: list[tuple[str, str]] = []
    if e.start_date:
        pairs.append(("Episode began", e.start_date.isoformat()))
    for b in sorted(e.behaviours or (), key=lambda b: b.first_date or dt.date.min):
        span = b.first_date and b.last_date and b.first_date != b.last_date
        when = f"{_fmt(b.first_date)} to {_fmt(b.last_date)}" if span else _fmt(b.first_date)
        pairs.append((b.kind.value.replace("_", " ").capitalize(), when))
    if e.escalation.dates:
        pairs.append(("Escalation", ", ".join(d.isoformat() for d in e.escalation.dates)))
    for i, order in enumerate(case.history.protective_orders or ()):
        for breach in order.breaches or ():
            pairs.append((f"Breach of order {i + 1} ({order_name(order.kind)})", _fmt(breach.date)))
    last = e.last_incident_date
    if last is None and e.behaviours:
        dates = [b.last_date for b in e.behaviours if b.last_date]
        last = max(dates) if dates else None
    if last:
        days = (case.assessment_date - last).days
        pairs.append(("Last incident", f"{last.isoformat()} ({days} days before the assessment)"))
    if case.relationship.separation_date:
        pairs.append(("Separation", case.relationship.separation_date.isoformat()))
    return pairs


def _indicator_lines(
    case: Case | None,
    state: Callable[[str], str | None],
    describe: Callable[[str], str],
    indicators: Sequence[tuple[str, str, tuple[str, ...]]],
    alleged_by_default: bool,
) -> list[str]:
    lines = []
    for factor, label, paths in indicators:
        st = state(factor)
        if st is None:
            continue
        note = first_source_note(case, *paths, context="bail") if st == "present" else ""
        if not note and alleged_by_default and st == "present" and paths[0].startswith("episode"):
            note = " (alleged)"
        if st == "unknown":
            lines.append(f"{label}: not recorded (unknown, not read as absent)")
        elif FACTORS[factor].kind is not FactorKind.BINARY:
            lines.append(f"{label}: {describe(factor)}{note}")
        elif st == "present":
            lines.append(label + note)
        else:
            lines.append(f"{label}: recorded as absent{note}")
    return lines


# Current and recent indicators: this episode and the last 12 months, dated where the case dates
# them. History follows separately, so a court sees which is which.
_OFFENDING_ON_BAIL: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "contact_since_arrest_or_charge",
        "Contact with the victim since arrest or charge",
        ("episode.contact_since_arrest_or_charge",),
    ),
    (
        "days_since_last_incident",
        "Days since the last incident (0 while the conduct is recorded as ongoing)",
        ("episode.last_incident_date",),
    ),
    ("contact_frequency", "How often the conduct happens", ("episode.frequency",)),
    ("approach_or_following", "Following, loitering or turning up", ("episode.behaviours",)),
    ("escalating", "Escalation in frequency or severity", ("episode.escalation",)),
    ("protective_order_breaches", "Breaches of protective orders", ("history.protective_orders",)),
    (
        "bail_or_licence_breaches",
        "Breaches of bail or licence conditions",
        ("history.protective_orders",),
    ),
    (
        "prior_stalking_this_victim",
        "Earlier stalking of this victim",
        ("history.prior_stalking_this_victim",),
    ),
    (
        "stalking_harassment_convictions",
        "Previous convictions for stalking or harassment",
        ("history.convictions",),
    ),
)

_WITNESS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "contact_since_arrest_or_charge",
        "Contact with the victim since arrest or charge",
        ("episode.contact_since_arrest_or_charge",),
    ),
    (
        "threats_of_violence_recent",
        "Threats of violence in this episode",
        ("episode.threats.violence", "episode.threats"),
    ),
    ("threats_to_others", "Threats to third parties or children", ("episode.threats",)),
    (
        "third_party_harassment",
        "Harassment of the victim's family, friends, new partner or colleagues",
        ("episode.third_party_harassment",),
    ),
    (
        "recruiting_others",
        "Others recruited to contact, watch or harass the victim",
        ("episode.recruiting_others",),
    ),
    (
        "image_based_abuse",
        "Sharing or threatening to share intimate images",
        ("episode.behaviours",),
    ),
)

_HARM_CURRENT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "threats_to_kill_recent",
        "Threats to kill in this episode",
        ("episode.threats.to_kill", "episode.threats"),
    ),
    (
        "countdown",
        "A countdown or deadline announcing harm",
        ("episode.threats.countdown", "episode.threats"),
    ),
    (
        "weapon_used_or_threatened",
        "A weapon used or threatened in this episode",
        ("episode.weapon_used_or_threatened",),
    ),
    (
        "procuring_violence",
        "An attempt to pay or persuade someone else to harm the victim or people close to them",
        ("episode.procuring_violence",),
    ),
    ("violence_recent", "Violence against the victim in this episode", ("episode.violence",)),
    (
        "threats_of_violence_recent",
        "Threats of violence in this episode",
        ("episode.threats.violence", "episode.threats"),
    ),
    ("escalating", "Escalation in frequency or severity", ("episode.escalation",)),
    ("recent_separation", "Separation in the last 12 months", ("relationship.separation_date",)),
    (
        "suicidality_recent",
        "Suicidal threats or attempts in the last 12 months",
        ("perpetrator.suicidality",),
    ),
    (
        "substance_misuse_recent",
        "Substance misuse in the last 12 months",
        ("perpetrator.substance_misuse",),
    ),
    (
        "surveillance_or_tracking",
        "Surveillance of the victim or a tracking device",
        ("episode.behaviours",),
    ),
)

_HARM_HISTORY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "strangulation",
        "Strangulation, in this episode or earlier in the relationship",
        (
            "episode.strangulation",
            "relationship.domestic_abuse.strangulation",
            "relationship.domestic_abuse",
        ),
    ),
    (
        "partner_abuse_history",
        "Physical or sexual violence or coercive control in the relationship",
        ("relationship.domestic_abuse",),
    ),
    ("violence_history_level", "Violence in the history", ("history.convictions",)),
    (
        "partner_or_family_violence_convictions",
        "Convictions for violence against a partner or family member",
        ("history.convictions",),
    ),
    (
        "weapon_access_level",
        "Access to weapons",
        ("episode.weapon_access", "episode.firearm_access"),
    ),
)


def _band_line(s: ScaleResult | None) -> Para | None:
    if s is None:
        return None
    band = s.final_band.label if s.final_band else "not scored"
    how = " (professional override)" if s.override else ""
    return Para(
        f"{s.title}: {band}{how}. Illustrative: these bands have not been tested against "
        "outcomes, and no rate of reoffending attaches to them."
    )


def _role(a: Assessment, *roles: ScaleRole) -> list[ScaleResult]:
    return [s for role in roles for s in a.scales if s.role is role]


def bail_ground_sections(
    a: Assessment,
    case: Case | None,
    state: Callable[[str], str | None],
    describe: Callable[[str], str],
) -> list[Section]:
    """Return the sections that follow the Bail Act's grounds and para 9 considerations."""

    def lines(indicators: Sequence[tuple[str, str, tuple[str, ...]]]) -> tuple[str, ...]:
        return tuple(_indicator_lines(case, state, describe, indicators, True))

    events = dated_events(case)
    dated: list[Block] = (
        [Para("Dated events of the current episode:"), KeyValues(tuple(events))] if events else []
    )

    offending: list[Block] = [
        Para(
            "Bail Act 1976, Sch 1 Pt 1 para 2(1)(b): whether the defendant, if released, "
            "would commit an offence while on bail. Stalking that goes on after an arrest is "
            "such an offence. Current and recent indicators:"
        )
    ]
    offending += [
        p for s in _role(a, ScaleRole.PERSISTENCE, ScaleRole.RECURRENCE) if (p := _band_line(s))
    ]
    offending.append(Bullets(lines(_OFFENDING_ON_BAIL)))
    offending += dated

    witness: list[Block] = [
        Para(
            "Bail Act 1976, Sch 1 Pt 1 para 2(1)(c): whether the defendant would interfere "
            "with witnesses or otherwise obstruct the course of justice. In a stalking case "
            "the victim is usually the principal witness, so contact with the victim, and "
            "pressure through other people, bear on this ground."
        ),
        Bullets(lines(_WITNESS)),
    ]

    harm_blocks: list[Block] = [
        Para(
            "Bail Act 1976, Sch 1 Pt 1 para 2ZA (and the corresponding ground of Part 1A for "
            "offences triable only summarily): whether the defendant would, if released, "
            "commit an offence by conduct that would cause an associated person physical or "
            "mental injury, or fear of it. A former partner is an associated person."
        )
    ]
    harm = _role(a, ScaleRole.HARM)
    for s in harm:
        if (p := _band_line(s)) is not None:
            harm_blocks.append(p)
        if s.fired_red_flags:
            harm_blocks.append(
                Para(
                    "Red flags recorded: "
                    + ", ".join(f.label for f in s.fired_red_flags)
                    + ". A red flag puts this scale in its top band whatever the total and "
                    "calls for a practitioner's review of the risk of serious harm.",
                    style="warning",
                )
            )
    harm_blocks += [
        Para("Current and recent indicators (this episode and the last 12 months):"),
        Bullets(lines(_HARM_CURRENT)),
        Para("History (earlier in the relationship or the record):"),
        Bullets(lines(_HARM_HISTORY)),
        Para(
            "The screen's scale concerns serious physical or sexual violence. Mental injury "
            "(fear, distress, the effect of the conduct on the victim's life) is not scored; "
            "the victim's own account of it is the evidence.",
            style="muted",
        ),
    ]

    return [
        Section(
            "Offending on bail: the risk of further stalking", tuple(offending), "offending-on-bail"
        ),
        Section(
            "Interference with witnesses: the victim is the principal witness",
            tuple(witness),
            "witnesses",
        ),
        Section(
            "Physical or mental injury to an associated person",
            tuple(harm_blocks),
            "serious-harm",
        ),
    ]


def antecedents_section(case: Case | None, describe: Callable[[str], str]) -> Section:
    """Return para 9's character, antecedents and record on previous bail, as recorded."""
    if case is None:
        return Section(
            "Character, antecedents and previous bail",
            (Para("The case was not given to this report.", style="warning"),),
            "antecedents",
        )
    h, c = case.history, case.conditions
    convictions = (
        "not recorded"
        if h.convictions is None and h.conviction_count is None
        else describe("previous_convictions")
    )
    orders = h.protective_orders
    breaches = sum(len(o.breaches or ()) for o in orders or ())
    pairs = [
        ("Previous convictions", convictions),
        ("Of which for violence", describe("violent_convictions")),
        ("Against a partner or family member", describe("partner_or_family_violence_convictions")),
        ("For stalking or harassment", describe("stalking_harassment_convictions")),
        (
            "Protective orders",
            "not recorded"
            if orders is None
            else f"{len(orders)} recorded, {breaches} recorded breaches",
        ),
        (
            "Breaches of bail conditions",
            "not recorded" if c.previous_bail_breaches is None else str(c.previous_bail_breaches),
        ),
        ("Failed to surrender to custody", _STATE[c.failed_to_surrender]),
        ("Charges pending", describe("pending_charges")),
    ]
    blocks: list[Block] = [
        Para(
            "Bail Act 1976, Sch 1 Pt 1 para 9: the character, antecedents, associations and "
            "community ties of the defendant, and how the defendant kept to bail in the past."
        ),
        KeyValues(tuple(pairs)),
    ]
    return Section("Character, antecedents and previous bail", tuple(blocks), "antecedents")


def conditions_section(case: Case | None) -> Section:
    """Return "Managing the risk on bail: information relevant to conditions"."""
    title = "Managing the risk on bail: information relevant to conditions"
    if case is None:
        return Section(
            title,
            (
                Para("The case was not given to this report.", style="warning"),
                Para(CONDITIONS_NOTICE),
            ),
            "conditions",
        )
    c = case.conditions
    pairs: list[tuple[str, str]] = [
        (
            "Proposed address within easy reach of the victim",
            _STATE[c.proposed_address_near_victim],
        ),
        ("Knows the victim's address", _STATE[c.knows_victim_address]),
        ("Knows the victim's workplace or place of study", _STATE[c.knows_victim_workplace]),
        ("Knows the children's school or nursery", _STATE[c.knows_childrens_school]),
        (
            "Child-contact arrangements that would clash with a no-contact condition",
            _STATE[c.child_contact_arrangements],
        ),
        (
            "Electronic monitoring",
            {
                "suitable": "assessed as suitable",
                "unsuitable": "assessed as unsuitable",
                "not_assessed": "not assessed",
            }[c.electronic_monitoring_assessed],
        ),
        ("The victim's view of conditions", c.victim_view or "not recorded"),
    ]
    order_lines = []
    for o in case.history.protective_orders or ():
        terms = (
            ", ".join(t.value.replace("_", " ") for t in o.terms)
            if o.terms
            else "terms not recorded"
        )
        expiry = f"expires {o.expires_on.isoformat()}" if o.expires_on else "no end date recorded"
        made = f"made {o.made_on.isoformat()}" if o.made_on else "date made not recorded"
        n = len(o.breaches) if o.breaches is not None else None
        breaches = "breaches not recorded" if n is None else f"{n} breach{'es' if n != 1 else ''}"
        in_force = {
            "present": "in force",
            "absent": "not in force",
            "unknown": "in force: not recorded",
        }[o.in_force.value]
        order_lines.append(
            f"{order_name(o.kind)[0].upper() + order_name(o.kind)[1:]}: {made}, {expiry}, "
            f"{in_force}; "
            f"terms: {terms}; {breaches}"
        )
    blocks: list[Block] = [
        KeyValues(tuple(pairs)),
        Para("Orders and conditions recorded, with their compliance:"),
        Bullets(
            tuple(order_lines),
            empty="None recorded."
            if case.history.protective_orders is not None
            else "Not recorded.",
        ),
        Para(CONDITIONS_NOTICE, style="notice"),
    ]
    return Section(title, tuple(blocks), "conditions")
