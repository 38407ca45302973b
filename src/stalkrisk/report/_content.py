"""What a report says, for a bail hearing or a pre-sentence report: one :class:`Document`.

Everything here is plain text. The wording is precise and victim-centred, and it never states
or proposes a decision about bail, liberty or sentence: it sets out the bands, what produced
them, what is unknown, and the questions that remain.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from stalkrisk.assessment import (
    Assessment,
    Contribution,
    ScaleResult,
    ScaleRole,
    ScaleStatus,
    fmt_points,
)
from stalkrisk.audit import AssessmentRecord, input_sha256
from stalkrisk.changes import compare
from stalkrisk.errors import ReportIncompleteError
from stalkrisk.features import FACTORS, FactorKind, FactorValue, evaluate_factors
from stalkrisk.judgement import Judgement
from stalkrisk.report._bail import antecedents_section, bail_ground_sections, conditions_section
from stalkrisk.report._document import (
    Block,
    Bullets,
    Chart,
    Document,
    KeyValues,
    Para,
    Section,
    Table,
)
from stalkrisk.report._model_result import ModelResult
from stalkrisk.report._practice import (
    completeness_gaps,
    judgement_sections,
    multi_agency_section,
    safety_planning_section,
    sources_section,
)
from stalkrisk.report._sentencing import (
    ancillary_orders,
    guideline_facts,
    requirements_prompts,
    rosh_input,
)
from stalkrisk.schemas import Case

__all__ = ["CONTEXTS", "Context", "build_document"]

Context = Literal["bail", "sentencing"]

#: The report contexts: before a bail hearing, and for a pre-sentence report.
CONTEXTS: tuple[Context, ...] = ("bail", "sentencing")

_TITLES: dict[Context, str] = {
    "bail": "Stalking risk information for a bail hearing",
    "sentencing": "Stalking risk information for a pre-sentence report",
}

_PURPOSE: dict[Context, str] = {
    "bail": (
        "It sets out the risk information available before the hearing, under the grounds "
        "the Bail Act 1976 names (offending on bail, interference with witnesses, injury to "
        "an associated person) and the considerations of Sch 1 Pt 1 para 9; then "
        "information relevant to conditions, multi-agency status, the practitioner's "
        "structured judgement, what is not known and the information not yet available. "
        "It does not say whether any ground is made out. The decision is the court's."
    ),
    "sentencing": (
        "It sets out the risk information for the author of a pre-sentence report: "
        "persistence and recurrence first, then the facts relevant to the sentencing "
        "guidelines (listed, never classified), a risk of serious harm input block, treatment "
        "need, requirements and ancillary orders as prompts, management, multi-agency status, "
        "the practitioner's structured judgement, red flags, what is not known, and questions "
        "that remain open. The decision is the court's."
    ),
}

# Scales shown first in each context, by the role their instrument declares; the other scales
# follow in the instrument's own order. A service's own instrument gets the same report.
_ROLE_ORDER: dict[Context, tuple[ScaleRole, ...]] = {
    "bail": (ScaleRole.HARM, ScaleRole.PERSISTENCE, ScaleRole.RECURRENCE),
    "sentencing": (ScaleRole.PERSISTENCE, ScaleRole.RECURRENCE, ScaleRole.HARM),
}


def _by_role(a: Assessment, *roles: ScaleRole) -> ScaleResult | None:
    """Return the first scale with one of ``roles`` (in the order given), or ``None``."""
    for role in roles:
        for s in a.scales:
            if s.role is role:
                return s
    return None


_UNVALIDATED = ("illustrative", "locally_fitted")

#: What a report for a court says of an instrument whose weights are illustrative, in place of
#: advice to analysts (such as "calibrate locally") that a bench cannot act on.
COURT_VALIDITY = (
    "These bands have not been tested against outcomes: the weights are illustrative. A "
    "higher band means that more of the listed factors are recorded as present; no rate of "
    "reoffending or of harm attaches to any band."
)


def _validity(a: Assessment) -> str:
    """Return the validation statement a court reads: plain words for illustrative weights."""
    if a.instrument.validation_status == "illustrative":
        return COURT_VALIDITY
    return a.instrument.validation_statement


# --- what the case records --------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """Factor values from the case when it is given, else from the assessment's items."""

    values: dict[str, FactorValue]
    from_case: bool

    @classmethod
    def of(cls, assessment: Assessment, case: Case | None) -> _Facts:
        if case is not None:
            return cls(evaluate_factors(case), True)
        values: dict[str, FactorValue] = {}
        for s in assessment.scales:
            for c in s.contributions:
                if c.factor in FACTORS and c.factor not in values:
                    values[c.factor] = _value_from_contribution(c)
        return cls(values, False)

    def state(self, factor: str) -> Literal["present", "absent", "unknown"] | None:
        """Present, absent or unknown; ``None`` when the report has no information at all."""
        v = self.values.get(factor)
        if v is None:
            return None
        if v.low is None:
            return "present" if v.category is not None else "unknown"
        if v.low > 0:
            return "present"
        if v.high is not None and v.high == 0:
            return "absent"
        return "unknown"

    def describe(self, factor: str) -> str:
        v = self.values.get(factor)
        if v is None:
            return "not assessed"
        text = v.describe(FACTORS[factor].kind)
        return "not recorded" if text == "unknown" else text.replace("_", " ")


