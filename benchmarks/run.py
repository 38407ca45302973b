"""The speed benchmarks (issues 5 and 12), each beside a baseline measured in the same run.

Run from the repository root::

    python benchmarks/run.py [--size tiny|small|medium] [--n N]

Every timing is the best of a few repeats (``time.perf_counter``). Peak memory is the peak of
memory allocated by Python (``tracemalloc``) during one separate, untimed run of the measured
path, so tracing does not slow the timings. The data are synthetic cases from
:func:`stalkrisk.synthetic.cohort`, written to a temporary folder.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import heapq
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import stalkrisk
from stalkrisk import Case, WeightedScorer
from stalkrisk.batch import score_many, write_jsonl
from stalkrisk.model import CaseEncoder, LogisticRiskModel
from stalkrisk.synthetic import cohort

# Per size: cases for benchmark 1 and 4, batch sizes (timed, and two for peak memory),
# cases to fit the model on, matrix rows for benchmark 3, rows for its Python loop, repeats.
# "tiny" only proves that every part runs (tests/test_benchmarks.py): its figures mean nothing,
# and its memory sizes are below the two chunks that show whether memory grows.
SIZES: dict[str, dict[str, int]] = {
    "tiny": {
        "one": 20,
        "batch": 100,
        "memory_small": 20,
        "memory_large": 40,
        "fit": 300,
        "rows": 2_000,
        "loop": 200,
        "repeats": 1,
    },
    "small": {
        "one": 200,
        "batch": 1_000,
        "memory_small": 2_000,
        "memory_large": 3_000,
        "fit": 2_000,
        "rows": 100_000,
        "loop": 5_000,
        "repeats": 3,
    },
    "medium": {
        "one": 1_000,
        "batch": 20_000,
        "memory_small": 10_000,
        "memory_large": 20_000,
        "fit": 10_000,
        "rows": 2_000_000,
        "loop": 100_000,
        "repeats": 5,
    },
}
SEED = 20240501
MB = 1024 * 1024


@dataclass
class Result:
    name: str
    measured: str
    baseline: str
    figure: str
    target: str
    met: bool
    memory: str
    #: Every path timed for this row in this run, in seconds (per case or row where the row
    #: says so): the measured path first, then its baselines.
    timings: dict[str, float]


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Return the shortest of ``repeats`` timed calls of ``fn``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


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
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / MB:,.1f} MB"


# --- 1. one case end to end -------------------------------------------------------------------


def bench_one_case(cases: list[Case], scorer: WeightedScorer, repeats: int) -> Result:
    texts = [c.model_dump_json() for c in cases]
    # The floor's cases are validated beforehand, outside the timing.
    prevalidated = [Case.model_validate_json(t) for t in texts]
    pairs = list(zip(texts, prevalidated, strict=True))

    def end_to_end() -> None:
        for text in texts:
            case = Case.model_validate_json(text)
            assessment = scorer.score(case)
            stalkrisk.explain(assessment)
            assessment.model_dump_json()

    def floor() -> None:
        for text, case in pairs:
            json.loads(text)
            scorer.score(case)

    t_full = best_of(end_to_end, repeats) / len(texts)
    t_floor = best_of(floor, repeats) / len(texts)
    ratio = t_full / t_floor
    peak = peak_bytes(end_to_end)
    print(f"[1] end to end {us(t_full)}/case; floor {us(t_floor)}/case; {ratio:.2f}x")
    return Result(
        "1 one case end to end",
        f"{us(t_full)}/case",
        f"{us(t_floor)}/case (json.loads + score)",
        f"{ratio:.2f}x the floor",
        "<= 2x the floor",
        ratio <= 2.0,
        f"{mb(peak)} ({len(texts)} cases)",
        {"end to end": t_full, "floor": t_floor},
    )


# --- 2. JSONL to JSONL batch ------------------------------------------------------------------


def write_cases(cases: list[Case], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for case in cases:
            out.write(case.model_dump_json() + "\n")
    return path


def batch_path(source: Path, destination: Path) -> None:
    write_jsonl(score_many(source), destination)


def naive_path(source: Path, destination: Path) -> None:
    with (
        source.open(encoding="utf-8") as lines,
        destination.open("w", encoding="utf-8", newline="\n") as out,
    ):
        for line in lines:
            assessment = stalkrisk.score(Case.model_validate_json(line))
            out.write(json.dumps(assessment.model_dump(mode="json")) + "\n")


def batch_peak_rss(source: Path, destination: Path) -> tuple[int, int]:
    """Return the peak RSS, in bytes, of a fresh process before and after the batch path."""
    command = [sys.executable, __file__, "--rss-batch", str(source), str(destination)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    before, after = done.stdout.split()
    return int(before), int(after)


def bench_batch(
    cases: list[Case], timed: int, memory_sizes: tuple[int, int], folder: Path, repeats: int
) -> Result:
    source = write_cases(cases[:timed], folder / "timed.jsonl")
    out = folder / "out.jsonl"
    t_batch = best_of(lambda: batch_path(source, out), repeats)
    t_naive = best_of(lambda: naive_path(source, out), repeats)
    speedup = t_naive / t_batch
    # Peak memory of the batch path at two sizes, both at least two chunks (2 x 1,000 records)
    # so that the figures show whether memory grows with the number of records: the peak RSS
    # of a fresh process that imports stalkrisk and runs only the batch (tracemalloc would
    # slow it about fivefold).
    small, large = memory_sizes
    peaks = []
    for n in memory_sizes:
        path = write_cases(cases[:n], folder / f"memory-{n}.jsonl")
        start, peak = batch_peak_rss(path, out)
        peaks.append(peak)
    print(f"[2] peak RSS of the child after imports, before the batch: {mb(start)}")
    growth = peaks[1] - peaks[0]
    print(
        f"[2] batch {timed / t_batch:,.0f} cases/s; naive {timed / t_naive:,.0f} cases/s; "
        f"{speedup:.2f}x; peak {mb(peaks[0])} at {small:,}, {mb(peaks[1])} at {large:,}"
    )
    return Result(
        "2 JSONL -> JSONL batch",
        f"{timed / t_batch:,.0f} cases/s ({timed:,} cases)",
        f"{timed / t_naive:,.0f} cases/s (naive)",
        f"{speedup:.2f}x the naive path",
        ">= 6x naive; < 500 MB RSS at 1M",
        speedup >= 6.0,
        f"RSS {mb(peaks[0])} at {small:,}, {mb(peaks[1])} at {large:,} ({growth / MB:+,.1f} MB;"
        f" {mb(start)} before the batch)",
        {"batch": t_batch, "naive": t_naive},
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
        with out.open(encoding="utf-8") as rows:
            written = sum(1 for _ in rows)
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
        top = heapq.nlargest(3, k, key=lambda j, c=contributions: abs(c[j]))
        out.append((bisect.bisect_right(cuts, p), top))
    return out


def bench_matrix(
    x_fit: np.ndarray, model: LogisticRiskModel, rows: int, loop_rows: int, repeats: int
) -> Result:
    w = np.asarray(model.coef_, dtype=np.float64)
    b = float(model.intercept_)
    cuts = np.asarray(model.cut_points, dtype=np.float64)
    # The encoded synthetic rows, repeated to the benchmark's size.
    x = np.ascontiguousarray(np.resize(x_fit, (rows, x_fit.shape[1])))
    t_vec = best_of(lambda: model.predict_bands_and_top(x, n=3), repeats)
    t_sum = best_of(x.sum, repeats)
    loop_rows = min(loop_rows, rows)
    as_lists = x[:loop_rows].tolist()
    w_list, cut_list = w.tolist(), cuts.tolist()
    t_loop = best_of(lambda: python_loop(as_lists, w_list, b, cut_list), repeats) / loop_rows
    # The library and the loop agree on the bands and top three of the rows the loop scored.
    result = model.predict_bands_and_top(x[:loop_rows], n=3)
    looped = python_loop(as_lists, w_list, b, cut_list)
    pairs = zip(result.band.tolist(), result.top.tolist(), strict=True)
    if [(int(band), top) for band, top in pairs] != looped:
        raise AssertionError("the vectorised and looped results differ")
    per_row = t_vec / rows
    vs_loop = t_loop / per_row
    vs_sum = t_vec / t_sum
    peak = peak_bytes(lambda: model.predict_bands_and_top(x, n=3))
    print(
        f"[3] predict_bands_and_top {t_vec * 1e3:,.1f} ms for {rows:,} rows; loop "
        f"{us(t_loop)}/row; X.sum() {t_sum * 1e3:,.2f} ms; {vs_loop:,.0f}x the loop, "
        f"{vs_sum:.1f}x X.sum()"
    )
    return Result(
        "3 encoded matrix -> bands + top 3",
        f"{t_vec * 1e3:,.1f} ms / {rows:,}x{x.shape[1]}",
        f"loop {us(t_loop)}/row; X.sum() {t_sum * 1e3:,.2f} ms",
        f"{vs_loop:,.0f}x the loop; {vs_sum:.1f}x X.sum()",
        ">= 50x loop; <= 3x X.sum()",
        vs_loop >= 50.0 and vs_sum <= 3.0,
        f"{mb(peak)} (matrix {mb(x.nbytes)})",
        {"predict_bands_and_top": t_vec, "loop per row": t_loop, "X.sum()": t_sum},
    )


# --- 4. the logistic model on one case --------------------------------------------------------


def bench_predict_one(
    cases: list[Case], encoder: CaseEncoder, model: LogisticRiskModel, repeats: int
) -> Result:
    def encode() -> None:
        for case in cases:
            encoder.encode_one(case)

    def encode_and_predict() -> None:
        for case in cases:
            model.predict_one(encoder.encode_one(case))

    encoded = [encoder.encode_one(c) for c in cases]

    def predict_only() -> None:
        for row in encoded:
            model.predict_one(row)

    t_enc = best_of(encode, repeats) / len(cases)
    t_both = best_of(encode_and_predict, repeats) / len(cases)
    t_pred = best_of(predict_only, repeats) / len(cases)
    peak = peak_bytes(encode_and_predict)
    print(
        f"[4] predict_one on an encoded row {us(t_pred)}; encode_one {us(t_enc)}; "
        f"both {us(t_both)} (difference {us(t_both - t_enc)})"
    )
    return Result(
        "4 LogisticRiskModel.predict_one",
        f"{us(t_both)} encode + predict",
        f"{us(t_enc)} encode_one",
        f"{us(t_pred)} beyond encoding",
        "<= 10 µs beyond encoding",
        t_pred <= 10e-6,
        f"{mb(peak)} ({len(cases)} cases)",
        {"predict_one": t_pred, "encode_one": t_enc, "encode_one + predict_one": t_both},
    )


# --- start-up ---------------------------------------------------------------------------------


def process_time(code: list[str], repeats: int) -> float:
    """Return the shortest wall time, in seconds, of ``repeats`` fresh Python processes."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, *code], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def bench_start_up(repeats: int) -> list[Result]:
    """``import stalkrisk`` beside ``import pydantic``; ``stalkrisk --version`` beside nothing.

    Each is a fresh process (``python -c ...``), timed side by side in this run, the best of
    ``repeats``: what a user waits for, interpreter start-up included.
    """
    n = max(5, 3 * repeats)
    t_pass = process_time(["-c", "pass"], n)
    t_pydantic = process_time(["-c", "import pydantic"], n)
    t_import = process_time(["-c", "import stalkrisk"], n)
    t_version = process_time(["-m", "stalkrisk", "--version"], n)
    t_first = process_time(
        ["-c", "import stalkrisk; stalkrisk.score(stalkrisk.load_example('EX-01'))"], n
    )
    print(
        f"[5] import stalkrisk {1000 * t_import:.0f} ms; import pydantic "
        f"{1000 * t_pydantic:.0f} ms; python -c pass {1000 * t_pass:.0f} ms"
    )
    print(
        f"[6] stalkrisk --version {1000 * t_version:.0f} ms; the first score of a case, "
        f"imports included, {1000 * t_first:.0f} ms"
    )
    limit = 1.5 * t_pass + 0.1
    return [
        Result(
            "5 import stalkrisk",
            f"{1000 * t_import:.0f} ms",
            f"{1000 * t_pydantic:.0f} ms import pydantic",
            f"{t_import / t_pydantic:.2f}x import pydantic",
            "<= 1.5x import pydantic",
            t_import <= 1.5 * t_pydantic,
            "n/a MB (a fresh process)",
            {"import stalkrisk": t_import, "import pydantic": t_pydantic},
        ),
        Result(
            "6 stalkrisk --version",
            f"{1000 * t_version:.0f} ms",
            f"{1000 * t_pass:.0f} ms python -c pass",
            f"{t_version / t_pass:.2f}x python -c pass",
            "<= 1.5x python -c pass + 0.1 s",
            t_version <= limit,
            "n/a MB (a fresh process)",
            {"stalkrisk --version": t_version, "python -c pass": t_pass, "first score": t_first},
        ),
    ]


