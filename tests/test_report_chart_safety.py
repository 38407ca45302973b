"""stalkrisk.report charts: labels drawn as plain text, and a chart that fails never stops a report.

An instrument's labels are free text: ``$``, backslashes, ``^`` and ``_`` must be drawn as
written, never parsed as mathtext or TeX (an unbalanced ``$x^{$`` used to stop the report).
"""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import stalkrisk
from stalkrisk.report import render_report
from stalkrisk.report._chart import CHART_FAILED, contribution_svg
from stalkrisk.report._content import Context

pytest.importorskip("matplotlib")

BUNDLED_FILE = (
    Path(stalkrisk.__file__).resolve().parent
    / "instruments"
    / "data"
    / "stalkrisk-screen-1.0.0.toml"
)

#: Item labels for the first six items of the screen (all on the continued-stalking scale).
ITEM_LABELS = [
    r"Half $\frac{1}{2}$ of it",
    r"Open $x^{$ brace",
    r"Back\nslash",
    "snake_case_label",
    "100% sure",
    "One line: $a_b$ then more",
]
SCALE_TITLES = {
    "continued_stalking": r"Continued $\alpha$ stalking",
    "serious_harm": r"Serious $x^{$ harm",
}
LOW_BAND = r"Low_1 $\frac{1}{2}$"
LEFT_OUT = "the chart was left out because it could not be drawn"


def _instrument() -> stalkrisk.Instrument:
    data: dict[str, Any] = tomllib.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    data["id"] = "test-screen"
    for item, label in zip(data["items"], ITEM_LABELS, strict=False):
        item["label"] = label
    for scale in data["scales"]:
        scale["title"] = SCALE_TITLES[scale["id"]]
        scale["bands"][0]["label"] = LOW_BAND
    return stalkrisk.instrument_from_data(data, "test-screen.toml")


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)


def _glyphs(svg: str, text: str) -> list[str]:
    """The glyphs drawn for one text object, found by the comment matplotlib writes before it."""
    found = re.search(rf"<!-- {re.escape(text)} -->\n\s*<g transform=.*?</g>", svg, re.DOTALL)
    assert found is not None, text
    return re.findall(r'xlink:href="#([^"]+)"', found.group())


def _drawn_literally(svg: str, text: str) -> bool:
    """Whether every character is drawn as a glyph of its own (the same glyph for the same one).

    Mathtext would drop the ``$``, the braces and the command, and set variables in italic.
    """
    glyphs = _glyphs(svg, text)
    if len(glyphs) != len(text):
        return False
    return all(
        (a == b) == (g == h)
        for a, g in zip(text, glyphs, strict=True)
        for b, h in zip(text, glyphs, strict=True)
    )


@pytest.fixture(scope="module")
def scored() -> tuple[stalkrisk.Case, stalkrisk.Assessment, stalkrisk.Instrument]:
    inst = _instrument()
    case = stalkrisk.load_example("EX-01")
    return case, stalkrisk.score(case, inst), inst


@pytest.mark.parametrize("context", ["bail", "sentencing"])
def test_labels_with_math_characters_are_drawn_literally(
    scored: tuple[stalkrisk.Case, stalkrisk.Assessment, stalkrisk.Instrument], context: Context
) -> None:
    case, a, inst = scored
    page = render_report(a, context, "html", case=case, instrument=inst)
    assert 'class="chart-missing"' not in page
    svgs = _svgs(page)
    assert len(svgs) == len(a.scales) == 2
    for label in [*ITEM_LABELS, *SCALE_TITLES.values(), LOW_BAND]:
        assert html.escape(label) in page, label
    continued = next(s for s in svgs if "Continued $\\alpha$ stalking" in s)
    for label in ITEM_LABELS:  # each tick label: every $, backslash, ^, _ and % drawn as is
        for line in label.split("\n"):  # matplotlib draws a label line by line
            assert _drawn_literally(continued, line), line
    for svg in svgs:
        assert _drawn_literally(svg, LOW_BAND)
        assert "Oblique" not in svg  # mathtext sets variables in italic
    assert page == render_report(a, context, "html", case=case, instrument=inst)


def test_the_chart_figure_keeps_every_text_plain(
    scored: tuple[stalkrisk.Case, stalkrisk.Assessment, stalkrisk.Instrument],
) -> None:
    from matplotlib.text import Text

    _, a, inst = scored
    figure = stalkrisk.report.contribution_chart(a, "continued_stalking", instrument=inst)
    figure.canvas.draw()  # creates any tick labels that are made only when drawn
    texts = figure.findobj(Text)
    assert set(ITEM_LABELS) <= {t.get_text() for t in figure.axes[0].get_yticklabels()}
    assert figure.get_suptitle().startswith(SCALE_TITLES["continued_stalking"])
    assert not [t.get_text() for t in texts if t.get_parse_math() or t.get_usetex()]


def test_a_chart_that_raises_is_left_out_with_a_fixed_note(
    scored: tuple[stalkrisk.Case, stalkrisk.Assessment, stalkrisk.Instrument],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case, a, inst = scored

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Traceback (most recent call last): SECRET-CASE-DETAIL")

    monkeypatch.setattr("stalkrisk.report._chart._draw_items", boom)
    contexts: tuple[Context, ...] = ("bail", "sentencing")
    for context in contexts:
        page = render_report(a, context, "html", case=case, instrument=inst)
        assert page.startswith("<!DOCTYPE html>")
        assert page.rstrip().endswith("</html>")
        assert "<svg" not in page
        assert page.count(LEFT_OUT) == len(a.scales)
        assert "Traceback" not in page
        assert "SECRET-CASE-DETAIL" not in page
        assert "RuntimeError" not in page
    with pytest.raises(RuntimeError, match=f"^{re.escape(CHART_FAILED)}$") as exc:
        contribution_svg(a, "serious_harm", instrument=inst)
    assert "SECRET-CASE-DETAIL" in str(exc.value.__cause__)


def test_a_chart_renderer_that_raises_never_stops_the_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = stalkrisk.load_example("EX-01")
    a = stalkrisk.score(case)

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("SECRET-CASE-DETAIL")

    monkeypatch.setattr("stalkrisk.report.contribution_svg", boom)
    page = render_report(a, "bail", "html", case=case)
    assert page.count(LEFT_OUT) == len(a.scales)
    assert "SECRET-CASE-DETAIL" not in page
    assert page.rstrip().endswith("</html>")


def test_a_keyboard_interrupt_while_drawing_is_not_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = stalkrisk.load_example("EX-01")

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("stalkrisk.report._chart._draw_items", interrupt)
    with pytest.raises(KeyboardInterrupt):
        render_report(stalkrisk.score(case), "bail", "html", case=case)
