"""Generate the parts of the documentation that are read from the code and the data files.

Two kinds of page are generated, so that they cannot drift from what the library does:

- ``docs/reference/case-fields.md``: every field of the case schema (from the JSON Schema that
  ``stalkrisk schema`` prints), with its meaning, type, constraints, default and the factors it
  feeds. Which factors a field feeds is *measured*, not written by hand: each field is set to
  each of a range of valid values in a set of base cases, and every factor whose value changes
  is recorded.
- The generated blocks of the instrument cards in ``docs/cards/``: the items with their points
  and evidence, the scales, bands, red flags and missing-data rules, read from the bundled
  instrument files. The narrative around each block is written by hand.

``tests/test_site.py`` checks that the committed pages equal what this module generates. To
regenerate them after changing the schema, the factor registry or an instrument file::

    python docs/_tools/pages.py
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import stalkrisk
from stalkrisk.features import FACTORS, FactorKind, evaluate_factors
from stalkrisk.instruments import Instrument
from stalkrisk.synthetic import cohort

DOCS = Path(__file__).resolve().parent.parent
CASE_FIELDS_PAGE = DOCS / "reference" / "case-fields.md"
CARDS = DOCS / "cards"
CARD_BEGIN = "<!-- BEGIN GENERATED: python docs/_tools/pages.py -->"
CARD_END = "<!-- END GENERATED -->"

#: Groups of DOMAIN.md, by the letter that starts a factor's group.
GROUP_NAMES = {
    "A": "A criminal history",
    "B": "B stalking episode",
    "C": "C relationship",
    "D": "D perpetrator",
    "E": "E victim",
}

#: A probe value: a list with each of its entries repeated.
DOUBLE = "<each entry twice>"

#: Fields set together with a probed field, so that the probe can pass the cross-field rules.
COMPANIONS: dict[str, dict[str, Any]] = {
    "history.convictions[].age": {
        "history.convictions[].date": None,
        "history.age_at_first_conviction": None,
    },
}

#: Values to try for string fields that have no enumeration or format.
STRING_PROBES: dict[str, list[str]] = {
    "current_offence.home_office_code": ["092/30", "008/01", "105/01", "028/01", "999/99"],
}

# --- the case schema --------------------------------------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = schema["$defs"][name]
    return resolved


def _options(schema: dict[str, Any], node: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Split ``anyOf [X, null]`` into ``[X]`` and whether null is allowed."""
    if "anyOf" in node:
        parts = [p for p in node["anyOf"] if p.get("type") != "null"]
        nullable = len(parts) < len(node["anyOf"])
        return [_resolve(schema, p) for p in parts], nullable
    return [_resolve(schema, node)], False


def _is_object(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" and "properties" in node


def _leaves(
    schema: dict[str, Any], node: dict[str, Any], path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], dict[str, Any]]]:
    """Yield (path, the property's own schema, its resolved schema) for every leaf field."""
    for name, prop in node["properties"].items():
        here = (*path, name)
        (target,), _ = _options(schema, prop)
        if _is_object(target):
            yield from _leaves(schema, target, here)
        elif target.get("type") == "array" and _is_object(_resolve(schema, target["items"])):
            yield here, prop, target
            yield from _leaves(schema, _resolve(schema, target["items"]), (*here, "[]"))
        elif target.get("type") == "object" and "patternProperties" in target:
            (value,) = target["patternProperties"].values()
            yield here, prop, target
            yield from _leaves(schema, _resolve(schema, value), (*here, "{}"))
        else:
            yield here, prop, target


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _describe_type(schema: dict[str, Any], prop: dict[str, Any]) -> str:
    """Describe the type and constraints of a leaf field in words."""
    targets, nullable = _options(schema, prop)
    (t,) = targets
    text = _describe_value(schema, t)
    return f"{text}; or `null`" if nullable else text