def _value_from_contribution(c: Contribution) -> FactorValue:
    """Return the factor's value as the result carries it (``value_low``, ``value_high``)."""
    if c.value_category is not None or {"value_low", "value_high"} & c.model_fields_set:
        return FactorValue(c.value_low, c.value_high, category=c.value_category)
    return _legacy_value(c)


def _legacy_value(c: Contribution) -> FactorValue:
    """Read a factor's value from its words, keeping only what is certain.

    Only for a result made before contributions carried their values (a format-1 record).
    """
    kind = FACTORS[c.factor].kind
    if kind is FactorKind.CATEGORY:
        return FactorValue(category=None if c.value == "unknown" else c.value)
    if kind is FactorKind.BINARY:
        return {"present": FactorValue(1, 1), "absent": FactorValue(0, 0)}.get(
            c.value, FactorValue(0, 1)
        )
    try:
        n = float(c.value)
    except ValueError:  # "at least 2", "0 to 1", "unknown": only its lower bound is certain
        first = c.value.split()[-1 if c.value.startswith("at least") else 0]
        low = float(first) if first.replace(".", "", 1).isdigit() else 0.0
        return FactorValue(low, None)
    return FactorValue(n, n)


# --- small phrases ----------------------------------------------------------------------------


def _band_label(s: ScaleResult) -> str:
    return s.band.label if s.band else "Not scored"


def _final_label(s: ScaleResult) -> str:
    if s.final_band is None:
        return "Not scored"
    return s.final_band.label + (" (professional override)" if s.override else "")


def _total(s: ScaleResult) -> str:
    if s.total is None:
        return "-"
    if s.kind == "logistic":
        banded = next((h for h in s.horizons if h.id == s.band_on), None)
        return f"{fmt_points(banded.percent)}% ({banded.label})" if banded else f"{s.total:.4f}"
    if s.prorated:
        # One decimal, cut (not rounded) so that the figure shown is never above a cut-point
        # the exact total is below: more decimals would claim a precision the items lack.
        return f"{math.floor(s.total * 10) / 10:.1f} (pro-rated)"
    return fmt_points(s.total)


def _possible(s: ScaleResult) -> str:
    if not s.possible_bands:
        return "-"
    labels = list(dict.fromkeys(b.label for b in s.possible_bands))
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _points_word(x: float) -> str:
    return f"{fmt_points(x)} point{'' if x == 1 else 's'}"


def _computed_sentence(s: ScaleResult) -> str:
    """Return the computed band and why, in one sentence or two."""
    if s.status is ScaleStatus.SCORED and s.band is not None:
        total = _total(s)
        if s.kind == "logistic":
            total = total.replace(" (", " at ").rstrip(")")
        else:
            total = "total " + total.replace(" (", ", ").rstrip(")")
        text = f"Computed band: {s.band.label} ({total})."
        if s.score_band is not None and s.band > s.score_band:
            fired = ", ".join(f.label for f in s.fired_red_flags)
            text += (
                f" The total alone is in the {s.score_band.label} band; the red flag "
                f"({fired}) sets the band at {s.band.label} whatever the total, and calls for "
                "a practitioner's review."
            )
        return text
    n_unknown, n_items = len(s.unknown_items), len(s.contributions)
    if n_unknown > s.max_unknown:
        text = (
            f"Computed band: not scored. {n_unknown} of {n_items} items are unknown, more than "
            f"the {s.max_unknown} this scale tolerates."
        )
    else:
        text = f"Computed band: not scored. {s.reason}"
    if s.band_floor is not None:
        fired = ", ".join(f.label for f in s.fired_red_flags)
        text += f" A red flag fired ({fired}), so the band is at least {s.band_floor.label}."
    return text


def _final_sentences(s: ScaleResult) -> list[Para]:
    if s.override is None:
        return [Para(f"Final band: {_final_label(s)} (no professional override).")]
    o = s.override
    return [
        Para(
            f"Final band: {o.final_band.label}, set by professional override (assessor "
            f"{o.assessor}; reason code {o.reason_code.value}).",
            style="override",
        ),
        Para(f"Reasons given: {o.reason}", style="override"),
    ]


def _band_paras(s: ScaleResult, title: bool = True) -> list[Para]:
    head = f"{s.title}. " if title else ""
    return [Para(head + _computed_sentence(s)), *_final_sentences(s)]


def _ordered(a: Assessment, context: Context) -> list[ScaleResult]:
    first = [s for role in _ROLE_ORDER[context] for s in a.scales if s.role is role]
    return first + [s for s in a.scales if s not in first]


# --- sections common to both contexts ---------------------------------------------------------


