"""A case arrives before a bail hearing: validate, score, note the unknowns, override, report.

    python examples/bail_decision.py [--out DIR]

The case (examples/cases/bail/CT-21-at-bail.json) is fictional. It is a referral made a few
days after the arrest of a former partner: the police have recorded the stalking behaviour,
the non-molestation order and its breach, the criminal record, and the victim's fear, but
nobody has yet asked about threats to kill, weapons or strangulation, so the serious-harm
scale cannot be scored. The practitioner records a band by override, with reasons.

Writes into DIR (default: a new temporary folder, so nothing is written into the
repository): the bail report as HTML and as plain text, and the audit record as JSON. The
report supports the court's decision; it does not make or propose one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import stalkrisk
from stalkrisk.judgement import Judgement
from stalkrisk.report import render_report

HERE = Path(__file__).resolve().parent
CASE_FILE = HERE / "cases" / "bail" / "CT-21-at-bail.json"
#: The practitioner's structured judgement at bail, made on this version of the case.
JUDGEMENT_FILE = HERE / "cases" / "bail" / "CT-21-judgement-at-bail.json"

#: When the record is made. Fixed, so that every run writes the same files; a service would
#: leave it out (the time of the call is then recorded).
RECORDED_AT = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)

#: The practitioner's override of the serious-harm band, which could not be computed.
OVERRIDE = {
    "scale": "serious_harm",
    "band": "many",
    "reason_code": "imminent_risk_indicators",
    "reason": (
        "Threats of violence, a breach of the non-molestation order within three weeks of "
        "it being made, repeated visits to her home, separation three months ago, and the "
        "victim very afraid. Threats to kill, weapons and strangulation have not yet been "
        "asked about."
    ),
    "assessor": "PO-117",
}


def assess_for_bail() -> tuple[stalkrisk.Case, stalkrisk.Assessment, stalkrisk.Assessment]:
    """Return the case, the computed assessment and the assessment after the override."""
    case = stalkrisk.Case.model_validate_json(CASE_FILE.read_text(encoding="utf-8"))
    computed = stalkrisk.score(case)
    final = computed.with_override(**OVERRIDE)
    return case, computed, final


def main(argv: list[str] | None = None) -> int:
    """Run the example; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder to write into (default: a temp folder)")
    args = parser.parse_args(argv)
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="stalkrisk-bail-"))
    out.mkdir(parents=True, exist_ok=True)

    # 1. Validate: a bad file raises pydantic.ValidationError naming the field and the rule.
    case, computed, final = assess_for_bail()
    print(f"Case {case.case_id} (synthetic: {case.synthetic}), assessed {case.assessment_date}")

    # 2. Score, and 3. note what is unknown and what it leaves open.
    for s in computed.scales:
        band = s.band.label if s.band else "not scored"
        possible = " to ".join(
            dict.fromkeys((s.possible_bands[0].label, s.possible_bands[-1].label))
        )
        print(f"  {s.title}: {band}; {len(s.unknown_items)} unknown; could be {possible}")
        for c in s.contributions:
            if not c.known:
                print(f"      unknown: {c.label} ({c.value})")
        for f in s.red_flags:
            if f.status == "unknown":
                print(f"      red flag not recorded: {f.label}")

    # 4. The practitioner's judgement: an override, with reasons. Both bands are kept.
    harm = final.scale("serious_harm")
    computed_band = harm.band.label if harm.band else "not scored"
    final_band = harm.final_band.label if harm.final_band else "not scored"
    print(f"  Override: serious harm {computed_band} -> {final_band} ({OVERRIDE['reason_code']})")

    # 5. The audit record, and a check that it re-scores to the same result.
    record = stalkrisk.AssessmentRecord.from_assessment(final, case, created_at=RECORDED_AT)
    differences = stalkrisk.verify(record, case)
    assert not differences, differences
    record_path = out / f"{case.case_id}-bail-record.json"
    record_path.write_text(record.to_json(), encoding="utf-8")

    # 6. The bail report, as a self-contained HTML page and as plain text, with the
    #    practitioner's structured judgement beside (never inside) the bands. The report stays a
    #    draft: MAPPA eligibility is not yet recorded, and the report says so.
    judgement = Judgement.model_validate_json(JUDGEMENT_FILE.read_text(encoding="utf-8"))
    written = [record_path]
    for fmt, suffix in (("html", "html"), ("text", "txt")):
        path = out / f"{case.case_id}-bail-report.{suffix}"
        text = render_report(
            final,
            "bail",
            fmt,  # type: ignore[arg-type]
            case=case,
            record=record,
            judgement=judgement,
        )
        path.write_text(text, encoding="utf-8")
        written.append(path)

    print(f"Audit record sha256 {record.record_sha256} (verified: re-scores identically)")
    for path in written:
        print(f"wrote {path}")
    print(stalkrisk.DECISION_SUPPORT_NOTICE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
