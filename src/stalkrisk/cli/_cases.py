"""The case commands: ``demo``, ``score``, ``validate`` and ``report``."""

from __future__ import annotations

import argparse
import hashlib
import json
from typing import Any, Literal

from pydantic import ValidationError

from stalkrisk._version import __version__
from stalkrisk.assessment import DECISION_SUPPORT_NOTICE, Assessment, ScaleResult, fmt_points
from stalkrisk.audit import AssessmentRecord, canonical_input
from stalkrisk.cli._base import EXIT_INVALID, EXIT_OK, Streams, UsageError
from stalkrisk.cli._common import (
    check_outputs,
    instrument,
    issue_lines,
    load_cases,
    model_api,
    one_case,
    read_text,
    signing_key,
    write_output,
    write_outputs,
    write_record,
)
from stalkrisk.cli._compare import AssessmentSide, read_assessment
from stalkrisk.errors import CaseFileError, ModelFileError, ReportIncompleteError
from stalkrisk.examples import load_examples
from stalkrisk.explain import render_text
from stalkrisk.instruments import load_instrument
from stalkrisk.judgement import Judgement
from stalkrisk.schemas import Case, ItemAnswers
from stalkrisk.scoring import WeightedScorer

__all__ = ["demo", "report", "score", "validate"]


def _top(s: ScaleResult, n: int = 3) -> str:
    scored = sorted((c for c in s.contributions if c.points), key=lambda c: -(c.points or 0.0))[:n]
    return "; ".join(f"{c.label} (+{fmt_points(c.points or 0)})" for c in scored) or "none"


def _band_cell(s: ScaleResult) -> str:
    if s.band is None:
        floor = f", at least {s.band_floor.label}" if s.band_floor else ""
        return f"not scored ({len(s.unknown_items)} unknown{floor})"
    total = fmt_points(s.total) if s.total is not None else "-"
    flag = " [red flag]" if s.band > (s.score_band or s.band) else ""
    prorated = ", pro-rated" if s.prorated else ""
    return f"{s.band.label} ({total}{prorated}){flag}"


def demo(args: argparse.Namespace, streams: Streams) -> int:
    """Score the bundled example cases: a table of bands, then why."""
    out = streams.out
    scorer = WeightedScorer(instrument(args.instrument))
    assessments = [scorer.score(c) for c in load_examples()]
    if args.full:
        for a in assessments:
            print(render_text(a), file=out)
            print("-" * 78, file=out)
        return EXIT_OK
    inst = scorer.instrument
    print(f"stalkrisk {__version__} demo: the bundled fictional example cases", file=out)
    print(f"Instrument: {inst.title} {inst.version} ({inst.reference})", file=out)
    print(f"Validation: {inst.validation.statement}", file=out)
    print("", file=out)
    scales = inst.scales
    print(f"{'case':<7}" + "".join(f"{s.title[:34]:<36}" for s in scales), file=out)
    for a in assessments:
        row = "".join(f"{_band_cell(a.scale(s.id)):<36}" for s in scales)
        print(f"{a.case_id:<7}{row}".rstrip(), file=out)
    print("", file=out)
    print("Why (largest contributions; red flags; unknown items):", file=out)
    for a in assessments:
        print(f"  {a.case_id}", file=out)
        for s in a.scales:
            flags = ", ".join(f.label for f in s.fired_red_flags)
            extra = f"; red flags: {flags}" if flags else ""
            unknown = f"; {len(s.unknown_items)} unknown" if s.unknown_items else ""
            print(f"    {s.title}: {_top(s)}{extra}{unknown}", file=out)
    print("", file=out)
    print("Every contribution and unknown, case by case:  stalkrisk demo --full", file=out)
    print("Score your own case file:                       stalkrisk score CASE.json", file=out)
    print("", file=out)
    print(DECISION_SUPPORT_NOTICE, file=out)
    return EXIT_OK


def score(args: argparse.Namespace, streams: Streams) -> int:
    """Score case files (or answers) with an instrument; ``--model`` scores with a model."""
    check_outputs([args.record], [*args.files, args.instrument, args.model, args.sign_key])
    if args.model:
        if args.record is not None:
            raise UsageError("--record records an instrument's assessment; not with --model")
        from stalkrisk.cli._models import score_with_model  # noqa: PLC0415 - the [ml] path

        return score_with_model(args, streams)
    key = signing_key(args)
    scorer = WeightedScorer(instrument(args.instrument))
    if scorer.instrument.answers_only and not args.answers:
        raise UsageError(
            f"instrument {scorer.instrument.id!r} is scored from answers to its questions: "
            "add --answers and give files of item answers"
        )
    inputs, failures = load_cases(args.files, streams, ItemAnswers if args.answers else Case)
    scored: list[tuple[Any, Assessment]] = []
    for label, item in inputs:
        try:
            assessment = scorer.score_answers(item) if args.answers else scorer.score(item)
        except ValidationError as exc:  # answers that do not fit the instrument's questions
            for line in issue_lines(label, exc):
                print(f"error: {line}", file=streams.err)
            failures += 1
            continue
        scored.append((item, assessment))
    assessments = [a for _, a in scored]
    if args.record is not None:
        if len(scored) != 1 or failures:
            raise UsageError("--record needs exactly one valid case; score one case at a time")
        write_record(
            args.record, AssessmentRecord.from_assessment(assessments[0], scored[0][0]), key
        )
    if args.format == "json":
        payload = [a.model_dump(mode="json") for a in assessments]
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=streams.out)
    else:
        for i, a in enumerate(assessments):
            if i:
                print("-" * 78, file=streams.out)
            print(render_text(a), end="", file=streams.out)
    return EXIT_INVALID if failures else EXIT_OK