def _about(
    a: Assessment,
    context: Context,
    generated_at: dt.datetime | dt.date | None,
    complete: bool,
    gaps: Sequence[str],
) -> Section:
    i = a.instrument
    pairs = [
        ("Case (pseudonymous id)", a.case_id),
        ("Synthetic", "Yes: a fictional case, not a real person" if a.synthetic else "No"),
        ("Assessment date", a.assessment_date.isoformat()),
        ("Instrument", f"{i.title} {i.version} ({i.id})"),
        ("Instrument sha256", i.sha256),
        ("Validation status", i.validation_status),
        ("Validation", _validity(a)),
        ("Produced by", f"stalkrisk {a.library_version}"),
    ]
    if generated_at is not None:
        pairs.append(("Report prepared", generated_at.isoformat()))
    if complete:
        status = "complete: every multi-agency check is recorded"
    elif gaps:
        status = "draft: cannot be marked complete until recorded: " + "; ".join(gaps)
    else:
        status = "draft (not marked complete; every multi-agency check is recorded)"
    pairs.append(("Report status", status))
    return Section(
        "About this report",
        (Para(_PURPOSE[context]), KeyValues(tuple(pairs))),
        "about",
    )


def _summary(a: Assessment, scales: Sequence[ScaleResult]) -> Section:
    rows = tuple(
        (
            s.title,
            _band_label(s),
            _final_label(s),
            _total(s),
            f"{len(s.unknown_items)} of {len(s.contributions)}",
            _possible(s),
            ", ".join(f.label for f in s.fired_red_flags) or "none",
        )
        for s in scales
    )
    table = Table(
        (
            "Scale",
            "Computed band",
            "Final band",
            "Total",
            "Unknown items",
            "Bands possible",
            "Red flags fired",
        ),
        rows,
        numeric=(3,),
    )
    caveat = (
        "Illustrative bands: not tested against outcomes. "
        if a.instrument.validation_status == "illustrative"
        else f"Validation status: {a.instrument.validation_status.replace('_', ' ')}. "
    )
    note = Para(
        caveat
        + "The computed band is what the instrument gives; the final band is the one in force "
        'after any professional override. "Bands possible" is every band consistent with '
        "what is known: when it spans more than one band, the unknown items could change it."
    )
    return Section("Bands at a glance", (table, note), "summary")


def _red_flags(scales: Sequence[ScaleResult]) -> Section:
    blocks: list[Block] = []
    any_flags = False
    for s in scales:
        if not s.red_flags:
            continue
        any_flags = True
        status = {
            "fired": "recorded as present",
            "not_fired": "recorded as absent",
            "unknown": "not recorded",
        }
        rows = tuple(
            (f.label, status[f.status], f"at least {f.minimum_band.label}")
            for f in sorted(
                s.red_flags, key=lambda f: ("fired", "unknown", "not_fired").index(f.status)
            )
        )
        emphasis = tuple(i for i, f in enumerate(rows) if f[1] != "recorded as absent")
        blocks.append(
            Table(
                ("Red flag", "Status", "If present, the band is"),
                rows,
                caption=s.title,
                emphasis=emphasis,
            )
        )
    if not any_flags:
        blocks.append(Para("This instrument has no red flags."))
    else:
        blocks.append(
            Para(
                "A red flag recorded as present sets the band it names whatever the total, and "
                "calls for a practitioner's review of the risk. A red flag that is "
                '"not recorded" could not be checked: it is not read as absent.'
            )
        )
    return Section("Red flags", tuple(blocks), "red-flags")


def _unknown_item_line(c: Contribution) -> str:
    if c.possible_points is not None:
        lo, hi = c.possible_points
        could = f"could score {fmt_points(lo)} to {fmt_points(hi)}"
    else:
        could = "could score any amount"
    value = "not recorded" if c.value == "unknown" else c.value
    note = f"; {c.note}" if c.note and c.note not in c.value else ""
    return f"{c.label}: {value} ({could}{note})"


def _unknowns(scales: Sequence[ScaleResult]) -> Section:
    blocks: list[Block] = [
        Para(
            "Unknown is never read as absent. For each scale: the items not recorded, and the "
            "range of totals and bands they leave open."
        )
    ]
    for s in scales:
        unknown = [c for c in s.contributions if not c.known]
        flags = [f for f in s.red_flags if f.status == "unknown"]
        lines = [_unknown_item_line(c) for c in unknown]
        lines += [
            f"Red flag not recorded: {f.label}. If present, the band would be at least "
            f"{f.minimum_band.label}."
            for f in flags
        ]
        if not lines:
            blocks.append(Para(f"{s.title}: every item and red flag is recorded."))
            continue
        blocks.append(
            Para(
                f"{s.title}: {len(unknown)} of {len(s.contributions)} items unknown "
                f"(the scale tolerates {s.max_unknown})."
            )
        )
        blocks.append(Bullets(tuple(lines)))
        blocks.append(
            Para(
                _what_it_could_change(s),
                style="warning" if len({b.id for b in s.possible_bands}) > 1 or flags else "normal",
            )
        )
    return Section("What is unknown, and what it could change", tuple(blocks), "unknowns")


