r"""Defects a new reader trips on, in every Markdown file a user reads.

The files are ``docs/**/*.md``, ``README.md``, ``CHANGELOG.md`` (the site's changelog page
includes it) and ``examples/**/*.md``. Three kinds of defect are caught:

- **A link whose text is a bare file name** (``[audit.md](audit.md)``): the text should say
  what the reader finds there (the page's title), not repeat the address. Exceptions are listed
  in ``FILE_NAME_LINKS`` or ``FILE_NAME_COLUMNS``, each with its reason.
- **A** ``\|`` **inside inline code in a table cell.** GitHub removes the backslash, but the
  site's Markdown (Python-Markdown's ``tables`` extension) does not: it already leaves a ``|``
  inside a code span out of the cell split, and backslash escapes do not apply inside code, so
  the site shows a literal ``\|``. The portable form is ``<code>text&#124;json</code>``. A bare
  ``|`` inside backticks is no fix: GitHub splits the cell there, which
  ``test_table_rows_keep_their_cells_on_github`` catches. Checked in the Markdown (rendered
  as the site renders it) and in the built site's HTML.
- **A** ``python examples/X.py ...`` **command without an argument its script requires.** Each
  script's own ``argparse`` parser is captured (in a subprocess, by stopping ``parse_args``
  before the script does anything) and parses each command shown, with ``[...]`` parts left
  out, and again with them in.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"

#: The Markdown extensions of mkdocs.yml that change how links, tables and code render.
EXTENSIONS = ["tables", "admonition", "attr_list", "pymdownx.superfences"]

#: (file, link text) -> reason: links whose text may stay a file name.
FILE_NAME_LINKS: dict[tuple[str, str], str] = {}

#: (file, table column header) -> reason: a column whose cells name files by their file name.
FILE_NAME_COLUMNS: dict[tuple[str, str], str] = {
    ("examples/README.md", "File"): (
        "the tables list the example and invalid case files; the file name is what a reader "
        "types on the command line"
    ),
    ("examples/court_software/README.md", "File"): (
        "the table lists the application's modules by file name, beside what each holds"
    ),
}

#: file -> reason: pages that may still show a ``\|`` in a table cell's code.
ESCAPED_PIPES: dict[str, str] = {}

_FILE_NAME = re.compile(
    r"[\w.~/-]*\.(?:md|json|jsonl|py|toml|csv|tsv|ipynb|txt|ya?ml|pem|parquet|arrow|html|sh)",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^ *(```|~~~).*?^ *\1", re.M | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_COMMAND = re.compile(r"python3? ((?:examples|benchmarks)/[\w/.-]+\.py)\b([^`\n]*)")


def _markdown_files() -> list[str]:
    files = [p for p in DOCS.rglob("*.md") if "_tools" not in p.relative_to(DOCS).parts]
    files += [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "examples").rglob("*.md")]
    return sorted(p.relative_to(ROOT).as_posix() for p in files)


FILES = _markdown_files()


def _read(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


# --- rendering ---------------------------------------------------------------------------------


@dataclass
class Link:
    """One rendered link, with the header of the table column it sits in (if any)."""

    href: str
    text: str
    column: str | None


@dataclass
class _Cell:
    header: str | None
    html: list[str]


class _Page(HTMLParser):
    """Collect a page's links, and the code spans inside table cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.cell_code: list[str] = []
        self._headers: list[str] = []
        self._column = -1
        self._in_head = False
        self._cell: _Cell | None = None
        self._link: tuple[str, list[str]] | None = None
        self._code: list[str] | None = None
        self._header_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._headers = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._column = -1
        elif tag in {"td", "th"}:
            self._column += 1
            if self._in_head:
                self._header_text = []
            else:
                header = self._headers[self._column] if self._column < len(self._headers) else None
                self._cell = _Cell(header, [])
        elif tag == "a":
            self._link = (dict(attrs).get("href") or "", [])
        elif tag == "code" and (self._cell is not None or self._header_text is not None):
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in {"td", "th"}:
            if self._header_text is not None:
                self._headers.append("".join(self._header_text).strip())
                self._header_text = None
            self._cell = None
        elif tag == "a" and self._link is not None:
            href, text = self._link
            column = self._cell.header if self._cell is not None else None
            self.links.append(Link(href, "".join(text).strip(), column))
            self._link = None
        elif tag == "code" and self._code is not None:
            self.cell_code.append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        for sink in (self._header_text, self._code, self._link[1] if self._link else None):
            if sink is not None:
                sink.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def render(text: str) -> _Page:
    """Render Markdown as the site does and collect its links and table-cell code."""
    return _parse(markdown.markdown(_COMMENT.sub("", text), extensions=EXTENSIONS))


