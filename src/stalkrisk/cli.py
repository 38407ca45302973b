r"""The ``stalkrisk`` command line. Thin: it parses arguments, calls the API and prints.

Exit status: 0 success; 1 invalid input (a case or instrument file that cannot be used — the
message names the file and the field); 2 usage error; 130 interrupted (Ctrl-C); 143 stopped by
SIGTERM (128 + the signal's number for SIGHUP too). Bad input never prints a traceback.

Nothing lost: every output file is written to a temporary file beside it and renamed into
place only when complete, so an interrupted or failed command leaves no partial output; no
command writes over one of its own inputs (the same file by device and inode: a hard or
symbolic link, or standard input redirected from it). Everything printed goes through a
stream that shows control characters as ``\uXXXX`` escapes, so text from a file cannot
control the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Final, NamedTuple, TextIO, cast

from pydantic import BaseModel, ValidationError

from stalkrisk._internal import documents
from stalkrisk._internal.files import atomic_output, atomic_write, same_files
from stalkrisk._internal.terminal import SafeText
from stalkrisk._internal.validation import known_field_names
from stalkrisk._version import __version__
from stalkrisk.assessment import (
    DECISION_SUPPORT_NOTICE,
    LOCALLY_FITTED_STATEMENT,
    Assessment,
    ScaleResult,
    fmt_points,
)
from stalkrisk.audit import AssessmentRecord, canonical_input, verify
from stalkrisk.errors import (
    CaseFileError,
    InstrumentError,
    KeyFileError,
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
#: Interrupted by Ctrl-C (SIGINT), as a shell reports it: 128 + 2.
EXIT_INTERRUPTED: Final = 130

#: The largest file ``score``, ``validate``, ``report`` and ``verify`` read (a case, a JSON
#: array of cases, answers or a record). Larger inputs belong to ``stalkrisk batch``, which
#: streams them record by record.
MAX_CASE_FILE_BYTES: Final = 8 * 1024 * 1024
_LARGER: Final = "; score larger files with stalkrisk batch, which reads them record by record"
_CASE_KEYS: Final = known_field_names(Case) | known_field_names(ItemAnswers)


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


def _read_stdin(stdin: TextIO) -> str:
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # a text stream with no bytes underneath (tests, embedding)
        text = stdin.read(MAX_CASE_FILE_BYTES + 1)
        if len(text) > MAX_CASE_FILE_BYTES:
            raise CaseFileError(f"<stdin>: {_too_large()}")
        return text
    data = buffer.read(MAX_CASE_FILE_BYTES + 1)
    if len(data) > MAX_CASE_FILE_BYTES:
        raise CaseFileError(f"<stdin>: {_too_large()}")
    try:
        return str(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        message = documents.NOT_UTF8.format(position=exc.start + 1)
        raise CaseFileError(f"<stdin>: {message}") from None


def _too_large() -> str:
    return documents.TOO_LARGE.format(limit=MAX_CASE_FILE_BYTES, what="an input", hint=_LARGER)


def _read_text(name: str, stdin: TextIO) -> str:
    """Return a case file's text (``-``: standard input), at most :data:`MAX_CASE_FILE_BYTES`."""
    if name == "-":
        return _read_stdin(stdin)
    try:
        return documents.read_text(
            name, max_bytes=MAX_CASE_FILE_BYTES, what="an input", hint=_LARGER
        )
    except documents.DocumentError as exc:
        raise CaseFileError(f"{name}: {exc.message}") from None


def _records(name: str, stdin: TextIO) -> list[tuple[str, Any]]:
    """Return ``(label, data)`` for each case in a file: a JSON object, or an array of them.

    Every case file goes through this one reader (``score``, ``validate``, ``verify``,
    ``report``): strict JSON (:mod:`stalkrisk._internal.documents`), bounded size, and an
    empty array is an error, not "0 cases".
    """
    label = "<stdin>" if name == "-" else name
    text = _read_text(name, stdin)
    try:
        data = documents.parse_json(text, known_keys=_CASE_KEYS)
    except documents.DocumentError as exc:
        raise CaseFileError(f"{label}: {exc.message}") from None
    if isinstance(data, list):
        if not data:
            raise CaseFileError(f"{label}: holds no cases (an empty JSON array)")
        return [(f"{label}[{i}]", item) for i, item in enumerate(data)]
    return [(label, data)]


