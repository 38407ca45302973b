"""What the commands share: reading case files, writing outputs whole, instruments and keys."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, TextIO

from pydantic import BaseModel, ValidationError

from stalkrisk._internal import documents, intake
from stalkrisk._internal.files import atomic_output, atomic_write, same_files
from stalkrisk.audit import AssessmentRecord
from stalkrisk.cli._base import Streams, UsageError
from stalkrisk.errors import CaseFileError, UnknownInstrumentError
from stalkrisk.instruments import Instrument, bundled_instruments, load_instrument
from stalkrisk.schemas import Case

__all__ = [
    "MAX_CASE_FILE_BYTES",
    "Labelled",
    "check_outputs",
    "instrument",
    "issue_lines",
    "load_cases",
    "model_api",
    "one_case",
    "print_problems",
    "read_text",
    "signing_key",
    "write_output",
    "write_outputs",
    "write_record",
]

#: The largest file ``score``, ``validate``, ``report`` and ``verify`` read (a case, a JSON
#: array of cases, answers or a record). Larger inputs belong to ``stalkrisk batch``, which
#: streams them record by record.
MAX_CASE_FILE_BYTES: Final = 8 * 1024 * 1024
_LARGER: Final = "; score larger files with stalkrisk batch, which reads them record by record"
_MAX_PROBLEMS_SHOWN: Final = 20


# --- reading case files ---------------------------------------------------------------------


def _too_large() -> str:
    return documents.TOO_LARGE.format(limit=MAX_CASE_FILE_BYTES, what="an input", hint=_LARGER)


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


def read_text(name: str, stdin: TextIO) -> str:
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
    """Return ``(label, data)`` for each record in a file: a JSON object, or an array of them.

    Strict JSON (:mod:`stalkrisk._internal.documents`), bounded size, and an empty array is
    an error, not "0 cases".
    """
    label = "<stdin>" if name == "-" else name
    text = read_text(name, stdin)
    try:
        data = documents.parse_json(text, known_keys=intake.DOCUMENT_KEYS)
    except documents.DocumentError as exc:
        raise CaseFileError(f"{label}: {exc.message}") from None
    if isinstance(data, list):
        if not data:
            raise CaseFileError(f"{label}: holds no cases (an empty JSON array)")
        return [(f"{label}[{i}]", item) for i, item in enumerate(data)]
    return [(label, data)]


def issue_lines(label: str, issues: Sequence[intake.Issue] | ValidationError) -> list[str]:
    """Return one line per problem: ``label: field: rule`` (never the value)."""
    if isinstance(issues, ValidationError):
        issues = intake.issues_of(issues)
    lines = []
    for issue in issues:
        # a record that is not an object, or text that is not JSON, holds its own place
        whole = issue.type in ("not_object", "json_invalid") and issue.field == "(top level)"
        lines.append(
            f"{label}: {issue.message}" if whole else f"{label}: {issue.field}: {issue.message}"
        )
    return lines


class Labelled(NamedTuple):
    """A validated record and where it came from (``file``, ``file[2]`` or ``<stdin>``)."""

    label: str
    record: Any


def load_cases(
    files: Sequence[str], streams: Streams, model: type[BaseModel] = Case
) -> tuple[list[Labelled], int]:
    """Validate every record in ``files`` as ``model`` (a case, or item answers), with its label.

    Every record goes through :func:`stalkrisk._internal.intake.validate_record`, the funnel
    the batch readers and ``read_dataset`` use too. Problems are printed on standard error;
    returns the valid records and the number of failures.
    """
    cases: list[Labelled] = []
    failures = 0
    for name in files:
        try:
            records = _records(name, streams.stdin)
        except CaseFileError as exc:
            print(f"error: {exc}", file=streams.err)
            failures += 1
            continue
        for label, data in records:
            checked = intake.validate_record(data, model)
            if isinstance(checked, intake.Rejected):
                for line in issue_lines(label, checked.issues):
                    print(f"error: {line}", file=streams.err)
                failures += 1
            else:
                cases.append(Labelled(label, checked))
    return cases, failures


def one_case(name: str, streams: Streams) -> Case | None:
    """Return the one valid case of a file, or ``None`` after printing why there is not one."""
    cases, failures = load_cases([name], streams)
    if failures:
        return None
    if len(cases) != 1:
        print(f"error: {name}: holds {len(cases)} cases; give one case", file=streams.err)
        return None
    case: Case = cases[0].record
    return case


def print_problems(problems: Sequence[tuple[str, str]], err: TextIO) -> None:
    """Print ``(where, message)`` problems, at most 20, then how many more there are."""
    for where, message in problems[:_MAX_PROBLEMS_SHOWN]:
        print(f"error: {where}: {message}", file=err)
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        print(f"error: ... and {len(problems) - _MAX_PROBLEMS_SHOWN} more problems", file=err)


def instrument(source: str) -> Instrument:
    """Load an instrument; an id that is not bundled is a usage error."""
    try:
        return load_instrument(source)
    except UnknownInstrumentError as exc:
        raise UsageError(str(exc)) from None


def model_api() -> Any:
    """Return :mod:`stalkrisk.model`; without the ``[ml]`` extra, a usage error saying so."""
    try:
        import stalkrisk.model as api  # noqa: PLC0415 - the [ml] extra is optional
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return api


# --- writing files: whole or not at all, and never over an input ------------------------------


def _is_file_source(source: str | None) -> bool:
    return source is not None and source != "-" and source not in bundled_instruments()


def check_outputs(
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
            raise UsageError("- is not a file here: give the output a file name")
        if Path(output).is_dir():
            raise UsageError(f"cannot write {output}: is a folder")
        if same_files(output, written) is not None:
            raise UsageError(f"{output} is given for two outputs; give each its own file")
        hit = same_files(output, sources)
        if hit is not None:
            what = "standard input" if hit == 0 else f"the input {hit}"
            raise UsageError(
                f"{output} is {what}; stalkrisk never writes over its own input: give "
                "another output file"
            )
        written.append(output)


def write_output(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole (a temporary file renamed into place)."""
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_outputs(texts: dict[str, str]) -> None:
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
        raise UsageError(f"cannot write {where}: {exc.strerror or exc}") from None


# --- signing ----------------------------------------------------------------------------------


def passphrase(variable: str | None) -> bytes | None:
    """Return the passphrase held by an environment variable (``--passphrase-env``)."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise UsageError(f"the environment variable {variable} (--passphrase-env) is not set")
    if not value:
        raise UsageError(
            f"the environment variable {variable} (--passphrase-env) is empty; a key is not "
            "encrypted with an empty passphrase (leave out --passphrase-env for no passphrase)"
        )
    return value.encode("utf-8")


def signing_key(args: argparse.Namespace) -> Any:
    """Return the key of ``--sign-key`` (the ``[sign]`` extra), or ``None``."""
    if getattr(args, "sign_key", None) is None:
        return None
    if getattr(args, "record", None) is None:
        raise UsageError("--sign-key signs the audit record: add --record OUT.json")
    try:
        from stalkrisk.signing import SigningKey  # noqa: PLC0415 - the [sign] extra

        return SigningKey.load(args.sign_key, passphrase(args.passphrase_env))
    except ImportError as exc:
        raise UsageError(str(exc)) from None


def write_record(path: str, record: AssessmentRecord, key: Any) -> None:
    """Write an audit record, signed first when there is a key."""
    write_output(path, (record.signed(key) if key is not None else record).to_json())