def _describe_value(schema: dict[str, Any], t: dict[str, Any]) -> str:
    if "enum" in t:
        return "one of " + ", ".join(f"`{v}`" for v in t["enum"])
    if "const" in t:
        return f"`{t['const']}`"
    kind = t.get("type")
    if kind == "array":
        item = _resolve(schema, t["items"])
        if _is_object(item):
            text = f"list of {item.get('title', 'objects')} entries (the `[]` rows below)"
        else:
            text = f"list of ({_describe_value(schema, item)})"
        limits = []
        if "minItems" in t:
            limits.append(f"at least {t['minItems']}")
        if "maxItems" in t:
            limits.append(f"at most {t['maxItems']}")
        if t.get("uniqueItems"):
            limits.append("no repeats")
        return text + (f", {', '.join(limits)} entries" if limits else "")
    if kind == "string" and t.get("format") == "date":
        return "date (`YYYY-MM-DD`)"
    if kind == "string":
        parts = ["text"]
        if "pattern" in t:
            parts.append(f"matching `{t['pattern']}`")
        if "maxLength" in t:
            parts.append(f"at most {t['maxLength']} characters")
        return ", ".join(parts)
    if kind in ("integer", "number"):
        word = "whole number" if kind == "integer" else "number"
        low, high = t.get("minimum"), t.get("maximum")
        if low is not None and high is not None:
            return f"{word}, {_num(low)} to {_num(high)}"
        if low is not None:
            return f"{word}, at least {_num(low)}"
        if high is not None:
            return f"{word}, at most {_num(high)}"
        return word
    if kind == "boolean":
        return "`true` or `false`"
    if kind == "object" and "patternProperties" in t:
        text = (
            "map from a fact's field path (such as `episode.threats.to_kill` or "
            "`history.convictions[0]`) to an entry (the `{}` rows below)"
        )
        return text + (f", at most {t['maxProperties']} entries" if "maxProperties" in t else "")
    raise ValueError(f"no description for the schema {t}")


def _probe_values(
    schema: dict[str, Any], path: tuple[str, ...], prop: dict[str, Any]
) -> list[Any] | None:
    """Return valid values to try for a field (None for identifiers, which feed no factor)."""
    dotted = ".".join(path)
    if dotted in ("case_id", "schema_version"):
        return None
    targets, nullable = _options(schema, prop)
    (t,) = targets
    values = _values_of(schema, t, dotted)
    return [*values, None] if nullable else values


def _values_of(schema: dict[str, Any], t: dict[str, Any], dotted: str) -> list[Any]:
    if "enum" in t:
        return list(t["enum"])
    kind = t.get("type")
    if kind == "array":
        item = _resolve(schema, t["items"])
        if _is_object(item):
            return [[], DOUBLE]
        singles = [[v] for v in _values_of(schema, item, dotted)]
        return [[], *singles]
    if kind == "string" and t.get("format") == "date":
        return ["dates"]  # expanded against each base case's assessment date
    if kind == "string":
        return STRING_PROBES.get(dotted, [])
    if kind in ("integer", "number"):
        low, high = t.get("minimum", 0), t.get("maximum", 500)
        grid = [0, 1, 2, 3, 5, 10, 16, 17, 18, 20, 25, 40, 60]
        return [v for v in grid if low <= v <= high]
    if kind == "boolean":
        return [True, False]
    return []


def _dates(assessment: str, later: bool) -> list[str]:
    """Dates on or before the assessment date (after it too, to probe the assessment date)."""
    day = dt.date.fromisoformat(assessment)
    days = (0, 7, 20, 200, 400, 2000, 6000)
    if later:
        days = (*days, -7, -200, -400, -2000)
    return [(day - dt.timedelta(days=d)).isoformat() for d in days]


def _set(data: Any, path: tuple[str, ...], value: Any) -> bool:
    """Set ``path`` (``[]`` for every entry of a list) in ``data``; False if it is not there."""
    head, rest = path[0], path[1:]
    if head == "[]":
        if not isinstance(data, list) or not data:
            return False
        return all([_set(entry, rest, value) for entry in data])  # noqa: C419 (set every entry)
    if not rest:
        data[head] = value
        return True
    if data.get(head) is None:
        return False
    return _set(data[head], rest, value)


def _split(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.replace("[]", ".[]").split("."))


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(data, dict) or data.get(name) is None:
            return None
        data = data[name]
    return data


def _base_cases() -> list[dict[str, Any]]:
    cases = [*stalkrisk.load_examples(), *cohort(30, seed=1).cases]
    return [c.model_dump(mode="json") for c in cases]


