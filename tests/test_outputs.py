"""Nothing lost: every command writes its files whole or not at all, and never over an input.

The command line (``stalkrisk.cli``) and the writers of ``stalkrisk.batch`` and
``stalkrisk.synthetic`` all write through ``stalkrisk._internal.files``: a temporary file
``.NAME.*.stalkrisk-tmp`` beside the destination, renamed into place only when complete and
deleted on any error or interrupt. These tests cover the same-file guard of every writing
command, atomicity when an input or a writer fails part-way, real SIGINT / SIGTERM / SIGHUP
sent to a running ``stalkrisk batch``, and folders that do not exist.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import ipc

import stalkrisk
from stalkrisk import synthetic
from stalkrisk._internal.files import TEMP_SUFFIX, atomic_output, atomic_write
from stalkrisk.batch import BatchRow, flatten_case, score_many, write_csv, write_jsonl
from stalkrisk.batch import write_parquet as _write_parquet
from stalkrisk.cli import main
from stalkrisk.errors import CaseFileError

from .conftest import EXAMPLES, ROOT

INSTRUMENTS = ROOT / "tests" / "data" / "instruments"
GUARD = "stalkrisk never writes over its own input"

_SCRIPT = Path(sys.executable).with_name("stalkrisk")
#: The ``stalkrisk`` console script of this environment (``python -m stalkrisk`` without one).
STALKRISK = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "stalkrisk"]

#: How long a child may take to start working, or to stop once signalled (seconds).
CHILD_TIMEOUT = 60.0
#: How long to let a child run once its temporary file has appeared, before signalling it:
#: long enough to be past the creation of the temporary file (see
#: test_an_interrupt_right_after_the_temporary_file_is_made_leaves_nothing), far shorter
#: than the run.
SETTLE = 0.2


# --- helpers --------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


def snapshot(path: Path) -> tuple[bytes, int]:
    """Return a file's bytes and modification time (nanoseconds)."""
    return path.read_bytes(), path.stat().st_mtime_ns


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _default_signals() -> None:
    """In the child before exec: default SIGINT, SIGTERM and SIGHUP, whatever pytest inherited.

    A shell that starts pytest in the background may ignore SIGINT, and an ignored signal stays
    ignored across exec; Python then installs no KeyboardInterrupt handler in the child.
    """
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def start(argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a Ctrl-C at the terminal does not reach the child
        preexec_fn=_default_signals,  # noqa: PLW1509 - no thread of pytest holds a lock
    )


def wait_for_temporary(child: subprocess.Popen[bytes], folder: Path) -> Path:
    """Wait until ``child`` has made its temporary output file in ``folder``; return it."""
    deadline = time.monotonic() + CHILD_TIMEOUT
    while time.monotonic() < deadline:
        found = temporaries(folder)
        if found:
            return found[0]
        if child.poll() is not None:
            _, err = child.communicate()
            pytest.fail(f"the child ended ({child.returncode}) before writing: {err.decode()}")
        time.sleep(0.005)
    pytest.fail(f"no temporary file appeared in {CHILD_TIMEOUT} s")


def write_cases_csv(path: Path, cases: list[stalkrisk.Case]) -> None:
    rows = [flatten_case(c) for c in cases]
    columns = sorted({k for r in rows for k in r})
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def cases_table(cases: list[stalkrisk.Case]) -> Any:
    rows = [flatten_case(c) for c in cases]
    columns = sorted({k for r in rows for k in r})
    return pa.table({c: [r.get(c) for r in rows] for c in columns})


