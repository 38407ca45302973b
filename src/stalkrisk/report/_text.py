"""Render a report :class:`Document` as plain text (78 columns) or as Markdown (one each)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from stalkrisk.report._document import (
    Block,
    Bullets,
    Chart,
    Document,
    KeyValues,
    Para,
    Section,
    Table,
)

__all__ = ["document_markdown", "document_text"]

WIDTH = 78
CHART_NOTE = "[Chart: {title}. The chart is drawn in the HTML report.]"


# --- plain text -------------------------------------------------------------------------------


def _fill(text: str, indent: str = "", hanging: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _para_text(p: Para) -> list[str]:
    if p.style == "notice":
        rule = "*" * WIDTH
        return [rule, *textwrap.wrap(p.text, WIDTH), rule]
    if p.style == "warning":
        return _fill(p.text, "! ", "  ")
    if p.style == "override":
        return _fill(p.text, "> ", "  ")
    return _fill(p.text)


def _widths(rows: Sequence[Sequence[str]], available: int) -> list[int]:
    """Return column widths: natural when they fit.

    Otherwise each column gets its longest word plus a share of the spare room in proportion
    to how much wider it would like to be.
    """
    ncol = len(rows[0])
    natural = [max(len(r[i]) for r in rows) for i in range(ncol)]
    if sum(natural) <= available:
        return natural
    minimum = [max([3, *(len(word) for r in rows for word in r[i].split())]) for i in range(ncol)]
    spare = available - sum(minimum)
    deficits = [max(n - m, 0) for n, m in zip(natural, minimum, strict=True)]
    if spare <= 0 or not sum(deficits):
        return minimum
    return [m + spare * d // sum(deficits) for m, d in zip(minimum, deficits, strict=True)]


def _table_text(t: Table) -> list[str]:
    lines: list[str] = []
    if t.caption:
        lines += _fill(t.caption + ":")
    rows = [t.header, *t.rows]
    gap = 2
    widths = _widths(rows, WIDTH - gap * (len(t.header) - 1))
    for n, row in enumerate(rows):
        cells = [textwrap.wrap(cell, w) or [""] for cell, w in zip(row, widths, strict=True)]
        height = max(len(c) for c in cells)
        for k in range(height):
            parts = []
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
                text = cell[k] if k < len(cell) else ""
                parts.append(text.rjust(w) if i in t.numeric and n else text.ljust(w))
            lines.append((" " * gap).join(parts).rstrip())
        if n == 0:
            lines.append((" " * gap).join("-" * w for w in widths))
    return lines


def _block_text(b: Block) -> list[str]:
    if isinstance(b, Para):
        return _para_text(b)
    if isinstance(b, Bullets):
        if not b.items:
            return _fill(b.empty, "  ")
        out: list[str] = []
        for item in b.items:
            out += _fill(item, "  - ", "    ")
        return out
    if isinstance(b, KeyValues):
        width = min(max(len(k) for k, _ in b.pairs) + 2, 26)
        out = []
        for key, value in b.pairs:
            label = f"{key}:"
            unbreakable = " " not in value and len(value) > WIDTH - width
            if len(label) < width and not unbreakable:
                out += _fill(value, label.ljust(width), " " * width)
            else:  # a long label, or a hash that must not be broken
                out += [label, *_fill(value, "  ")]
        return out
    if isinstance(b, Table):
        return _table_text(b)
    return _fill(CHART_NOTE.format(title=b.title))


def _section_text(s: Section) -> list[str]:
    rule = "=" if s.level == 2 else "-"
    lines = [s.title, rule * len(s.title), ""]
    for b in s.blocks:
        lines += _block_text(b)
        lines.append("")
    return lines


def document_text(doc: Document) -> str:
    """Return the document as plain text, 78 columns wide.

    The one plain-text renderer of report documents: :func:`stalkrisk.report.render_report`
    with ``format="text"`` calls it. (:func:`stalkrisk.render_text` is not a document: it is
    the explanation of one assessment that ``stalkrisk score`` prints.)
    """
    lines = [doc.title.upper(), doc.subtitle, ""]
    for p in doc.banner:
        lines += _para_text(p)
        lines.append("")
    for s in doc.sections:
        lines += _section_text(s)
    for p in doc.footer:
        lines += _para_text(p)
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


# --- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(text: str) -> str:
    """Escape ``text`` so Markdown shows it literally (no markup, no raw HTML)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
    return re.sub(r"^(\d+)\.", r"\1\\.", escaped)


def _block_md(b: Block) -> list[str]:
    if isinstance(b, Para):
        if b.style == "notice":
            return [f"> **{md(b.text)}**"]
        if b.style in ("warning", "override"):
            return [f"> {md(b.text)}"]
        if b.style == "muted":
            return [f"*{md(b.text)}*"]
        return [md(b.text)]
    if isinstance(b, Bullets):
        return [f"- {md(i)}" for i in b.items] if b.items else [f"- {md(b.empty)}"]
    if isinstance(b, KeyValues):
        return [f"- **{md(k)}:** {md(v)}" for k, v in b.pairs]
    if isinstance(b, Table):
        lines = [f"*{md(b.caption)}*", ""] if b.caption else []
        lines.append("| " + " | ".join(md(h) for h in b.header) + " |")
        lines.append(
            "|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.header))) + "|"
        )
        lines += ["| " + " | ".join(md(c) or " " for c in row) + " |" for row in b.rows]
        return lines
    assert isinstance(b, Chart)
    return [f"*{md(CHART_NOTE.format(title=b.title))}*"]


def document_markdown(doc: Document) -> str:
    """Return the document as CommonMark with GitHub-style tables; every value is escaped."""
    lines = [f"# {md(doc.title)}", "", f"**{md(doc.subtitle)}**", ""]
    for p in doc.banner:
        lines += _block_md(p)
        lines.append("")
    for s in doc.sections:
        lines += [f"{'#' * s.level} {md(s.title)}", ""]
        for b in s.blocks:
            lines += _block_md(b)
            lines.append("")
    for p in doc.footer:
        lines += _block_md(p)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