@functools.cache
def fields_feeding_factors() -> dict[str, list[str]]:
    """Measure which factors each leaf field of a case feeds.

    For each base case and each leaf field, the field is set to each probe value; every factor
    whose value differs from the base case's, in a case that still validates, is fed by it.
    """
    schema = stalkrisk.case_json_schema()
    bases = [
        (data, json.dumps(data), evaluate_factors(stalkrisk.Case.model_validate(data)))
        for data in _base_cases()
    ]
    feeds: dict[str, set[str]] = {}
    for path, prop, _ in _leaves(schema, schema, ()):
        dotted = ".".join(path).replace(".[]", "[]")
        found = feeds.setdefault(dotted, set())
        probes = _probe_values(schema, path, prop)
        for data, text, base in bases if probes is not None else []:
            values = probes or []
            dates = _dates(data["assessment_date"], later=path == ("assessment_date",))
            if "dates" in values:
                values = [v for v in values if v != "dates"] + dates
            if ["dates"] in values:
                values = [v for v in values if v != ["dates"]] + [[d] for d in dates]
            for value in values:
                changed = json.loads(text)  # a fresh copy, faster than copy.deepcopy
                new = value
                if value == DOUBLE:
                    entries = _get(changed, path)
                    new = None if entries is None else [*entries, *json.loads(json.dumps(entries))]
                if not _set(changed, path, new):
                    break
                for other, companion in COMPANIONS.get(dotted, {}).items():
                    _set(changed, _split(other), companion)
                try:
                    case = stalkrisk.Case.model_validate(changed)
                except ValidationError:
                    continue
                after = evaluate_factors(case)
                found.update(name for name, v in after.items() if v != base[name])
    order = list(FACTORS)
    return {path: sorted(names, key=order.index) for path, names in feeds.items()}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _meaning(prop: dict[str, Any], target: dict[str, Any]) -> str:
    text = prop.get("description") or target.get("description") or ""
    return _cell(text.split("\n\n")[0])


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:
        return ""
    return f"`{json.dumps(prop['default'])}`"


def case_fields_markdown() -> str:
    """Return ``docs/reference/case-fields.md``: every field of a case, generated."""
    schema = stalkrisk.case_json_schema()
    feeds = fields_feeding_factors()
    lines = [
        "# Case fields",
        "",
        "Every field of a case (`stalkrisk.Case`, schema version "
        f"{stalkrisk.SCHEMA_VERSION}), generated from its JSON Schema",
        "([the case JSON Schema](../case-schema.json), printed by `stalkrisk schema`). The rules",
        "that relate fields to each other, and what *unknown* means, are in",
        "[The case schema](../case-schema.md).",
        "",
        "- **Path**: where the field sits in the case's JSON. `[]` marks each entry of a list.",
        "- **Type and constraints**: what the field accepts; anything else is rejected with an",
        "  error that names the field. `null` means *not recorded*.",
        "- **Default**: the value when the field is left out.",
        "- **Feeds**: the [factors](../factors.md) whose value the field can change, with their",
        "  DOMAIN.md group (A criminal history, B stalking episode, C relationship, D",
        "  perpetrator, E victim). This column is *measured*: the generator sets the field to",
        "  each of a range of valid values in the ten example cases and 30 synthetic ones, and",
        "  records every factor whose value changes. A field that feeds no factor is kept for",
        "  the record, for cross-field checks, or for a later instrument.",
        "",
        "This page is generated by `python docs/_tools/pages.py`; a test keeps it equal to the",
        "code.",
        "",
    ]
    required = set(schema.get("required", []))
    top: list[tuple[str, dict[str, Any]]] = []
    for name, prop in schema["properties"].items():
        (target,), _ = _options(schema, prop)
        if not _is_object(target):
            top.append((name, prop))
    sections: list[tuple[str, str, list[str]]] = [("Identification", "", [n for n, _ in top])]
    for name, prop in schema["properties"].items():
        (target,), _ = _options(schema, prop)
        if _is_object(target):
            sections.append((f"`{name}`", _cell(prop.get("description", "")), [name]))
    for title, about, names in sections:
        lines += [f"## {title}", ""]
        if about:
            lines += [about, ""]
        lines += [
            "| Path | Type and constraints | Default | Meaning | Feeds |",
            "|---|---|---|---|---|",
        ]
        for name in names:
            prop = schema["properties"][name]
            (target,), _ = _options(schema, prop)
            if _is_object(target):
                rows = list(_leaves(schema, target, (name,)))
                required_here: set[tuple[str, ...]] = set()
                for path, _, _ in rows:
                    parent = _parent_schema(schema, target, path[1:])
                    if path[-1] in parent.get("required", []):
                        required_here.add(path)
            else:
                rows = [((name,), prop, target)]
                required_here = {(name,)} if name in required else set()
            for path, leaf, leaf_target in rows:
                dotted = ".".join(path).replace(".[]", "[]")
                fed = feeds.get(dotted, [])
                feeds_text = ", ".join(f"`{f}` ({FACTORS[f].group[0]})" for f in fed) or "none"
                lines.append(
                    f"| `{dotted}` | {_cell(_describe_type(schema, leaf))} | "
                    f"{_default(leaf, path in required_here)} | {_meaning(leaf, leaf_target)} | "
                    f"{feeds_text} |"
                )
        lines.append("")
    return "\n".join(lines)


