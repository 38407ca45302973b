"""Render a report :class:`Document` as one self-contained HTML page.

No scripts, no external fonts, styles or images: the page works offline and prints on A4.
Every piece of text is escaped; the only markup not written here is the chart's SVG, which
matplotlib writes from the assessment's numbers and labels (its text drawn as paths).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

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

__all__ = ["CSS", "ChartRenderer", "render_html", "section_html"]

_log = logging.getLogger(__name__)

#: Draws a chart: returns ``(svg, None)``, or ``(None, why it was left out)``.
ChartRenderer = Callable[[Chart], tuple[str | None, str | None]]

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f2; color: #1a1a1a;
  font: 16px/1.5 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
main { max-width: 58rem; margin: 0 auto; padding: 2rem 2.5rem 3rem; background: #fff; }
h1 { font-size: 1.6em; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.25em; margin: 2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid #2f4f7f; }
h3 { font-size: 1.08em; margin: 1.5rem 0 .5rem; }
p { margin: .5rem 0; }
.subtitle { margin: 0 0 1rem; color: #444; font-size: 1.05em; }
.notice { border: 2px solid #2f4f7f; background: #eef2f8; padding: .6rem .9rem;
  font-weight: 600; }
.warning { border-left: 5px solid #b8860b; background: #fff8e6; padding: .45rem .8rem; }
.muted { color: #555; font-size: .93em; }
.override { border-left: 5px solid #5b3f8c; background: #f3effa; padding: .35rem .8rem;
  margin: 0; }
.override + p:not(.override) { margin-top: .6rem; }
ul { margin: .4rem 0 .8rem; padding-left: 1.4rem; }
li { margin: .2rem 0; }
dl { display: grid; grid-template-columns: minmax(10rem, max-content) 1fr; gap: .2rem 1rem;
  margin: .6rem 0; }
dt { font-weight: 600; color: #333; }
dd { margin: 0; overflow-wrap: anywhere; }
.hash { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace;
  font-size: .82em; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .93em; }
caption { text-align: left; font-weight: 600; padding: .2rem 0 .35rem; }
th, td { border: 1px solid #c9c9c9; padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #e9edf3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.emphasis td { background: #fff3d6; }
figure { margin: .8rem 0 1.2rem; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: .9em; color: #444; }
.chart-missing { border: 1px dashed #888; padding: .5rem .8rem; color: #333; }
nav { font-size: .95em; border: 1px solid #ddd; padding: .4rem 1rem; margin: 1rem 0; }
nav ol { margin: .3rem 0; padding-left: 1.4rem; columns: 2; }
a { color: #1f4e8c; }
footer { margin-top: 2rem; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { background: #fff; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .notice, .warning, dl { break-inside: avoid; page-break-inside: avoid; }
  p:has(+ ul), p:has(+ dl), p:has(+ table) { break-after: avoid; page-break-after: avoid; }
  table { font-size: 9pt; }
  .notice, .warning, .override, th, tr.emphasis td, figure svg {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
""".strip()

_HASH_KEYS = ("sha256",)


def _para(p: Para) -> str:
    cls = "" if p.style == "normal" else f' class="{p.style}"'
    role = ' role="note"' if p.style in ("notice", "warning") else ""
    return f"<p{cls}{role}>{escape(p.text)}</p>"


def _table(t: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in t.header)
    rows = []
    for n, row in enumerate(t.rows):
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if i in t.numeric else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        cls = ' class="emphasis"' if n in t.emphasis else ""
        rows.append(f"<tr{cls}>{cells}</tr>")
    caption = f"<caption>{escape(t.caption)}</caption>" if t.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _keyvalues(kv: KeyValues) -> str:
    parts = []
    for key, value in kv.pairs:
        cls = ' class="hash"' if any(k in key.lower() for k in _HASH_KEYS) else ""
        parts.append(f"<dt>{escape(key)}</dt><dd{cls}>{escape(value)}</dd>")
    return f"<dl>{''.join(parts)}</dl>"


def _draw(c: Chart, draw: ChartRenderer | None) -> tuple[str | None, str | None]:
    """Draw one chart; a chart that fails is left out, and never stops the report."""
    if draw is None:
        return None, "charts were not requested"
    try:
        return draw(c)
    except Exception as exc:  # a fixed note: an exception's text could carry case data
        _log.warning("a chart was left out: drawing it raised %s", type(exc).__name__)
        return None, None


def _chart(c: Chart, draw: ChartRenderer | None) -> str:
    svg, why = _draw(c, draw)
    caption = f"<figcaption>{escape(c.title)}.</figcaption>"
    if svg is None:
        return (
            f'<p class="chart-missing" role="note">{escape(c.title)}: the chart was left '
            f"out because {escape(why or 'it could not be drawn')}. Every number it would "
            "show is in the table above.</p>"
        )
    return f'<figure role="img" aria-label="{escape(c.title)}">{svg}{caption}</figure>'


def _block(b: Block, draw: ChartRenderer | None) -> str:
    if isinstance(b, Para):
        return _para(b)
    if isinstance(b, Bullets):
        if not b.items:
            return f"<p>{escape(b.empty)}</p>"
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, KeyValues):
        return _keyvalues(b)
    if isinstance(b, Table):
        return _table(b)
    return _chart(b, draw)


def section_html(s: Section, draw: ChartRenderer | None = None) -> str:
    """Return one section as an HTML ``<section>`` (a fragment, for notebooks too)."""
    body = "\n".join(_block(b, draw) for b in s.blocks)
    tag = f"h{s.level}"
    return (
        f'<section id="{escape(s.anchor)}">\n<{tag}>{escape(s.title)}</{tag}>\n{body}\n</section>'
    )


def render_html(doc: Document, draw: ChartRenderer | None = None) -> str:
    """Return the document as a complete, self-contained HTML page."""
    contents = "".join(
        f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a></li>'
        for s in doc.sections
        if s.level == 2
    )
    sections = "\n".join(section_html(s, draw) for s in doc.sections)
    banner = "\n".join(_para(p) for p in doc.banner)
    footer = "\n".join(_para(p) for p in doc.footer)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(doc.title)}: {escape(doc.subtitle)}</title>\n"
        f"<style>\n{CSS}\n</style>\n</head>\n<body>\n<main>\n"
        f"<header>\n<h1>{escape(doc.title)}</h1>\n"
        f'<p class="subtitle">{escape(doc.subtitle)}</p>\n{banner}\n</header>\n'
        f'<nav aria-label="Contents"><strong>Contents</strong><ol>{contents}</ol></nav>\n'
        f"{sections}\n<footer>\n{footer}\n</footer>\n</main>\n</body>\n</html>\n"
    )