def example_cases() -> list[stalkrisk.Case]:
    return [stalkrisk.load_example(f"EX-0{i}") for i in range(1, 4)]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 synthetic cases as JSONL (seconds to score: far longer than a signal).

    2,000 cases from ``cohort``, each written 10 times under a fresh case id: as slow to score as
    20,000 distinct cases, and about ten times faster to make (under a second, not nine).
    """
    folder = tmp_path_factory.mktemp("big")
    source = synthetic.cohort(2000, seed=0).write_jsonl(folder / "distinct.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()
    distinct = [(line, json.loads(line)["case"]["case_id"]) for line in lines]
    path = folder / "big.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for copy in range(10):
            for line, case_id in distinct:
                fresh = f'"case_id": "{case_id}-{copy}"'
                out.write(line.replace(f'"case_id": "{case_id}"', fresh, 1) + "\n")
    source.unlink()
    return path


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    data = synthetic.cohort(200, seed=1).write_jsonl(folder / "data.jsonl")
    model = folder / "model.json"
    assert main(["fit", str(data), "--outcome", "outcome", "-o", str(model)]) == 0
    return model


@pytest.fixture(scope="module")
def cut_arrow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Arrow stream of 1,800 cases cut short: it fails after more than 1,000 good records."""
    path = tmp_path_factory.mktemp("arrow") / "cut.arrows"
    table = cases_table(example_cases())
    with path.open("wb") as f, ipc.new_stream(f, table.schema) as writer:
        for _ in range(600):
            writer.write_table(table)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 4 // 5])
    return path


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    source = next(EXAMPLES.glob("EX-01-*.json"))
    return Path(shutil.copy(source, tmp_path / "case.json"))


@pytest.fixture
def inputs(tmp_path: Path, case_file: Path, model_file: Path) -> dict[str, Path]:
    """Every kind of input a writing command reads, in ``tmp_path``."""
    cases = example_cases()
    folder = tmp_path
    write_cases_csv(folder / "cases.csv", cases)
    pq.write_table(cases_table(cases), folder / "cases.parquet")
    return {
        "case": case_file,
        "cases_jsonl": synthetic.cohort(5, seed=2).write_jsonl(folder / "cases.jsonl"),
        "cases_csv": folder / "cases.csv",
        "cases_parquet": folder / "cases.parquet",
        "data": synthetic.cohort(60, seed=3).write_jsonl(folder / "data.jsonl"),
        "inst": Path(shutil.copy(INSTRUMENTS / "minimal.json", folder / "inst.json")),
        "model": Path(shutil.copy(model_file, folder / "m.json")),
    }


def test_the_inputs_are_usable(capsys: pytest.CaptureFixture[str], inputs: dict[str, Path]) -> None:
    """The guard tests' inputs are real: scored, they would give output files."""
    for name in ("cases_jsonl", "cases_csv", "cases_parquet"):
        code, _, err = run(capsys, "batch", inputs[name], "-o", inputs["case"].parent / "ok.jsonl")
        assert code == 0, err
    code, _, err = run(capsys, "score", "--instrument", inputs["inst"], inputs["case"])
    assert code == 0, err
    out = inputs["case"].parent / "model-rows.jsonl"
    code, _, err = run(
        capsys, "batch", inputs["cases_jsonl"], "--model", inputs["model"], "-o", out
    )
    assert code == 0, err


# --- (1) the same-file guard ----------------------------------------------------------------


def _link(kind: str, source: Path, link: Path) -> Path:
    if kind == "same":
        return source
    if kind == "hard":
        os.link(source, link)
    else:
        link.symlink_to(source)
    return link


