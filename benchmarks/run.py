"""The speed benchmarks (issues 5, 12 and 15), each a ratio against a baseline in the same run.

Run from the repository root::

    python benchmarks/run.py [--size tiny|small|medium] [--n N] [--workers N]
    python benchmarks/run.py --memory 1000000

Every target is a ratio against a baseline that does not contain the code under test. The
measured path and its baselines are timed in the same run, their repeats **alternated**
(A B A B ...), at least five of each; each figure is given as the min and the median of its
repeats, and each ratio as the ratio of the mins and the ratio of the medians. A target is met
only when both ratios meet it. Peak memory is measured in a separate, untimed run. The data
are synthetic cases from :func:`stalkrisk.synthetic.cohort`, written to a temporary folder.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import gc
import heapq
import importlib.util
import json
import logging
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import stalkrisk
from stalkrisk import Case
from stalkrisk.batch import score_many, write_jsonl
from stalkrisk.instruments import DEFAULT_INSTRUMENT, Instrument, load_instrument
from stalkrisk.model import CaseEncoder, LogisticRiskModel
from stalkrisk.synthetic import cohort

# Per size: cases for benchmarks 1, 4 and 9; records in the batch (2) and frames (7)
# benchmarks; two batch sizes for peak memory; cases to fit the model on; matrix rows for
# benchmark 3 and rows for its Python loop; cases for the Dask benchmark (8); repeats of every
# timed path (at least 5) and of every fresh process in the start-up benchmarks (5, 6).
# "tiny" only proves that every part runs (tests/test_benchmarks.py): its figures mean nothing,
# and its memory sizes are below the two chunks that show whether memory grows.
SIZES: dict[str, dict[str, int]] = {
    "tiny": {
        "one": 20,
        "batch": 100,
        "frames": 100,
        "memory_small": 20,
        "memory_large": 40,
        "fit": 300,
        "rows": 2_000,
        "loop": 200,
        "scale": 200,
        "repeats": 5,
        "processes": 5,
    },
    "small": {
        "one": 300,
        "batch": 5_000,
        "frames": 2_000,
        "memory_small": 2_000,
        "memory_large": 3_000,
        "fit": 2_000,
        "rows": 100_000,
        "loop": 5_000,
        "scale": 2_000,
        "repeats": 5,
        "processes": 9,
    },
    "medium": {
        "one": 1_000,
        "batch": 100_000,
        "frames": 10_000,
        "memory_small": 10_000,
        "memory_large": 20_000,
        "fit": 10_000,
        "rows": 2_000_000,
        "loop": 100_000,
        "scale": 20_000,
        "repeats": 5,
        "processes": 15,
    },
}
SEED = 20240501
MB = 1024 * 1024
#: Distinct synthetic cases at most; larger files repeat them under fresh case ids.
DISTINCT = 20_000
#: The Dask benchmark's target is for this many workers.
TARGET_WORKERS = 8


# --- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """The repeats of one timed path, in seconds per unit (per case, per row or per run)."""

    seconds: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return float(statistics.median(self.seconds))


def alternate(
    paths: dict[str, Callable[[], object]], repeats: int, per: dict[str, int] | None = None
) -> dict[str, Timing]:
    """Time every path ``repeats`` times, alternated: A B C, A B C, ...

    Each call is timed on its own (``time.perf_counter``) after a ``gc.collect()``; a path's
    time is divided by its entry in ``per`` (its number of cases or rows), if any. Whatever
    disturbs the machine during the run falls on all the paths alike.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeats):
        for name, fn in paths.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) / (per or {}).get(name, 1))
    return {name: Timing(tuple(t)) for name, t in times.items()}


def ratios(a: Timing, b: Timing) -> tuple[float, float]:
    """Return ``a`` over ``b``: the ratio of the mins and the ratio of the medians."""
    return a.min / b.min, a.median / b.median


@dataclass
class Result:
    """One row of the final table."""

    name: str
    measured: str
    baseline: str
    ratio: str
    target: str
    #: ``True`` only if both the ratio of the mins and that of the medians meet the target;
    #: ``None`` where the benchmark did not run (the ratio column says why).
    met: bool | None
    memory: str
    #: Every path timed for this row in this run, each repeat, in seconds (per case or row
    #: where the row says so): the measured path first, then its baselines.
    timings: dict[str, list[float]] = field(default_factory=dict)


def timings_of(timed: dict[str, Timing]) -> dict[str, list[float]]:
    return {name: list(t.seconds) for name, t in timed.items()}