def file_name_links(page: _Page) -> list[Link]:
    """The links whose text is nothing but a file name (or a path to one)."""
    return [link for link in page.links if _FILE_NAME.fullmatch(link.text)]


def escaped_pipes(page: _Page) -> list[str]:
    r"""The code spans in table cells that show a ``\|``."""
    return [code for code in page.cell_code if "\\|" in code]


# --- 1. links whose text is a file name --------------------------------------------------------


@pytest.mark.parametrize("rel", FILES)
def test_links_say_what_they_lead_to(rel: str) -> None:
    text = _read(rel)
    bad = []
    for link in file_name_links(render(text)):
        if (rel, link.text) in FILE_NAME_LINKS or (rel, link.column) in FILE_NAME_COLUMNS:
            continue
        bad.append(f"{rel}:{_line_of(text, '](' + link.href)}: [{link.text}]({link.href})")
    assert not bad, (
        "links whose text is a bare file name; give each the target's title or what the reader "
        "finds there:\n" + "\n".join(bad)
    )


def test_every_file_name_link_exception_is_still_needed() -> None:
    found = {(rel, link.text) for rel in FILES for link in file_name_links(render(_read(rel)))}
    stale = sorted(set(FILE_NAME_LINKS) - found)
    assert not stale, f"fixed, so take them out of FILE_NAME_LINKS: {stale}"
    columns = {(rel, link.column) for rel in FILES for link in file_name_links(render(_read(rel)))}
    assert not set(FILE_NAME_COLUMNS) - columns, "a FILE_NAME_COLUMNS entry matches nothing"
    for reason in [*FILE_NAME_LINKS.values(), *FILE_NAME_COLUMNS.values()]:
        assert len(reason) > 20, "every exception needs its reason"


def test_a_file_name_link_is_found_and_a_title_is_not() -> None:
    page = render(
        "See [audit.md](audit.md), [`examples/x.py`](../examples/x.py), "
        "[../README.md](../README.md#a) and [Overrides and audit records](audit.md), "
        "[`stalkrisk.Case`](api.md).\n\n"
        "| File | What |\n|---|---|\n| [a.json](a.json) | x |\n\n`[code.md](code.md)`\n"
    )
    found = [(link.text, link.column) for link in file_name_links(page)]
    assert found == [
        ("audit.md", None),
        ("examples/x.py", None),
        ("../README.md", None),
        ("a.json", "File"),
    ]


# --- 2. a \| inside inline code in a table cell ------------------------------------------------


@pytest.mark.parametrize("rel", FILES)
def test_table_cells_show_no_backslash_before_a_pipe(rel: str) -> None:
    shown = escaped_pipes(render(_read(rel)))
    if rel in ESCAPED_PIPES:
        assert shown, f"{rel} is fixed: take it out of ESCAPED_PIPES"
        return
    assert not shown, (
        f"{rel}: the site shows a literal \\| in these table cells (Python-Markdown keeps the "
        "backslash inside code); write <code>a&#124;b</code> instead of `a\\|b`, which works "
        "on GitHub and on the site:\n" + "\n".join(shown)
    )


def test_the_built_site_shows_no_backslash_before_a_pipe(site: tuple[Path, str]) -> None:
    out, _ = site
    pages = [p for p in FILES if p.startswith("docs/")]
    assert pages
    for rel in pages:
        page = Path(rel).relative_to("docs")
        folder = page.parent if page.name == "index.md" else page.with_suffix("")
        shown = escaped_pipes(_parse((out / folder / "index.html").read_text(encoding="utf-8")))
        assert bool(shown) == (rel in ESCAPED_PIPES), f"{rel}: {shown}"


def _gfm_cells(row: str) -> int:
    """How many cells GitHub splits a table row into: at every pipe not escaped, code or not."""
    row = row.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


def gfm_ragged_rows(text: str) -> list[tuple[int, int, int]]:
    """(line, cells, header cells) of each table row GitHub would split differently."""
    text = _FENCE.sub(lambda m: "\n" * m[0].count("\n"), _COMMENT.sub("", text))
    lines = text.splitlines()
    ragged = []
    i = 0
    while i + 1 < len(lines):
        header, rule = lines[i].strip(), lines[i + 1].strip()
        if header.startswith("|") and re.fullmatch(r"\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*", rule):
            width = _gfm_cells(header)
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                if _gfm_cells(lines[i]) != width:
                    ragged.append((i + 1, _gfm_cells(lines[i]), width))
                i += 1
        else:
            i += 1
    return ragged