def _parent_schema(
    schema: dict[str, Any], node: dict[str, Any], rest: tuple[str, ...]
) -> dict[str, Any]:
    """Return the object schema that holds the last field of ``rest`` (a path below ``node``)."""
    for name in rest[:-1]:
        if name == "[]":
            continue
        (target,), _ = _options(schema, node["properties"][name])
        if target.get("type") == "array":
            target = _resolve(schema, target["items"])
        node = target
    return node


# --- the instrument cards ---------------------------------------------------------------------


def _pts(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _source_link(inst: Instrument, source: str) -> str:
    if any(q.id == source for q in inst.questions):
        return f"question `{source}`"
    return f"[`{source}`](../factors.md)"


def _condition(inst: Instrument, c: Any) -> str:
    src = _source_link(inst, c.source)
    if c.categories:
        return f"{src} is {' or '.join(f'`{x}`' for x in c.categories)}"
    if c.min is None and c.max is None:
        return f"{src} present"
    if c.max is None:
        return f"{src} ≥ {_pts(c.min)}"
    if c.min is None:
        return f"{src} ≤ {_pts(c.max)}"
    return f"{_pts(c.min)} ≤ {src} ≤ {_pts(c.max)}"


def _reads(inst: Instrument, item: Any) -> str:
    if item.source is not None:
        text = _source_link(inst, item.source)
    else:
        joiner = " or " if item.any_of else " and "
        text = joiner.join(_condition(inst, c) for c in item.any_of or item.all_of or [])
    if item.only_if:
        text += "; only if " + " and ".join(_condition(inst, c) for c in item.only_if)
    return text


def _points(inst: Instrument, item: Any) -> str:
    if item.coefficient is not None:
        return f"{_pts(item.coefficient)} \u00d7 the value"
    kind = inst.item_kind(item)
    parts = []
    for level in item.levels or []:
        label = level.label(kind)
        if kind is FactorKind.CATEGORY or (level.categories is not None):
            label = ", ".join(f"`{c}`" for c in level.categories or [])
        score = _pts(level.points) if level.points is not None else "cannot be scored"
        parts.append(f"{label}: {score}")
    return "; ".join(parts)


def card_markdown(inst: Instrument) -> str:
    """Return the generated block of an instrument's card: its facts, items, scales and bands."""
    lines = [
        CARD_BEGIN,
        "",
        "| | |",
        "|---|---|",
        f"| Id | `{inst.id}` |",
        f"| Version | {inst.version} |",
        f"| Content hash (sha256, RFC 8785) | `{inst.sha256}` |",
        f"| Content hash in records of format 1 | `{inst.legacy_sha256}` |",
        f"| Validation status | **{inst.validation.status.value}** |",
        f"| Scored from | {'direct answers to its questions' if inst.answers_only else 'a case'} |",
        "",
        f"**Validation statement** (shown with every result): {inst.validation.statement}",
        "",
        f"**Description.** {_cell(inst.description)}",
        "",
    ]
    if inst.questions:
        lines += ["### Questions", "", "| Question | Kind | Asks |", "|---|---|---|"]
        for q in inst.questions:
            kind = q.kind.value
            if q.categories:
                kind += ": " + ", ".join(f"`{c}`" for c in q.categories)
            asks = _cell(q.label + (f" {q.help}" if q.help else ""))
            lines.append(f"| `{q.id}` | {kind} | {asks} |")
        lines.append("")
    for scale in inst.scales:
        kind = "logistic (points are log-odds)" if scale.kind == "logistic" else "sum of points"
        lines += [
            f"### Scale `{scale.id}`: {scale.title}",
            "",
            f"{_cell(scale.description)} Kind: {kind}.",
            "",
            "| Item | Reads | Points | Evidence |",
            "|---|---|---|---|",
        ]
        for item_id in scale.items:
            item = inst.item(item_id)
            lines.append(
                f"| {_cell(item.label)} (`{item.id}`) | {_cell(_reads(inst, item))} | "
                f"{_cell(_points(inst, item))} | {_cell(item.rationale)} |"
            )
        lines.append("")
        if scale.horizons:
            lines += ["| Horizon | Constant |", "|---|---|"]
            lines += [f"| {h.label} (`{h.id}`) | {_pts(h.constant)} |" for h in scale.horizons]
            lines.append("")
            on = scale.band_on or scale.horizons[0].id
            lines += [f"Bands are cut on the percentage of the `{on}` horizon.", ""]
        cut = "Percentage" if scale.kind == "logistic" else "Total"
        lines += [f"| Band | {cut} |", "|---|---|"]
        lines += [f"| {b.label} (`{b.id}`) | {b.describe_range()} |" for b in scale.bands]
        lines.append("")
        if scale.red_flags:
            lines += [
                "Red flags (each sets a minimum band that no total can outvote):",
                "",
                "| Red flag | Reads | Minimum band | Evidence |",
                "|---|---|---|---|",
            ]
            for flag in scale.red_flags:
                reads = _source_link(inst, flag.source)
                if flag.at_least != 1:
                    reads += f" ≥ {flag.at_least}"
                lines.append(
                    f"| {_cell(flag.label)} | {reads} | {flag.minimum_band} | "
                    f"{_cell(flag.rationale)} |"
                )
            lines.append("")
        rule = scale.missing
        method = {
            "prorate": "the total of the known items is pro-rated",
            "known_only": "the total is the sum of the known items (a lower bound)",
        }[rule.method.value]
        if rule.max_unknown == 0:
            missing = "every item must be known; with any unknown item the scale is not scored."
        else:
            missing = (
                f"scored with up to {rule.max_unknown} unknown items, when {method}; with more, "
                "the scale is not scored."
            )
        if rule.unknown_red_flags.value == "not_scored":
            missing += (
                " While a red flag is unknown and none has fired, the scale is not scored "
                "(`unknown_red_flags = not_scored`): the unknown red flags are what to ask."
            )
        lines += [
            f"**Missing data** (`{rule.method.value}`, `max_unknown = "
            f"{rule.max_unknown}`): {missing}",
            "",
        ]
    if inst.shown_factors:
        lines += [
            "### Shown beside the scores, never scored",
            "",
            "| Shown | Reads | Kind | Why shown and not scored |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(f.label)} (`{f.id}`) | {_source_link(inst, f.source)} | {f.kind} | "
            f"{_cell(f.rationale)} |"
            for f in inst.shown_factors
        ]
        lines.append("")
    lines += ["### Citation", ""]
    lines += [f"- {_cell(ref)}" for ref in inst.citation]
    lines += ["", CARD_END]
    return "\n".join(lines)


def card_block(text: str) -> str:
    """Return the generated block of a card page (between the markers, inclusive)."""
    match = re.search(re.escape(CARD_BEGIN) + r".*?" + re.escape(CARD_END), text, re.S)
    if match is None:
        raise ValueError("the page has no generated block")
    return match[0]


def card_path(instrument_id: str, version: str | None = None) -> Path:
    """Return the path of a bundled instrument's card page (an older version has its own)."""
    newest = stalkrisk.bundled_instruments().get(instrument_id)
    if version is None or newest is None or newest.version == version:
        return CARDS / f"{instrument_id}.md"
    return CARDS / f"{instrument_id}-{version}.md"


def write() -> None:
    """Regenerate the generated pages and blocks in ``docs/``."""
    CASE_FIELDS_PAGE.write_text(case_fields_markdown(), encoding="utf-8")
    for inst in stalkrisk.bundled_instruments(all_versions=True).values():
        page = card_path(inst.id, inst.version)
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace(card_block(text), card_markdown(inst)), encoding="utf-8")


if __name__ == "__main__":
    write()
    sys.exit(0)