def _what_it_could_change(s: ScaleResult) -> str:
    bands = _possible(s)
    several = len({b.id for b in s.possible_bands}) > 1
    if s.status is ScaleStatus.NOT_SCORED:
        unknown_items = sum(1 for c in s.contributions if not c.known)
        flags = [f.label for f in s.red_flags if f.status == "unknown"]
        if unknown_items > s.max_unknown:
            why = f"{unknown_items} items are unknown and the scale tolerates {s.max_unknown}"
        elif flags:
            # Within the item tolerance, only the instrument's red-flag rule stops scoring.
            why = (
                "its rule does not score it while a red flag is not recorded ("
                + "; ".join(flags)
                + ") and none has fired"
            )
        else:
            why = "too much is unknown"
        return (
            f"This scale is not scored: {why}. With what is known, the band could be "
            f"{bands}. Recording what is unknown would allow it to be scored."
        )
    text = ""
    if s.total_range is not None and s.kind == "sum" and s.total_range[0] != s.total_range[1]:
        lo, hi = s.total_range
        text = f"If the unknown items were known, the total would lie between {fmt_points(lo)} "
        text += f"and {fmt_points(hi)}. "
    elif s.total_range is None:
        text = "The unknown items have no upper limit on what they could add. "
    if several:
        return text + f"The band could be {bands}: the unknowns could change the picture."
    return text + f"Whatever they turn out to be, the computed band stays {bands}."


def _scale_details(a: Assessment, scales: Sequence[ScaleResult], charts: bool) -> list[Section]:
    sections: list[Section] = []
    for s in scales:
        blocks: list[Block] = [*_band_paras(s, title=False)]
        for o in s.overrides[:-1]:
            blocks.append(
                Para(
                    f"Earlier override: {o.final_band.label} (assessor {o.assessor}; reason "
                    f"code {o.reason_code.value}). Reasons: {o.reason}",
                    style="muted",
                )
            )
        if s.kind == "logistic" and s.horizons:
            blocks.append(
                Table(
                    ("Horizon", "Probability", "Log-odds"),
                    tuple(
                        (
                            h.label + (" (banded)" if h.id == s.band_on else ""),
                            f"{fmt_points(h.percent)}%",
                            f"{h.log_odds:.4f}",
                        )
                        for h in s.horizons
                    ),
                    numeric=(1, 2),
                )
            )
        unit = "Log-odds" if s.kind == "logistic" else "Points"
        rows = []
        emphasis = []
        for idx, c in enumerate(s.contributions):
            if c.points is None:
                points = "?"
                could = (
                    f"{fmt_points(c.possible_points[0])} to {fmt_points(c.possible_points[1])}"
                    if c.possible_points is not None
                    else "any amount"
                )
                emphasis.append(idx)
            else:
                points = f"{c.points:+.4f}" if s.kind == "logistic" else fmt_points(c.points)
                could = ""
            value = "not recorded" if c.value == "unknown" else c.value.replace("_", " ")
            rows.append((c.label, value, points, could))
        blocks.append(
            Table(
                ("Item", "Recorded value", unit, "If unknown, could score"),
                tuple(rows),
                caption=f"Every item of this scale ({s.title})",
                numeric=(2,),
                emphasis=tuple(emphasis),
            )
        )
        nxt, gap = s.next_band, s.points_to_next_band
        if nxt is not None and gap is not None and s.band is not None and s.band < nxt:
            more = (
                f"{fmt_points(gap)} percentage points"
                if s.kind == "logistic"
                else _points_word(gap)
            )
            blocks.append(Para(f"{more} more would reach the {nxt.label} band."))
        if charts:
            title = f"Contributions to {s.title}, with the band cut-points"
            if a.instrument.validation_status == "illustrative":
                title += " (illustrative weights, not tested against outcomes)"
            blocks.append(Chart(s.scale, title))
        sections.append(Section(s.title, tuple(blocks), f"scale-{s.scale}", level=3))
    return sections


def _model_section(model: ModelResult) -> Section:
    pairs = [
        ("Outcome", model.outcome),
        ("Probability", f"{model.percent:.1f}%"),
        ("Model band", model.band or "none given"),
        ("Model", model.model_id),
        ("Model sha256", model.sha256),
        ("Validation", model.validation),
    ]
    blocks: list[Block] = [
        KeyValues(tuple(pairs)),
        Para(
            "A model's probability is the estimated rate of the outcome among past cases like "
            "this one, as far as the model's features describe them; it is not a statement "
            "about what this person will do. It is shown beside the instrument's bands, not "
            "instead of them.",
            style="warning",
        ),
    ]
    if model.top_contributions:
        blocks.append(
            Table(
                ("Feature", "Log-odds contribution"),
                tuple((name, f"{value:+.3f}") for name, value in model.top_contributions),
                caption="Largest contributions to the model's estimate",
                numeric=(1,),
            )
        )
    return Section("Model estimate (learned weights)", tuple(blocks), "model")


def _ogrs3_section(ogrs3: Assessment) -> Section:
    i = ogrs3.instrument
    blocks: list[Block] = [
        Para(
            f"{i.title} {i.version} ({i.id}, sha256 {i.sha256}). {i.validation_statement}",
        ),
        Para(
            "OGRS3 estimates proven general reoffending from age, sex and criminal history. It "
            "does not measure continued stalking or serious harm, and is shown only beside "
            "the stalking scales.",
            style="warning",
        ),
    ]
    for s in ogrs3.scales:
        blocks += _band_paras(s)
        if s.horizons:
            blocks.append(
                Table(
                    ("Horizon", "Probability"),
                    tuple(
                        (
                            h.label + (" (banded)" if h.id == s.band_on else ""),
                            f"{fmt_points(h.percent)}%",
                        )
                        for h in s.horizons
                    ),
                    numeric=(1,),
                )
            )
        unknown = [c for c in s.contributions if not c.known]
        if unknown:
            blocks.append(Bullets(tuple(_unknown_item_line(c) for c in unknown)))
    return Section("General reoffending (OGRS3)", tuple(blocks), "ogrs3")


