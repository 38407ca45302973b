"""Every code block in docs/ either runs, or is checked for what it is.

The fence's language says what a block is, and each kind is tested:

- ``python``: run, page by page in order, in one namespace per page, in a scratch folder (see
  ``sandbox``). A ``text`` block that follows a ``python`` block directly (only blank lines
  between) is that block's printed output, compared as a doctest would (``...`` matches
  anything; runs of whitespace are equal).
- ``console``: each ``$ command`` runs in bash in the same scratch folder; the lines after it
  are its output (stdout and stderr together), compared in the same way.
- ``sh``: command lines to adapt (placeholders such as ``CASE.json``), not run. Each line (a
  line ending in a backslash continues on the next) must be a command this project knows:
  ``stalkrisk ...`` must be accepted by the command line's argument parser, ``pip install``
  may only name extras that pyproject.toml defines, ``python FILE`` must name a file of the
  repository, and ``mkdocs`` must be ``mkdocs build --strict``.
- ``json`` must parse, and a case must validate; ``toml`` must parse; ``csv`` must have the
  same number of columns on every row.
- ``text``: output, diagrams and synopses; not run.

Any other language, or a fence without one, fails the test, so nothing is skipped silently.
"""

from __future__ import annotations

import contextlib
import csv
import doctest
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import stalkrisk
from stalkrisk.cli._parser import build_parser

from .conftest import EXAMPLES, ROOT

DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
KNOWN = {"python", "console", "sh", "json", "toml", "csv", "text"}

_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass
class Block:
    """One fenced block of a page."""

    lang: str
    code: str
    line: int
    output: Block | None = None  # the `text` block that follows a python block directly


def _include(match: re.Match[str]) -> str:
    return (ROOT / match[1]).read_text(encoding="utf-8").rstrip("\n")


def blocks(text: str) -> list[Block]:
    """Parse the fenced blocks of a Markdown page (fences may be indented, as in lists).

    A line ``--8<-- "path"`` is replaced by the repository file it names, as the site's
    ``pymdownx.snippets`` extension does.
    """
    text = re.sub(r'^--8<-- "([^"]+)"$', _include, text, flags=re.M)
    found: list[Block] = []
    lines = text.splitlines()
    i = 0
    last_end = -10
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)", lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m[1]), m[2], i
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            i += 1
        block = Block(lang, "\n".join(body) + "\n", start + 1)
        between = lines[last_end + 1 : start]
        if (
            lang == "text"
            and found
            and found[-1].lang == "python"
            and not any(s.strip() for s in between)
        ):
            found[-1].output = block
        found.append(block)
        last_end = i
        i += 1
    return found


