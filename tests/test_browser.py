"""HTML reports in a real headless browser: on screen, at A4 widths, and printed to an A4 PDF.

Playwright drives the system's Chromium (``playwright install`` downloads browsers and cannot
work on these machines): the executable is ``$STALKRISK_CHROMIUM``, ``/usr/bin/chromium`` by
default. Without it the tests skip on a developer's machine and fail in CI (``CI`` set).
Set ``STALKRISK_BROWSER_SHOTS`` to a folder to keep a picture of each printed page 1 and each
PDF there, to look at.

Section titles are read from each report's HTML, never written here: the tests check how the
page renders, not what the report says.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

import stalkrisk
from stalkrisk.report import render_report

from .conftest import EXAMPLES

CHROMIUM = os.environ.get("STALKRISK_CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("STALKRISK_BROWSER_SHOTS")
NOTICE = stalkrisk.DECISION_SUPPORT_NOTICE

#: A4 in CSS pixels (96 per inch) and in PDF points (72 per inch).
MM = 96 / 25.4
A4_PX = (210 * MM, 297 * MM)
A4_PT = (210 * 72 / 25.4, 297 * 72 / 25.4)
#: The paper width as a viewport, the ~794 px a print preview lays a page out in.
PAPER_WIDTH = round(A4_PX[0])
_SCREEN: ViewportSize = {"width": PAPER_WIDTH, "height": round(A4_PX[1])}

#: Three bundled examples in both contexts, and the court example's case as it stood at each.
EXAMPLE_IDS = ("EX-01", "EX-04", "EX-07")
REPORTS = [(cid, ctx) for cid in (*EXAMPLE_IDS, "CT-21") for ctx in ("bail", "sentencing")]


@dataclass
class Report:
    case_id: str
    context: str
    path: Path
    source: str

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def source_h2(self) -> list[str]:
        """The ``<h2>`` titles in the order of the HTML source, as text."""
        found = re.findall(r"<h2\b[^>]*>(.*?)</h2>", self.source, flags=re.DOTALL)
        return [_flat(html.unescape(re.sub(r"<[^>]+>", "", h))) for h in found]

    def source_title(self) -> str:
        match = re.search(r"<title>(.*?)</title>", self.source, flags=re.DOTALL)
        assert match, "the page has no <title>"
        return _flat(html.unescape(match.group(1)))


@dataclass
class Opened:
    """A page with everything the browser reported while loading and rendering it."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _case(case_id: str, context: str) -> stalkrisk.Case:
    if case_id.startswith("EX-"):
        return stalkrisk.load_example(case_id)
    path = EXAMPLES / context / f"{case_id}-at-{context}.json"
    return stalkrisk.Case.model_validate_json(path.read_text())


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        why = f"Chromium is not at {CHROMIUM} (set STALKRISK_CHROMIUM, or apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: the browser tests must run in CI")
        pytest.skip(why)
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for the module; ``--no-sandbox`` because CI runs as root."""
    b = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",  # CI runs as root
            "--disable-dev-shm-usage",
            "--disable-gpu",
            # the machines have no outside network: no background connections to refuse
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    yield b
    b.close()


@pytest.fixture(scope="module", params=REPORTS, ids=[f"{cid}-{ctx}" for cid, ctx in REPORTS])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Report:
    case_id, context = request.param
    case = _case(case_id, context)
    page = render_report(stalkrisk.score(case), context, "html", case=case)
    path = tmp_path_factory.mktemp("browser") / f"{case_id}-{context}.html"
    path.write_text(page, encoding="utf-8")
    return Report(case_id, context, path, page)


@pytest.fixture(scope="module")
def loaded(browser: Browser, report: Report) -> Iterator[Opened]:
    """The report, opened once; each test lays it out as it needs (see ``opened``)."""
    context = browser.new_context(viewport=_SCREEN)
    page = context.new_page()
    seen = Opened(page)

    def console(msg: ConsoleMessage) -> None:
        if msg.type in ("error", "assert"):
            seen.errors.append(f"console {msg.type}: {msg.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
    page.on("request", lambda req: seen.requests.append(req.url))
    page.goto(report.url, wait_until="load")
    yield seen
    context.close()


@pytest.fixture
def opened(loaded: Opened) -> Opened:
    """The report on screen, at the paper's width, scrolled to the top."""
    page = loaded.page
    page.emulate_media(media="screen")
    page.set_viewport_size(_SCREEN)
    page.evaluate("() => window.scrollTo(0, 0)")
    return loaded


