"""A format-neutral report: sections of paragraphs, lists, tables and charts.

The builder (``_content``) decides what a report says; the renderers (text, Markdown, HTML)
decide only how it looks, so the three formats always carry the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Block", "Bullets", "Chart", "Document", "KeyValues", "Para", "Section", "Table"]

Style = Literal["normal", "notice", "warning", "muted", "override"]


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text."""

    text: str
    style: Style = "normal"


@dataclass(frozen=True)
class Bullets:
    """A list of plain-text items."""

    items: tuple[str, ...]
    empty: str = "None."
    """What to say when there are no items."""


@dataclass(frozen=True)
class KeyValues:
    """Labelled values, e.g. the case id and the instrument."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table of plain text; ``numeric`` lists the columns to right-align."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None
    numeric: tuple[int, ...] = ()
    emphasis: tuple[int, ...] = ()
    """Rows to emphasise (e.g. items that scored, or unknown items)."""


@dataclass(frozen=True)
class Chart:
    """A scale's contribution chart; the HTML renderer draws it, the others point to it."""

    scale_id: str
    title: str


Block = Para | Bullets | KeyValues | Table | Chart


@dataclass(frozen=True)
class Section:
    """A titled part of a report; ``level`` 2 is a main section, 3 a subsection."""

    title: str
    blocks: tuple[Block, ...]
    anchor: str
    level: int = 2


@dataclass(frozen=True)
class Document:
    """A whole report."""

    title: str
    subtitle: str
    banner: tuple[Para, ...]
    """Shown before everything else: the synthetic marker and the decision-support notice."""
    sections: tuple[Section, ...]
    footer: tuple[Para, ...] = field(default=())