def _audit(a: Assessment, case: Case | None, record: AssessmentRecord | None) -> Section:
    pairs = [
        ("Instrument", f"{a.instrument.id} {a.instrument.version}"),
        ("Instrument sha256", a.instrument.sha256),
    ]
    blocks: list[Block] = []
    if record is not None:
        pairs += [
            ("Input sha256", record.input_sha256),
            ("Audit record sha256", record.record_sha256),
            ("Audit record made", record.created_at.isoformat().replace("+00:00", "Z")),
        ]
        text = (
            "The audit record fixes the case, the instrument and this result. To check it, "
            "re-score the case: stalkrisk verify RECORD.json CASE.json lists every difference."
        )
    elif case is not None:
        pairs.append(("Input sha256", input_sha256(case)))
        text = (
            "No audit record was given for this report, so it carries no record hash; the "
            "input hash identifies the case data that were assessed."
        )
    else:
        text = (
            "Neither the case nor an audit record was given for this report, so it carries no "
            "input or record hash and cannot be matched to a case file."
        )
    blocks = [KeyValues(tuple(pairs)), Para(text, style="normal" if record else "warning")]
    return Section("Audit", tuple(blocks), "audit")


# --- indicators, considerations and questions -----------------------------------------------

#: Signs of persistence and recurrence, in the order a pre-sentence report lists them.
_PERSISTENCE: tuple[tuple[str, str], ...] = (
    ("episode_duration_days", "Days since the current episode began"),
    ("contact_frequency", "How often the behaviour happens"),
    ("contact_channels", "Channels of contact used"),
    ("prior_stalking_this_victim", "Earlier stalking or harassment of this victim"),
    ("prior_stalking_other_victims", "Stalking or harassment of other people"),
    ("stalking_harassment_convictions", "Previous convictions for stalking or harassment"),
    ("protective_order_breaches", "Breaches of protective orders"),
    ("bail_or_licence_breaches", "Breaches of bail or licence conditions"),
    ("escalating", "Escalation in frequency or severity"),
    ("obsession", "Obsessive preoccupation with the victim"),
    ("lack_of_remorse", "No remorse, or minimisation of the behaviour"),
    ("motivation", "Motivation (Mullen typology)"),
)


def _indicator_blocks(facts: _Facts, indicators: Iterable[tuple[str, str]]) -> list[Block]:
    present: list[str] = []
    unknown: list[str] = []
    absent: list[str] = []
    for factor, label in indicators:
        state = facts.state(factor)
        if state is None:
            continue
        if state == "absent":
            absent.append(label)
        elif FACTORS[factor].kind is FactorKind.BINARY:
            (present if state == "present" else unknown).append(label)
        else:
            (present if state == "present" else unknown).append(
                f"{label}: {facts.describe(factor)}"
            )
    blocks: list[Block] = [
        Para("Recorded as present:"),
        Bullets(tuple(present), empty="None recorded as present."),
        Para("Not recorded (unknown, not read as absent):"),
        Bullets(tuple(unknown), empty="None: each of these is recorded."),
    ]
    if absent:
        blocks.append(Para("Recorded as absent: " + "; ".join(absent) + ".", style="muted"))
    if not facts.from_case:
        blocks.append(
            Para(
                "The case itself was not given to this report, so only the factors that the "
                "instrument's items read are shown.",
                style="muted",
            )
        )
    return blocks


def _persistence(a: Assessment, facts: _Facts) -> Section:
    blocks: list[Block] = []
    for cont in (_by_role(a, ScaleRole.PERSISTENCE), _by_role(a, ScaleRole.RECURRENCE)):
        if cont is not None:
            blocks += _band_paras(cont)
    if not blocks:
        blocks.append(
            Para(
                f"The instrument {a.instrument.id} has no scale of continued stalking (role "
                "persistence or recurrence); the indicators below come from the case.",
                style="warning",
            )
        )
    blocks.append(
        Para(
            "Research context, not a rate for this person: in an Australian study of stalking "
            "victims, conduct that lasted beyond two weeks was associated with a more "
            "intrusive, threatening and damaging course (Purcell, Pathe and Mullen 2004). No "
            "published rate of reoffending applies to a band of this screen.",
            style="muted",
        )
    )
    blocks += _indicator_blocks(facts, _PERSISTENCE)
    return Section("Persistence and recurrence", tuple(blocks), "persistence")


