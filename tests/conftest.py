"""Shared fixtures. Cases come from examples/cases/, the same files the docs use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# scikit-learn's estimator checks test array-API inputs only when SciPy's array-API support is
# switched on before SciPy is imported; otherwise they skip that check.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from hypothesis import HealthCheck, settings

import stalkrisk

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "cases"
INVALID = ROOT / "examples" / "invalid"

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(scope="session")
def example_cases(example_files: list[Path]) -> dict[str, stalkrisk.Case]:
    cases = [stalkrisk.Case.model_validate_json(p.read_text()) for p in example_files]
    return {c.case_id: c for c in cases}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The documentation site, built once per session with ``mkdocs build --strict``."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    return out, log