def validate(args: argparse.Namespace, streams: Streams) -> int:
    """Check case files; ``--canonical``/``--hash`` print what an input hash is made from."""
    failures = 0
    for name in args.files:
        cases, bad = load_cases([name], streams)
        failures += bad
        label = "<stdin>" if name == "-" else name
        if args.canonical or args.hash:
            for case in cases:  # what an audit record's input_sha256 is computed from
                text = canonical_input(case.record)
                if args.canonical:
                    print(text, file=streams.out)
                else:
                    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    print(f"{digest}  {case.label}", file=streams.out)
        elif not bad:
            count = f"{len(cases)} case{'s' if len(cases) != 1 else ''}"
            print(f"{label}: valid ({count})", file=streams.out)
    return EXIT_INVALID if failures else EXIT_OK


_REPORT_FORMATS = {"text": "text", "md": "markdown", "markdown": "markdown", "html": "html"}


def _model_result(args: argparse.Namespace, case: Case) -> Any:
    """Return the ``--model`` result to show in the report, or ``None``."""
    if args.model is None:
        if args.model_outcome is not None:
            raise UsageError("--model-outcome describes the --model's outcome: add --model")
        return None
    if not args.model_outcome:
        raise UsageError(
            "--model needs --model-outcome: what the model predicts, in words (e.g. "
            "'continued stalking within 12 months'), as the report shows it"
        )
    from stalkrisk.report import ModelResult  # noqa: PLC0415 - only this command needs it

    model_api()  # a clear message when the [ml] extra is missing
    try:
        return ModelResult.from_model_file(args.model, case, outcome=args.model_outcome)
    except ModelFileError:
        raise  # invalid input: named with its problems, exit 1
    except ValidationError as exc:  # the outcome's words break ModelResult's rules
        rule = exc.errors(include_input=False, include_url=False)[0]["msg"]
        raise UsageError(f"--model-outcome: {rule}") from None
    except ValueError as exc:  # a model saved without its case encoder
        raise UsageError(f"{args.model}: {exc}") from None


def _judgement(name: str | None, streams: Streams) -> Judgement | Literal[False] | None:
    """Read a judgement file strictly; ``False`` after printing why it cannot be read."""
    if name is None:
        return None
    try:
        return Judgement.model_validate_json(read_text(name, streams.stdin))
    except CaseFileError as exc:
        print(f"error: {exc}", file=streams.err)
    except ValidationError as exc:
        for line in issue_lines(name, exc):
            print(f"error: {line}", file=streams.err)
    return False


def _earlier(
    name: str | None, scorer: WeightedScorer, streams: Streams
) -> AssessmentSide | Literal[False] | None:
    """Read the earlier assessment: an audit record (with its overrides) or a case to score."""
    if name is None:
        return None
    side = read_assessment(name, streams, scorer)
    return False if side is None else side


def report(args: argparse.Namespace, streams: Streams) -> int:
    """Render a bail or pre-sentence report of one case (:mod:`stalkrisk.report`)."""
    from stalkrisk.report import render_report  # noqa: PLC0415 - only this command needs it

    check_outputs(
        [args.output, args.record],
        [
            args.case,
            args.instrument,
            args.sign_key,
            args.model,
            args.judgement,
            args.earlier,
            args.earlier_judgement,
        ],
        first_to_stdout=True,
    )
    key = signing_key(args)
    scorer = WeightedScorer(instrument(args.instrument))
    if scorer.instrument.answers_only:
        raise UsageError(
            f"instrument {scorer.instrument.id!r} is scored from answers to its questions; "
            "a report is made from a case"
        )
    case = one_case(args.case, streams)
    if case is None:
        return EXIT_INVALID
    judgement = _judgement(args.judgement, streams)
    earlier_judgement = _judgement(args.earlier_judgement, streams)
    if judgement is False or earlier_judgement is False:
        return EXIT_INVALID
    earlier = _earlier(args.earlier, scorer, streams)
    if earlier is False:
        return EXIT_INVALID
    earlier_assessment = earlier.assessment if earlier else None
    earlier_case = earlier.case if earlier else None
    model = _model_result(args, case)
    assessment = scorer.score(case)
    ogrs3 = WeightedScorer(load_instrument("ogrs3")).score(case) if args.ogrs3 else None
    record = None
    if args.record is not None:
        record = AssessmentRecord.from_assessment(assessment, case)
        if key is not None:
            record = record.signed(key)
    try:
        text = render_report(
            assessment,
            args.context,
            _REPORT_FORMATS[args.format],  # type: ignore[arg-type]  # choices checked by argparse
            case=case,
            ogrs3=ogrs3,
            record=record,
            instrument=scorer.instrument,
            charts=not args.no_charts,
            model=model,
            judgement=judgement or None,
            earlier=earlier_assessment,
            earlier_case=earlier_case,
            earlier_judgement=earlier_judgement or None,
            complete=args.complete,
        )
    except ReportIncompleteError:
        raise
    except ValueError as exc:  # the judgement or the earlier assessment is of other data
        print(f"error: {exc}", file=streams.err)
        return EXIT_INVALID
    if args.output == "-":
        if record is not None:
            write_output(args.record, record.to_json())
        streams.out.write(text)
        return EXIT_OK
    write_outputs({args.output: text, **({args.record: record.to_json()} if record else {})})
    print(
        f"{args.context} report of case {case.case_id} written to {args.output}", file=streams.out
    )
    return EXIT_OK