def _treatment(a: Assessment, facts: _Facts, case: Case | None) -> Section:
    items: list[str] = []
    stalking_focus = [
        label
        for factor, label in (
            ("obsession", "obsessive preoccupation with the victim"),
            ("prior_stalking_this_victim", "earlier stalking of this victim"),
            ("prior_stalking_other_victims", "stalking of other people"),
            ("escalating", "escalation"),
        )
        if facts.state(factor) == "present"
    ]
    cont = _by_role(a, ScaleRole.PERSISTENCE, ScaleRole.RECURRENCE)
    if cont is not None and cont.final_band is not None and cont.final_band.rank > 0:
        stalking_focus.insert(0, f"a {cont.final_band.label} band for continued stalking")
    if stalking_focus:
        items.append(
            "The factors point to the stalking itself (" + "; ".join(stalking_focus) + "). "
            "For consideration: whether a stalking-specific intervention is available, rather "
            "than a generic domestic-abuse programme alone."
        )
    if facts.state("domestic_abuse_history") == "present":
        items.append(
            "Domestic abuse in the relationship is recorded. A domestic-abuse programme "
            "addresses that abuse, not necessarily the stalking; whether any programme is "
            "suitable is the author's assessment."
        )
    treated = facts.state("stalking_specific_treatment")
    items.append(
        {
            "present": "Stalking-specific treatment is recorded as already received.",
            "absent": "No stalking-specific treatment is recorded as received.",
            "unknown": "Whether any stalking-specific treatment has been received is not recorded.",
        }.get(treated or "unknown", "")
    )
    if case is not None:
        dv = case.perpetrator.treatment.domestic_violence_programme.value
        items.append(
            {
                "present": "A domestic-violence programme is recorded as already attended.",
                "absent": "No domestic-violence programme is recorded as attended.",
            }.get(dv, "Whether a domestic-violence programme has been attended is not recorded.")
        )
    pd, dd = facts.state("personality_disorder"), facts.state("delusional_disorder")
    if pd == "present":
        items.append(
            "A personality disorder is recorded; it was associated with stalking recidivism "
            "(Rosenfeld 2003), which may bear on the kind of intervention considered."
        )
    if dd == "present":
        items.append(
            "A delusional or psychotic disorder is recorded. The research points both ways: "
            "delusional disorder was associated with lower recidivism in one study (Rosenfeld "
            "2003) and erotomanic delusions with recurrence in another (McEwan et al. 2017). "
            "Psychiatric assessment and treatment may be a consideration."
        )
    if pd != "present" and dd != "present" and "unknown" in (pd, dd, None):
        items.append(
            "No psychiatric assessment is recorded (mental disorder is not recorded in full). "
            "The probation study found that courts rarely asked for one."
        )
    if facts.state("substance_misuse_recent") == "present":
        items.append(
            "Recent substance misuse is recorded; it was associated with stalking recidivism "
            "and with violence in stalking (Rosenfeld 2003; McEwan et al. 2009)."
        )
    motivation = facts.state("motivation")
    if motivation == "present":
        items.append(
            f"Motivation is recorded as {facts.describe('motivation')} (Mullen et al. 1999 "
            "typology), which may inform the kind of intervention considered."
        )
    blocks: list[Block] = [
        Para(
            "Considerations, not conclusions. In the probation study of 80 stalking cases "
            "(Napo and Protection Against Stalking), fewer than 10% of those convicted received "
            "any treatment, usually domestic-violence programmes rather than work on the "
            "stalking, and courts rarely asked for psychiatric assessments. Whether an "
            "intervention is suitable for this person is the author's assessment."
        ),
        Bullets(tuple(items)),
    ]
    return Section("Treatment need", tuple(blocks), "treatment")


def _management(a: Assessment, facts: _Facts, case: Case | None) -> Section:
    items: list[str] = []
    if case is not None and case.history.protective_orders is not None:
        orders = case.history.protective_orders
        in_force = sum(1 for o in orders if o.in_force.value == "present")
        items.append(
            f"Protective orders: {_count(len(orders), 'order')} recorded, {in_force} recorded "
            f"as in force; breaches: {facts.describe('protective_order_breaches')}."
            if orders
            else "Protective orders: the record lists none."
        )
    else:
        items.append(
            "Protective orders: "
            + (
                "not recorded."
                if case is not None
                else f"breaches recorded: {facts.describe('protective_order_breaches')}."
            )
        )
    for factor, text in (
        ("victim_fear", "The victim's own view of the risk"),
        (
            "unsafe_living_situation",
            "The victim lives where they are known to be, or can easily be reached",
        ),
        ("children_in_household", "Children live with the victim"),
        (
            "child_contact_dispute",
            "A dispute over child contact or residence (arrangements "
            "may bring the two into contact)",
        ),
        ("victim_barriers", "Barriers to the victim's support (count)"),
        (
            "third_party_harassment",
            "Harassment of the victim's family, friends, new partner or colleagues",
        ),
        ("recruiting_others", "Others recruited to contact, watch or harass the victim"),
        ("image_based_abuse", "Sharing or threatening to share intimate images"),
        ("surveillance_or_tracking", "Surveillance or a tracking device"),
    ):
        if facts.state(factor) is None:
            continue
        items.append(f"{text}: {facts.describe(factor)}.")
    harm = _by_role(a, ScaleRole.HARM)
    if harm is not None:
        items.append(
            f"Serious harm: final band {_final_label(harm)}; red flags fired: "
            + (", ".join(f.label for f in harm.fired_red_flags) or "none")
            + ". Management of persistence sits beside the management of serious harm."
        )
    blocks: list[Block] = [
        Para("What the case records that bears on managing the risk and on the victim's safety."),
        Bullets(tuple(items)),
    ]
    return Section("Management considerations", tuple(blocks), "management")