def peak_bytes(fn: Callable[[], object]) -> int:
    """Return the peak of memory allocated by Python while ``fn`` runs (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def peak_rss() -> int:
    """Return this process's peak RSS in bytes.

    Linux's ``VmHWM`` where there is one: ``ru_maxrss`` survives ``exec``, so in a child it
    would report the parent's peak at the fork.
    """
    status = Path("/proc/self/status")
    if status.exists():
        return vm_hwm(status.read_text())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def vm_hwm(status: str) -> int:
    """Return the ``VmHWM`` (peak RSS) of a ``/proc/<pid>/status`` text, in bytes (0 if none)."""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    return 0


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / MB:,.1f} MB"


def per_case(t: Timing) -> str:
    return f"{us(t.min)} / {us(t.median)} µs/case"


def per_row(t: Timing) -> str:
    return f"{t.min * 1e9:,.0f} / {t.median * 1e9:,.0f} ns/row"


def rate(t: Timing) -> str:
    """Cases per second from seconds per case: min time (best rate) / median time."""
    return f"{1 / t.min:,.0f} / {1 / t.median:,.0f} cases/s"


def times(pair: tuple[float, float], digits: int = 2) -> str:
    return f"{pair[0]:,.{digits}f}x / {pair[1]:,.{digits}f}x"


def cores() -> int:
    """Return the number of processor cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# --- the data ---------------------------------------------------------------------------------


def case_texts(cases: Sequence[Case], n: int) -> Iterator[str]:
    """Yield ``n`` cases as JSON text: ``cases`` in turn, repeated under fresh case ids."""
    for i in range(n):
        case = cases[i % len(cases)]
        if i >= len(cases):
            case = case.model_copy(update={"case_id": f"REP-{i:07d}"})
        yield case.model_dump_json()


def write_cases(cases: Sequence[Case], n: int, path: Path) -> Path:
    """Write ``n`` cases (see :func:`case_texts`) to ``path`` as JSONL."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for text in case_texts(cases, n):
            out.write(text + "\n")
    return path


def case_frame(cases: Sequence[Case], n: int) -> Any:
    """Return ``n`` cases as a pandas DataFrame in the flat-column convention (docs/batch.md).

    As ``examples/dask_batch.py`` writes them: an empty cell is a field not given,
    ``perpetrator.age`` a nullable integer column, the index (``row``) the case's position.
    """
    import pandas as pd  # noqa: PLC0415 - the frames extra is optional

    from stalkrisk.batch import flatten_case  # noqa: PLC0415

    frame = pd.DataFrame([flatten_case(json.loads(t)) for t in case_texts(cases, n)])
    frame = frame.replace("", None)
    if "perpetrator.age" in frame:
        frame["perpetrator.age"] = pd.to_numeric(frame["perpetrator.age"]).astype("Int64")
    frame.index.name = "row"
    return frame


def missing(*modules: str) -> list[str]:
    """Return those of ``modules`` that are not installed."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def skipped(name: str, target: str, why: str) -> Result:
    print(f"[{name.split(maxsplit=1)[0]}] skipped: {why}")
    return Result(name, "-", "-", f"skipped: {why}", target, None, "-")


# --- 1. one case: JSON in, Assessment, JSON out -------------------------------------------------


def bench_one_case(cases: list[Case], repeats: int) -> Result:
    texts = [c.model_dump_json() for c in cases]

    def end_to_end() -> None:
        for text in texts:
            stalkrisk.score(Case.model_validate_json(text)).model_dump_json()

    def validate() -> None:
        for text in texts:
            Case.model_validate_json(text)

    n = len(texts)
    timed = alternate(
        {"JSON -> Assessment -> JSON": end_to_end, "Case.model_validate_json": validate},
        repeats,
        per={"JSON -> Assessment -> JSON": n, "Case.model_validate_json": n},
    )
    full, floor = timed.values()
    ratio = ratios(full, floor)
    peak = peak_bytes(end_to_end)
    print(
        f"[1] one case {per_case(full)}; Case.model_validate_json {per_case(floor)}; {times(ratio)}"
    )
    return Result(
        "1 one case: JSON -> Assessment -> JSON",
        per_case(full),
        f"{per_case(floor)} Case.model_validate_json",
        times(ratio),
        "<= 3x Case.model_validate_json",
        max(ratio) <= 3.0,
        f"{mb(peak)} ({n} cases)",
        timings_of(timed),
    )


# --- 2. JSONL to JSONL batch ------------------------------------------------------------------


def batch_path(source: Path, destination: Path, instrument: Instrument | None = None) -> None:
    """The batch path as ``stalkrisk batch SOURCE -o DESTINATION`` runs it (stalkrisk.cli)."""
    inst = instrument or load_instrument(DEFAULT_INSTRUMENT)
    with score_many(source, inst, pause_gc=True) as run:
        write_jsonl(run, destination)