def _a4_content_box(page: Page) -> tuple[float, float]:
    """The width and height (CSS px) inside the page margins of the report's ``@page`` rule."""
    margins: dict[str, float] = page.evaluate(
        """() => {
          const rules = [...document.styleSheets].flatMap((s) => [...s.cssRules]);
          const page = rules.find((r) => r instanceof CSSPageRule && !r.selectorText);
          if (!page) return null;
          const px = (v) => {
            const d = document.createElement("div");
            d.style.cssText = "position:absolute;visibility:hidden;width:" + v;
            document.body.append(d);
            const w = d.getBoundingClientRect().width;
            d.remove();
            return w;
          };
          const s = page.style;
          return {size: s.size, top: px(s.marginTop), right: px(s.marginRight),
                  bottom: px(s.marginBottom), left: px(s.marginLeft)};
        }"""
    )
    assert margins, "no @page rule: the printed page's size and margins are not set"
    assert "a4" in str(margins["size"]).lower(), margins
    sides = ("top", "right", "bottom", "left")
    assert all(margins[k] >= 5 * MM for k in sides), f"page margins under 5 mm: {margins}"
    return (
        A4_PX[0] - margins["left"] - margins["right"],
        A4_PX[1] - margins["top"] - margins["bottom"],
    )


def _print_layout(page: Page) -> tuple[int, int]:
    """Lay the page out as printed: print media, the viewport the A4 page's content box."""
    page.emulate_media(media="print")
    width, height = _a4_content_box(page)
    size = (int(width), int(height))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    return size


_OVERFLOW_JS = """() => {
  const de = document.documentElement;
  const limit = de.clientWidth + 0.5;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.className && typeof e.className === "string" ? "." + e.className : "");
  const wide = [...document.querySelectorAll("body *:not(svg *)")]
    .filter((e) => { const r = e.getBoundingClientRect();
                     return r.width > 0 && (r.right > limit || r.left < -0.5); })
    .map((e) => name(e) + " " + Math.round(e.getBoundingClientRect().left) + ".."
         + Math.round(e.getBoundingClientRect().right));
  const cells = [...document.querySelectorAll("th, td, dd, dt, p, li, caption, figcaption")]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => name(e) + " " + e.scrollWidth + ">" + e.clientWidth);
  const tables = [...document.querySelectorAll("table")].map((t) => {
    const r = t.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, scroll: t.scrollWidth};
  });
  return {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, wide: wide.slice(0, 10),
          cells: cells.slice(0, 10), tables};
}"""


def _assert_no_horizontal_overflow(page: Page, where: str) -> None:
    got: dict[str, Any] = page.evaluate(_OVERFLOW_JS)
    assert got["scrollWidth"] <= got["clientWidth"], f"{where}: the page scrolls sideways {got}"
    assert not got["wide"], f"{where}: elements past the page's edges: {got['wide']}"
    assert not got["cells"], f"{where}: content overflows its box: {got['cells']}"
    assert got["tables"], f"{where}: the report has no table"
    for t in got["tables"]:
        assert t["left"] >= -0.5, f"{where}: a table starts left of the page {t}"
        assert t["right"] <= got["clientWidth"] + 0.5, f"{where}: a table is too wide {t}"


def test_page_loads_without_errors_or_outside_requests(opened: Opened, report: Report) -> None:
    page = opened.page
    assert opened.errors == []
    assert opened.requests == [report.url], "the page must be self-contained"
    title = page.title()
    assert title == report.source_title()
    assert report.case_id in title
    heading = _flat(page.locator("h1").inner_text())
    assert heading
    assert title.startswith(heading)
    assert page.locator("h1").is_visible()


def test_section_headings_are_visible_in_source_order(opened: Opened, report: Report) -> None:
    expected = report.source_h2()
    assert len(expected) >= 3, expected
    for media in ("screen", "print"):
        opened.page.emulate_media(media=media)
        got: list[dict[str, Any]] = opened.page.evaluate(
            """() => [...document.querySelectorAll("h2")].map((h) => {
                 const r = h.getBoundingClientRect();
                 return {text: h.innerText, top: r.top + window.scrollY, w: r.width,
                         h: r.height, shown: h.checkVisibility({visibilityProperty: true})};
               })"""
        )
        assert [_flat(h["text"]) for h in got] == expected, media
        assert all(h["shown"] and h["w"] > 0 and h["h"] > 0 for h in got), (media, got)
        tops = [h["top"] for h in got]
        assert tops == sorted(tops), f"{media}: headings are not laid out in source order"
        assert len(set(tops)) == len(tops), f"{media}: headings overlap: {tops}"
        for title in expected:
            heading = opened.page.get_by_role("heading", level=2, name=title, exact=True)
            assert heading.first.is_visible(), (media, title)


