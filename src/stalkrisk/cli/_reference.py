"""The reference commands: ``schema``, ``factors`` and ``instruments``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stalkrisk._internal.jsonschema import schema_text
from stalkrisk.audit import record_json_schema
from stalkrisk.cli._base import EXIT_OK, Streams
from stalkrisk.cli._common import instrument
from stalkrisk.features import FACTORS
from stalkrisk.instruments import (
    DEFAULT_INSTRUMENT,
    bundled_instruments,
    factors_markdown,
    instrument_json_schema,
    load_instrument,
)
from stalkrisk.judgement import judgement_json_schema
from stalkrisk.schemas import case_json_schema

__all__ = ["SCHEMAS", "factors", "instruments", "schema"]

#: The JSON Schemas that ``stalkrisk schema`` prints and ``docs/`` publishes.
SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "case": case_json_schema,
    "instrument": instrument_json_schema,
    "judgement": judgement_json_schema,
    "record": record_json_schema,
}


def schema(args: argparse.Namespace, streams: Streams) -> int:
    """Print a JSON Schema, as ``docs/*-schema.json`` holds it."""
    streams.out.write(schema_text(SCHEMAS[args.what]()))
    return EXIT_OK


def factors(args: argparse.Namespace, streams: Streams) -> int:
    """List the registered factors (``--format markdown``: the page ``docs/factors.md``)."""
    out = streams.out
    if args.format == "markdown":
        out.write(factors_markdown())
        return EXIT_OK
    for f in FACTORS.values():
        cats = f" ({', '.join(f.categories)})" if f.categories else ""
        print(f"{f.name:<40} {f.kind.value:<9} {f.group}", file=out)
        print(f"    {f.definition}{cats}", file=out)
        print(f"    unknown: {f.unknown}", file=out)
    return EXIT_OK


def instruments(args: argparse.Namespace, streams: Streams) -> int:
    """List the bundled instruments, show one, or check an instrument file."""
    out = streams.out
    if args.action == "list":
        newest = bundled_instruments()
        for inst in bundled_instruments(all_versions=True).values():
            if newest[inst.id] is not inst:
                note = f"  (superseded; kept so its records verify: {inst.id}@{inst.version})"
            else:
                note = "  (default)" if inst.id == DEFAULT_INSTRUMENT else ""
            print(
                f"{inst.id:<20} {inst.version:<8} {inst.validation.status.value:<18} "
                f"{inst.title}{note}",
                file=out,
            )
    elif args.action == "check":
        inst = load_instrument(Path(args.path))
        items = len(inst.items)
        print(
            f"{args.path}: valid: {inst.id} {inst.version}, {items} item"
            f"{'s' if items != 1 else ''}, {len(inst.scales)} scale(s); sha256 {inst.sha256}",
            file=out,
        )
    else:
        inst = instrument(args.instrument_id)
        if args.format == "json":
            print(json.dumps(inst.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out)
        else:
            out.write(inst.describe())
    return EXIT_OK