def validate_lines(source: Path) -> None:
    """The batch's baseline: every line validated into a Case, nothing written."""
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            Case.model_validate_json(line)


def batch_peak_rss(source: Path, destination: Path) -> tuple[int, int]:
    """Return the peak RSS, in bytes, of a fresh process before and after the batch path."""
    command = [sys.executable, __file__, "--rss-batch", str(source), str(destination)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    before, after = done.stdout.split()
    return int(before), int(after)


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def bench_batch(
    cases: list[Case], n: int, memory_sizes: tuple[int, int], folder: Path, repeats: int
) -> Result:
    source = write_cases(cases, n, folder / "batch.jsonl")
    out = folder / "batch-out.jsonl"
    inst = load_instrument(DEFAULT_INSTRUMENT)
    timed = alternate(
        {
            "batch": lambda: batch_path(source, out, inst),
            "validation only": lambda: validate_lines(source),
        },
        repeats,
        per={"batch": n, "validation only": n},
    )
    if (written := count_lines(out)) != n:
        raise AssertionError(f"{n:,} records in, {written:,} rows out")
    batch, floor = timed.values()
    ratio = ratios(batch, floor)
    # Peak memory of the batch path at two sizes, both at least two chunks (2 x 1,000 records)
    # so that the figures show whether memory grows with the number of records: the peak RSS
    # of a fresh process that imports stalkrisk and runs only the batch (tracemalloc would
    # slow it about fivefold).
    small, large = memory_sizes
    peaks = []
    start = 0
    for size in memory_sizes:
        path = write_cases(cases, size, folder / f"memory-{size}.jsonl")
        start, peak = batch_peak_rss(path, out)
        peaks.append(peak)
    growth = peaks[1] - peaks[0]
    print(f"[2] peak RSS of the child after imports, before the batch: {mb(start)}")
    print(
        f"[2] batch {rate(batch)}; validation only {rate(floor)}; {times(ratio)}; "
        f"peak {mb(peaks[0])} at {small:,}, {mb(peaks[1])} at {large:,}"
    )
    return Result(
        "2 JSONL -> JSONL batch",
        f"{rate(batch)} ({n:,} cases)",
        f"{rate(floor)} validation only",
        times(ratio),
        "<= 2x validation only; < 500 MB RSS at 1M",
        max(ratio) <= 2.0,
        f"RSS {mb(peaks[0])} at {small:,}, {mb(peaks[1])} at {large:,} ({growth / MB:+,.1f} MB;"
        f" {mb(start)} before the batch)",
        timings_of(timed),
    )


def memory_only(n: int) -> int:
    """Write ``n`` cases as JSONL and report the batch path's peak RSS and time on them.

    The file repeats 2,000 synthetic cases under fresh case ids (writing a million distinct
    cases would take longer than scoring them); the item tables of the vectorised scorer see
    the same variety of values as they would in a real file of that size.
    """
    distinct = [c.model_dump(mode="json") for c in cohort(min(n, 2_000), seed=SEED).cases]
    with tempfile.TemporaryDirectory(prefix="stalkrisk-memory-") as tmp:
        source, out = Path(tmp) / "cases.jsonl", Path(tmp) / "rows.jsonl"
        with source.open("w", encoding="utf-8", newline="\n") as f:
            for i in range(n):
                case = distinct[i % len(distinct)]
                case["case_id"] = f"MEM-{i:07d}"
                f.write(json.dumps(case) + "\n")
        size = source.stat().st_size
        start = time.perf_counter()
        before, peak = batch_peak_rss(source, out)
        seconds = time.perf_counter() - start
        written = count_lines(out)
    print(
        f"[memory] {n:,} cases ({mb(size)} of JSONL) -> {written:,} rows in {seconds:,.0f} s "
        f"({n / seconds:,.0f} cases/s, including the child's start-up); peak RSS {mb(peak)} "
        f"({mb(before)} after imports, before the batch)"
    )
    if written != n:
        raise AssertionError(f"{n:,} records in, {written:,} rows out")
    return 0


# --- 3. an encoded matrix to bands and top three ----------------------------------------------


def python_loop(
    rows: list[list[float]], w: list[float], b: float, cuts: list[float]
) -> list[tuple[int, list[int]]]:
    """The same, one case at a time in plain Python."""
    out = []
    k = range(len(w))
    for row in rows:
        contributions = [x * c for x, c in zip(row, w, strict=True)]
        p = 1.0 / (1.0 + math.exp(-(sum(contributions) + b)))
        top = heapq.nlargest(3, k, key=[abs(c) for c in contributions].__getitem__)
        out.append((bisect.bisect_right(cuts, p), top))
    return out


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Hold BLAS (and OpenMP) to one thread, where threadpoolctl is installed (scikit-learn's).

    The matrix benchmark compares per core: the library's path is single-threaded numpy, and
    the plain-numpy baseline's matrix product would otherwise use every core (and, on a busy
    machine, lose time waiting for them).
    """
    if importlib.util.find_spec("threadpoolctl") is None:
        yield
        return
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # noqa: PLC0415

    with threadpool_limits(limits=1):
        yield


#: Rows per block of :func:`plain_numpy` (the fastest of 128 to 4,096 on a 2-core machine).
NUMPY_BLOCK = 256


def plain_numpy(
    x: NDArray[np.float64], w: NDArray[np.float64], b: float, cuts: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """The best plain-numpy formulation found: bands and top three, without the library.

    The log-odds in one matrix product (BLAS); the top three a block of rows at a time in a
    reused buffer that stays in cache: ``|x| * |w|`` (equal, to the bit, to ``|x * w|``),
    then three ``argmax`` passes, each knocking its winner out through a flat index (ties go
    to the lower column, as ``argmax`` takes the first). Tried and slower: ``argpartition``
    (3.5x), float32 sizes, larger blocks.
    """
    rows, k = x.shape
    z = x @ w + b
    probability = 1.0 / (1.0 + np.exp(-z))
    band = np.searchsorted(cuts, probability, side="right")
    top = np.empty((rows, 3), dtype=np.intp)
    size_w = np.abs(w)
    buffer = np.empty((min(NUMPY_BLOCK, rows), k))
    flat = buffer.reshape(-1)
    offsets = np.arange(buffer.shape[0]) * k
    for start in range(0, rows, NUMPY_BLOCK):
        block = x[start : start + NUMPY_BLOCK]
        m = block.shape[0]
        size = np.multiply(np.abs(block, out=buffer[:m]), size_w, out=buffer[:m])
        for j in range(3):
            best = size.argmax(axis=1)
            top[start : start + m, j] = best
            flat[offsets[:m] + best] = -1.0
    return probability, band, top


def bench_matrix(
    x_fit: NDArray[np.float64], model: LogisticRiskModel, rows: int, loop_rows: int, repeats: int
) -> Result:
    w = np.asarray(model.coef_, dtype=np.float64)
    b = float(model.intercept_)
    cuts = np.asarray(model.cut_points, dtype=np.float64)
    # The encoded synthetic rows, repeated to the benchmark's size.
    x = np.ascontiguousarray(np.resize(x_fit, (rows, x_fit.shape[1])))
    loop_rows = min(loop_rows, rows)
    as_lists = x[:loop_rows].tolist()
    w_list, cut_list = w.tolist(), cuts.tolist()
    with one_thread():  # per core (see one_thread)
        timed = alternate(
            {
                "predict_bands_and_top": lambda: model.predict_bands_and_top(x, n=3),
                "plain numpy": lambda: plain_numpy(x, w, b, cuts),
                "Python loop": lambda: python_loop(as_lists, w_list, b, cut_list),
            },
            repeats,
            per={"predict_bands_and_top": rows, "plain numpy": rows, "Python loop": loop_rows},
        )
    # All three agree: the loop on the rows it scores, plain numpy on every row (its log-odds
    # come from a matrix product, whose last bits may differ: a band may differ only for a
    # probability within 1e-12 of a cut point).
    result = model.predict_bands_and_top(x, n=3)
    looped = python_loop(as_lists, w_list, b, cut_list)
    pairs = zip(result.band[:loop_rows].tolist(), result.top[:loop_rows].tolist(), strict=True)
    if [(int(band), top) for band, top in pairs] != looped:
        raise AssertionError("predict_bands_and_top and the Python loop differ")
    _, band, top = plain_numpy(x, w, b, cuts)
    near_cut = (np.abs(result.probability[:, None] - cuts[None, :]) < 1e-12).any(axis=1)
    if not ((band == result.band) | near_cut).all() or not (top == result.top).all():
        raise AssertionError("predict_bands_and_top and plain numpy differ")
    library, numpy_path, loop = timed.values()
    vs_loop = ratios(loop, library)
    vs_numpy = ratios(library, numpy_path)
    peak = peak_bytes(lambda: model.predict_bands_and_top(x, n=3))
    print(
        f"[3] predict_bands_and_top {per_row(library)}; plain numpy {per_row(numpy_path)}; "
        f"loop {per_row(loop)}; {times(vs_loop, 0)} faster than the loop, {times(vs_numpy)} "
        "plain numpy"
    )
    return Result(
        "3 encoded matrix -> bands + top 3",
        f"{per_row(library)} ({rows:,}x{x.shape[1]})",
        f"plain numpy {per_row(numpy_path)}; loop {per_row(loop)} ({loop_rows:,} rows)",
        f"loop/this {times(vs_loop, 0)}; this/numpy {times(vs_numpy)}",
        ">= 50x loop; <= 1.5x plain numpy",
        min(vs_loop) >= 50.0 and max(vs_numpy) <= 1.5,
        f"{mb(peak)} (matrix {mb(x.nbytes)})",
        timings_of(timed),
    )


# --- 4. the logistic model on one case --------------------------------------------------------


def bench_predict_one(
    cases: list[Case], encoder: CaseEncoder, model: LogisticRiskModel, repeats: int
) -> Result:
    encoded = [encoder.encode_one(c) for c in cases]

    def predict_only() -> None:
        for row in encoded:
            model.predict_one(row)

    def encode() -> None:
        for case in cases:
            encoder.encode_one(case)

    def encode_and_predict() -> None:
        for case in cases:
            model.predict_one(encoder.encode_one(case))

    n = len(cases)
    names = ("predict_one", "encode_one", "encode_one + predict_one")
    timed = alternate(
        dict(zip(names, (predict_only, encode, encode_and_predict), strict=True)),
        repeats,
        per=dict.fromkeys(names, n),
    )
    pred, enc, both = timed.values()
    peak = peak_bytes(encode_and_predict)
    print(
        f"[4] predict_one on an encoded row {us(pred.min)} / {us(pred.median)} µs; encode_one "
        f"{per_case(enc)}; both {per_case(both)}"
    )
    return Result(
        "4 LogisticRiskModel.predict_one",
        f"{us(pred.min)} / {us(pred.median)} µs on an encoded row ({per_case(both)} with encoding)",
        f"{per_case(enc)} encode_one",
        f"+{us(pred.min)} / +{us(pred.median)} µs beyond encoding",
        "<= 10 µs beyond encoding",
        max(pred.min, pred.median) <= 10e-6,
        f"{mb(peak)} ({n} cases)",
        timings_of(timed),
    )


# --- 5 and 6. start-up --------------------------------------------------------------------------

START_UP = {
    "python -c pass": ["-c", "pass"],
    "import pydantic": ["-c", "import pydantic"],
    "import stalkrisk": ["-c", "import stalkrisk"],
    "stalkrisk --version": ["-m", "stalkrisk", "--version"],
    "first score": ["-c", "import stalkrisk; stalkrisk.score(stalkrisk.load_example('EX-01'))"],
}


def process(code: list[str]) -> Callable[[], object]:
    """Return a call that runs a fresh Python process with ``code``."""
    return lambda: subprocess.run([sys.executable, *code], check=True, capture_output=True)


def bench_start_up(repeats: int) -> list[Result]:
    """``import stalkrisk`` beside ``import pydantic``; ``stalkrisk --version`` beside nothing.

    Each is a fresh process (``python -c ...``), the processes alternated in this run: what a
    user waits for, interpreter start-up included.
    """
    timed = alternate({name: process(code) for name, code in START_UP.items()}, repeats)
    bare, pydantic, imports, version, first = timed.values()

    def ms2(t: Timing) -> str:
        return f"{ms(t.min)} / {ms(t.median)} ms"

    light = ratios(imports, pydantic)
    start = ratios(version, bare)
    print(
        f"[5] import stalkrisk {ms2(imports)}; import pydantic {ms2(pydantic)}; "
        f"python -c pass {ms2(bare)}"
    )
    print(
        f"[6] stalkrisk --version {ms2(version)}; the first score of a case, imports included, "
        f"{ms2(first)}"
    )
    return [
        Result(
            "5 import stalkrisk",
            ms2(imports),
            f"{ms2(pydantic)} import pydantic",
            times(light),
            "<= 1.5x import pydantic",
            max(light) <= 1.5,
            "n/a MB (a fresh process)",
            {k: timings_of(timed)[k] for k in ("import stalkrisk", "import pydantic")},
        ),
        Result(
            "6 stalkrisk --version",
            ms2(version),
            f"{ms2(bare)} python -c pass",
            times(start),
            "<= 1.5x python -c pass + 0.1 s",
            version.min <= 1.5 * bare.min + 0.1 and version.median <= 1.5 * bare.median + 0.1,
            "n/a MB (a fresh process)",
            {
                k: timings_of(timed)[k]
                for k in ("stalkrisk --version", "python -c pass", "first score")
            },
        ),
    ]


# --- 7. frames: Parquet through pandas, per case ------------------------------------------------


def frame_path(source: Path, destination: Path) -> Any:
    """The frame path, as a Dask worker runs it: read Parquet, ``score_frame``, write Parquet."""
    import pandas as pd  # noqa: PLC0415 - the frames extra is optional

    from stalkrisk.batch import score_frame  # noqa: PLC0415

    scored = score_frame(pd.read_parquet(source))
    scored.to_parquet(destination)
    return scored


def parquet_batch_path(source: Path, destination: Path, instrument: Instrument) -> None:
    """``stalkrisk batch cases.parquet -o rows.parquet``: Parquet in and out, no pandas."""
    from stalkrisk.batch import write_parquet  # noqa: PLC0415

    with score_many(source, instrument, pause_gc=True) as run:
        write_parquet(run, destination)


def bench_frames(cases: list[Case], n: int, folder: Path, repeats: int) -> Result:
    name, target = "7 frames: Parquet -> score_frame", "<= 1.5x the JSONL path per case"
    if absent := missing("pandas", "pyarrow"):
        return skipped(name, target, f"{' and '.join(absent)} not installed")
    source = folder / "frames.parquet"
    case_frame(cases, n).to_parquet(source)
    jsonl = write_cases(cases, n, folder / "frames.jsonl")
    out, out_jsonl, out_cli = (folder / f"frames-out.{s}" for s in ("parquet", "jsonl", "pq"))
    inst = load_instrument(DEFAULT_INSTRUMENT)
    names = ("Parquet -> score_frame -> Parquet", "JSONL path", "stalkrisk batch on Parquet")
    timed = alternate(
        dict(
            zip(
                names,
                (
                    lambda: frame_path(source, out),
                    lambda: batch_path(jsonl, out_jsonl, inst),
                    lambda: parquet_batch_path(source, out_cli, inst),
                ),
                strict=True,
            )
        ),
        repeats,
        per=dict.fromkeys(names, n),
    )
    # Both paths did the same work: the same status for every case.
    statuses = frame_path(source, out)["status"].astype(str).tolist()
    with out_jsonl.open(encoding="utf-8") as rows:
        if statuses != [json.loads(row)["status"] for row in rows]:
            raise AssertionError("the frame path and the JSONL path give different statuses")
    frames, floor, cli = timed.values()
    ratio = ratios(frames, floor)
    cli_ratio = ratios(cli, floor)
    peak = peak_bytes(lambda: frame_path(source, out))
    print(
        f"[7] Parquet -> score_frame -> Parquet {per_case(frames)}; JSONL path {per_case(floor)};"
        f" {times(ratio)}; (stalkrisk batch on Parquet {per_case(cli)}; {times(cli_ratio)})"
    )
    return Result(
        name,
        f"{per_case(frames)} ({n:,} cases)",
        f"{per_case(floor)} JSONL path",
        f"{times(ratio)} (stalkrisk batch on Parquet: {times(cli_ratio)})",
        target,
        max(ratio) <= 1.5,
        f"{mb(peak)} (Python allocations; Arrow's not counted)",
        timings_of(timed),
    )


# --- 8. scale-out: the frame path on local Dask process workers -------------------------------


@contextlib.contextmanager
def quiet_dask() -> Iterator[None]:
    """Silence Dask's INFO logs, and one pandas deprecation its Parquet reader triggers.

    See ``examples/dask_batch.py``: dask.dataframe.read_parquet calls pandas with
    ``inplace=True``, which pandas 3.1 deprecates; every other warning still shows.
    """
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message=r"The inplace keyword in DataFrame\.\w+ is deprecated",
                category=DeprecationWarning,
                module=r"dask(\.|$)",
            )
            yield
    finally:
        logger.setLevel(level)


def write_partitions(cases: list[Case], n: int, parts: int, folder: Path) -> Path:
    """Write ``n`` cases as ``parts`` Parquet files under ``folder`` (the Dask input)."""
    frame = case_frame(cases, n)
    folder.mkdir(parents=True)
    size = -(-n // parts)
    for part, start in enumerate(range(0, n, size)):
        frame.iloc[start : start + size].to_parquet(folder / f"part-{part:03d}.parquet", index=True)
    return folder


def dask_run(client: Any, source: Path, destination: Path) -> None:
    """Score the Parquet files under ``source`` on ``client``'s cluster into ``destination``."""
    import dask.dataframe as dd  # noqa: PLC0415 - optional

    from stalkrisk.batch import score_frame, score_frame_meta  # noqa: PLC0415

    frames = dd.read_parquet(source, index="row")
    scored = frames.map_partitions(score_frame, meta=score_frame_meta(like=frames._meta))
    client.compute(scored.to_parquet(destination, compute=False)).result()


def bench_scale_out(cases: list[Case], n: int, workers: int, folder: Path, repeats: int) -> Result:
    name, target = "8 scale-out: Dask frame path", f">= 0.8 efficiency at {TARGET_WORKERS} workers"
    if workers == 0:
        return skipped(name, target, "--workers 0")
    if workers < 2:
        return skipped(name, target, f"efficiency needs 2 workers or more; --workers {workers}")
    if absent := missing("dask", "distributed", "pandas", "pyarrow"):
        return skipped(name, target, f"{' and '.join(absent)} not installed (the dev extra)")
    import pandas as pd  # noqa: PLC0415 - optional
    from distributed import Client, LocalCluster  # noqa: PLC0415

    source = write_partitions(cases, n, 4 * workers, folder / "dask-cases")
    warm = case_frame(cases, min(n, 20))
    labels = ("1 worker", f"{workers} workers")
    with quiet_dask(), contextlib.ExitStack() as stack:
        clients = {}
        for label, count in zip(labels, (1, workers), strict=True):
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
            )
            client = Client(cluster, set_as_default=False)  # type: ignore[no-untyped-call]
            clients[label] = stack.enter_context(client)
        # Untimed: every worker imports stalkrisk and pandas and loads the instrument.
        from stalkrisk.batch import score_frame  # noqa: PLC0415

        for client in clients.values():
            client.run(score_frame, warm)
        outputs: list[tuple[str, Path]] = []

        def on(label: str) -> Callable[[], None]:
            def go() -> None:
                outputs.append((label, folder / f"dask-out-{len(outputs)}"))
                dask_run(clients[label], source, outputs[-1][1])

            return go

        timed = alternate(
            {label: on(label) for label in labels}, repeats, per=dict.fromkeys(labels, n)
        )
        status = Path("/proc/self/status")
        statuses = clients[labels[1]].run(status.read_text) if status.exists() else {}
    # Untimed: every run wrote one row per case.
    for label, out in outputs:
        if len(pd.read_parquet(out, columns=["status"])) != n:
            raise AssertionError(f"{label}: {n:,} cases in, a different number of rows out")
        shutil.rmtree(out)
    one, many = timed.values()
    speedup = ratios(one, many)
    efficiency = (speedup[0] / workers, speedup[1] / workers)
    peak = max((vm_hwm(s) for s in statuses.values()), default=0)
    have = cores()
    if workers < TARGET_WORKERS:
        note = f"; measured at {workers} workers, the target is for {TARGET_WORKERS}"
    else:
        note = ""
    if have < workers:
        note += f"; only {have} cores for {workers} workers"
    met = None if note else min(efficiency) >= 0.8
    print(
        f"[8] Dask, {workers} process workers on {have} cores: {rate(many)}; 1 worker "
        f"{rate(one)}; efficiency {efficiency[0]:.2f} / {efficiency[1]:.2f}{note}"
    )
    return Result(
        name,
        f"{rate(many)} on {workers} workers ({n:,} cases, {4 * workers} partitions, {have} cores)",
        f"{rate(one)} on 1 worker",
        f"efficiency {efficiency[0]:.2f} / {efficiency[1]:.2f} (speed-up {times(speedup)}){note}",
        target,
        met,
        f"RSS {mb(peak)} per worker at most" if peak else "n/a MB (no /proc)",
        timings_of(timed),
    )