@pytest.mark.parametrize("kind", ["same", "hard", "symlink"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_batch_never_writes_over_its_input(
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, Path],
    tmp_path: Path,
    suffix: str,
    kind: str,
) -> None:
    source = inputs[f"cases_{suffix[1:]}"]
    output = _link(kind, source, tmp_path / f"out{suffix}")
    before, names = snapshot(source), listing(tmp_path)
    code, out, err = run(capsys, "batch", source, "-o", output)
    assert code == 2
    assert GUARD in err
    assert f"{output} is the input {source}" in err
    assert "Traceback" not in err
    assert out == ""
    assert snapshot(source) == before
    assert listing(tmp_path) == names  # no output, no temporary file
    if kind == "hard":
        assert source.stat().st_nlink == 2
    if kind == "symlink":
        assert output.is_symlink()
        assert output.resolve() == source.resolve()


def test_batch_never_writes_over_standard_input_redirected_from_the_output(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    target = inputs["cases_jsonl"]
    before, names = snapshot(target), listing(tmp_path)
    with target.open("rb") as stdin:
        done = subprocess.run(
            [*STALKRISK, "batch", "-", "-o", str(target)],
            stdin=stdin,
            capture_output=True,
            check=False,
            timeout=CHILD_TIMEOUT,
        )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert f"{target} is standard input" in err
    assert GUARD in err
    assert "Traceback" not in err
    assert snapshot(target) == before
    assert listing(tmp_path) == names


#: (id, argv with {placeholders} for the paths of ``inputs``, the files that must be unchanged,
#: the text the message must hold)
GUARDED_COMMANDS = [
    (
        "score-record-case",
        ["score", "--record", "{case}", "{case}"],
        ["case"],
        "{case} is the input {case}",
    ),
    (
        "report-output-case",
        ["report", "{case}", "--context", "bail", "-o", "{case}"],
        ["case"],
        "{case} is the input {case}",
    ),
    (
        "report-record-case",
        ["report", "{case}", "--context", "bail", "--record", "{case}"],
        ["case"],
        "{case} is the input {case}",
    ),
    (
        "fit-output-data",
        ["fit", "{data}", "--outcome", "outcome", "-o", "{data}"],
        ["data"],
        "{data} is the input {data}",
    ),
    (
        "score-record-instrument",
        ["score", "--instrument", "{inst}", "--record", "{inst}", "{case}"],
        ["inst", "case"],
        "{inst} is the input {inst}",
    ),
    (
        "batch-output-model",
        ["batch", "{cases_jsonl}", "--model", "{model}", "--format", "jsonl", "-o", "{model}"],
        ["model", "cases_jsonl"],
        "{model} is the input {model}",
    ),
    (
        "batch-output-instrument",
        ["batch", "{cases_jsonl}", "--instrument", "{inst}", "--format", "jsonl", "-o", "{inst}"],
        ["inst", "cases_jsonl"],
        "{inst} is the input {inst}",
    ),
]


@pytest.mark.parametrize(
    ("argv", "protected", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in GUARDED_COMMANDS],
)
def test_no_command_writes_over_its_input(
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, Path],
    tmp_path: Path,
    argv: list[str],
    protected: list[str],
    message: str,
) -> None:
    paths = {k: str(v) for k, v in inputs.items()}
    before = {k: snapshot(inputs[k]) for k in protected}
    names = listing(tmp_path)
    code, out, err = run(capsys, *(a.format_map(paths) for a in argv))
    assert code == 2
    assert message.format_map(paths) in err
    assert GUARD in err
    assert "Traceback" not in err
    assert out == ""
    assert {k: snapshot(inputs[k]) for k in protected} == before
    assert listing(tmp_path) == names


def test_batch_model_as_output_without_format_is_refused_too(
    capsys: pytest.CaptureFixture[str], inputs: dict[str, Path]
) -> None:
    """A .json OUT is refused (format unknown) before it could overwrite the model."""
    model = inputs["model"]
    before = snapshot(model)
    code, _, err = run(capsys, "batch", inputs["cases_jsonl"], "--model", model, "-o", model)
    assert code == 2
    assert model.name in err
    assert snapshot(model) == before


@pytest.mark.parametrize("kind", ["hard", "symlink"])
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["score", "--record", "{out}", "{case}"], id="score-record"),
        pytest.param(["report", "{case}", "--context", "bail", "-o", "{out}"], id="report-output"),
        pytest.param(
            ["report", "{case}", "--context", "sentencing", "--record", "{out}"],
            id="report-record",
        ),
    ],
)
def test_a_link_to_the_case_is_the_case(
    capsys: pytest.CaptureFixture[str],
    case_file: Path,
    tmp_path: Path,
    argv: list[str],
    kind: str,
) -> None:
    link = _link(kind, case_file, tmp_path / "link.json")
    before, names = snapshot(case_file), listing(tmp_path)
    code, out, err = run(capsys, *(a.format(out=link, case=case_file) for a in argv))
    assert code == 2
    assert f"{link} is the input {case_file}" in err
    assert out == ""
    assert snapshot(case_file) == before
    assert listing(tmp_path) == names


def test_fit_never_writes_over_a_hard_link_to_its_data(
    capsys: pytest.CaptureFixture[str], inputs: dict[str, Path], tmp_path: Path
) -> None:
    data = inputs["data"]
    link = _link("hard", data, tmp_path / "model.json")
    before = snapshot(data)
    code, _, err = run(capsys, "fit", data, "--outcome", "outcome", "-o", link)
    assert code == 2
    assert f"{link} is the input {data}" in err
    assert snapshot(data) == before


