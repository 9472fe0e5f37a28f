"""JSON Schema of the page spec, generated from the spec model (dataclasses and key tables),
so editors can complete and check specs as they type (yaml-language-server)."""

from __future__ import annotations

from typeset.prepress.profiles import CONDITIONS, PROFILES
from typeset.spec import load as L
from typeset.spec.keys import (
    COMMON_DOCS, KINDS, LENGTH_SCHEMA, PLACE_DOCS, SOURCE_KEY, key_schema, keys_of,
)
from typeset.spec.model import GridSpec, PrintSpec, TextSpec

LENGTH = LENGTH_SCHEMA

_PRINT_DOCS = {
    "profile": ({"enum": list(PROFILES)}, "PDF standard the file is written to"),
    "output_condition": ({"enum": list(CONDITIONS)}, "registered printing condition of the "
                         "output intent (when no icc is given)"),
    "icc": ({"type": "string"}, "the press's CMYK output ICC profile (file)"),
    "colour": ({"enum": ["mono", "colour"]}, "mono: photos in grey; colour: photos in CMYK"),
    "max_ink": ({"type": "integer", "minimum": 100, "maximum": 400},
                "total ink limit for colour photos, %"),
    "bleed": (dict(LENGTH), "bleed around the trimmed page (0–12.7 mm)"),
    "crop_marks": ({"type": "boolean"}, "draw crop marks; default: true when there is bleed, "
                   "else false"),
    "file_name": ({"type": "string"}, "PDF file name pattern: {spec}, {paper}, {code}, {date}, "
                  "{page}, {section}"),
    "preflight": ({"type": "boolean"}, "run the preflight after render"),
}
_HEADER_DOCS = {
    "paper": "name of the paper (报名)", "code": "short paper code for file names (e.g. SYRB)",
    "date": "issue date, YYYY-MM-DD", "page": "page number (版次)", "section": "section (版名)",
    "editor": "责任编辑", "designer": "美编", "proofreader": "校对",
}


def _section(cls) -> dict:
    """Schema of a section whose keys live in a dataclass's key table."""
    props = {name: key_schema(k, default) for name, (k, default) in keys_of(cls).items()}
    return {"type": "object", "additionalProperties": False, "properties": props}


def _print() -> dict:
    props = {}
    for name in sorted(L.PRINT_KEYS):
        schema, doc = _PRINT_DOCS[name]
        s = dict(schema)
        s["description"] = doc
        default = getattr(PrintSpec, name, None)
        if name != "crop_marks" and default is not None and not isinstance(default, float):
            s["default"] = default
        props[name] = s
    return {"type": "object", "additionalProperties": False, "properties": props}


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
    required.append(SOURCE_KEY[kind] if kind in SOURCE_KEY else "type")
    return {"type": "object", "title": kind, "description": (KINDS[kind].__doc__ or "").strip(),
            "additionalProperties": False, "properties": dict(sorted(props.items())),
            "required": required}


def spec_schema() -> dict:
    header = {"type": "object", "additionalProperties": False,
              "properties": {k: {"type": "string", "description": d}
                             for k, d in _HEADER_DOCS.items()}}
    header["properties"]["date"] = {"type": "string", "format": "date",
                                    "description": _HEADER_DOCS["date"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://typeset.invalid/page-spec.schema.json",
        "title": "typeset page spec",
        "description": "A Chinese broadsheet newspaper page: sheet, grid and blocks.",
        "type": "object",
        "additionalProperties": False,
        "required": ["blocks"],
        "properties": {
            "page": {"type": "object", "additionalProperties": False, "properties": {
                "size": {"type": "array", "minItems": 2, "maxItems": 2,
                         "description": "[width, height] with units, e.g. [390mm, 545mm]",
                         "items": {"type": "string",
                                   "pattern": r"^\s*\d+(\.\d+)?\s*(mm|pt|cm|in)\s*$"}},
                "margin_top": dict(LENGTH, description="top of the type area"),
                "margin_left": dict(LENGTH, description="left of the type area")}},
            "grid": _section(GridSpec),
            "text": _section(TextSpec),
            "print": _print(),
            "header": header,
            "fonts": {"type": "string", "description": "font roles file (YAML)"},
            "allow_outside_paths": {"type": "boolean", "default": False,
                                    "description": "let paths leave the project folder"},
            "blocks": {"type": "array", "minItems": 1, "maxItems": 500,
                       "items": {"oneOf": [_block(k) for k in KINDS]}},
        },
    }
