"""Every command, option and help text of ``stalkrisk``; light, so ``--help`` starts at once.

Each command names its handler as ``module:function`` (:class:`Handler`); the module is
imported only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import math
from dataclasses import dataclass
from typing import Any

from stalkrisk._internal.defaults import DEFAULT_INSTRUMENT, SCHEMA_NAMES
from stalkrisk._version import __version__
from stalkrisk.cli._base import Streams

__all__ = ["Handler", "build_parser"]

_INSTRUMENT_HELP = (
    f"bundled instrument id or path to a .toml/.json file (default {DEFAULT_INSTRUMENT})"
)


@dataclass(frozen=True)
class Handler:
    """A command's function, named by module and function, imported when it is called."""

    module: str
    """The module, within :mod:`stalkrisk.cli` (``"_cases"``)."""
    function: str
    """The function in it, called with the parsed arguments and the streams."""

    def __call__(self, args: argparse.Namespace, streams: Streams) -> int:
        module = importlib.import_module(f"stalkrisk.cli.{self.module}")
        return int(getattr(module, self.function)(args, streams))

    def __repr__(self) -> str:
        return f"Handler(stalkrisk.cli.{self.module}:{self.function})"


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


def _command(sub: Any, name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
    """Add a command: its one-line help is shown by ``stalkrisk --help`` and atop its own."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(func=handler)
    return parser


def _add_signing_arguments(cmd: argparse.ArgumentParser) -> None:
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


def _add_case_commands(sub: Any) -> None:
    demo = _command(
        sub, "demo", Handler("_cases", "demo"), "score the bundled example cases and explain them"
    )
    demo.add_argument("--full", action="store_true", help="print the full report for every case")
    demo.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=_INSTRUMENT_HELP)

    score = _command(
        sub,
        "score",
        Handler("_cases", "score"),
        "score case files with an instrument (or a fitted model) and explain every point",
    )
    score.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="case files: a JSON object or an array of them (- reads standard input)",
    )
    score.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): the explanation; json: the assessments",
    )
    score.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=_INSTRUMENT_HELP)
    score.add_argument(
        "--record", metavar="OUT.json", help="also write a verifiable audit record (one case)"
    )
    score.add_argument(
        "--model",
        metavar="MODEL.json",
        help="score with a fitted model (stalkrisk fit; [ml] extra) instead of an instrument",
    )
    score.add_argument(
        "--answers",
        action="store_true",
        help="the files hold direct answers to the instrument's questions, not cases",
    )
    _add_signing_arguments(score)

    validate = _command(
        sub, "validate", Handler("_cases", "validate"), "check case files against the schema"
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="case files to check (- reads standard input)"
    )
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

    report = _command(
        sub,
        "report",
        Handler("_cases", "report"),
        "write a report of one case for a bail hearing or a pre-sentence report",
    )
    report.add_argument("case", metavar="CASE", help="a case file (one JSON object; - for stdin)")
    report.add_argument(
        "--context",
        required=True,
        choices=("bail", "sentencing"),
        help=(
            "bail: under the Bail Act's grounds, with information relevant to conditions; "
            "sentencing: a pre-sentence report"
        ),
    )
    report.add_argument(
        "--format",
        choices=("text", "md", "html"),
        default="text",
        help="text (default), md (Markdown) or html (a self-contained page)",
    )
    report.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="where to write (default - stdout)"
    )
    report.add_argument("--instrument", default=DEFAULT_INSTRUMENT, help=_INSTRUMENT_HELP)
    report.add_argument(
        "--ogrs3", action="store_true", help="also show OGRS3 (general reoffending), if scorable"
    )
    report.add_argument(
        "--model",
        metavar="MODEL.json",
        help="also show a fitted model's probability beside the bands ([ml] extra); needs "
        "--model-outcome",
    )
    report.add_argument(
        "--model-outcome",
        metavar="TEXT",
        help="what the model predicts, in words, e.g. 'continued stalking within 12 months'",
    )
    report.add_argument(
        "--record", metavar="OUT.json", help="also write an audit record; the report shows its hash"
    )
    report.add_argument(
        "--no-charts", action="store_true", help="leave the contribution charts out of HTML"
    )
    report.add_argument(
        "--judgement",
        metavar="JUDGEMENT.json",
        help="the practitioner's structured judgement of this case (stalkrisk schema judgement)",
    )
    report.add_argument(
        "--earlier",
        metavar="FILE",
        help="an earlier assessment of the same case (an audit record, or a case file scored "
        "with --instrument): the report shows what has changed since",
    )
    report.add_argument(
        "--earlier-judgement",
        metavar="JUDGEMENT.json",
        help="the judgement made at the earlier assessment (with --earlier): changes are listed",
    )
    report.add_argument(
        "--complete",
        action="store_true",
        help="mark the report complete; refused (exit 1) unless every multi-agency check is "
        "recorded, even as not made",
    )
    _add_signing_arguments(report)


def _add_compare_command(sub: Any) -> None:
    compare = _command(
        sub,
        "compare",
        Handler("_compare", "compare"),
        "say what changed between two assessments of one case (bands, items, red flags, facts)",
    )
    for name, when in (("before", "earlier"), ("after", "later")):
        compare.add_argument(
            name,
            metavar=name.upper(),
            help=f"the {when} assessment: a case file (scored with --instrument) or an audit "
            "record (JSON; - reads standard input)",
        )
    compare.add_argument(
        "--instrument", default=DEFAULT_INSTRUMENT, help=f"for case files: {_INSTRUMENT_HELP}"
    )
    compare.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): one line per change; json: the changes",
    )


def _add_batch_command(sub: Any) -> None:
    batch = _command(
        sub,
        "batch",
        Handler("_batch", "batch"),
        "score a JSONL, JSON, CSV, Parquet or Arrow file of cases: one output row per record",
    )
    batch.add_argument(
        "input",
        metavar="IN",
        help="cases: .jsonl/.ndjson (one per line), .json (an array), .csv, .parquet/.pq or "
        ".arrow/.feather/.arrows ([frames] extra); - reads JSONL",
    )
    batch.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the rows: .jsonl, .csv or .parquet (- stdout, not Parquet)",
    )
    batch.add_argument("--instrument", help=_INSTRUMENT_HELP)
    batch.add_argument(
        "--model",
        metavar="MODEL.json",
        help="score with a saved logistic model (saved with its case encoder; [ml] extra) "
        "instead of an instrument",
    )
    batch.add_argument(
        "--format",
        choices=("jsonl", "csv", "parquet"),
        help="output format (default: from OUT's suffix)",
    )
    batch.add_argument(
        "--fail-on-error", action="store_true", help="exit 1 when any record is invalid"
    )
    batch.add_argument(
        "--quiet", action="store_true", help="no progress bar (it is shown only on a terminal)"
    )


def _add_audit_commands(sub: Any) -> None:
    verify = _command(
        sub,
        "verify",
        Handler("_audit", "verify"),
        "re-score a case and compare it with an audit record (and check its signature)",
    )
    verify.add_argument("record", metavar="RECORD", help="the audit record (JSON)")
    verify.add_argument("case", metavar="CASE", help="the case (or answers) it records")
    verify.add_argument(
        "--instrument", help="instrument to re-score with (default: the record's, bundled)"
    )
    verify.add_argument(
        "--public-key",
        metavar="KEY.pub.pem",
        help="the signing service's public key: also check the record's signature ([sign] extra)",
    )

    keys = _command(
        sub, "keys", Handler("_audit", "keys"), "make a key pair to sign audit records ([sign])"
    )
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="write a new Ed25519 private key (mode 0600) and its public key",
        description="write a new Ed25519 private key (mode 0600) and its public key",
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


def _add_model_commands(sub: Any) -> None:
    fit = _command(
        sub, "fit", Handler("_models", "fit"), "fit a logistic model to outcome data ([ml] extra)"
    )
    fit.add_argument("data", metavar="DATA", help="JSONL of cases with an outcome field, or CSV")
    fit.add_argument(
        "--outcome", required=True, metavar="COLUMN", help="the field or column of the outcome"
    )
    fit.add_argument(
        "-o", "--output", required=True, metavar="MODEL.json", help="where to save the model"
    )
    fit.add_argument("--factors", help="comma-separated factors to use (default: all)")
    fit.add_argument(
        "--C", type=_positive_number, default=1.0, help="inverse regularisation (default 1)"
    )
    fit.add_argument(
        "--calibration",
        choices=("none", "sigmoid"),
        default="none",
        help="sigmoid: recalibrate with cross-validated predictions (default none)",
    )
    fit.add_argument(
        "--cut-points",
        default="0.2,0.5",
        help="band cut-points: probabilities separated by commas (default 0.2,0.5)",
    )
    fit.add_argument(
        "--seed", type=_seed, default=0, help="random seed, 0 to 4294967295 (default 0)"
    )

    evaluate = _command(
        sub,
        "evaluate",
        Handler("_models", "evaluate"),
        "discrimination, calibration and a fairness audit on outcome data ([ml] extra)",
    )
    evaluate.add_argument(
        "model_or_instrument",
        metavar="MODEL_OR_INSTRUMENT",
        help="a model file (stalkrisk fit), a bundled instrument id or an instrument file",
    )
    evaluate.add_argument(
        "data", metavar="DATA", help="JSONL of cases with an outcome field, or CSV"
    )
    evaluate.add_argument(
        "--outcome", required=True, metavar="COLUMN", help="the field or column of the outcome"
    )
    evaluate.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="COLUMN",
        help="audit by this group (repeatable); groups are never scoring inputs",
    )
    evaluate.add_argument("--scale", help="the instrument's scale to evaluate (default: first)")
    evaluate.add_argument(
        "--rank-by",
        choices=("total", "band"),
        default="total",
        help="what the AUC ranks: total (default; a model's probability) or band (the band "
        "the court sees, after red flags, then the total within a band)",
    )
    evaluate.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json (every figure, for other tools)",
    )
    evaluate.add_argument(
        "--seed", type=_seed, default=0, help="bootstrap seed, 0 to 4294967295 (default 0)"
    )


def _add_reference_commands(sub: Any) -> None:
    schema = _command(
        sub, "schema", Handler("_reference", "schema"), "print a JSON Schema (draft 2020-12)"
    )
    schema.add_argument(
        "what",
        nargs="?",
        choices=SCHEMA_NAMES,
        default="case",
        help=(
            "case (default), record (audit record), instrument (instrument file) or judgement "
            "(a practitioner's structured judgement)"
        ),
    )
    factors = _command(
        sub,
        "factors",
        Handler("_reference", "factors"),
        "list the registered factors and their definitions",
    )
    factors.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text (default) or markdown (the page docs/factors.md)",
    )

    instruments = _command(
        sub,
        "instruments",
        Handler("_reference", "instruments"),
        "list, show or check instruments",
    )
    actions = instruments.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (
        ("list", "list the bundled instruments"),
        ("show", "show an instrument's items, scales, bands and rules"),
        ("check", "validate your own instrument file and list every problem"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        if name == "show":
            action.add_argument(
                "instrument_id",
                metavar="ID_OR_PATH",
                help="a bundled instrument id or an instrument file",
            )
            action.add_argument(
                "--format",
                choices=("text", "json"),
                default="text",
                help="text (default) or json (the validated instrument)",
            )
        elif name == "check":
            action.add_argument("path", metavar="FILE", help="the instrument file (.toml or .json)")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every ``stalkrisk`` command (each has ``func``, its handler).

    Examples
    --------
    >>> args = build_parser().parse_args(["score", "case.json"])
    >>> args.func, args.instrument
    (Handler(stalkrisk.cli._cases:score), 'stalkrisk-screen')
    """
    parser = argparse.ArgumentParser(
        prog="stalkrisk",
        description="Transparent risk assessment for stalking cases. Supports a professional's "
        "judgement; it does not make decisions.",
    )
    parser.add_argument("--version", action="version", version=f"stalkrisk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_case_commands(sub)
    _add_compare_command(sub)
    _add_batch_command(sub)
    _add_audit_commands(sub)
    _add_model_commands(sub)
    _add_reference_commands(sub)
    return parser
