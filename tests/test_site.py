"""The documentation site: it builds strictly, and its generated pages match the code.

``mkdocs build --strict`` (the command the docs give) turns every warning into an error: a
broken link or anchor, a page left out of the navigation, a bad reference in a docstring, a
missing file included by ``--8<--``. mkdocs comes with the ``docs`` extra, part of ``dev``;
without it this test fails rather than skips.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

import stalkrisk
from stalkrisk.instruments import factors_markdown

from .conftest import ROOT

DOCS = ROOT / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / "_tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pages = _load("pages")
bands = _load("bands")
hooks = _load("hooks")


def test_the_site_builds_strictly_with_every_page(site: tuple[Path, str]) -> None:
    out, log = site
    assert "WARNING" not in log
    assert "Documentation built" in log
    for page in DOCS.rglob("*.md"):
        rel = page.relative_to(DOCS)
        if rel.parts[0] == "_tools":
            continue
        folder = rel.parent if rel.name == "index.md" else rel.with_suffix("")
        html = out / folder / "index.html"
        assert html.is_file(), f"{rel} was not built"
    for data in (
        "case-schema.json",
        "record-schema.json",
        "instrument-schema.json",
        "judgement-schema.json",
    ):
        assert (out / data).is_file()


def test_the_pages_say_what_they_should(site: tuple[Path, str]) -> None:
    out, _ = site
    api = (out / "reference" / "api" / "stalkrisk" / "index.html").read_text(encoding="utf-8")
    for name in set(stalkrisk.__all__) - {"__version__"}:  # __version__: named in the text
        # the function stalkrisk.explain shares its name with its module, and is shown from it
        anchor = "stalkrisk.explain.explain" if name == "explain" else f"stalkrisk.{name}"
        assert f'id="{anchor}"' in api, f"{name} has no entry on the API page"
    assert ":class:" not in api  # Sphinx roles are rendered as code
    changelog = (out / "changelog" / "index.html").read_text(encoding="utf-8")
    assert f"{stalkrisk.__version__}" in changelog
    assert "--8&lt;--" not in changelog
    screen = (out / "cards" / "stalkrisk-screen" / "index.html").read_text(encoding="utf-8")
    assert "not validated on outcomes" in screen
    assert "Validating and calibrating it locally" in screen


def test_the_site_needs_nothing_from_the_network(site: tuple[Path, str]) -> None:
    out, _ = site
    remote = re.compile(r"<(?:link|script|img)\b[^>]*\b(?:href|src)=\"(?:https?:)?//", re.I)
    for html in out.rglob("*.html"):
        found = remote.search(html.read_text(encoding="utf-8"))
        assert found is None, f"{html.relative_to(out)} loads {found[0] if found else ''}"


def test_committed_case_fields_page_matches_the_schema() -> None:
    committed = pages.CASE_FIELDS_PAGE.read_text(encoding="utf-8")
    assert committed == pages.case_fields_markdown(), (
        "docs/reference/case-fields.md is stale: run `python docs/_tools/pages.py`"
    )


def test_case_fields_name_the_factors_they_feed() -> None:
    feeds = pages.fields_feeding_factors()
    assert feeds["episode.threats.to_kill"] == [
        "threats_of_violence_recent",
        "threats_to_kill_recent",
    ]
    assert "strangulation" in feeds["relationship.domestic_abuse.strangulation"]
    assert feeds["history.convictions[].age"] == ["early_onset"]
    assert feeds["case_id"] == []
    fed = {name for names in feeds.values() for name in names}
    assert fed == set(stalkrisk.FACTORS), "a factor is fed by no field"


def test_committed_band_shares_match_the_synthetic_caseload() -> None:
    """The band shares each stalkrisk-screen card publishes are what the instrument gives."""
    shown = 0
    for instrument in stalkrisk.bundled_instruments(all_versions=True).values():
        page = bands.card(instrument) if instrument.id == "stalkrisk-screen" else None
        if page is None:
            continue
        block = bands.block(page.read_text(encoding="utf-8"))
        assert block == bands.band_shares(instrument), (
            f"{page.relative_to(ROOT)} is stale: run `python docs/_tools/bands.py`"
        )
        shown += 1
    assert shown == 2  # 1.0.0 (superseded) and 2.0.0


def test_no_band_of_the_default_screen_holds_most_of_the_caseload() -> None:
    """Issue 13: on a study-matched caseload no band holds most cases, and each a real share."""
    cases = list(stalkrisk.synthetic.cohort(bands.N, seed=bands.SEED).cases)
    scores = stalkrisk.WeightedScorer().score_batch(cases)
    for s in scores.scales:
        ids = s.band_ids()
        for band in s.bands:
            share = ids.count(band.id) / len(ids)
            assert 0.10 <= share < 0.50, (s.scale.id, band.id, share)


def test_committed_instrument_cards_match_the_instruments() -> None:
    for instrument in stalkrisk.bundled_instruments(all_versions=True).values():
        page = pages.card_path(instrument.id, instrument.version)
        block = pages.card_block(page.read_text(encoding="utf-8"))
        assert block == pages.card_markdown(instrument), (
            f"{page.relative_to(ROOT)} is stale: run `python docs/_tools/pages.py`"
        )
        assert instrument.sha256 in block
        for item in instrument.items:
            assert f"(`{item.id}`)" in block


def test_factor_registry_names_the_instruments_that_use_each_factor() -> None:
    rows = {
        m[1]: m[2] for m in re.finditer(r"^\| `(\w+)` \|.*\| ([^|]+) \|$", factors_markdown(), re.M)
    }
    assert len(rows) == len(stalkrisk.FACTORS)
    assert rows["threats_to_kill_recent"].strip() == (
        "`stalkrisk-screen`, `stalkrisk-screen@1.0.0`"
    )
    assert rows["weapons"].strip() == "`stalkrisk-screen@1.0.0`"  # 2.0.0 splits use and access
    assert rows["ogrs3_copas_rate"].strip() == "`ogrs3`"
    assert rows["perpetrator_sex"].strip() == "`ogrs3`"
    assert rows["jealousy"].strip() == "none"


def test_links_out_of_docs_become_repository_paths(caplog: pytest.LogCaptureFixture) -> None:
    config = {"docs_dir": str(DOCS), "config_file_path": str(ROOT / "mkdocs.yml")}
    page = SimpleNamespace(file=SimpleNamespace(src_uri="guides/bail.md"))
    text = (
        "[the script](../../examples/bail_decision.py), [a page](../cli.md), "
        "[`examples/README.md`](../../examples/README.md)\n```text\n[x](../../nowhere.md)\n```\n"
    )
    out = hooks.on_page_markdown(text, page, config, None)
    assert "the script (`examples/bail_decision.py` in the repository)" in out
    assert "[a page](../cli.md)" in out  # inside docs/: left to MkDocs
    assert "`examples/README.md` (in the repository)" in out
    assert "[x](../../nowhere.md)" in out  # code blocks are left alone
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.stalkrisk"):
        hooks.on_page_markdown("[gone](../../no-such-file.md)", page, config, None)
    assert "no-such-file.md, which does not exist" in caplog.text


def test_sphinx_roles_become_code() -> None:
    html = "see :class:<code>~stalkrisk.Case</code> and :func:<code>stalkrisk.score</code>"
    assert hooks.on_page_content(html, None, None, None) == (
        "see <code>Case</code> and <code>stalkrisk.score</code>"
    )