def _validation_lines(label: str, exc: ValidationError) -> list[str]:
    lines = []
    for e in exc.errors(include_input=False, include_url=False):
        if e["type"] == "json_invalid" and not e["loc"]:  # the message holds its own place
            lines.append(f"{label}: {e['msg']}")
        else:
            lines.append(f"{label}: {format_loc(e['loc'])}: {e['msg']}")
    return lines


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


# --- writing files: whole or not at all, and never over an input ------------------------------


def _is_file_source(source: str | None) -> bool:
    return source is not None and source != "-" and source not in bundled_instruments()


def _check_outputs(
    outputs: Sequence[str | None],
    inputs: Sequence[str | None],
    *,
    first_to_stdout: bool = False,
) -> None:
    """Refuse an output that is an input, another output, a folder, or ``-`` where not allowed.

    Files are compared by device and inode, so a hard link, a symbolic link or standard input
    redirected from the file count as the same file. ``-`` means standard output only for
    the first output, and only if ``first_to_stdout``; anywhere else it would be a file named
    ``-``, which is refused.
    """
    sources: list[str | int] = [p for p in inputs if _is_file_source(p)]  # type: ignore[misc]
    if any(p == "-" for p in inputs):
        sources.append(0)  # standard input: redirected from a file, it has that file's inode
    written: list[str] = []
    for position, output in enumerate(outputs):
        if output is None:
            continue
        if output == "-":
            if first_to_stdout and position == 0:
                continue
            raise _UsageError("- is not a file here: give the output a file name")
        if Path(output).is_dir():
            raise _UsageError(f"cannot write {output}: is a folder")
        if same_files(output, written) is not None:
            raise _UsageError(f"{output} is given for two outputs; give each its own file")
        hit = same_files(output, sources)
        if hit is not None:
            what = "standard input" if hit == 0 else f"the input {hit}"
            raise _UsageError(
                f"{output} is {what}; stalkrisk never writes over its own input: give "
                "another output file"
            )
        written.append(output)