@pytest.mark.parametrize("rel", FILES)
def test_table_rows_keep_their_cells_on_github(rel: str) -> None:
    ragged = gfm_ragged_rows(_read(rel))
    assert not ragged, (
        f"{rel}: GitHub splits a table row at every pipe that is not escaped, even inside "
        "backticks; write <code>a&#124;b</code>. Rows (line, cells, header's cells): "
        f"{ragged}"
    )


def test_a_pipe_in_a_table_cell_is_found() -> None:
    table = "| Command | What |\n|---|---|\n| `score [--format text\\|json]` | x |\n"
    assert escaped_pipes(render(table)) == ["score [--format text\\|json]"]
    portable = table.replace("`score [--format text\\|json]`", "<code>a&#124;b</code>")
    assert escaped_pipes(render(portable)) == []
    assert gfm_ragged_rows(portable) == []
    bare = table.replace("\\|", "|")
    assert escaped_pipes(render(bare)) == []  # the site renders it well...
    assert gfm_ragged_rows(bare) == [(3, 3, 2)]  # ...but GitHub does not


# --- 3. example commands given their required arguments ---------------------------------------

_CAPTURE = r"""
import argparse, contextlib, io, json, runpy, sys
from pathlib import Path

class Captured(Exception):
    pass

original = argparse.ArgumentParser.parse_known_args

def capture(self, *args, **kwargs):
    raise Captured(self)

results = {}
for script, commands in json.loads(sys.argv[1]).items():
    argparse.ArgumentParser.parse_known_args = capture
    sys.argv = [script]
    sys.path.insert(0, str(Path(script).parent))
    try:
        runpy.run_path(script, run_name="__main__")
    except Captured as got:
        parser = got.args[0]
    else:
        results[script] = "the script parsed no arguments"
        continue
    finally:
        argparse.ArgumentParser.parse_known_args = original
        sys.path.pop(0)
    problems = {}
    for argv in commands:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                parser.parse_args(argv)
            except SystemExit as exit:
                if exit.code:
                    problems[" ".join(argv)] = err.getvalue().strip().splitlines()[-1]
    results[script] = problems
print(json.dumps(results))
"""


def _variants(args: str) -> list[list[str]]:
    """The arguments without their ``[optional]`` parts, and with them."""
    bare = re.sub(r"\[[^\]]*\]", " ", args)
    full = args.replace("[", " ").replace("]", " ")
    return [bare.split(), full.split()] if bare != full else [full.split()]


def documented_commands(files: Iterable[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """Script -> (where, argv) for every ``python examples/X.py ...`` shown in the files."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for rel in files:
        text = _COMMENT.sub("", _read(rel))
        for match in _COMMAND.finditer(text):
            args = match[2].split(" #", 1)[0]  # a shell comment after the command
            where = f"{rel}:{text.count(chr(10), 0, match.start()) + 1}: {match[0].strip()}"
            for argv in _variants(args):
                found.setdefault(match[1], []).append((where, argv))
    return found


def check_commands(found: dict[str, list[tuple[str, list[str]]]]) -> list[str]:
    """Parse every command with its script's own parser; return the problems."""
    spec = {str(ROOT / script): [argv for _, argv in uses] for script, uses in found.items()}
    missing = [s for s in spec if not Path(s).is_file()]
    assert not missing, f"no such scripts: {missing}"
    result = subprocess.run(
        [sys.executable, "-c", _CAPTURE, json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    problems = []
    for script, uses in found.items():
        outcome = json.loads(result.stdout.splitlines()[-1])[str(ROOT / script)]
        if isinstance(outcome, str):
            problems.append(f"{script}: {outcome}")
            continue
        for where, argv in uses:
            if " ".join(argv) in outcome:
                problems.append(f"{where}: {outcome[' '.join(argv)]}")
    return problems


def test_example_commands_give_the_required_arguments() -> None:
    found = documented_commands(FILES)
    assert "examples/dask_batch.py" in found  # the commands are found at all
    problems = check_commands(found)
    assert not problems, "commands the script's own parser rejects:\n" + "\n".join(problems)


def test_a_missing_argument_is_found(tmp_path: Path) -> None:
    assert _variants(" OUT [--cases 2000]") == [["OUT"], ["OUT", "--cases", "2000"]]
    where = "x.md:1: python examples/dask_batch.py"
    problems = check_commands(
        {
            "examples/dask_batch.py": [(where, []), ("ok", ["OUT"])],
            "examples/compare_models.py": [("bad", ["--n", "many"])],
        }
    )
    assert len(problems) == 2
    assert problems[0].startswith(where)
    assert "required" in problems[0]
    assert problems[1].startswith("bad: ")