def _same(want: str, got: str) -> bool:
    return _CHECKER.check_output(want.strip() + "\n", got.strip() + "\n", _FLAGS)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder with the files the docs' examples read.

    ``examples/`` and ``docs/`` (the repository's, to be read, not written), ``case.json``
    (example EX-07), ``caseload.jsonl`` (the ten example cases, one per line) and
    ``answers.json`` (answers to the PSA's questions).
    """
    (tmp_path / "examples").symlink_to(EXAMPLES.parent, target_is_directory=True)
    (tmp_path / "docs").symlink_to(DOCS, target_is_directory=True)
    shutil.copy(next(EXAMPLES.glob("EX-07-*.json")), tmp_path / "case.json")
    lines = [c.model_dump_json(exclude_defaults=True) for c in stalkrisk.load_examples()]
    (tmp_path / "caseload.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    answers = {
        "case_id": "PSA-0001",
        "assessment_date": "2024-05-01",
        "instrument": "psa",
        "answers": {
            "age_at_current_arrest": 20,
            "current_violent_offence": "present",
            "pending_charge": "present",
            "prior_misdemeanour_conviction": "present",
            "prior_felony_conviction": "present",
            "prior_violent_convictions": 1,
            "prior_fta_past_two_years": 2,
            "prior_fta_older": "present",
            "prior_incarceration": "present",
        },
    }
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run_python(page: str, b: Block, namespace: dict[str, Any]) -> None:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(b.code, f"docs/{page}:{b.line}", "exec"), namespace)
    if b.output is not None:
        assert _same(b.output.code, out.getvalue()), (
            f"docs/{page}:{b.line}: printed\n{out.getvalue()}\nthe page shows\n{b.output.code}"
        )


def _run_console(page: str, b: Block, cwd: Path) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in b.code.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"docs/{page}:{b.line}: output before the first `$ ` command"
            commands[-1][1].append(line)
    marker = "@@stalkrisk-docs-command-end@@"
    script = ["exec 2>&1"]
    for command, _ in commands:
        script.append(f'{command}\n__rc=$?; echo "{marker}"; (exit $__rc)')
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COLUMNS", None)
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outputs = result.stdout.split(marker + "\n")
    assert len(outputs) == len(commands) + 1, result.stdout
    for (command, want), got in zip(commands, outputs, strict=False):
        assert _same("\n".join(want), got), (
            f"docs/{page}:{b.line}: `{command}` printed\n{got}\nthe page shows\n" + "\n".join(want)
        )


def _extras() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(project["project"]["optional-dependencies"])


def _check_sh_line(page: str, b: Block, line: str) -> None:
    where = f"docs/{page}:{b.line}: `{line}`"
    words = shlex.split(line, comments=True)
    if not words:
        return
    if words[0] == "stalkrisk":
        with contextlib.redirect_stderr(io.StringIO()) as err:
            try:
                build_parser().parse_args(words[1:])
            except SystemExit:
                pytest.fail(f"{where}: the command line rejects it: {err.getvalue()}")
    elif words[:2] == ["pip", "install"]:
        for word in words[2:]:
            extras = re.findall(r"\[([\w,]+)\]", word)
            assert extras or word in (".", "-e", "stalkrisk"), where
            for name in ",".join(extras).split(",") if extras else []:
                assert name in _extras(), f"{where}: no extra named {name!r}"
    elif words[0] == "python":
        assert (ROOT / words[1]).is_file(), f"{where}: no such file in the repository"
    elif words[0] == "mkdocs":
        assert words[1:] == ["build", "--strict"], where
    else:
        pytest.fail(f"{where}: not a command these docs know; run it in a console block")


def _check_data(page: str, b: Block) -> None:
    where = f"docs/{page}:{b.line}"
    if b.lang == "json":
        data = json.loads(b.code)
        if isinstance(data, dict) and "case_id" in data and "answers" not in data:
            stalkrisk.Case.model_validate(data)
    elif b.lang == "toml":
        tomllib.loads(b.code)
    elif b.lang == "csv":
        rows = list(csv.reader(io.StringIO(b.code)))
        assert rows, where
        assert {len(r) for r in rows} == {len(rows[0])}, f"{where}: ragged CSV"


@pytest.mark.parametrize("page", PAGES)
def test_every_block_runs_or_is_checked(page: str, sandbox: Path) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    found = blocks(text)
    unlabelled = [b.line for b in found if b.lang == ""]
    assert not unlabelled, (
        f"docs/{page}: fences without a language at lines {unlabelled}; "
        "label them (python, console, sh, json, toml, csv or text)"
    )
    unknown = {b.lang for b in found} - KNOWN - {""}
    assert not unknown, f"docs/{page}: unknown fence languages {unknown}"
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    uses_matplotlib = "matplotlib" in text
    if uses_matplotlib:
        import matplotlib

        matplotlib.use("Agg")
    try:
        for b in found:  # in page order, so that a block can use what an earlier one made
            if b.lang == "python":
                _run_python(page, b, namespace)
            elif b.lang == "console":
                _run_console(page, b, sandbox)
            elif b.lang == "sh":
                for line in b.code.replace("\\\n", " ").splitlines():  # join continued lines
                    _check_sh_line(page, b, line)
            else:
                _check_data(page, b)
    finally:
        if uses_matplotlib:
            import matplotlib.pyplot as plt

            plt.close("all")


def test_the_parser_finds_every_kind_of_block() -> None:
    page = (
        "```python\nprint(1)\n```\n\n```text\n1\n```\n\n- item\n\n  ```sh\n  stalkrisk demo\n"
        "  ```\n\n```console\n$ echo hi\nhi\n```\n"
    )
    found = blocks(page)
    assert [b.lang for b in found] == ["python", "text", "sh", "console"]
    assert found[0].output is found[1]
    assert found[2].code == "stalkrisk demo\n"


def test_a_wrong_output_or_command_fails(sandbox: Path) -> None:
    with pytest.raises(AssertionError, match="printed"):
        _run_python("x.md", blocks("```python\nprint(2)\n```\n```text\n1\n```\n")[0], {})
    with pytest.raises(AssertionError, match="printed"):
        _run_console("x.md", blocks("```console\n$ echo hi\nho\n```\n")[0], sandbox)
    with pytest.raises(pytest.fail.Exception, match="rejects"):
        _check_sh_line("x.md", Block("sh", "", 1), "stalkrisk score --no-such-option x.json")
    with pytest.raises(AssertionError, match="no extra"):
        _check_sh_line("x.md", Block("sh", "", 1), "pip install 'stalkrisk[nonesuch]'")
