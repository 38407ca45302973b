"""The audit commands: ``verify`` (re-score and compare a record) and ``keys new``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stalkrisk.audit import AssessmentRecord
from stalkrisk.audit import verify as verify_record
from stalkrisk.cli._base import EXIT_INVALID, EXIT_OK, Streams, UsageError
from stalkrisk.cli._common import (
    check_outputs,
    instrument,
    issue_lines,
    load_cases,
    passphrase,
    read_text,
)
from stalkrisk.errors import CaseFileError
from stalkrisk.schemas import Case, ItemAnswers

__all__ = ["keys", "verify"]


def _public_key(path: str | None) -> Any:
    if path is None:
        return None
    try:
        from stalkrisk.signing import PublicKey  # noqa: PLC0415 - the [sign] extra
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return PublicKey.load(path)


def verify(args: argparse.Namespace, streams: Streams) -> int:
    """Re-score the case an audit record names and list every difference (and the signature)."""
    out, err = streams.out, streams.err
    if args.record == "-" and args.case == "-":
        raise UsageError("the record and the case cannot both be read from standard input")
    public_key = _public_key(args.public_key)
    label = "<stdin>" if args.record == "-" else args.record
    try:
        record = AssessmentRecord.model_validate_json(read_text(args.record, streams.stdin))
    except CaseFileError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValidationError as exc:
        for line in issue_lines(label, exc):
            print(f"error: {line}", file=err)
        return EXIT_INVALID
    model = ItemAnswers if record.assessment.input_kind == "answers" else Case
    cases, failures = load_cases([args.case], streams, model)
    if failures:
        return EXIT_INVALID
    if len(cases) != 1:
        print(f"error: {args.case}: holds {len(cases)} cases; give the one case assessed", file=err)
        return EXIT_INVALID
    inst = instrument(args.instrument) if args.instrument else None
    differences = verify_record(record, cases[0].record, inst, public_key=public_key)
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


def keys(args: argparse.Namespace, streams: Streams) -> int:
    """Write a new signing key pair; never over an existing file."""
    try:
        from stalkrisk.signing import SigningKey  # noqa: PLC0415 - the [sign] extra
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    check_outputs([args.private, args.public], [])
    for path in (args.private, args.public):
        if Path(path).exists():
            raise UsageError(f"{path} exists already; a key file is never overwritten")
    key = SigningKey.generate()
    try:
        key.save(args.private, args.public, passphrase=passphrase(args.passphrase_env))
    except OSError as exc:
        raise UsageError(f"cannot write the key files: {exc.strerror or exc}") from None
    print(
        f"wrote {args.private} (private: keep it secret, mode 0600) and {args.public}",
        file=streams.out,
    )
    print(f"key id: {key.key_id}", file=streams.out)
    return EXIT_OK