def _questions(a: Assessment, facts: _Facts, case: Case | None, context: Context) -> Section:
    qs: list[str] = []
    mental = [facts.state("personality_disorder"), facts.state("delusional_disorder")]
    if "unknown" in mental or None in mental:
        detail = "No mental-health assessment is recorded for this case."
    else:
        detail = (
            f"Recorded: personality disorder {facts.describe('personality_disorder')}; "
            f"delusional disorder {facts.describe('delusional_disorder')}."
        )
    qs.append(f"Has a psychiatric assessment been requested or obtained? {detail}")
    qs.append(
        "Has a victim risk assessment been requested or completed (for example by the police, "
        "an independent domestic violence or stalking advocate, or a multi-agency risk "
        "assessment conference)?"
    )
    fear = facts.state("victim_fear")
    qs.append(
        "What is the victim's own view of the risk, and has the victim been asked? "
        + (
            f"Recorded: {facts.describe('victim_fear')}."
            if fear == "present"
            else "The victim's view is not recorded."
        )
    )
    if case is not None:
        orders = case.history.protective_orders
        if orders is None:
            history = "Protective orders are not recorded."
        elif not orders:
            history = "The record lists no protective orders."
        else:
            history = (
                f"{_count(len(orders), 'protective order')} recorded; breaches: "
                f"{facts.describe('protective_order_breaches')}."
            )
    else:
        history = f"Breaches recorded: {facts.describe('protective_order_breaches')}."
    qs.append(
        "What is the history of protective orders (restraining, non-molestation, stalking "
        f"protection orders), and have any been breached? {history}"
    )
    if facts.state("bail_or_licence_breaches") is not None:
        qs.append(
            "Have bail or licence conditions been breached before? Recorded: "
            f"{facts.describe('bail_or_licence_breaches')}."
        )
    if facts.state("pending_charges") == "unknown":
        qs.append("Are other charges pending? Pending charges are not recorded.")
    for s in a.scales:
        for f in s.red_flags:
            if f.status == "unknown":
                qs.append(
                    f"Has the following been asked about: {f.label.lower()}? It is not "
                    f"recorded; if present, {s.title.lower()} would be at least "
                    f"{f.minimum_band.label}."
                )
    unknown_items = sorted({c.label for s in a.scales for c in s.contributions if not c.known})
    if unknown_items:
        qs.append("Can these unrecorded items be established? " + "; ".join(unknown_items) + ".")
    if context == "sentencing":
        qs.append(
            "Has anything changed since the bail stage: new contact, breaches of bail "
            "conditions or of orders, or a change in the victim's situation?"
        )
        qs.append(
            "Is a stalking-specific intervention available locally, and what treatment has "
            "been received before?"
        )
    title = (
        "Information not yet available (for police, CPS or probation to obtain)"
        if context == "bail"
        else "Questions still open for the pre-sentence report"
    )
    return Section(title, (Bullets(tuple(qs)),), "questions")


# --- the document -----------------------------------------------------------------------------


def _changes_section(
    earlier: Assessment,
    a: Assessment,
    cases: tuple[Case | None, Case | None],
    judgements: tuple[Judgement | None, Judgement | None],
) -> Section:
    """Return "What has changed since bail": the library's comparison of the two assessments."""
    changes = compare(
        earlier,
        a,
        before_case=cases[0],
        after_case=cases[1],
        before_judgement=judgements[0],
        after_judgement=judgements[1],
    )
    lines = [
        re.sub(r"\bperpetrator\.", "person.", line)  # the schema's group name, not a label
        for line in changes.lines()
    ]
    blocks: list[Block] = [
        Para(
            f"Between the assessment of {earlier.assessment_date.isoformat()} and this one of "
            f"{a.assessment_date.isoformat()}. A band that now agrees with an earlier "
            "professional override is not evidence that either was right."
        ),
        Bullets(tuple(lines), empty="Nothing recorded has changed."),
    ]
    return Section("What has changed since bail", tuple(blocks), "changes")


def _shown_factors(a: Assessment) -> Section | None:
    """Return the section of the instrument's protective factors and context (never scored)."""
    if not a.shown_factors:
        return None
    blocks: list[Block] = [
        Para(
            "The instrument shows these beside its scores and never scores them: no total "
            "above is lowered by a protective factor or raised by context."
        )
    ]
    for kind, title in (("protective", "Protective factors"), ("context", "Context")):
        entries = [f for f in a.shown_factors if f.kind == kind]
        if entries:
            blocks.append(Para(f"{title}:"))
            blocks.append(
                KeyValues(
                    tuple(
                        (
                            f.label,
                            "not recorded" if f.value == "unknown" else f.value.replace("_", " "),
                        )
                        for f in entries
                    )
                )
            )
    return Section("Protective factors and context (not scored)", tuple(blocks), "shown")