# --- 9. encode_one beside validation --------------------------------------------------------


def bench_encode_one(cases: list[Case], encoder: CaseEncoder, repeats: int) -> Result:
    # The dicts a caller holds after json.loads of the cases' JSON text.
    dicts = [json.loads(c.model_dump_json()) for c in cases]

    def encode() -> None:
        for case in cases:
            encoder.encode_one(case)

    def validate() -> None:
        for data in dicts:
            Case.model_validate(data)

    n = len(cases)
    timed = alternate(
        {"encode_one": encode, "Case.model_validate": validate},
        repeats,
        per={"encode_one": n, "Case.model_validate": n},
    )
    enc, floor = timed.values()
    ratio = ratios(enc, floor)
    peak = peak_bytes(encode)
    print(f"[9] encode_one {per_case(enc)}; Case.model_validate {per_case(floor)}; {times(ratio)}")
    return Result(
        "9 CaseEncoder.encode_one",
        per_case(enc),
        f"{per_case(floor)} Case.model_validate (a dict)",
        times(ratio),
        "<= 2x Case.model_validate",
        max(ratio) <= 2.0,
        f"{mb(peak)} ({n} cases)",
        timings_of(timed),
    )


# --- the table --------------------------------------------------------------------------------

HEADER = (
    "benchmark",
    "measured (min / median)",
    "baseline (min / median)",
    "ratio (min / median)",
    "target",
    "met?",
    "peak memory",
)


