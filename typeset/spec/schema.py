"""JSON Schema of the page spec, generated from the spec model (dataclasses and key tables),
so editors can complete and check specs as they type (yaml-language-server)."""

from __future__ import annotations

import dataclasses
import typing

from typeset.prepress.profiles import CONDITIONS, PROFILES
from typeset.spec import load as L
from typeset.spec.model import GridSpec, PrintSpec, TextSpec
from typeset.units import ZIHAO_PT

LENGTH = {"anyOf": [
    {"type": "number", "description": "points"},
    {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*(mm|pt|cm|in)?\s*$"},
    {"type": "string", "enum": list(ZIHAO_PT)},
], "description": "a length: 12pt, 390mm, 2.5cm, 1in, or a 号 size such as 小五"}

_DESCRIPTIONS = {
    "column": "first grid column (1-based)", "columns": "number of columns spanned",
    "line": "first grid line (1-based)", "lines": "number of grid lines",
    "id": "a name for the block, used in messages and reports",
    "type": "what the block is", "frames": "thread the body through these rectangles",
    "article": "content file of the article", "briefs": "content file of the briefs",
    "photo": "image file", "caption": "content file with title, credit and caption text",
    "headline_lines": "grid lines for the headline group", "box": "draw a ruled box around it",
    "masthead": "section masthead text (栏目头)", "fit": "cover (crop) or contain",
    "focus": "[x, y] focal point for cover crops, 0–1",
    "accept_low_resolution": "print a photo below 100 ppi anyway",
    "balance": "level the columns when the text is short",
    "continues": "in an edition: the article block (id, or page/id) whose text continues here",
}

_CHOICES = {
    ("text", "kinsoku"): ["basic", "gb", "strict"],
    ("text", "punctuation"): ["quanjiao", "kaiming", "banjiao"],
    ("print", "profile"): list(PROFILES),
    ("print", "colour"): ["mono", "colour"],
    ("print", "output_condition"): list(CONDITIONS),
    ("block", "fit"): ["cover", "contain"],
    ("block", "align"): ["center", "left", "right"],
    ("block", "masthead_style"): ["tint", "reverse", "rule"],
    ("block", "orientation"): ["horizontal", "vertical"],
}

_LENGTH_KEYS = {"body_size", "line_gap", "margin_top", "margin_left", "bleed", "title_size",
                "subtitle_size", "kicker_size", "weight"}


def _type_of(section: str, key: str, annotation) -> dict:
    if (section, key) in _CHOICES:
        return {"enum": _CHOICES[(section, key)]}
    if key in _LENGTH_KEYS:
        return dict(LENGTH)
    t = annotation if not isinstance(annotation, str) else {
        "int": int, "float": float, "bool": bool, "str": str}.get(annotation.split()[0], str)
    if t is bool:
        return {"type": "boolean"}
    if t is int:
        return {"type": "integer", "minimum": 0}
    if t is float:
        return {"type": "number"}
    return {"type": "string"}


def _section(section: str, keys: set[str], model=None) -> dict:
    fields = {f.name: f for f in dataclasses.fields(model)} if model else {}
    hints = typing.get_type_hints(model) if model else {}
    props = {}
    for key in sorted(keys):
        f = fields.get(key)
        schema = _type_of(section, key, hints.get(key, str) if f else str)
        if f is not None and f.default is not dataclasses.MISSING and f.default is not None:
            if not isinstance(f.default, float) or key not in _LENGTH_KEYS:
                schema["default"] = f.default
        if key in _DESCRIPTIONS:
            schema["description"] = _DESCRIPTIONS[key]
        props[key] = schema
    return {"type": "object", "additionalProperties": False, "properties": props}


def _block(kind: str) -> dict:
    keys = L.COMMON_KEYS | L.KIND_KEYS[kind]
    props = {}
    for key in sorted(keys):
        s = _type_of("block", key, str)
        if key in L.PLACE_KEYS:
            s = {"type": "integer", "minimum": 1}
        elif key in ("box", "balance", "accept_low_resolution", "title_vertical"):
            s = {"type": "boolean"}
        elif key in ("headline_lines", "photo_lines", "masthead_lines", "title_columns"):
            s = {"type": "integer", "minimum": 1}
        elif key == "focus":
            s = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                 "minItems": 2, "maxItems": 2}
        elif key == "frames":
            s = {"type": "array", "items": _section("frame", L.PLACE_KEYS)}
            for v in s["items"]["properties"].values():
                v.update({"type": "integer", "minimum": 1})
        elif key == "type":
            s = {"const": kind}
        elif key == "tint":
            s = {"type": "number", "minimum": 0, "maximum": 100}
        if key in _DESCRIPTIONS:
            s["description"] = _DESCRIPTIONS[key]
        props[key] = s
    required = ["column", "line", "lines"]
    if kind in L.SOURCE_KEY:
        required.append(L.SOURCE_KEY[kind])
    else:
        required.append("type")
    return {"type": "object", "title": kind, "additionalProperties": False,
            "properties": props, "required": required}


def spec_schema() -> dict:
    header = _section("header", L.HEADER_KEYS)
    header["properties"]["date"] = {"type": "string", "format": "date"}
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
                "size": {"type": "array", "items": LENGTH, "minItems": 2, "maxItems": 2},
                "margin_top": LENGTH, "margin_left": LENGTH}},
            "grid": _section("grid", L.GRID_KEYS, GridSpec),
            "text": _section("text", L.TEXT_KEYS, TextSpec),
            "print": _section("print", L.PRINT_KEYS, PrintSpec),
            "header": header,
            "fonts": {"type": "string", "description": "font roles file (YAML)"},
            "allow_outside_paths": {"type": "boolean", "default": False},
            "blocks": {"type": "array", "minItems": 1, "maxItems": 500,
                       "items": {"oneOf": [_block(k) for k in L.KIND_KEYS]}},
        },
    }
