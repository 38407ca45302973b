"""Documents and files that must stay in step with the code."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.instruments import factors_markdown
from stalkrisk.schemas import case_json_schema_text

from .conftest import EXAMPLES, ROOT


def test_committed_case_schema_matches_code() -> None:
    committed = (ROOT / "docs" / "case-schema.json").read_text(encoding="utf-8")
    assert committed == case_json_schema_text(), (
        "docs/case-schema.json is stale: run `stalkrisk schema > docs/case-schema.json`"
    )


def test_committed_factor_table_matches_registry() -> None:
    committed = (ROOT / "docs" / "factors.md").read_text(encoding="utf-8")
    assert committed == factors_markdown(), (
        "docs/factors.md is stale: run `stalkrisk factors --format markdown > docs/factors.md`"
    )


def test_packaged_examples_are_the_repository_examples() -> None:
    packaged = Path(stalkrisk.__file__).parent / "_data" / "cases"
    repo = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert repo == sorted(p.name for p in packaged.glob("*.json"))
    for name in repo:
        assert (EXAMPLES / name).read_bytes() == (packaged / name).read_bytes(), name


def test_examples_are_fictional_and_named_by_id() -> None:
    for case in stalkrisk.load_examples():
        assert case.synthetic
    for path in EXAMPLES.glob("*.json"):
        case = stalkrisk.Case.model_validate_json(path.read_text())
        assert path.name.startswith(case.case_id + "-")


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    return [blocks[0].strip(), blocks[1].strip()]


def test_ci_runs_the_readme_commands() -> None:
    install_demo, install_test = _readme_commands()
    assert "stalkrisk demo" in install_demo
    assert "pytest" in install_test
    assert "mypy" in install_test
    assert "ruff check" in install_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install_demo in ci
    assert install_test in ci


def test_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)[0]
    assert len(code.strip().splitlines()) <= 12
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, "README.md", "exec"), {})
    assert "not a decision" in out.getvalue()


def test_changelog_mentions_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {stalkrisk.__version__}" in changelog


def test_cli_doc_example_is_real(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stalkrisk.cli import main

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.findall(r"```console\n(.*?)```", doc, flags=re.DOTALL)[0].splitlines()
    command, expected = block[0].removeprefix("$ stalkrisk ").split(), block[1]
    monkeypatch.chdir(ROOT)
    code = main(command)
    assert code == int(block[3])
    assert capsys.readouterr().err.strip() == expected


def test_examples_readme_table_matches_the_scorer() -> None:
    table = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (EX-\d\d) \|.*\| \*\*(.+?)\*\*[^|]*\| \*\*(.+?)\*\*[^|]*\| \*\*(.+?)\*\*.*\|$",
        table,
        re.M,
    )
    assert len(rows) == len(stalkrisk.example_ids())
    for case_id, *shown in rows:
        assessment = stalkrisk.score(stalkrisk.load_example(case_id))
        measured = [s.band.label if s.band else "Not scored" for s in assessment.scales]
        assert measured == shown, case_id


def test_local_links_in_markdown_point_at_files() -> None:
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "examples" / "README.md"]
    pages += sorted((ROOT / "docs").rglob("*.md"))
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
