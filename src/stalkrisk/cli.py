"""The ``stalkrisk`` command line. Thin: it parses arguments, calls the API and prints.

Exit status: 0 success; 1 invalid input (a case or instrument file that cannot be used — the
message names the file and the field); 2 usage error. Bad input never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from pydantic import BaseModel, ValidationError

from stalkrisk._version import __version__
from stalkrisk.assessment import DECISION_SUPPORT_NOTICE, Assessment, ScaleResult, fmt_points
from stalkrisk.audit import AssessmentRecord, verify
from stalkrisk.errors import (
    CaseFileError,
    InstrumentError,
    ModelFileError,
    UnknownInstrumentError,
)
from stalkrisk.examples import load_examples
from stalkrisk.explain import render_text
from stalkrisk.features import FACTORS
from stalkrisk.instruments import (
    DEFAULT_INSTRUMENT,
    Condition,
    Instrument,
    Item,
    bundled_instruments,
    load_instrument,
)
from stalkrisk.schemas import Case, ItemAnswers, case_json_schema_text
from stalkrisk.scoring import WeightedScorer

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _schema_text(model: type[BaseModel], name: str) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://stalkrisk.invalid/schema/{name}.json",
        **model.model_json_schema(mode="validation"),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


#: The JSON Schemas that ``stalkrisk schema`` prints and ``docs/`` publishes.
SCHEMAS: dict[str, Callable[[], str]] = {
    "case": case_json_schema_text,
    "record": lambda: _schema_text(AssessmentRecord, "record-1"),
    "instrument": lambda: _schema_text(Instrument, "instrument-1"),
}


class _UsageError(Exception):
    """A problem with the command line itself (exit status 2)."""


# --- reading case files ---------------------------------------------------------------------


def format_loc(loc: Sequence[str | int]) -> str:
    """Render a pydantic error location as ``history.convictions[0].date``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _read_text(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise CaseFileError(f"{name}: is a folder; give the case files inside it") from None
    except UnicodeDecodeError:
        raise CaseFileError(f"{name}: not UTF-8 text; stalkrisk reads UTF-8 JSON") from None
    except OSError as exc:
        raise CaseFileError(f"{name}: cannot be read ({exc.strerror})") from None


def _records(name: str, stdin: TextIO) -> list[tuple[str, Any]]:
    """Return ``(label, data)`` for each case in a file: a JSON object, or an array of them."""
    label = "<stdin>" if name == "-" else name
    text = _read_text(name, stdin)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(
            f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if isinstance(data, list):
        return [(f"{label}[{i}]", item) for i, item in enumerate(data)]
    return [(label, data)]


def _validation_lines(label: str, exc: ValidationError) -> list[str]:
    return [
        f"{label}: {format_loc(e['loc'])}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    ]


class _Labelled(NamedTuple):
    label: str
    record: Any


def _load_cases(
    files: Sequence[str], stdin: TextIO, err: TextIO, model: type[Any] = Case
) -> tuple[list[_Labelled], int]:
    """Validate every record in ``files`` as ``model`` (a case, or item answers), with its label.

    Problems are reported on ``err``; returns the valid records and the number of failures.
    """
    cases: list[_Labelled] = []
    failures = 0
    for name in files:
        try:
            records = _records(name, stdin)
        except CaseFileError as exc:
            print(f"error: {exc}", file=err)
            failures += 1
            continue
        for label, data in records:
            if not isinstance(data, dict):
                print(f"error: {label}: a case must be a JSON object", file=err)
                failures += 1
                continue
            try:
                cases.append(_Labelled(label, model.model_validate(data)))
            except ValidationError as exc:
                for line in _validation_lines(label, exc):
                    print(f"error: {line}", file=err)
                failures += 1
    return cases, failures


def _instrument(source: str) -> Instrument:
    try:
        return load_instrument(source)
    except UnknownInstrumentError as exc:
        raise _UsageError(str(exc)) from None


# --- commands -------------------------------------------------------------------------------


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


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    scorer = WeightedScorer(_instrument(args.instrument))
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


def _score(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    if args.model:
        return _score_with_model(args, stdin, out, err)
    scorer = WeightedScorer(_instrument(args.instrument))
    if scorer.instrument.answers_only and not args.answers:
        raise _UsageError(
            f"instrument {scorer.instrument.id!r} is scored from answers to its questions: "
            "add --answers and give files of item answers"
        )
    model = ItemAnswers if args.answers else Case
    inputs, failures = _load_cases(args.files, stdin, err, model)
    scored: list[tuple[Any, Assessment]] = []
    for label, item in inputs:
        try:
            assessment = scorer.score_answers(item) if args.answers else scorer.score(item)
        except ValidationError as exc:  # answers that do not fit the instrument's questions
            for line in _validation_lines(label, exc):
                print(f"error: {line}", file=err)
            failures += 1
            continue
        scored.append((item, assessment))
    assessments = [a for _, a in scored]
    if args.record is not None:
        if len(scored) != 1 or failures:
            raise _UsageError("--record needs exactly one valid case; score one case at a time")
        record = AssessmentRecord.from_assessment(assessments[0], scored[0][0])
        try:
            Path(args.record).write_text(record.to_json(), encoding="utf-8")
        except OSError as exc:
            raise _UsageError(f"cannot write the record to {args.record}: {exc.strerror}") from None
    if args.format == "json":
        payload = [a.model_dump(mode="json") for a in assessments]
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=out)
    else:
        for i, a in enumerate(assessments):
            if i:
                print("-" * 78, file=out)
            print(render_text(a), end="", file=out)
    return EXIT_INVALID if failures else EXIT_OK


def _validate(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    failures = 0
    for name in args.files:
        cases, bad = _load_cases([name], stdin, err)
        failures += bad
        label = "<stdin>" if name == "-" else name
        if not bad:
            print(f"{label}: valid ({len(cases)} case{'s' if len(cases) != 1 else ''})", file=out)
    return EXIT_INVALID if failures else EXIT_OK


def _verify(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    try:
        text = _read_text(args.record, stdin)
        record = AssessmentRecord.model_validate_json(text)
    except CaseFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValidationError as exc:
        for line in _validation_lines(args.record, exc):
            print(f"error: {line}", file=err)
        return EXIT_INVALID
    model = ItemAnswers if record.assessment.input_kind == "answers" else Case
    cases, failures = _load_cases([args.case], stdin, err, model)
    if failures:
        return EXIT_INVALID
    if len(cases) != 1:
        print(f"error: {args.case}: holds {len(cases)} cases; give the one case assessed", file=err)
        return EXIT_INVALID
    instrument = _instrument(args.instrument) if args.instrument else None
    differences = verify(record, cases[0].record, instrument)
    if not differences:
        a = record.assessment
        print(
            f"verified: {args.record} matches case {a.case_id} rescored with "
            f"{a.instrument.id} {a.instrument.version} (sha256 {a.instrument.sha256[:12]})",
            file=out,
        )
        return EXIT_OK
    print(
        f"{len(differences)} difference(s) between {args.record} and a fresh assessment:", file=out
    )
    for d in differences:
        print(f"  {d}", file=out)
    return EXIT_INVALID


_REPORT_FORMATS = {"text": "text", "md": "markdown", "markdown": "markdown", "html": "html"}


def _report(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Render a bail or pre-sentence report of one case (stalkrisk.report)."""
    from stalkrisk.report import render_report  # noqa: PLC0415 - only this command needs it

    scorer = WeightedScorer(_instrument(args.instrument))
    if scorer.instrument.answers_only:
        raise _UsageError(
            f"instrument {scorer.instrument.id!r} is scored from answers to its questions; "
            "a report is made from a case"
        )
    cases, failures = _load_cases([args.case], stdin, err)
    if failures:
        return EXIT_INVALID
    if len(cases) != 1:
        print(f"error: {args.case}: holds {len(cases)} cases; give one case", file=err)
        return EXIT_INVALID
    case = cases[0].record
    assessment = scorer.score(case)
    ogrs3 = WeightedScorer(load_instrument("ogrs3")).score(case) if args.ogrs3 else None
    record = None
    if args.record is not None:
        record = AssessmentRecord.from_assessment(assessment, case)
        try:
            Path(args.record).write_text(record.to_json(), encoding="utf-8")
        except OSError as exc:
            raise _UsageError(f"cannot write the record to {args.record}: {exc.strerror}") from None
    text = render_report(
        assessment,
        args.context,
        _REPORT_FORMATS[args.format],  # type: ignore[arg-type]  # choices checked by argparse
        case=case,
        ogrs3=ogrs3,
        record=record,
        instrument=scorer.instrument,
        charts=not args.no_charts,
    )
    if args.output == "-":
        out.write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"{args.context} report of case {case.case_id} written to {args.output}", file=out)
    return EXIT_OK


def _model_api() -> Any:
    try:
        import stalkrisk.model as api  # noqa: PLC0415 - the [ml] extra is optional
    except ImportError as exc:
        raise _UsageError(str(exc)) from None
    return api


_MAX_PROBLEMS_SHOWN = 20


def _print_problems(problems: Sequence[tuple[str, str]], err: TextIO) -> None:
    for where, message in problems[:_MAX_PROBLEMS_SHOWN]:
        print(f"error: {where}: {message}", file=err)
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        print(f"error: ... and {len(problems) - _MAX_PROBLEMS_SHOWN} more problems", file=err)


def _fit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    api = _model_api()
    data = api.read_dataset(args.data, args.outcome)
    if data.problems:
        _print_problems(data.problems, err)
        records = len({where for where, _ in data.problems})
        print(f"error: {records} record(s) could not be read; no model was fitted", file=err)
        return EXIT_INVALID
    cuts = tuple(float(c) for c in args.cut_points.split(","))
    model = api.LogisticRiskModel(
        C=args.C, calibration=args.calibration, cut_points=cuts, random_state=args.seed
    )
    encoder = None
    if data.cases is not None:
        factors = args.factors.split(",") if args.factors else None
        encoder = api.CaseEncoder(factors=factors).fit(data.cases)
        features = encoder.transform(data.cases)
    else:
        features = data.X
    try:
        model.fit(features, data.y)
    except ValueError as exc:
        print(f"error: {args.data}: {exc}", file=err)
        return EXIT_INVALID
    api.save_model(model, args.output, encoder=encoder, feature_names=data.feature_names or None)
    t = model.training_
    print(
        f"fitted on {t['n']} records (outcome rate {t['base_rate']:.3f}); wrote {args.output}",
        file=out,
    )
    if model.calibration_ is not None:
        cal = model.calibration_
        print(
            f"cross-validated calibration: intercept {cal['intercept']:.3f}, slope "
            f"{cal['slope']:.3f} ({cal['folds']} folds)",
            file=out,
        )
    names = [str(n) for n in (encoder.get_feature_names_out() if encoder else data.feature_names)]
    ranked = sorted(zip(names, model.coef_.tolist(), strict=True), key=lambda nb: -abs(nb[1]))
    print("largest coefficients (log-odds per unit):", file=out)
    for name, beta in ranked[:10]:
        print(f"  {beta:+.4f}  {name}", file=out)
    print(
        "Weights fitted to local data are not validated until checked on other cases "
        "(stalkrisk evaluate).",
        file=out,
    )
    return EXIT_OK


def _is_model_file(source: str) -> bool:
    path = Path(source)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(head, dict) and str(head.get("format", "")).startswith("stalkrisk-model/")


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    api = _model_api()
    data = api.read_dataset(args.data, args.outcome, args.group)
    if data.problems:
        _print_problems(data.problems, err)
        records = len({where for where, _ in data.problems})
        print(f"error: {records} record(s) could not be read; nothing was evaluated", file=err)
        return EXIT_INVALID
    groups = data.groups or None
    if _is_model_file(args.model_or_instrument):
        try:
            model = api.load_model(args.model_or_instrument)
        except ModelFileError as exc:
            print(f"error: {exc}", file=err)
            return EXIT_INVALID
        encoder = getattr(model, "encoder_", None)
        if data.cases is not None:
            if encoder is None:
                raise _UsageError("this model was fitted on a table of numbers; give it a CSV")
            features = encoder.transform(data.cases)
        else:
            features = data.X
        report = api.evaluate(model, features, data.y, groups, random_state=args.seed)
    else:
        if data.cases is None:
            raise _UsageError("an instrument is evaluated on cases: give JSONL of cases")
        instrument = _instrument(args.model_or_instrument)
        report = api.evaluate(
            instrument, data.cases, data.y, groups, scale=args.scale, random_state=args.seed
        )
    if args.format == "json":
        out.write(report.to_json() + "\n")
    else:
        print(report, file=out)
    return EXIT_OK


def _score_with_model(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    api = _model_api()
    try:
        model = api.load_model(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    encoder = getattr(model, "encoder_", None)
    if encoder is None:
        raise _UsageError(
            f"{args.model} was fitted on a table of numbers, not on cases; it cannot score cases"
        )
    records, failures = _load_cases(args.files, stdin, err)
    results = []
    for label, case in records:
        row = encoder.transform([case])
        p = float(model.predict_proba(row)[0, 1])
        band = model.bands[int(model.predict_band(row)[0])]
        top = model.explain(row).top(0, 3)
        results.append(
            {
                "case_id": case.case_id,
                "source": label,
                "probability": p,
                "band": band,
                "top_contributions": top,
            }
        )
    if args.format == "json":
        print(json.dumps(results, indent=2), file=out)
    else:
        for r in results:
            tops = (
                "; ".join(f"{name} {value:+.3f}" for name, value in r["top_contributions"] if value)
                or "none"
            )
            print(
                f"{r['case_id']}: probability {r['probability']:.3f}, band {r['band']} "
                f"(largest log-odds contributions: {tops})",
                file=out,
            )
        print(
            "Model weights fitted to local data; not validated until checked on other cases. "
            + DECISION_SUPPORT_NOTICE,
            file=out,
        )
    return EXIT_INVALID if failures else EXIT_OK


def _batch(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Score a file of cases into one output row per record; a bad record is a row, not a stop."""
    import importlib.util  # noqa: PLC0415 - only to check for pyarrow before writing Parquet

    from stalkrisk import batch  # noqa: PLC0415 - the batch command's own module, kept beside it

    fmt = _batch_output_format(args)
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise _UsageError(batch.FRAMES_EXTRA.format(what="writing Parquet"))
    inst = None
    if args.model is not None:
        if args.instrument is not None:
            raise _UsageError("give --instrument or --model, not both")
        _model_api()  # a clear message when the [ml] extra is missing
        validity = "model weights fitted to local data; not validated until checked on other cases"
    else:
        inst = _instrument(args.instrument or DEFAULT_INSTRUMENT)
        if inst.answers_only:
            raise _UsageError(
                f"instrument {inst.id!r} is scored from answers to its questions, not from "
                "cases; batch scores cases"
            )
        validity = f"{inst.id} {inst.version}: {inst.validation.statement}"
    show = not args.quiet and err.isatty()
    run: batch.BatchRun | None = None

    def progress(done: int) -> None:
        fraction = None if run is None else run.fraction_read
        print("\r" + _progress_line(done, fraction), end="", file=err, flush=True)

    source: Any = getattr(stdin, "buffer", stdin) if args.input == "-" else args.input
    write: Any = {"csv": batch.write_csv, "parquet": batch.write_parquet}.get(
        fmt, batch.write_jsonl
    )
    try:
        run = batch.score_many(source, inst, model=args.model, progress=progress if show else None)
    except (ModelFileError, CaseFileError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValueError as exc:  # e.g. a model saved without its case encoder
        raise _UsageError(str(exc)) from None
    try:
        with run:
            summary = write(run, out if args.output == "-" else args.output)
    except (ModelFileError, CaseFileError) as exc:
        if show:
            print(file=err)
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except OSError as exc:
        raise _UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    if show:
        print(file=err)
    where = "standard output" if args.output == "-" else args.output
    print(f"stalkrisk batch: {summary}; written to {where}", file=err)
    print(f"Validity: {validity.rstrip('.')}. {DECISION_SUPPORT_NOTICE}", file=err)
    return EXIT_INVALID if args.fail_on_error and summary.invalid else EXIT_OK


def _batch_output_format(args: argparse.Namespace) -> str:
    """Return the batch output format, from --format or OUT's suffix; check OUT is usable."""
    fmt: str | None = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower()
        fmt = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix)
        fmt = {".parquet": "parquet", ".pq": "parquet"}.get(suffix, fmt)
        if fmt is None and args.output != "-":
            raise _UsageError(
                f"cannot tell the output format from {args.output!r}; "
                "add --format jsonl, csv or parquet"
            )
    if fmt == "parquet" and args.output == "-":
        raise _UsageError("Parquet cannot be written to standard output; name an OUT file")
    same = "-" not in (args.input, args.output) and (
        Path(args.input).resolve() == Path(args.output).resolve()
    )
    if same:
        raise _UsageError("OUT is the input file; write the results to another file")
    return fmt or "jsonl"


def _progress_line(done: int, fraction: float | None, width: int = 30) -> str:
    """Return a progress line: a bar and percentage when the input's size is known.

    Examples
    --------
    >>> _progress_line(1500, 0.5, width=10)
    'stalkrisk batch: [#####     ]  50% 1,500 records'
    >>> _progress_line(1500, None)
    'stalkrisk batch: 1,500 records'
    """
    if fraction is None:
        return f"stalkrisk batch: {done:,} records"
    filled = round(fraction * width)
    bar = "#" * filled + " " * (width - filled)
    return f"stalkrisk batch: [{bar}] {fraction:4.0%} {done:,} records"


def _check_instrument(args: argparse.Namespace, out: TextIO) -> int:
    inst = load_instrument(Path(args.path))
    items = len(inst.items)
    print(
        f"{args.path}: valid: {inst.id} {inst.version}, {items} item{'s' if items != 1 else ''}, "
        f"{len(inst.scales)} scale(s); sha256 {inst.sha256}",
        file=out,
    )
    return EXIT_OK


def _conditions(conditions: Sequence[Condition], joiner: str) -> str:
    parts = []
    for c in conditions:
        if c.categories:
            parts.append(f"{c.source} in ({', '.join(c.categories)})")
        elif c.min is None and c.max is None:
            parts.append(c.source)
        else:
            low = "" if c.min is None else f"{fmt_points(c.min)} <= "
            high = "" if c.max is None else f" <= {fmt_points(c.max)}"
            parts.append(f"{low}{c.source}{high}")
    return f" {joiner} ".join(parts)


def _item_source(item: Item) -> str:
    text = item.source or _conditions(
        item.any_of or item.all_of or [], "or" if item.any_of else "and"
    )
    if item.only_if:
        text += f"; only if {_conditions(item.only_if, 'and')}"
    return text


def _item_scoring(inst: Instrument, item: Item) -> str:
    if item.coefficient is not None:
        return f"{fmt_points(item.coefficient)} per unit"
    kind = inst.item_kind(item)
    return ", ".join(
        f"{lv.label(kind)} → "
        + (fmt_points(lv.points) if lv.points is not None else f"cannot score ({lv.unscorable})")
        for lv in item.levels or []
    )


def _show_instrument(inst: Instrument, out: TextIO) -> None:
    print(f"{inst.title} {inst.version}  ({inst.id})", file=out)
    print(f"sha256: {inst.sha256}", file=out)
    print(f"Validation: {inst.validation.status.value}. {inst.validation.statement}", file=out)
    print(f"\n{inst.description}\n", file=out)
    for question in inst.questions:
        cats = f": {', '.join(question.categories)}" if question.categories else ""
        print(f"Question {question.id} ({question.kind.value}{cats}): {question.label}", file=out)
    if inst.questions:
        print("", file=out)
    for scale in inst.scales:
        print(f"Scale {scale.id}: {scale.title} ({scale.kind})", file=out)
        for h in scale.horizons:
            print(f"  Horizon {h.label}: constant {h.constant:g}", file=out)
        for item_id in scale.items:
            item = inst.item(item_id)
            print(f"  {item.label} [{_item_source(item)}]: {_item_scoring(inst, item)}", file=out)
        bands = ", ".join(f"{b.label} {b.describe_range()}" for b in scale.bands)
        print(f"  Bands: {bands}", file=out)
        for flag in scale.red_flags:
            print(
                f"  Red flag: {flag.label} [{flag.source}] → at least {flag.minimum_band}", file=out
            )
        rule = scale.missing
        print(
            f"  Missing data: up to {rule.max_unknown} unknown items, {rule.method.value}", file=out
        )
        print("", file=out)
    print("Sources:", file=out)
    for ref in inst.citation:
        print(f"  - {ref}", file=out)


def _instruments(args: argparse.Namespace, out: TextIO) -> int:
    if args.action == "list":
        for inst in bundled_instruments().values():
            default = "  (default)" if inst.id == DEFAULT_INSTRUMENT else ""
            print(
                f"{inst.id:<20} {inst.version:<8} {inst.validation.status.value:<18} "
                f"{inst.title}{default}",
                file=out,
            )
        return EXIT_OK
    if args.action == "check":
        return _check_instrument(args, out)
    inst = _instrument(args.instrument_id)
    if args.format == "json":
        print(json.dumps(inst.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out)
    else:
        _show_instrument(inst, out)
    return EXIT_OK


def factors_markdown() -> str:
    """Return the factor registry as the Markdown table committed in ``docs/factors.md``."""
    lines = [
        "# Factors",
        "",
        "The factor registry (`stalkrisk.FACTORS`) is the one place where case fields become",
        "numbers. Instrument items and explanations read these",
        "definitions. Binary and count values are intervals, so partial knowledge is kept: see",
        "`stalkrisk.features` for the rules. This page is generated by",
        "`stalkrisk factors --format markdown`; a test keeps it in step with the code.",
        "",
    ]
    bundled = bundled_instruments().values()
    answers_only = [f"`{i.id}`" for i in bundled if i.answers_only]
    lines += [
        "*Used by* names the bundled instruments that read the factor (in an item, a condition",
        "or a red flag). Instruments scored from direct answers to their own questions read no",
        f"factor: {', '.join(answers_only) or 'none is bundled'}.",
        "",
        "| Factor | Kind | Group | Definition | When unknown | Used by |",
        "|---|---|---|---|---|---|",
    ]
    for f in FACTORS.values():
        cats = f" Categories: {', '.join(f'`{c}`' for c in f.categories)}." if f.categories else ""
        used = ", ".join(f"`{i.id}`" for i in bundled if f.name in i.factors) or "none"
        lines.append(
            f"| `{f.name}` | {f.kind.value} | {f.group} | {f.definition}{cats} | {f.unknown} "
            f"| {used} |"
        )
    return "\n".join(lines) + "\n"


def _factors(args: argparse.Namespace, out: TextIO) -> int:
    if args.format == "markdown":
        out.write(factors_markdown())
        return EXIT_OK
    for f in FACTORS.values():
        cats = f" ({', '.join(f.categories)})" if f.categories else ""
        print(f"{f.name:<40} {f.kind.value:<9} {f.group}", file=out)
        print(f"    {f.definition}{cats}", file=out)
        print(f"    unknown: {f.unknown}", file=out)
    return EXIT_OK


# --- the parser -----------------------------------------------------------------------------


def _add_batch_parser(sub: Any, instrument_help: str) -> None:
    batch_cmd = sub.add_parser(
        "batch",
        help="score a JSONL, JSON, CSV, Parquet or Arrow file of cases: one output row per record",
    )
    batch_cmd.add_argument(
        "input",
        metavar="IN",
        help="cases: .jsonl/.ndjson (one per line), .json (an array), .csv, .parquet/.pq or "
        ".arrow/.feather/.arrows ([frames] extra); - reads JSONL",
    )
    batch_cmd.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the rows: .jsonl, .csv or .parquet (- stdout, not Parquet)",
    )
    batch_cmd.add_argument("--instrument", help=instrument_help)
    batch_cmd.add_argument(
        "--model",
        metavar="MODEL.json",
        help="score with a saved logistic model (saved with its case encoder; [ml] extra) "
        "instead of an instrument",
    )
    batch_cmd.add_argument(
        "--format",
        choices=("jsonl", "csv", "parquet"),
        help="output format (default: from OUT's suffix)",
    )
    batch_cmd.add_argument(
        "--fail-on-error", action="store_true", help="exit 1 when any record is invalid"
    )
    batch_cmd.add_argument(
        "--quiet", action="store_true", help="no progress bar (it is shown only on a terminal)"
    )


def _add_verify_parser(sub: Any) -> None:
    verify_cmd = sub.add_parser(
        "verify", help="re-score a case and compare it with an audit record"
    )
    verify_cmd.add_argument("record", metavar="RECORD")
    verify_cmd.add_argument("case", metavar="CASE")
    verify_cmd.add_argument(
        "--instrument", help="instrument to re-score with (default: the record's, bundled)"
    )


def _add_report_parser(sub: Any, instrument_help: str) -> None:
    report = sub.add_parser(
        "report", help="a report of one case for a bail hearing or a pre-sentence report"
    )
    report.add_argument("case", metavar="CASE", help="a case file (one JSON object; - for stdin)")
    report.add_argument(
        "--context",
        required=True,
        choices=("bail", "sentencing"),
        help="bail: serious harm and imminence first; sentencing: a pre-sentence report",
    )
    report.add_argument("--format", choices=("text", "md", "html"), default="text")
    report.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="where to write (default - stdout)"
    )
    report.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=instrument_help)
    report.add_argument(
        "--ogrs3", action="store_true", help="also show OGRS3 (general reoffending), if scorable"
    )
    report.add_argument(
        "--record", metavar="OUT.json", help="also write an audit record; the report shows its hash"
    )
    report.add_argument(
        "--no-charts", action="store_true", help="leave the contribution charts out of HTML"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stalkrisk",
        description="Transparent risk assessment for stalking cases. Supports a professional's "
        "judgement; it does not make decisions.",
    )
    parser.add_argument("--version", action="version", version=f"stalkrisk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    instrument_help = (
        f"bundled instrument id or path to a .toml/.json file (default {DEFAULT_INSTRUMENT})"
    )
    demo = sub.add_parser("demo", help="score the bundled example cases and explain the bands")
    demo.add_argument("--full", action="store_true", help="print the full report for every case")
    demo.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=instrument_help)

    score = sub.add_parser("score", help="score case files (JSON object or array; - for stdin)")
    score.add_argument("files", nargs="+", metavar="FILE")
    score.add_argument("--format", choices=("text", "json"), default="text")
    score.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=instrument_help)
    score.add_argument(
        "--record", metavar="OUT.json", help="also write a verifiable audit record (one case)"
    )
    score.add_argument(
        "--model", metavar="MODEL.json", help="score with a fitted model (stalkrisk fit)"
    )
    score.add_argument(
        "--answers",
        action="store_true",
        help="the files hold direct answers to the instrument's questions, not cases",
    )

    _add_batch_parser(sub, instrument_help)

    _add_verify_parser(sub)

    _add_report_parser(sub, instrument_help)

    validate = sub.add_parser("validate", help="check case files against the schema")
    validate.add_argument("files", nargs="+", metavar="FILE")

    fit = sub.add_parser("fit", help="fit a logistic model to outcome data (needs [ml])")
    fit.add_argument("data", metavar="DATA", help="JSONL of cases with an outcome field, or CSV")
    fit.add_argument("--outcome", required=True, metavar="COLUMN")
    fit.add_argument("-o", "--output", required=True, metavar="MODEL.json")
    fit.add_argument("--factors", help="comma-separated factors to use (default: all)")
    fit.add_argument("--C", type=float, default=1.0, help="inverse regularisation (default 1)")
    fit.add_argument("--calibration", choices=("none", "sigmoid"), default="none")
    fit.add_argument("--cut-points", default="0.2,0.5", help="band cut-points (probabilities)")
    fit.add_argument("--seed", type=int, default=0)

    evaluate = sub.add_parser(
        "evaluate", help="discrimination, calibration and a fairness audit (needs [ml])"
    )
    evaluate.add_argument("model_or_instrument", metavar="MODEL_OR_INSTRUMENT")
    evaluate.add_argument(
        "data", metavar="DATA", help="JSONL of cases with an outcome field, or CSV"
    )
    evaluate.add_argument("--outcome", required=True, metavar="COLUMN")
    evaluate.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="COLUMN",
        help="audit by this group (repeatable); groups are never scoring inputs",
    )
    evaluate.add_argument("--scale", help="the instrument's scale to evaluate (default: first)")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")

    schema = sub.add_parser("schema", help="print a JSON Schema (draft 2020-12)")
    schema.add_argument(
        "what",
        nargs="?",
        choices=sorted(SCHEMAS),
        default="case",
        help="case (default), record (audit record) or instrument (instrument file)",
    )
    factors = sub.add_parser("factors", help="list the registered factors and their definitions")
    factors.add_argument("--format", choices=("text", "markdown"), default="text")

    instruments = sub.add_parser("instruments", help="list or show instruments")
    inst_sub = instruments.add_subparsers(dest="action", required=True, metavar="ACTION")
    inst_sub.add_parser("list", help="list the bundled instruments")
    show = inst_sub.add_parser("show", help="show an instrument's items, scales and bands")
    show.add_argument("instrument_id", metavar="ID_OR_PATH")
    show.add_argument("--format", choices=("text", "json"), default="text")
    check = inst_sub.add_parser(
        "check", help="validate your own instrument file and list every problem"
    )
    check.add_argument("path", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Examples
    --------
    >>> main(["instruments", "list"])  # doctest: +ELLIPSIS
    ogrs3 ...
    stalkrisk-screen     1.0.0    illustrative       stalkrisk screen  (default)
    0
    """
    stdin, out, err = sys.stdin, sys.stdout, sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help/--version
        return int(exc.code or 0)
    try:
        if args.command == "demo":
            return _demo(args, out)
        if args.command == "score":
            return _score(args, stdin, out, err)
        if args.command == "batch":
            return _batch(args, stdin, out, err)
        if args.command == "validate":
            return _validate(args, stdin, out, err)
        if args.command == "fit":
            return _fit(args, out, err)
        if args.command == "evaluate":
            return _evaluate(args, out, err)
        if args.command == "verify":
            return _verify(args, stdin, out, err)
        if args.command == "report":
            return _report(args, stdin, out, err)
        if args.command == "schema":
            out.write(SCHEMAS[args.what]())
            return EXIT_OK
        if args.command == "factors":
            return _factors(args, out)
        return _instruments(args, out)
    except _UsageError as exc:
        print(f"stalkrisk: error: {exc}", file=err)
        return EXIT_USAGE
    except InstrumentError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `stalkrisk factors | head`
        sys.stderr.close()
        return EXIT_OK
