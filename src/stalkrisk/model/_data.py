"""Reading outcome data for fitting and evaluation: JSONL cases, or a CSV table of numbers."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from stalkrisk.schemas import Case

__all__ = ["Dataset", "read_dataset"]

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


@dataclass
class Dataset:
    """Outcome data: cases (from JSONL) or a numeric table (from CSV), outcomes and groups.

    ``problems`` lists every record that could not be read, as ``(where, message)``; callers
    decide what to do with them (fitting refuses to go on; nothing is dropped silently).
    """

    y: NDArray[np.int64]
    cases: list[Case] | None = None
    X: NDArray[np.float64] | None = None
    feature_names: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _outcome(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


def _read_jsonl(path: Path, outcome: str, groups: Sequence[str]) -> Dataset:
    cases: list[Case] = []
    ys: list[int] = []
    group_values: dict[str, list[str]] = {g: [] for g in groups}
    problems: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append((where, f"not valid JSON ({exc.msg})"))
                continue
            if not isinstance(record, dict):
                problems.append((where, "a record must be a JSON object"))
                continue
            y = _outcome(record.pop(outcome, None))
            if y is None:
                problems.append((where, f"{outcome}: the outcome must be 0/1 or true/false"))
                continue
            labels = [str(record.pop(g, "")) for g in groups]
            if isinstance(record.get("case"), dict):
                # {"case": {...}, "outcome": ..., labels...}: fields beside the case are not it
                record = record["case"]
            try:
                case = Case.model_validate(record)
            except ValidationError as exc:
                for e in exc.errors(include_input=False, include_url=False):
                    loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
                    problems.append((where, f"{loc}: {e['msg']}"))
                continue
            cases.append(case)
            ys.append(y)
            for g, label in zip(groups, labels, strict=True):
                group_values[g].append(label)
    return Dataset(
        y=np.asarray(ys, dtype=np.int64), cases=cases, groups=group_values, problems=problems
    )


def _read_csv(path: Path, outcome: str, groups: Sequence[str]) -> Dataset:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if outcome not in header:
            return Dataset(
                y=np.zeros(0, dtype=np.int64),
                problems=[(str(path), f"no column named {outcome!r}")],
            )
        features = [c for c in header if c != outcome and c not in groups]
        rows: list[list[float]] = []
        ys: list[int] = []
        group_values: dict[str, list[str]] = {g: [] for g in groups}
        problems: list[tuple[str, str]] = []
        for number, row in enumerate(reader, start=2):
            where = f"{path}:{number}"
            y = _outcome(row.get(outcome))
            if y is None:
                problems.append((where, f"{outcome}: the outcome must be 0/1 or true/false"))
                continue
            values: list[float] = []
            bad = False
            for name in features:
                try:
                    value = float(row.get(name) or "nan")
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    problems.append((where, f"{name}: not a finite number"))
                    bad = True
                    break
                values.append(value)
            if bad:
                continue
            rows.append(values)
            ys.append(y)
            for g in groups:
                group_values[g].append(str(row.get(g, "")))
    X = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(features))
    return Dataset(
        y=np.asarray(ys, dtype=np.int64),
        X=X,
        feature_names=features,
        groups=group_values,
        problems=problems,
    )


def read_dataset(path: str | os.PathLike[str], outcome: str, groups: Sequence[str] = ()) -> Dataset:
    """Read outcome data from JSONL (one case per line, with an outcome field) or CSV.

    In JSONL, the ``outcome`` field and any ``groups`` fields are taken out of each record
    before it is validated as a :class:`~stalkrisk.Case` (group labels are for audits only and
    never reach the features); the case's fields sit beside them, or under ``"case"`` (and then
    any other field beside ``"case"`` is not part of the case). In
    CSV, every column except the outcome and the groups is a
    numeric feature. Outcomes are 0/1 or true/false.
    """
    source = Path(path)
    if not source.is_file():
        return Dataset(y=np.zeros(0, dtype=np.int64), problems=[(str(source), "no such file")])
    if source.suffix.lower() == ".csv":
        return _read_csv(source, outcome, groups)
    return _read_jsonl(source, outcome, groups)