def _assert_notice_at_top_and_end(page: Page, page_height: float) -> None:
    notices = page.get_by_text(NOTICE, exact=True)
    assert notices.count() >= 2
    top, end = notices.first, notices.last
    assert top.is_visible()
    assert end.is_visible()
    text = _flat(page.locator("body").inner_text())
    first_h2 = _flat(page.locator("h2").first.inner_text())
    # Near the top: in the first blocks of text, before the first section and on page 1.
    assert text.index(NOTICE) < text.index(first_h2), "the notice comes after a section"
    blocks = [_flat(t) for t in page.locator("header > *").all_inner_texts()]
    assert NOTICE in blocks[:5], blocks
    box = top.bounding_box()
    assert box
    assert box["width"] > 0
    assert box["y"] + box["height"] <= page_height, "the notice is not on the first page"
    # At the end: the last text a reader sees.
    assert text.endswith(NOTICE), text[-300:]
    last_box, h2_box = end.bounding_box(), page.locator("h2").last.bounding_box()
    assert last_box
    assert h2_box
    assert last_box["y"] > h2_box["y"]


def test_decision_support_notice_is_at_the_top_and_at_the_end(opened: Opened) -> None:
    _assert_notice_at_top_and_end(opened.page, A4_PX[1])
    _, page_height = _print_layout(opened.page)
    _assert_notice_at_top_and_end(opened.page, page_height)


def test_inline_svg_charts_render_and_fit_the_page(opened: Opened, report: Report) -> None:
    page = opened.page
    assert "<svg" in report.source, "charts were requested but none were drawn"
    assert page.locator(".chart-missing").count() == 0
    expected = len(re.findall(r"<svg\b", report.source))

    def charts() -> dict[str, Any]:
        result: dict[str, Any] = page.evaluate(
            """() => ({width: document.documentElement.clientWidth,
                       svgs: [...document.querySelectorAll("svg:not(svg svg)")].map((s) => {
                         const r = s.getBoundingClientRect();
                         return {left: r.left, right: r.right, width: r.width,
                                 height: r.height, paths: s.querySelectorAll("path").length};
                       })})"""
        )
        return result

    page_height = A4_PX[1]
    for where in ("screen", "print"):
        if where == "print":
            _, page_height = _print_layout(page)
        got = charts()
        assert len(got["svgs"]) == expected, where
        for svg in got["svgs"]:
            assert svg["width"] > 50, (where, svg)
            assert svg["height"] > 50, (where, svg)
            assert svg["paths"] > 0, (where, svg)
            assert svg["left"] >= -0.5, (where, svg)
            assert svg["right"] <= got["width"] + 0.5, (where, svg)
            # A chart taller than a printed page's content box would be cut across pages.
            assert svg["height"] <= page_height, (where, svg)


def test_nothing_overflows_at_a4_widths(opened: Opened) -> None:
    page = opened.page
    _assert_no_horizontal_overflow(page, f"screen at {PAPER_WIDTH}px")
    page.emulate_media(media="print")
    _assert_no_horizontal_overflow(page, f"print at {PAPER_WIDTH}px")
    width, _ = _print_layout(page)
    _assert_no_horizontal_overflow(page, f"print inside the A4 margins ({width}px)")


def test_prints_to_an_a4_pdf(opened: Opened, report: Report) -> None:
    page = opened.page
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
    assert len(pages) >= 1
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert counts, "no page tree"
    assert max(counts) == len(pages)
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]", pdf)
    assert boxes, "no MediaBox"
    for box in boxes:
        x0, y0, x1, y1 = (float(v) for v in box.split())
        size = (x1 - x0, y1 - y0)
        # Chromium rounds the paper to whole pixels: within 1.5 pt of 595.3 x 841.9.
        assert abs(size[0] - A4_PT[0]) < 1.5, size
        assert abs(size[1] - A4_PT[1]) < 1.5, size
    assert opened.errors == [], "errors while the page was laid out and printed"
    if SHOTS:
        shots = Path(SHOTS)
        shots.mkdir(parents=True, exist_ok=True)
        stem = f"{report.case_id}-{report.context}"
        (shots / f"{stem}.pdf").write_bytes(pdf)
        _print_layout(page)
        page.screenshot(path=shots / f"{stem}-print-page1.png")
