"""Band shares of a bundled instrument on the study-matched synthetic caseload.

``python docs/_tools/bands.py`` rewrites the generated band-share block of each stalkrisk-screen
card (``docs/cards/``); ``tests/test_site.py`` checks that the committed blocks are current.
The caseload is :func:`stalkrisk.synthetic.cohort` (``n = 2,000``, ``seed = 0``): synthetic
cases whose marginals match the probation study of 80 cases. The shares say how the bands
divide a caseload like that one; they say nothing about outcomes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import stalkrisk
from stalkrisk.synthetic import cohort

ROOT = Path(__file__).resolve().parents[2]
CARDS = ROOT / "docs" / "cards"
N, SEED = 2_000, 0
BEGIN = "<!-- BEGIN GENERATED: python docs/_tools/bands.py -->"
END = "<!-- END GENERATED: bands -->"


def band_shares(instrument: stalkrisk.Instrument, n: int = N, seed: int = SEED) -> str:
    """Return the Markdown table of each scale's band shares on the synthetic caseload."""
    cases = list(cohort(n, seed=seed).cases)
    scores = stalkrisk.WeightedScorer(instrument).score_batch(cases)
    lines = [
        BEGIN,
        "",
        f"On `stalkrisk.synthetic.cohort({n:,}, seed={seed})`, a synthetic caseload matched to "
        "the probation study (computed bands, red flags included):",
        "",
        "| Scale | " + " | ".join(f"Band {k + 1}" for k in range(3)) + " | Not scored | "
        "Scored with unknown items |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores.scales:
        ids = s.band_ids()
        cells = [f"{b.label}: {100 * ids.count(b.id) / n:.1f}%" for b in s.bands]
        cells += [""] * (3 - len(cells))
        not_scored = 100 * ids.count(None) / n
        partial = 100 * float(((s.unknown_count > 0) & s.scored).sum()) / n
        lines.append(
            f"| {s.scale.title} (`{s.scale.id}`) | "
            + " | ".join(cells)
            + f" | {not_scored:.1f}% | {partial:.1f}% |"
        )
    lines += ["", END]
    return "\n".join(lines)


def block(text: str) -> str | None:
    """Return the generated band-share block of a card, or ``None`` when it has none."""
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, re.S)
    return None if match is None else match[0]


def card(instrument: stalkrisk.Instrument) -> Path:
    """Return the card page of a bundled stalkrisk-screen version."""
    newest = stalkrisk.bundled_instruments()[instrument.id]
    suffix = "" if newest.version == instrument.version else f"-{instrument.version}"
    return CARDS / f"{instrument.id}{suffix}.md"


def write() -> None:
    """Rewrite the band-share block of every card that has one."""
    for instrument in stalkrisk.bundled_instruments(all_versions=True).values():
        page = card(instrument)
        text = page.read_text(encoding="utf-8")
        old = block(text)
        if old is not None:
            page.write_text(text.replace(old, band_shares(instrument)), encoding="utf-8")


if __name__ == "__main__":
    write()
    sys.exit(0)