# --- the table --------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    header = ("benchmark", "measured", "baseline", "ratio/figure", "target", "met?", "peak memory")
    rows = [
        (r.name, r.measured, r.baseline, r.figure, r.target, "yes" if r.met else "no", r.memory)
        for r in results
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--n", type=int, help="cases in the batch benchmark (overrides --size)")
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
    size = dict(SIZES[args.size])
    if args.n is not None:
        if args.n < 2:
            parser.error("--n must be 2 or more")
        size["batch"] = args.n
    started = time.perf_counter()
    print(
        f"stalkrisk {stalkrisk.__version__}, Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}; size {args.size}: {size}"
    )
    results, columns = run(size)
    rss = peak_rss()
    print()
    print(table(results))
    print()
    print(
        "Weights for benchmark 3 and 4: a LogisticRiskModel fitted on CaseEncoder features of "
        f"{size['fit']:,} synthetic cases ({columns} columns)."
    )
    print(
        "Peak memory: for benchmark 2 the peak RSS of a fresh process running the batch path; "
        "otherwise the tracemalloc peak of one untimed run of the measured path. "
        f"Peak RSS of the whole process: {mb(rss)}. "
        f"Total time {time.perf_counter() - started:,.1f} s."
    )
    return 0


def run(size: dict[str, int]) -> tuple[list[Result], int]:
    """Run the six benchmarks at ``size`` (an entry of SIZES), printing each one's figures.

    Return their results and the number of feature columns the model was fitted on.
    """
    repeats = size["repeats"]
    data = cohort(max(size["batch"], size["memory_large"], size["fit"], size["one"]), seed=SEED)
    cases = list(data.cases)
    # Cases straight from cohort() are assembled without the case-level validation; round-trip
    # them through JSON so every benchmark works on validated cases.
    one = [Case.model_validate_json(c.model_dump_json()) for c in cases[: size["one"]]]
    scorer = WeightedScorer()

    encoder = CaseEncoder().fit(one[:1])
    x_fit = encoder.transform(cases[: size["fit"]])
    model = LogisticRiskModel(random_state=0).fit(x_fit, data.outcomes[: size["fit"]])

    results = [bench_one_case(one, scorer, repeats)]
    with tempfile.TemporaryDirectory(prefix="stalkrisk-bench-") as tmp:
        memory_sizes = (size["memory_small"], size["memory_large"])
        timed, folder, batch_repeats = size["batch"], Path(tmp), max(2, repeats - 2)
        results.append(bench_batch(cases, timed, memory_sizes, folder, batch_repeats))
    results.append(bench_matrix(x_fit, model, size["rows"], size["loop"], repeats))
    results.append(bench_predict_one(one, encoder, model, repeats))
    results += bench_start_up(repeats)
    return results, int(x_fit.shape[1])


if __name__ == "__main__":
    raise SystemExit(main())
