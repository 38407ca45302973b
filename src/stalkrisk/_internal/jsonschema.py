"""The JSON Schemas stalkrisk publishes (``stalkrisk schema``, ``docs/*-schema.json``)."""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import BaseModel

__all__ = ["DRAFT", "schema_document", "schema_text"]

#: The JSON Schema dialect of every published schema.
DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"


def schema_document(model: type[BaseModel], name: str) -> dict[str, Any]:
    """Return ``model``'s validation schema as a document: its dialect, its ``$id``, the schema.

    ``name`` names the schema and its version, e.g. ``"record-2"``.
    """
    return {
        "$schema": DRAFT,
        "$id": f"https://stalkrisk.invalid/schema/{name}.json",
        **model.model_json_schema(mode="validation"),
    }


def schema_text(schema: dict[str, Any]) -> str:
    """Return a schema as the text committed under ``docs/``: sorted keys, two-space indent."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