def _write_output(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole (a temporary file renamed into place)."""
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise _UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_outputs(texts: dict[str, str]) -> None:
    """Write several files together: each to a temporary file, all renamed only at the end.

    If any cannot be written, none is (a rename that fails after another succeeded, which
    needs a failing disk, is the only way to get one without the other).
    """
    where = ", ".join(texts)
    try:
        with contextlib.ExitStack() as stack:
            handles = {}
            for path in texts:
                where = path
                handles[path] = stack.enter_context(atomic_output(path))
            where = ", ".join(texts)
            for path, text in texts.items():
                handles[path].write(text)
    except OSError as exc:
        raise _UsageError(f"cannot write {where}: {exc.strerror or exc}") from None


def _passphrase(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise _UsageError(f"the environment variable {variable} (--passphrase-env) is not set")
    if not value:
        raise _UsageError(
            f"the environment variable {variable} (--passphrase-env) is empty; a key is not "
            "encrypted with an empty passphrase (leave out --passphrase-env for no passphrase)"
        )
    return value.encode("utf-8")


def _signing_key(args: argparse.Namespace) -> Any:
    """Return the key of ``--sign-key`` (the ``[sign]`` extra), or ``None``."""
    if getattr(args, "sign_key", None) is None:
        return None
    if getattr(args, "record", None) is None:
        raise _UsageError("--sign-key signs the audit record: add --record OUT.json")
    try:
        from stalkrisk.signing import SigningKey  # noqa: PLC0415 - the [sign] extra

        return SigningKey.load(args.sign_key, _passphrase(args.passphrase_env))
    except ImportError as exc:
        raise _UsageError(str(exc)) from None


def _write_record(args: argparse.Namespace, record: AssessmentRecord, key: Any) -> None:
    if key is not None:
        record = record.signed(key)
    _write_output(args.record, record.to_json())


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
    _check_outputs([args.record], [*args.files, args.instrument, args.model, args.sign_key])
    if args.model:
        if args.record is not None:
            raise _UsageError("--record records an instrument's assessment; not with --model")
        return _score_with_model(args, stdin, out, err)
    key = _signing_key(args)
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
        _write_record(args, record, key)
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
        if args.canonical or args.hash:
            for case in cases:  # what an audit record's input_sha256 is computed from
                text = canonical_input(case.record)
                if args.canonical:
                    print(text, file=out)
                else:
                    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    print(f"{digest}  {case.label}", file=out)
        elif not bad:
            print(f"{label}: valid ({len(cases)} case{'s' if len(cases) != 1 else ''})", file=out)
    return EXIT_INVALID if failures else EXIT_OK


def _verify(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    if args.record == "-" and args.case == "-":
        raise _UsageError("the record and the case cannot both be read from standard input")
    public_key = None
    if args.public_key is not None:
        try:
            from stalkrisk.signing import PublicKey  # noqa: PLC0415 - the [sign] extra

            public_key = PublicKey.load(args.public_key)
        except ImportError as exc:
            raise _UsageError(str(exc)) from None
    label = "<stdin>" if args.record == "-" else args.record
    try:
        text = _read_text(args.record, stdin)
        record = AssessmentRecord.model_validate_json(text)
    except CaseFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValidationError as exc:
        for line in _validation_lines(label, exc):
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
    differences = verify(record, cases[0].record, instrument, public_key=public_key)
    if differences:
        print(f"{len(differences)} difference(s) between {label} and a fresh assessment:", file=out)
        for d in differences:
            print(f"  {d}", file=out)
        return EXIT_INVALID
    a = record.assessment
    print(
        f"verified: {label} matches case {a.case_id} re-scored with "
        f"{a.instrument.id} {a.instrument.version} (sha256 {a.instrument.sha256[:12]})",
        file=out,
    )
    print(_authentication(record, public_key), file=out)
    return EXIT_OK


def _authentication(record: AssessmentRecord, public_key: Any) -> str:
    """Say plainly what the verification showed about who made the record."""
    if public_key is not None:
        return (
            f"authenticated: signed with the key given (key id {public_key.key_id[:16]}); the "
            "record, its overrides and its assessor are as the key's holder wrote them"
        )
    if record.signature is not None:
        return (
            f"not authenticated: the record is signed (key id {record.signature.key_id[:16]}) "
            "but no --public-key was given to check the signature; re-scored only"
        )
    return (
        "not authenticated: the record is not signed. Re-scoring shows that its scores are "
        "those of this case; it does not show who made the record or its overrides (sign "
        "records with --sign-key; check them with --public-key)"
    )


_REPORT_FORMATS = {"text": "text", "md": "markdown", "markdown": "markdown", "html": "html"}


def _report(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Render a bail or pre-sentence report of one case (stalkrisk.report)."""
    from stalkrisk.report import render_report  # noqa: PLC0415 - only this command needs it

    _check_outputs(
        [args.output, args.record],
        [args.case, args.instrument, args.sign_key],
        first_to_stdout=True,
    )
    key = _signing_key(args)
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
        if key is not None:
            record = record.signed(key)
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
        if record is not None:
            _write_output(args.record, record.to_json())
        out.write(text)
        return EXIT_OK
    _write_outputs({args.output: text, **({args.record: record.to_json()} if record else {})})
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


def _data_problems(data: Any, path: str, err: TextIO, what: str) -> int | None:
    """Print a data set's problems and return the exit status, or ``None`` if there are none."""
    if not data.problems:
        return None
    _print_problems(data.problems, err)
    whole = [where for where, _ in data.problems if where == path]
    if whole:  # a problem of the whole file (a missing field): no count of records
        print(f"error: {path} cannot be used as it is; {what}", file=err)
    else:
        records = len({where for where, _ in data.problems})
        print(f"error: {records} record(s) could not be read; {what}", file=err)
    return EXIT_INVALID


def _fit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    api = _model_api()
    _check_outputs([args.output], [args.data])
    try:
        cuts = api.parse_cut_points(args.cut_points)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    factors = None
    if args.factors is not None:
        factors = [f.strip() for f in args.factors.split(",") if f.strip()]
        if not factors:
            raise _UsageError("--factors names no factor; give factor names separated by commas")
    try:
        api.CaseEncoder(factors=factors).fit([])  # unknown factors, before reading the data
    except ValueError as exc:
        raise _UsageError(f"--factors: {exc}") from None
    data = api.read_dataset(args.data, args.outcome)
    status = _data_problems(data, args.data, err, "no model was fitted")
    if status is not None:
        return status
    model = api.LogisticRiskModel(
        C=args.C, calibration=args.calibration, cut_points=cuts, random_state=args.seed
    )
    encoder = None
    if data.cases is not None:
        encoder = api.CaseEncoder(factors=factors).fit(data.cases)
        features = encoder.transform(data.cases)
    else:
        features = data.X
    try:
        model.fit(features, data.y)
    except ValueError as exc:
        print(f"error: {args.data}: {exc}", file=err)
        return EXIT_INVALID
    try:
        api.save_model(
            model, args.output, encoder=encoder, feature_names=data.feature_names or None
        )
    except OSError as exc:
        raise _UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
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
    print(f"{LOCALLY_FITTED_STATEMENT} Check them with stalkrisk evaluate.", file=out)
    return EXIT_OK


def _is_model_file(source: str) -> bool:
    path = Path(source)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        head = documents.read_document(path, max_bytes=MAX_CASE_FILE_BYTES)
    except documents.DocumentError:
        return False
    return isinstance(head, dict) and str(head.get("format", "")).startswith("stalkrisk-model/")


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    api = _model_api()
    data = api.read_dataset(args.data, args.outcome, args.group)
    status = _data_problems(data, args.data, err, "nothing was evaluated")
    if status is not None:
        return status
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
        if args.scale is not None and args.scale not in {sc.id for sc in instrument.scales}:
            scales = ", ".join(sc.id for sc in instrument.scales)
            raise _UsageError(f"--scale: {instrument.id} has no such scale; its scales: {scales}")
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
        model = api.CaseModel.load(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValueError:
        raise _UsageError(
            f"{args.model} was fitted on a table of numbers, not on cases; it cannot score cases"
        ) from None
    records, failures = _load_cases(args.files, stdin, err)
    scores = model.score([case for _, case in records])
    if args.format == "json":
        results = [
            {"source": label, **scored.model_dump(mode="json")}
            for (label, _), scored in zip(records, scores, strict=True)
        ]
        print(json.dumps(results, indent=2), file=out)
    else:
        for scored in scores:
            tops = (
                "; ".join(f"{name} {value:+.3f}" for name, value in scored.top_contributions)
                or "none"
            )
            print(
                f"{scored.case_id}: probability {scored.probability:.3f}, band {scored.band} "
                f"(largest log-odds contributions: {tops})",
                file=out,
            )
        print(f"Model sha256: {model.sha256}", file=out)
        print(f"{LOCALLY_FITTED_STATEMENT} {DECISION_SUPPORT_NOTICE}", file=out)
    return EXIT_INVALID if failures else EXIT_OK


def _batch(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Score a file of cases into one output row per record; a bad record is a row, not a stop."""
    import importlib.util  # noqa: PLC0415 - only to check for pyarrow before writing Parquet

    from stalkrisk import batch  # noqa: PLC0415 - the batch command's own module, kept beside it

    fmt = _batch_output_format(args)
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise _UsageError(batch.FRAMES_EXTRA.format(what="writing Parquet"))
    inst, validity = _batch_scorer(args)
    show = not args.quiet and err.isatty()
    run: batch.BatchRun | None = None
    bar = err.stream if isinstance(err, SafeText) else err  # the bar's own \r is meant

    def progress(done: int) -> None:
        fraction = None if run is None else run.fraction_read
        print("\r" + _progress_line(done, fraction), end="", file=bar, flush=True)

    source: Any = args.input
    if args.input == "-":  # a text stream with no bytes underneath (embedding): its text, encoded
        source = getattr(stdin, "buffer", None) or io.BytesIO(
            stdin.read().encode("utf-8", "surrogatepass")
        )
    write: Any = {"csv": batch.write_csv, "parquet": batch.write_parquet}.get(
        fmt, batch.write_jsonl
    )
    try:
        run = batch.score_many(
            source,
            inst,
            model=args.model,
            progress=progress if show else None,
            pause_gc=True,  # this process is the command's own: see score_many
        )
    except (ModelFileError, CaseFileError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValueError as exc:  # e.g. a model saved without its case encoder
        raise _UsageError(str(exc)) from None
    try:
        with run:
            if args.output == "-":
                summary = write(run, out)
            else:  # the rows go to a temporary file, renamed to OUT only when all are written
                with atomic_output(args.output, binary=fmt == "parquet") as target:
                    summary = write(run, target)
    except (ModelFileError, CaseFileError) as exc:
        if show:
            print(file=err)
        print(f"error: {exc}; nothing was written to {args.output}", file=err)
        return EXIT_INVALID
    except BrokenPipeError:  # the reader of standard output stopped (| head): not an error
        raise
    except OSError as exc:
        raise _UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    if show:
        print(file=err)
    return _batch_summary(args, summary, validity, err)


def _batch_scorer(args: argparse.Namespace) -> tuple[Instrument | None, str]:
    """Return the batch's instrument (``None`` with --model) and its validity statement."""
    if args.model is not None:
        if args.instrument is not None:
            raise _UsageError("give --instrument or --model, not both")
        _model_api()  # a clear message when the [ml] extra is missing
        return (
            None,
            LOCALLY_FITTED_STATEMENT,
        )
    inst = _instrument(args.instrument or DEFAULT_INSTRUMENT)
    if inst.answers_only:
        raise _UsageError(
            f"instrument {inst.id!r} is scored from answers to its questions, not from "
            "cases; batch scores cases"
        )
    return inst, f"{inst.id} {inst.version}: {inst.validation.statement}"


def _batch_summary(args: argparse.Namespace, summary: Any, validity: str, err: TextIO) -> int:
    """Print what the batch did, loudly when nothing could be scored; return the exit status."""
    where = "standard output" if args.output == "-" else args.output
    print(f"stalkrisk batch: {summary}; written to {where}", file=err)
    print(f"Validity: {validity.rstrip('.')}. {DECISION_SUPPORT_NOTICE}", file=err)
    if summary.total and summary.invalid == summary.total:
        print(
            f"stalkrisk batch: WARNING: every one of the {summary.total:,} records is invalid, "
            "so nothing was scored: is this a file of cases? The error of each record is in its "
            "row. (Exit status 1; --fail-on-error exits 1 whenever any record is invalid.)",
            file=err,
        )
        return EXIT_INVALID
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
    _check_outputs([args.output], [args.input, args.instrument, args.model], first_to_stdout=True)
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


def _keys(args: argparse.Namespace, out: TextIO) -> int:
    """Write a new signing key pair; never over an existing file."""
    try:
        from stalkrisk.signing import SigningKey  # noqa: PLC0415 - the [sign] extra
    except ImportError as exc:
        raise _UsageError(str(exc)) from None
    _check_outputs([args.private, args.public], [])
    for path in (args.private, args.public):
        if Path(path).exists():
            raise _UsageError(f"{path} exists already; a key file is never overwritten")
    key = SigningKey.generate()
    try:
        key.save(args.private, args.public, passphrase=_passphrase(args.passphrase_env))
    except OSError as exc:
        raise _UsageError(f"cannot write the key files: {exc.strerror or exc}") from None
    print(f"wrote {args.private} (private: keep it secret, mode 0600) and {args.public}", file=out)
    print(f"key id: {key.key_id}", file=out)
    return EXIT_OK


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
    verify_cmd.add_argument("record", metavar="RECORD", help="the audit record (JSON)")
    verify_cmd.add_argument("case", metavar="CASE", help="the case (or answers) it records")
    verify_cmd.add_argument(
        "--instrument", help="instrument to re-score with (default: the record's, bundled)"
    )
    verify_cmd.add_argument(
        "--public-key",
        metavar="KEY.pub.pem",
        help="the signing service's public key: also check the record's signature ([sign] extra)",
    )


def _add_validate_parser(sub: Any) -> None:
    validate = sub.add_parser("validate", help="check case files against the schema")
    validate.add_argument("files", nargs="+", metavar="FILE")
    shown = validate.add_mutually_exclusive_group()
    shown.add_argument(
        "--canonical",
        action="store_true",
        help="print each case's canonical JSON (RFC 8785), from which its input hash is made",
    )
    shown.add_argument(
        "--hash",
        action="store_true",
        help="print each case's input sha256 (as an audit record names it), then its file",
    )


def _add_signing_arguments(cmd: Any) -> None:
    cmd.add_argument(
        "--sign-key",
        metavar="KEY.pem",
        help="sign the audit record with this Ed25519 private key ([sign] extra)",
    )
    cmd.add_argument(
        "--passphrase-env",
        metavar="VAR",
        help="the environment variable holding the private key's passphrase",
    )


def _add_keys_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="make a key pair to sign audit records ([sign] extra)")
    keys_sub = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = keys_sub.add_parser(
        "new", help="write a new Ed25519 private key (mode 0600) and its public key"
    )
    new.add_argument("--private", required=True, metavar="KEY.pem", help="the private key file")
    new.add_argument(
        "--public", required=True, metavar="KEY.pub.pem", help="the public key file, to share"
    )
    new.add_argument(
        "--passphrase-env",
        metavar="VAR",
        help="encrypt the private key with the passphrase in this environment variable",
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
    _add_signing_arguments(report)


def _seed(text: str) -> int:
    """Read a random seed: a whole number from 0 to 2**32 - 1 (an argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a seed is a whole number from 0 to 4294967295") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError("a seed is a whole number from 0 to 4294967295")
    return value


def _positive_number(text: str) -> float:
    """Read a finite number greater than 0 (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a finite number greater than 0 is expected") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("a finite number greater than 0 is expected")
    return value


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
    _add_signing_arguments(score)

    _add_batch_parser(sub, instrument_help)

    _add_verify_parser(sub)

    _add_report_parser(sub, instrument_help)

    _add_validate_parser(sub)

    fit = sub.add_parser("fit", help="fit a logistic model to outcome data (needs [ml])")
    fit.add_argument("data", metavar="DATA", help="JSONL of cases with an outcome field, or CSV")
    fit.add_argument("--outcome", required=True, metavar="COLUMN")
    fit.add_argument("-o", "--output", required=True, metavar="MODEL.json")
    fit.add_argument("--factors", help="comma-separated factors to use (default: all)")
    fit.add_argument(
        "--C", type=_positive_number, default=1.0, help="inverse regularisation (default 1)"
    )
    fit.add_argument("--calibration", choices=("none", "sigmoid"), default="none")
    fit.add_argument("--cut-points", default="0.2,0.5", help="band cut-points (probabilities)")
    fit.add_argument(
        "--seed", type=_seed, default=0, help="random seed, 0 to 4294967295 (default 0)"
    )

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
    evaluate.add_argument(
        "--seed", type=_seed, default=0, help="bootstrap seed, 0 to 4294967295 (default 0)"
    )

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
    _add_keys_parser(sub)
    return parser


class _Stopped(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, so that cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


@contextlib.contextmanager
def _signals_stop_cleanly() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception while a command runs (then restore them).

    A temporary output file is then deleted, as on Ctrl-C, instead of being left behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {signum: signal.getsignal(signum) for signum in wanted}
    for signum in wanted:
        signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOPPED: Final = (
    "stalkrisk: {what}: stopped; no output file was written or changed (anything already "
    "printed to standard output is incomplete)"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Examples
    --------
    >>> main(["instruments", "list"])  # doctest: +ELLIPSIS
    ogrs3 ...
    stalkrisk-screen     1.0.0    illustrative       stalkrisk screen  (default)
    0
    """
    stdin = sys.stdin
    out, err = cast(TextIO, SafeText(sys.stdout)), cast(TextIO, SafeText(sys.stderr))
    try:
        with _signals_stop_cleanly():
            return _main(argv, stdin, out, err)
    except KeyboardInterrupt:
        print(_STOPPED.format(what="interrupted"), file=err)
        return EXIT_INTERRUPTED
    except _Stopped as stopped:
        name = signal.Signals(stopped.signum).name
        print(_STOPPED.format(what=f"{name} received"), file=err)
        return 128 + stopped.signum


def _main(argv: Sequence[str] | None, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help/--version
        return int(exc.code or 0)
    commands: dict[str, Callable[[], int]] = {
        "demo": lambda: _demo(args, out),
        "score": lambda: _score(args, stdin, out, err),
        "batch": lambda: _batch(args, stdin, out, err),
        "validate": lambda: _validate(args, stdin, out, err),
        "fit": lambda: _fit(args, out, err),
        "evaluate": lambda: _evaluate(args, out, err),
        "verify": lambda: _verify(args, stdin, out, err),
        "report": lambda: _report(args, stdin, out, err),
        "schema": lambda: _schema(args, out),
        "factors": lambda: _factors(args, out),
        "instruments": lambda: _instruments(args, out),
        "keys": lambda: _keys(args, out),
    }
    try:
        return commands[args.command]()
    except _UsageError as exc:
        print(f"stalkrisk: error: {exc}", file=err)
        return EXIT_USAGE
    except (InstrumentError, CaseFileError, ModelFileError, KeyFileError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `stalkrisk factors | head`
        sys.stderr.close()
        return EXIT_OK


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    out.write(SCHEMAS[args.what]())
    return EXIT_OK
