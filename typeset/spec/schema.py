"""JSON Schema of the page spec, generated from the spec model (dataclasses and key tables),
so editors can complete and check specs as they type (yaml-language-server)."""

from __future__ import annotations

from typeset.spec.keys import (
    COMMON_DOCS, HEADER_TABLE, KINDS, LENGTH_SCHEMA, PAGE_TABLE, PLACE_DOCS, PRINT_TABLE,
    SOURCE_KEY, key_schema, keys_of,
)
from typeset.spec.model import GridSpec, TextSpec

LENGTH = LENGTH_SCHEMA

def _table(table: dict) -> dict:
    """Schema of a section from its key table."""
    props = {name: key_schema(k, default) for name, (k, default) in table.items()}
    return {"type": "object", "additionalProperties": False, "properties": props}


def _section(cls) -> dict:
    return _table(keys_of(cls))


def _placement_props() -> dict:
    return {name: {"type": "integer", "minimum": 1, "description": doc}
            for name, (_, doc) in PLACE_DOCS.items()}


def _block(kind: str) -> dict:
    props = _placement_props()
    props["id"] = {"type": "string", "description": COMMON_DOCS["id"][1]}
    props["type"] = {"const": kind, "description": COMMON_DOCS["type"][1]}
    props["frames"] = {"type": "array", "minItems": 1, "description": COMMON_DOCS["frames"][1],
                       "items": {"type": "object", "additionalProperties": False,
                                 "properties": _placement_props(),
                                 "required": ["column", "line", "lines"]}}
    for name, (k, default) in keys_of(KINDS[kind]).items():
        props[name] = key_schema(k, default)
    required = ["column", "line", "lines"]
    out = {"type": "object", "title": kind, "description": (KINDS[kind].__doc__ or "").strip(),
           "additionalProperties": False, "properties": dict(sorted(props.items())),
           "required": required}
    if kind == "article":   # in an edition, a continuation takes its text from the first part
        out["anyOf"] = [{"required": ["article"]}, {"required": ["continues"]}]
    else:
        required.append(SOURCE_KEY[kind] if kind in SOURCE_KEY else "type")
    return out


def spec_schema() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://typeset.invalid/page-spec.schema.json",
        "title": "typeset page spec",
        "description": "A Chinese broadsheet newspaper page: sheet, grid and blocks.",
        "type": "object",
        "additionalProperties": False,
        "required": ["blocks"],
        "properties": {
            "page": _table(PAGE_TABLE),
            "grid": _section(GridSpec),
            "text": _section(TextSpec),
            "print": _table(PRINT_TABLE),
            "header": _table(HEADER_TABLE),
            "fonts": {"type": "string", "description": "font roles file (YAML)"},
            "allow_outside_paths": {"type": "boolean", "default": False,
                                    "description": "let paths leave the project folder"},
            "blocks": {"type": "array", "minItems": 1, "maxItems": 500,
                       "items": {"oneOf": [_block(k) for k in KINDS]}},
        },
    }