def met_text(met: bool | None) -> str:
    return "n/a" if met is None else "yes" if met else "no"


def table(results: list[Result]) -> str:
    rows = [
        (r.name, r.measured, r.baseline, r.ratio, r.target, met_text(r.met), r.memory)
        for r in results
    ]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--n", type=int, help="records in the batch benchmark (overrides --size)")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(TARGET_WORKERS, cores()),
        metavar="N",
        help="Dask process workers for the scale-out benchmark (default: up to 8, one per "
        "core; 0 skips it)",
    )
    parser.add_argument(
        "--memory",
        type=int,
        metavar="N",
        help="only measure the batch path's peak RSS and time on a JSONL file of N cases",
    )
    parser.add_argument("--rss-batch", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_batch:  # the child process of batch_peak_rss
        before = peak_rss()
        batch_path(Path(args.rss_batch[0]), Path(args.rss_batch[1]))
        print(before, peak_rss())
        return 0
    if args.memory is not None:
        if args.memory < 1:
            parser.error("--memory must be 1 or more")
        return memory_only(args.memory)
    if args.workers < 0:
        parser.error("--workers must be 0 or more")
    size = dict(SIZES[args.size])
    if args.n is not None:
        if args.n < 2:
            parser.error("--n must be 2 or more")
        size["batch"] = args.n
    size["workers"] = args.workers
    started = time.perf_counter()
    print(
        f"stalkrisk {stalkrisk.__version__}, Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, {cores()} cores; size {args.size}: {size}"
    )
    results, columns = run(size)
    rss = peak_rss()
    print()
    print(table(results))
    print()
    print(
        "Each figure: the min / the median of its repeats, alternated with its baseline's in "
        f"this run ({size['repeats']} each; {size['processes']} per fresh process for 5 and "
        "6). Met: both ratios meet the target."
    )
    print(
        "Weights for benchmarks 3, 4 and 9: a LogisticRiskModel fitted on CaseEncoder "
        f"features of {size['fit']:,} synthetic cases ({columns} columns)."
    )
    print(
        "Peak memory: for benchmark 2 the peak RSS of a fresh process running the batch path; "
        "for 8 the peak RSS of the busiest worker; otherwise the tracemalloc peak of one "
        f"untimed run of the measured path. Peak RSS of the whole process: {mb(rss)}. "
        f"Total time {time.perf_counter() - started:,.1f} s."
    )
    return 0


def run(size: dict[str, int]) -> tuple[list[Result], int]:
    """Run the nine benchmarks at ``size`` (an entry of SIZES), printing each one's figures.

    Return their results, in order, and the number of feature columns the model was fitted on.
    """
    repeats = size["repeats"]
    needed = (size["memory_large"], size["fit"], size["one"], size["frames"], size["scale"])
    data = cohort(max(*needed, min(size["batch"], DISTINCT)), seed=SEED)
    # Cases straight from cohort() are assembled without the case-level validation; round-trip
    # them through JSON so every benchmark works on validated cases.
    cases = [Case.model_validate_json(c.model_dump_json()) for c in data.cases]
    one = cases[: size["one"]]

    encoder = CaseEncoder().fit(one[:1])
    x_fit = encoder.transform(cases[: size["fit"]])
    model = LogisticRiskModel(random_state=0).fit(x_fit, data.outcomes[: size["fit"]])

    results = [bench_one_case(one, repeats)]
    with tempfile.TemporaryDirectory(prefix="stalkrisk-bench-") as tmp:
        folder = Path(tmp)
        memory_sizes = (size["memory_small"], size["memory_large"])
        results.append(bench_batch(cases, size["batch"], memory_sizes, folder, repeats))
        results.append(bench_matrix(x_fit, model, size["rows"], size["loop"], repeats))
        results.append(bench_predict_one(one, encoder, model, repeats))
        results += bench_start_up(size["processes"])
        results.append(bench_frames(cases, size["frames"], folder, repeats))
        workers = size.get("workers", min(TARGET_WORKERS, cores()))
        results.append(bench_scale_out(cases, size["scale"], workers, folder, repeats))
    results.append(bench_encode_one(one, encoder, repeats))
    return results, int(x_fit.shape[1])


if __name__ == "__main__":
    raise SystemExit(main())
