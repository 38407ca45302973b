"""The same case at sentencing, with fuller information: what changed since bail, and why.

    python examples/sentencing_report.py [--out DIR]

The case file examples/cases/sentencing/CT-21-at-sentencing.json is the bail-stage case
(examples/cases/bail/CT-21-at-bail.json) three months on, after the questions left open at
bail were asked: the victim has disclosed strangulation earlier in the relationship, threats
to kill and weapons have been ruled out, a second breach of the order has come to light, and
a psychiatric report and the perpetrator's treatment history are in. Everything is fictional.

The script scores it, compares it with the bail assessment with stalkrisk.changes.compare
(band changes, values that changed item by item, unknowns resolved, red flags, and every case
fact that changed), checks the bail audit record against the new case data with
stalkrisk.verify, and writes the pre-sentence report (HTML and plain text), its
audit record and the list of changes into DIR (default: a new temporary folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import stalkrisk
from stalkrisk.changes import compare
from stalkrisk.judgement import Judgement
from stalkrisk.report import render_report

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the bail example beside this file

from bail_decision import JUDGEMENT_FILE as BAIL_JUDGEMENT_FILE  # noqa: E402
from bail_decision import RECORDED_AT as BAIL_RECORDED_AT  # noqa: E402
from bail_decision import assess_for_bail  # noqa: E402

CASE_FILE = HERE / "cases" / "sentencing" / "CT-21-at-sentencing.json"
JUDGEMENT_FILE = HERE / "cases" / "sentencing" / "CT-21-judgement-at-sentencing.json"
RECORDED_AT = dt.datetime(2025, 6, 16, 14, 0, tzinfo=dt.UTC)


def main(argv: list[str] | None = None) -> int:
    """Run the example; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder to write into (default: a temp folder)")
    args = parser.parse_args(argv)
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="stalkrisk-sentencing-"))
    out.mkdir(parents=True, exist_ok=True)

    bail_case, _, bail = assess_for_bail()
    bail_record = stalkrisk.AssessmentRecord.from_assessment(
        bail, bail_case, created_at=BAIL_RECORDED_AT
    )
    case = stalkrisk.Case.model_validate_json(CASE_FILE.read_text(encoding="utf-8"))
    assert case.case_id == bail_case.case_id
    now = stalkrisk.score(case)
    print(f"Case {case.case_id}: bail assessment {bail.assessment_date}, now {now.assessment_date}")

    # The bail record does not match the new case data: verify says so, field by field.
    differences = stalkrisk.verify(bail_record, case)
    hashes = [d for d in differences if d.field == "input_sha256"]
    print(
        f"verify(bail record, case at sentencing): {len(differences)} differences; "
        + ("the input hash differs (the case data changed)" if hashes else "same input")
    )

    changes = compare(bail, now, before_case=bail_case, after_case=case).lines()
    print(f"What changed since bail ({len(changes)}):")
    for line in changes:
        print(f"  - {line}")
    changes_path = out / f"{case.case_id}-changes-since-bail.txt"
    changes_path.write_text(
        f"Case {case.case_id}: changes between the bail assessment ({bail.assessment_date}) "
        f"and the assessment at sentencing ({now.assessment_date})\n"
        + "".join(f"- {line}\n" for line in changes),
        encoding="utf-8",
    )

    record = stalkrisk.AssessmentRecord.from_assessment(now, case, created_at=RECORDED_AT)
    record_path = out / f"{case.case_id}-sentencing-record.json"
    record_path.write_text(record.to_json(), encoding="utf-8")
    judgement = Judgement.model_validate_json(JUDGEMENT_FILE.read_text(encoding="utf-8"))
    bail_judgement = Judgement.model_validate_json(BAIL_JUDGEMENT_FILE.read_text(encoding="utf-8"))
    ogrs3 = stalkrisk.score(case, "ogrs3")  # general reoffending, shown beside the stalking scales
    written = [changes_path, record_path]
    for fmt, suffix in (("html", "html"), ("text", "txt")):
        path = out / f"{case.case_id}-pre-sentence-report.{suffix}"
        text = render_report(
            now,
            "sentencing",
            fmt,
            case=case,
            record=record,
            ogrs3=ogrs3,  # type: ignore[arg-type]
            judgement=judgement,
            earlier=bail,  # what has changed since bail, the bail override included
            earlier_case=bail_case,
            earlier_judgement=bail_judgement,
            complete=True,  # every multi-agency check is recorded
        )
        path.write_text(text, encoding="utf-8")
        written.append(path)
    print(f"Audit record sha256 {record.record_sha256}")
    for path in written:
        print(f"wrote {path}")
    print(stalkrisk.DECISION_SUPPORT_NOTICE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
