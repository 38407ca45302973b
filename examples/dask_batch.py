"""Score a synthetic caseload on a local Dask cluster: Parquet in, Parquet out, no record lost.

    python examples/dask_batch.py OUT_DIR [--cases 2000] [--partitions 4]

Writes a synthetic cohort (stalkrisk.synthetic: fictional cases, labelled so) as Parquet files
under OUT_DIR/cases/, reads them with ``dask.dataframe.read_parquet``, scores every partition
with ``stalkrisk.batch.score_frame`` on a local cluster of two single-threaded workers, writes
the results under OUT_DIR/results/, and prints the summary. One case is made invalid on
purpose, to show that a bad record becomes an error row rather than a lost one.

The workers here are threads in this process, which starts in about a second on a 2-core
machine. On a real cluster nothing changes but the client: ``Client("tcp://scheduler:8786")``
instead of the ``LocalCluster``; ``score_frame`` is a plain module-level function, so it
pickles to worker processes as it is.

The weights of the default instrument, stalkrisk-screen, are illustrative and not validated on
outcomes; the results support a professional's judgement and state no decision.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster

from stalkrisk.batch import BatchSummary, flatten_case, frame_summary, score_frame, score_frame_meta
from stalkrisk.synthetic import cohort

INSTRUMENT = "stalkrisk-screen"


@contextmanager
def _quiet_dask_parquet() -> Iterator[None]:
    """Silence one deprecation that Dask's Parquet reader triggers in pandas 3.1, and no other.

    dask.dataframe.read_parquet (2026.8) calls ``DataFrame.set_index``/``reset_index`` with
    ``inplace=True``, which pandas 3.1 deprecates. The warning is about Dask's code, not this
    example's; every other warning still shows (and fails under ``-W error``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"The inplace keyword in DataFrame\.\w+ is deprecated",
            category=DeprecationWarning,
            module=r"dask(\.|$)",
        )
        yield


def write_cases(folder: Path, n: int, partitions: int) -> None:
    """Write ``n`` synthetic cases as ``partitions`` Parquet files, one row per case.

    Columns follow the flat-column convention of docs/batch.md. ``perpetrator.age`` is stored
    as a nullable integer column, to show a typed column; the rest is text, as in a CSV file.
    The index, named ``row``, is the case's position in the caseload.
    """
    frame = pd.DataFrame([flatten_case(case) for case in cohort(n, seed=7).cases])
    frame = frame.replace("", None)  # an empty cell is a field not given
    frame["perpetrator.age"] = pd.to_numeric(frame["perpetrator.age"]).astype("Int64")
    frame.loc[n - 1, "assessment_date"] = "2024-13-01"  # one invalid record, on purpose
    frame.index.name = "row"
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-n // partitions)
    for part, start in enumerate(range(0, n, size)):
        frame.iloc[start : start + size].to_parquet(folder / f"part-{part:03d}.parquet", index=True)


def score_on_dask(cases: Path, results: Path, client: Client) -> BatchSummary:
    """Score the Parquet files under ``cases`` into ``results``; return the summary."""
    with _quiet_dask_parquet():
        frames = dd.read_parquet(cases, index="row")
        # The meta (an empty frame of the output's columns and dtypes, indexed like the input)
        # spares Dask a trial run of the scorer.
        meta = score_frame_meta(INSTRUMENT, like=frames._meta)
        scored = frames.map_partitions(score_frame, INSTRUMENT, meta=meta)
        # ``record`` restarts in each partition; the index ``row`` says which case a row is.
        scored.reset_index().to_parquet(results, write_index=False)
        statuses = client.compute(dd.read_parquet(results, columns=["status"])).result()
    return frame_summary(statuses)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a folder for the cases and the results")
    parser.add_argument("--cases", type=int, default=2000, help="how many synthetic cases")
    parser.add_argument("--partitions", type=int, default=4, help="how many Parquet files")
    args = parser.parse_args(argv)
    cases, results = args.out / "cases", args.out / "results"
    write_cases(cases, args.cases, args.partitions)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        summary = score_on_dask(cases, results, client)
    print(f"stalkrisk on Dask: {summary}; results in {results}")
    print(
        f"{INSTRUMENT}: illustrative weights, not validated on outcomes. The results support a "
        "professional's judgement; they are not a decision."
    )
    return 0 if summary.total == args.cases else 1


if __name__ == "__main__":
    sys.exit(main())
