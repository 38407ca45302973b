"""The benchmarks run, at the tiny size and in this process: this proves they work and report
what benchmarks/README.md says they report, not how fast anything is (timings on shared CI
machines are not stable, so no test here compares a timing with a target).

What the README states, and what is checked:

- every benchmark prints its figure beside a baseline measured in the same run, as a ratio
  (benchmark 4: microseconds beyond its baseline), and a peak memory;
- a final table names each benchmark and its target, and says whether the target is met;
- ``--memory N`` runs the batch path on N cases in a fresh process, reports its peak RSS and
  checks that N rows come out.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
#: Each benchmark's name and its target, as in the table of benchmarks/README.md.
TARGETS = {
    "1 one case end to end": "<= 2x the floor",
    "2 JSONL -> JSONL batch": ">= 6x naive; < 500 MB RSS at 1M",
    "3 encoded matrix -> bands + top 3": ">= 50x loop; <= 3x X.sum()",
    "4 LogisticRiskModel.predict_one": "<= 10 µs beyond encoding",
    "5 import stalkrisk": "<= 1.5x import pydantic",
    "6 stalkrisk --version": "<= 1.5x python -c pass + 0.1 s",
}
HEADER = "| benchmark | measured | baseline | ratio/figure | target | met? | peak memory |"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stalkrisk_benchmarks_run", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script()


@pytest.fixture(scope="module")
def tiny_run(bench: ModuleType) -> tuple[str, list[Any]]:
    """``run.py --size tiny`` in this process: its printed output and its results.

    Benchmark 2 measures peak RSS in two fresh processes; here the batch runs in this process
    instead (starting a process that imports scikit-learn takes seconds). The fresh-process
    measurement itself is exercised by the ``--memory`` test below.
    """

    def batch_peak_rss_here(source: Path, destination: Path) -> tuple[int, int]:
        before = bench.peak_rss()
        bench.batch_path(source, destination)
        return before, bench.peak_rss()

    captured: list[tuple[list[Any], int]] = []
    run = bench.run

    def recording_run(size: dict[str, int]) -> tuple[list[Any], int]:
        captured.append(run(size))
        return captured[-1]

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setattr(bench, "batch_peak_rss", batch_peak_rss_here)
        mp.setattr(bench, "run", recording_run)
        assert bench.main(["--size", "tiny"]) == 0
    assert len(captured) == 1
    return out.getvalue(), captured[0][0]


def table_rows(output: str) -> list[list[str]]:
    lines = output.splitlines()
    start = lines.index(HEADER)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_tiny_size_is_small_and_the_other_sizes_are_as_published(bench: ModuleType) -> None:
    assert list(bench.SIZES) == ["tiny", "small", "medium"]
    assert bench.SIZES["small"]["batch"] == 1_000
    assert bench.SIZES["medium"]["batch"] == 20_000
    assert bench.SIZES["medium"]["rows"] == 2_000_000
    for key, value in bench.SIZES["tiny"].items():
        assert value <= bench.SIZES["small"][key], key


def test_the_table_names_every_benchmark_and_its_target_and_says_if_it_is_met(
    tiny_run: tuple[str, list[Any]],
) -> None:
    output, _ = tiny_run
    assert "size tiny" in output.splitlines()[0]
    rows = table_rows(output)
    assert [(row[0], row[4]) for row in rows] == list(TARGETS.items())
    for row in rows:
        assert len(row) == 7, row
        assert row[5] in ("yes", "no"), row
        assert re.search(r"(\d|n/a) MB", row[6]), row  # a peak memory (n/a: a fresh process)


def test_every_figure_comes_from_the_code_and_its_baseline_timed_in_this_run(
    bench: ModuleType, tiny_run: tuple[str, list[Any]]
) -> None:
    """Each row's figure and met? are computed from timings taken in this run, never from a
    stored number: the printed figure is re-derived here from the row's own timings."""
    output, results = tiny_run
    rows = {row[0]: row for row in table_rows(output)}
    assert [r.name for r in results] == list(TARGETS)
    for r in results:
        # The measured path and at least one baseline, each timed (a positive, finite time).
        assert len(r.timings) >= 2, r.name
        assert all(math.isfinite(t) and t > 0 for t in r.timings.values()), r.timings
        assert rows[r.name][1:4] == [r.measured, r.baseline, r.figure]
    one, batch, matrix, predict, imports, version = results

    ratio = one.timings["end to end"] / one.timings["floor"]
    assert one.figure == f"{ratio:.2f}x the floor"
    assert one.met == (ratio <= 2.0)

    speedup = batch.timings["naive"] / batch.timings["batch"]
    assert batch.figure == f"{speedup:.2f}x the naive path"
    assert batch.met == (speedup >= 6.0)

    rows_timed = bench.SIZES["tiny"]["rows"]
    t_vec = matrix.timings["predict_bands_and_top"]
    vs_loop = matrix.timings["loop per row"] / (t_vec / rows_timed)
    vs_sum = t_vec / matrix.timings["X.sum()"]
    assert matrix.figure == f"{vs_loop:,.0f}x the loop; {vs_sum:.1f}x X.sum()"
    assert matrix.met == (vs_loop >= 50.0 and vs_sum <= 3.0)

    # Benchmark 4's target is an absolute time beyond its baseline, encode_one.
    assert predict.figure == f"{bench.us(predict.timings['predict_one'])} beyond encoding"
    assert predict.baseline == f"{bench.us(predict.timings['encode_one'])} encode_one"
    assert predict.met == (predict.timings["predict_one"] <= 10e-6)

    # Start-up: fresh processes, side by side.
    light = imports.timings["import stalkrisk"] / imports.timings["import pydantic"]
    assert imports.figure == f"{light:.2f}x import pydantic"
    assert imports.met == (light <= 1.5)
    start, bare = version.timings["stalkrisk --version"], version.timings["python -c pass"]
    assert version.figure == f"{start / bare:.2f}x python -c pass"
    assert version.met == (start <= 1.5 * bare + 0.1)


def test_each_benchmark_prints_its_figures_as_it_runs(tiny_run: tuple[str, list[Any]]) -> None:
    output, _ = tiny_run
    for n in range(1, 7):
        assert re.search(rf"^\[{n}\] ", output, flags=re.MULTILINE), n
    assert "Total time" in output


def test_the_memory_measurement_runs_in_a_fresh_process_and_accounts_for_every_case(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.memory_only(300) == 0
    line = capsys.readouterr().out.strip()
    found = re.search(
        r"300 cases \(.* MB of JSONL\) -> 300 rows in .*; "
        r"peak RSS ([\d,.]+) MB \(([\d,.]+) MB after imports, before the batch\)",
        line,
    )
    assert found, line
    peak, before = (float(g.replace(",", "")) for g in found.groups())
    assert 0 < before <= peak