def _context_sections(
    a: Assessment,
    context: Context,
    facts: _Facts,
    scales: Sequence[ScaleResult],
    *,
    case: Case | None,
    judgement: Judgement | None,
    earlier: Assessment | None,
    earlier_case: Case | None,
    earlier_judgement: Judgement | None,
) -> list[Section]:
    """Return the sections of one context, between the bands at a glance and the details."""
    sections: list[Section] = []
    practice = [
        multi_agency_section(case),
        *judgement_sections(judgement),
        safety_planning_section(case, judgement),
    ]
    if context == "bail":
        sections += bail_ground_sections(a, case, facts.state, facts.describe)
        sections.append(antecedents_section(case, facts.describe))
        evidence = sources_section(case, context)
        if evidence is not None:
            sections.append(evidence)
        sections += [
            conditions_section(case),
            *practice,
            _red_flags(scales),
            _unknowns(scales),
            _questions(a, facts, case, context),
        ]
    else:
        if earlier is not None:
            sections.append(
                _changes_section(earlier, a, (earlier_case, case), (earlier_judgement, judgement))
            )
        sections += [
            _persistence(a, facts),
            guideline_facts(a, case),
            *([evidence] if (evidence := sources_section(case, context)) else []),
            rosh_input(a, case, judgement),
            _treatment(a, facts, case),
            requirements_prompts(a, case),
            ancillary_orders(a, case),
            _management(a, facts, case),
            *practice,
            _red_flags(scales),
            _unknowns(scales),
            _questions(a, facts, case, context),
        ]
    return sections


def build_document(
    assessment: Assessment,
    context: Context,
    *,
    case: Case | None = None,
    model: ModelResult | None = None,
    ogrs3: Assessment | None = None,
    record: AssessmentRecord | None = None,
    generated_at: dt.datetime | dt.date | None = None,
    charts: bool = True,
    judgement: Judgement | None = None,
    earlier: Assessment | None = None,
    earlier_case: Case | None = None,
    earlier_judgement: Judgement | None = None,
    complete: bool = False,
) -> Document:
    """Build the content of a report (see :func:`stalkrisk.report.render_report`)."""
    a = assessment
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, not {context!r}")
    if case is not None and case.case_id != a.case_id:
        raise ValueError("the case is not the one assessed (case_id differs)")
    if judgement is not None:
        if judgement.case_id != a.case_id:
            raise ValueError("the judgement is of another case (case_id differs)")
        if (
            case is not None
            and judgement.case_sha256 is not None
            and judgement.case_sha256 != input_sha256(case)
        ):
            raise ValueError(
                "the judgement was made on other case data (its case_sha256 is not this "
                "case's input hash): make a new version of the judgement on this case"
            )
    if earlier is not None and earlier.case_id != a.case_id:
        raise ValueError("the earlier assessment is of another case (case_id differs)")
    if earlier_judgement is not None and earlier is None:
        raise ValueError("an earlier judgement needs the earlier assessment (earlier=)")
    gaps = completeness_gaps(case)
    if complete and gaps:
        raise ReportIncompleteError(
            "the report cannot be marked complete: not recorded: "
            + "; ".join(gaps)
            + " (record each, even as not made)"
        )
    if ogrs3 is not None and ogrs3.case_id != a.case_id:
        raise ValueError("the OGRS3 assessment is of another case (case_id differs)")
    if record is not None:
        if record.assessment != a:
            raise ValueError("the audit record holds a different assessment (or other overrides)")
        if case is not None and record.input_sha256 != input_sha256(case):
            raise ValueError("the audit record is of other case data (input hash differs)")
    facts = _Facts.of(a, case)
    scales = _ordered(a, context)

    banner: list[Para] = []
    if a.synthetic:
        banner.append(Para("SYNTHETIC: a fictional case, not a real person.", style="warning"))
    banner.append(Para(a.notice, style="notice"))
    if a.instrument.validation_status in _UNVALIDATED:
        banner.append(
            Para(
                f"Validation status: {a.instrument.validation_status.replace('_', ' ')}. "
                f"{_validity(a)}",
                style="warning",
            )
        )

    sections: list[Section] = [
        _about(a, context, generated_at, complete, gaps),
        _summary(a, scales),
    ]
    sections += _context_sections(
        a,
        context,
        facts,
        scales,
        case=case,
        judgement=judgement,
        earlier=earlier,
        earlier_case=earlier_case,
        earlier_judgement=earlier_judgement,
    )
    shown = _shown_factors(a)
    if shown is not None:
        sections.append(shown)
    sections.append(
        Section(
            "Every contribution, scale by scale",
            (Para('Each item\'s recorded value and points; unknown items are marked "?".'),),
            "details",
        )
    )
    sections += _scale_details(a, scales, charts)
    if model is not None:
        sections.append(_model_section(model))
    if ogrs3 is not None:
        sections.append(_ogrs3_section(ogrs3))
    sections.append(_audit(a, case, record))
    subtitle = f"Case {a.case_id}" + (" (synthetic)" if a.synthetic else "")
    return Document(
        title=_TITLES[context],
        subtitle=subtitle,
        banner=tuple(banner),
        sections=tuple(sections),
        footer=(Para(a.notice, style="notice"),),
    )
