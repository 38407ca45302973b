"""The model commands (the ``[ml]`` extra): ``fit``, ``evaluate`` and ``score --model``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stalkrisk.assessment import DECISION_SUPPORT_NOTICE, LOCALLY_FITTED_STATEMENT
from stalkrisk.cli._base import EXIT_INVALID, EXIT_OK, Streams, UsageError
from stalkrisk.cli._common import check_outputs, instrument, load_cases, model_api, print_problems
from stalkrisk.errors import ModelFileError

__all__ = ["evaluate", "fit", "score_with_model"]


def _data_problems(data: Any, path: str, streams: Streams, what: str) -> int | None:
    """Print a data set's problems and return the exit status, or ``None`` if there are none."""
    if not data.problems:
        return None
    print_problems(data.problems, streams.err)
    whole = [where for where, _ in data.problems if where == path]
    if whole:  # a problem of the whole file (a missing field): no count of records
        print(f"error: {path} cannot be used as it is; {what}", file=streams.err)
    else:
        records = len({where for where, _ in data.problems})
        print(f"error: {records} record(s) could not be read; {what}", file=streams.err)
    return EXIT_INVALID


def _factors(text: str | None, api: Any) -> list[str] | None:
    """Return the ``--factors`` named (``None``: all), refusing unknown ones before any data."""
    if text is None:
        return None
    factors = [f.strip() for f in text.split(",") if f.strip()]
    if not factors:
        raise UsageError("--factors names no factor; give factor names separated by commas")
    try:
        api.CaseEncoder(factors=factors).fit([])
    except ValueError as exc:
        raise UsageError(f"--factors: {exc}") from None
    return factors


def fit(args: argparse.Namespace, streams: Streams) -> int:
    """Fit a logistic model to outcome data and save it with its case encoder."""
    out = streams.out
    api = model_api()
    check_outputs([args.output], [args.data])
    try:
        cuts = api.parse_cut_points(args.cut_points)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    factors = _factors(args.factors, api)
    data = api.read_dataset(args.data, args.outcome)
    status = _data_problems(data, args.data, streams, "no model was fitted")
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
        print(f"error: {args.data}: {exc}", file=streams.err)
        return EXIT_INVALID
    try:
        api.save_model(
            model, args.output, encoder=encoder, feature_names=data.feature_names or None
        )
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
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


def evaluate(args: argparse.Namespace, streams: Streams) -> int:
    """Evaluate a model or an instrument on outcome data (``--rank-by``: total or band)."""
    api = model_api()
    data = api.read_dataset(args.data, args.outcome, args.group)
    status = _data_problems(data, args.data, streams, "nothing was evaluated")
    if status is not None:
        return status
    groups = data.groups or None
    if api.is_model_file(args.model_or_instrument):
        try:
            model = api.load_model(args.model_or_instrument)
        except ModelFileError as exc:
            print(f"error: {exc}", file=streams.err)
            return EXIT_INVALID
        encoder = getattr(model, "encoder_", None)
        if data.cases is not None:
            if encoder is None:
                raise UsageError("this model was fitted on a table of numbers; give it a CSV")
            features = encoder.transform(data.cases)
        else:
            features = data.X
        if args.rank_by == "band" and not getattr(model, "cut_points", None):
            raise UsageError("--rank-by band: this model has no cut-points, so no bands")
        report = api.evaluate(
            model, features, data.y, groups, random_state=args.seed, rank_by=args.rank_by
        )
    else:
        if data.cases is None:
            raise UsageError("an instrument is evaluated on cases: give JSONL of cases")
        inst = instrument(args.model_or_instrument)
        if args.scale is not None and args.scale not in {sc.id for sc in inst.scales}:
            scales = ", ".join(sc.id for sc in inst.scales)
            raise UsageError(f"--scale: {inst.id} has no such scale; its scales: {scales}")
        report = api.evaluate(
            inst,
            data.cases,
            data.y,
            groups,
            scale=args.scale,
            random_state=args.seed,
            rank_by=args.rank_by,
        )
    if args.format == "json":
        streams.out.write(report.to_json() + "\n")
    else:
        print(report, file=streams.out)
    return EXIT_OK


def score_with_model(args: argparse.Namespace, streams: Streams) -> int:
    """Score case files with a fitted model (``score --model``), by ``stalkrisk.model``."""
    out = streams.out
    api = model_api()
    try:
        model = api.CaseModel.load(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=streams.err)
        return EXIT_INVALID
    except ValueError:
        raise UsageError(
            f"{args.model} was fitted on a table of numbers, not on cases; it cannot score cases"
        ) from None
    records, failures = load_cases(args.files, streams)
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
