"""The benchmarks run at the small size: this proves they work, not how fast they are."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
NAMES = (
    "1 one case end to end",
    "2 JSONL -> JSONL batch",
    "3 encoded matrix -> bands + top 3",
    "4 LogisticRiskModel.predict_one",
)


def test_benchmarks_run_at_the_small_size():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--size", "small"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in NAMES:
        assert name in done.stdout
    assert "met?" in done.stdout


def test_the_memory_measurement_runs_and_accounts_for_every_case():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--memory", "300"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "300 cases" in done.stdout
    assert "-> 300 rows" in done.stdout
    assert "peak RSS" in done.stdout