def test_report_never_writes_its_two_outputs_to_one_file(
    capsys: pytest.CaptureFixture[str], case_file: Path, tmp_path: Path
) -> None:
    both = tmp_path / "r.txt"
    before, names = snapshot(case_file), listing(tmp_path)
    code, out, err = run(
        capsys, "report", case_file, "--context", "bail", "-o", both, "--record", both
    )
    assert code == 2
    assert f"{both} is given for two outputs; give each its own file" in err
    assert out == ""
    assert not both.exists()
    assert snapshot(case_file) == before
    assert listing(tmp_path) == names


# --- (2) atomicity: a failed run leaves nothing, and an existing output as it was ------------


def test_the_cut_arrow_input_fails_part_way(cut_arrow: Path) -> None:
    """The input of the next test really fails after rows have been produced."""
    produced = 0
    with pytest.raises(CaseFileError, match="could not be read to the end"):  # noqa: PT012
        for _ in score_many(cut_arrow):
            produced += 1
    assert produced >= 1000  # a whole chunk (written to OUT's temporary file) before the error


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@pytest.mark.parametrize("problem", ["cut-arrow", "csv-header", "not-a-model"])
def test_a_failed_batch_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    cut_arrow: Path,
    inputs: dict[str, Path],
    problem: str,
    suffix: str,
    existing: bool,
) -> None:
    output = tmp_path / f"rows{suffix}"
    if existing:
        output.write_bytes(b"an earlier result\n")
        os.utime(output, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(output) if existing else None
    names = listing(tmp_path)
    if problem == "cut-arrow":
        argv: list[str | Path] = ["batch", cut_arrow, "-o", output]
        expected = f"nothing was written to {output}"
    elif problem == "csv-header":
        bad = tmp_path / "bad.csv"
        bad.write_text("case_id,case_id\nA,B\n", encoding="utf-8")
        names = listing(tmp_path)
        argv = ["batch", bad, "-o", output]
        expected = "the header row must name each column once"
    else:
        argv = ["batch", inputs["cases_jsonl"], "--model", inputs["case"], "-o", output]
        expected = "not a valid stalkrisk model file"
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert expected in err
    assert "Traceback" not in err
    assert temporaries(tmp_path) == []
    assert listing(tmp_path) == names
    if existing:
        assert snapshot(output) == before
    else:
        assert not output.exists()


def _write_parquet_by_row(rows: Any, destination: Any) -> Any:
    return _write_parquet(rows, destination, row_group_size=1)  # the first row is written


WRITERS: list[Callable[[Any, Any], Any]] = [write_jsonl, write_csv, _write_parquet_by_row]


def _one_row_then(exc: BaseException) -> Iterator[BatchRow]:
    yield from score_many([stalkrisk.load_example("EX-03")])
    raise exc


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
@pytest.mark.parametrize("writer", WRITERS, ids=["jsonl", "csv", "parquet"])
def test_a_writer_whose_rows_fail_part_way_leaves_nothing(
    tmp_path: Path,
    writer: Callable[[Any, Any], Any],
    exc: type[BaseException],
    existing: bool,
) -> None:
    path = tmp_path / "rows.out"
    if existing:
        path.write_bytes(b"an earlier result\n")
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(path) if existing else None
    with pytest.raises(exc, match="part-way"):
        writer(_one_row_then(exc("part-way")), path)
    assert temporaries(tmp_path) == []
    assert listing(tmp_path) == (["rows.out"] if existing else [])
    if existing:
        assert snapshot(path) == before


@pytest.mark.parametrize("writer", WRITERS, ids=["jsonl", "csv", "parquet"])
def test_a_writer_whose_rows_complete_writes_them(
    tmp_path: Path, writer: Callable[[Any, Any], Any]
) -> None:
    path = tmp_path / "rows.out"
    summary = writer(score_many(example_cases()), path)
    assert summary.total == 3
    assert path.stat().st_size > 0
    assert listing(tmp_path) == ["rows.out"]


def test_synthetic_write_jsonl_writes_the_whole_cohort(tmp_path: Path) -> None:
    data = synthetic.cohort(5, seed=4)
    path = data.write_jsonl(tmp_path / "cohort.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(data.to_records()))
    assert len(lines) == 5
    assert listing(tmp_path) == ["cohort.jsonl"]


def test_the_big_input_is_whole(big_input: Path) -> None:
    with big_input.open("rb") as f:
        assert sum(1 for _ in f) == 20000
    assert temporaries(big_input.parent) == []


def test_a_signal_as_the_temporary_file_is_made_arrives_once_its_name_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal can arrive at any moment, including just after mkstemp has made the file.

    A loop that signalled ``stalkrisk batch`` as soon as its temporary file appeared once left
    it behind in a few runs of a hundred: the signal landed before the file's name was known.
    SIGINT, SIGTERM and SIGHUP are now held while the file is made, so the signal (sent here,
    for real, from inside mkstemp) is delivered only once there is a name to clean up.
    """
    made: list[str] = []
    real = tempfile.mkstemp

    def mkstemp_then_signal(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = real(*args, **kwargs)
        made.append(name)
        os.kill(os.getpid(), signal.SIGINT)  # held: Python's handler runs when it is let in
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_signal)  # files.py calls it
    with pytest.raises(KeyboardInterrupt), atomic_output(tmp_path / "out.jsonl") as f:
        f.write("never")
    assert made  # the temporary file was made ...
    assert temporaries(tmp_path) == []  # ... and was removed
    assert listing(tmp_path) == []


# --- (3) signals, with real subprocesses ----------------------------------------------------


def test_a_child_started_like_the_signal_tests_gets_keyboard_interrupt(tmp_path: Path) -> None:
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    child = start([sys.executable, "-c", probe], tmp_path)
    out, err = child.communicate(timeout=CHILD_TIMEOUT)
    assert child.returncode == 0, err.decode()
    assert out.decode().strip() == "True"


@pytest.mark.parametrize(
    ("signum", "status", "said"),
    [
        pytest.param(signal.SIGINT, 130, "interrupted", id="SIGINT"),
        pytest.param(signal.SIGTERM, 143, "SIGTERM received", id="SIGTERM"),
        pytest.param(signal.SIGHUP, 129, "SIGHUP received", id="SIGHUP"),
    ],
)
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_signal_stops_batch_and_leaves_nothing(
    big_input: Path,
    tmp_path: Path,
    suffix: str,
    signum: signal.Signals,
    status: int,
    said: str,
) -> None:
    output = tmp_path / f"rows{suffix}"
    child = start([*STALKRISK, "batch", str(big_input), "-o", str(output)], tmp_path)
    try:
        temporary = wait_for_temporary(child, tmp_path)
        assert temporary.name.startswith(f".{output.name}.")
        time.sleep(SETTLE)
        assert child.poll() is None  # still working: the signal stops it part-way
        child.send_signal(signum)
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    text = err.decode()
    assert child.returncode == status, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("stalkrisk:")
    assert said in lines[0]
    assert "Traceback" not in text
    assert out == b""
    assert not output.exists()
    assert temporaries(tmp_path) == []
    assert listing(tmp_path) == []


# --- (4) a folder that does not exist ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["batch", "{cases_jsonl}", "-o", "{out}.jsonl"], id="batch-output"),
        pytest.param(["batch", "{cases_jsonl}", "-o", "{out}.parquet"], id="batch-parquet"),
        pytest.param(["score", "--record", "{out}.json", "{case}"], id="score-record"),
        pytest.param(["report", "{case}", "--context", "bail", "-o", "{out}.txt"], id="report"),
        pytest.param(
            ["report", "{case}", "--context", "bail", "--record", "{out}.json"],
            id="report-record",
        ),
        pytest.param(["fit", "{data}", "--outcome", "outcome", "-o", "{out}.json"], id="fit"),
    ],
)
def test_writing_into_a_missing_folder_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, Path],
    tmp_path: Path,
    argv: list[str],
) -> None:
    paths = {k: str(v) for k, v in inputs.items()}
    paths["out"] = str(tmp_path / "missing" / "out")
    names = listing(tmp_path)
    args = [a.format_map(paths) for a in argv]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert f"cannot write {tmp_path / 'missing' / 'out'}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "missing").exists()
    assert listing(tmp_path) == names


def test_a_report_that_cannot_be_written_leaves_no_record(
    capsys: pytest.CaptureFixture[str], case_file: Path, tmp_path: Path
) -> None:
    """A failed command leaves no output: not the record of a report it could not write."""
    record = tmp_path / "record.json"
    report = tmp_path / "missing" / "report.txt"
    names = listing(tmp_path)
    code, _, err = run(
        capsys, "report", case_file, "--context", "bail", "--record", record, "-o", report
    )
    assert code == 2
    assert f"cannot write {report}" in err
    assert not record.exists()
    assert listing(tmp_path) == names


# --- what a destination already is ------------------------------------------------------------


def _example(folder: Path) -> Path:
    path = folder / "case.json"
    path.write_bytes(next(EXAMPLES.glob("EX-01-*.json")).read_bytes())
    return path


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("old")
    path.chmod(0o600)
    with atomic_output(path) as f:
        f.write("new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # results never become world-readable


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with atomic_output(link) as f:
        f.write("new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert temporaries(tmp_path) == []


def test_a_device_or_pipe_is_written_to_as_a_stream(tmp_path: Path) -> None:
    with atomic_output(os.devnull) as f:  # /dev/null stays a device
        f.write("thrown away")
    assert not stat.S_ISREG(Path(os.devnull).stat().st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    with atomic_output(fifo, binary=True) as f:
        f.write(b"through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert temporaries(tmp_path) == []


def test_a_folder_is_not_an_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "somewhere"
    folder.mkdir()
    case = _example(tmp_path)
    code = main(["report", str(case), "--context", "bail", "-o", str(folder), "--record", "r.json"])
    assert code == 2
    assert f"cannot write {folder}: is a folder" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()  # nothing written: neither report nor record
    with pytest.raises(IsADirectoryError):
        atomic_write(folder, "x")


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--record", "-", "CASE"],
        ["report", "CASE", "--context", "bail", "--record", "-"],
        ["fit", "CASE", "--outcome", "outcome", "-o", "-"],
    ],
)
def test_dash_is_standard_output_only_where_the_command_says_so(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    case = _example(tmp_path)
    code = main([str(case) if a == "CASE" else a for a in argv])
    assert code == 2
    assert "- is not a file here" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()


def test_the_signing_key_is_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k.pem"
    assert main(["keys", "new", "--private", str(key), "--public", str(tmp_path / "k.pub")]) == 0
    before = key.read_bytes()
    case = _example(tmp_path)
    capsys.readouterr()
    for argv in (
        ["score", "--record", str(key), "--sign-key", str(key), str(case)],
        ["report", str(case), "--context", "bail", "-o", str(key), "--sign-key", str(key)],
    ):
        assert main(argv) == 2
        assert f"{key} is the input {key}" in capsys.readouterr().err
        assert key.read_bytes() == before


def test_two_outputs_of_one_command_are_told_apart_from_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "a.pem"
    assert main(["keys", "new", "--private", str(same), "--public", str(same)]) == 2
    assert f"{same} is given for two outputs" in capsys.readouterr().err
    assert not same.exists()


def test_an_empty_passphrase_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PP", "")
    key = tmp_path / "k.pem"
    argv = ["keys", "new", "--private", str(key), "--public", str(tmp_path / "k.pub")]
    assert main([*argv, "--passphrase-env", "PP"]) == 2
    assert "is empty" in capsys.readouterr().err
    assert not key.exists()


def test_a_broken_pipe_on_standard_output_is_not_an_error(big_input: Path) -> None:
    batch = subprocess.Popen(
        [*STALKRISK, "batch", str(big_input), "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert batch.stdout is not None
    first = batch.stdout.readline()
    batch.stdout.close()  # what `| head -1` does
    _, err = batch.communicate(timeout=120)
    assert first.startswith(b'{"record": 1')
    assert batch.returncode == 0
    assert b"Traceback" not in err
    assert b"cannot write" not in err
