"""The one table of spec keys: every key a block (or the grid, or the text settings) accepts, with
its type, range, choices, default and meaning.

The table is the dataclasses below: each field carries a `Key` in its metadata. The loader
validates with it (`read_fields`), `typeset schema` builds the JSON Schema from it, and the
README's key reference is generated from it (`reference_markdown`), so the three cannot drift.
A field whose default is None is "unset": layout decides (e.g. the headline takes the lines it
needs).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

from typeset.units import ZIHAO_PT, parse_length

RULE_WEIGHTS = {"正线": 0.5, "反线": 1.5, "thin": 0.5, "thick": 1.5}
MIN_PRINT_WEIGHT = 0.3     # pt: thinner rules break up on newsprint (typesetting-rules §5)
# Display sizes a spec may ask for, pt: below 4 pt nothing prints legibly; above 200 pt one
# character is wider than a basic column.
MIN_SIZE, MAX_SIZE = 4.0, 200.0


@dataclass(frozen=True)
class Key:
    """What a spec key accepts. type: int | number | length | bool | text | choice | role |
    path | point | weight."""

    type: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


def key(type_: str, doc: str, default=None, low=None, high=None, choices=(), required=False):
    """A dataclass field described by a Key."""
    return field(default=default, metadata={"key": Key(type_, doc, low, high, tuple(choices),
                                                       required)})


def keys_of(cls) -> dict[str, tuple[Key, object]]:
    """name → (Key, default) for every described field of a dataclass."""
    return {f.name: (f.metadata["key"], f.default) for f in dataclasses.fields(cls)
            if "key" in f.metadata}


# ---- block kinds -------------------------------------------------------------------------

@dataclass
class ArticleOptions:
    """An article: headline group (引题 / 主题 / 副题) over body text in its columns."""

    article: Path | None = key("path", "content file of the article (front matter + one "
                               "paragraph per line)", required=True)
    headline_lines: int | None = key("int", "grid lines for the headline group; unset: the "
                                     "lines the headline needs", None, 1, 200)
    title_columns: int | None = key("int", "columns the headline spans from the block's left "
                                    "edge; the body starts under it and fills the columns beside "
                                    "it from the top; unset: all columns", None, 1, 20)
    align: str = key("choice", "alignment of the headline group", "center",
                     choices=("center", "left", "right"))
    title_size: float | None = key("length", "size of the 主题; unset: by width (36 pt at 4+ "
                                   "columns, 24, 18, 14 pt at 3, 2, 1)", None, MIN_SIZE, MAX_SIZE)
    title_font: str = key("role", "font role of the 主题", "song-bold")
    subtitle_size: float | None = key("length", "size of the 副题; unset: 0.45 of the title "
                                      "size, at least 1.5 body sizes", None, MIN_SIZE, MAX_SIZE)
    subtitle_font: str = key("role", "font role of the 副题", "kai")
    kicker_size: float | None = key("length", "size of the 引题; unset: the 副题 size", None,
                                    MIN_SIZE, MAX_SIZE)
    kicker_font: str = key("role", "font role of the 引题", "kai")
    byline: str = key("choice", "where the byline (记者…) goes: top (above the body) or bottom "
                      "(after the body, right-aligned)", "top", choices=("top", "bottom"))
    box: bool = key("bool", "draw a ruled box around the article", False)
    title_vertical: bool = key("bool", "set the 主题 vertically (竖排) down the first column", False)
    balance: bool = key("bool", "level the columns when the text is short", True)
    continues: str | None = key("text", "in an edition: the article block (id, or page/id) "
                                "whose text continues here (no `article:` needed); its jump "
                                "lines are generated")


@dataclass
class BriefsOptions:
    """Briefs (简讯): items with `# ` titles under a section masthead (栏目头)."""

    briefs: Path | None = key("path", "content file of the briefs (`# title` starts each item)",
                              required=True)
    masthead: str | None = key("text", "section masthead text (栏目头); unset: the content "
                               "file's masthead")
    masthead_lines: int | None = key("int", "grid lines of the masthead band; unset: the 4 "
                                     "its type needs", None, 1, 40)
    masthead_style: str = key("choice", "masthead look: tint panel, reverse (white on black) or "
                              "a title over a heavy rule", "tint", choices=("tint", "reverse", "rule"))
    title_size: float | None = key("length", "size of the item titles; unset: 五号 (10.5 pt)",
                                   None, MIN_SIZE, MAX_SIZE)
    box: bool = key("bool", "draw a ruled box around the briefs", False)
    balance: bool = key("bool", "level the columns when the text is short", True)


@dataclass
class PhotoOptions:
    """A photo with optional title, caption and credit."""

    photo: Path | None = key("path", "image file (JPEG, PNG or TIFF; 8-bit grey, RGB or CMYK)",
                             required=True)
    caption: Path | None = key("path", "content file with title, credit and caption text")
    fit: str = key("choice", "contain: show the whole photo, its aspect ratio kept; cover: fill "
                   "the box, cropping around focus", "contain", choices=("cover", "contain"))
    focus: tuple[float, float] = key("point", "[x, y] focal point for cover crops, 0–1",
                                     (0.5, 0.5), 0.0, 1.0)
    photo_lines: int | None = key("int", "grid lines of the photo itself; unset: the block less "
                                  "the lines its title and caption need", None, 2, 2000)
    title_size: float | None = key("length", "size of the photo title; unset: 18 pt at 3+ "
                                   "columns, else 14 pt", None, MIN_SIZE, MAX_SIZE)
    box: bool = key("bool", "draw a ruled box around the photo block", False)
    accept_low_resolution: bool = key("bool", "print a photo below 100 ppi anyway", False)


@dataclass
class RuleOptions:
    """A rule (线) through the middle of its grid cells, or down the gutter left of them."""

    weight: float = key("weight", "line weight: a length (≥ 0.3 pt) or 正线 (0.5 pt) / 反线 "
                        "(1.5 pt)", 0.5)
    orientation: str = key("choice", "horizontal or vertical", "horizontal",
                           choices=("horizontal", "vertical"))


@dataclass
class BoxOptions:
    """A ruled box (框), optionally tinted (底纹)."""

    weight: float = key("weight", "rule weight: a length (≥ 0.3 pt) or 正线 / 反线", 0.5)
    tint: float | None = key("number", "background tint, % black (0–100)", None, 0, 100)


KINDS: dict[str, type] = {"article": ArticleOptions, "briefs": BriefsOptions,
                          "photo": PhotoOptions, "rule": RuleOptions, "box": BoxOptions}
SOURCE_KEY = {"article": "article", "briefs": "briefs", "photo": "photo"}

PLACE_DOCS = {
    "column": ("int", "first grid column the block occupies (1-based)"),
    "columns": ("int", "how many grid columns the block is wide (default 1)"),
    "line": ("int", "first grid line (1-based, from the top of the type area)"),
    "lines": ("int", "how many grid lines the block is tall"),
}
COMMON_DOCS = {
    "id": ("text", "a name for the block, used in messages and the fit report"),
    "type": ("choice", "what the block is (may be left out when the content key names it)"),
    "frames": ("list", "thread the body through these {column, columns, line, lines} "
                       "rectangles inside the block"),
}


# ---- sections checked by hand in spec/load.py (they need files, registries or the header);
# their keys, types, ranges and meanings are listed here all the same ------------------------

def _profiles() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from typeset.prepress.profiles import CONDITIONS, PROFILES

    return tuple(PROFILES), tuple(CONDITIONS)


PAGE_TABLE: dict[str, tuple[Key, object]] = {
    "size": (Key("size", "trimmed sheet [width, height], each with its unit"),
             ("390mm", "545mm")),
    "margin_top": (Key("length", "top of the type area; unset: centred, with room above for "
                   "the 报眉", 0, 5000), None),
    "margin_left": (Key("length", "left of the type area; unset: centred", 0, 5000), None),
}
HEADER_TABLE: dict[str, tuple[Key, object]] = {
    "paper": (Key("text", "name of the paper (报名)"), None),
    "code": (Key("text", "short paper code for file names (e.g. SYRB)"), None),
    "date": (Key("date", "issue date, YYYY-MM-DD (also the PDF's dates)"), None),
    "page": (Key("text", "page number (版次)"), None),
    "section": (Key("text", "section name (版名)"), None),
    "editor": (Key("text", "责任编辑"), None),
    "designer": (Key("text", "美编"), None),
    "proofreader": (Key("text", "校对"), None),
}
PRINT_TABLE: dict[str, tuple[Key, object]] = {
    "profile": (Key("choice", "PDF standard the file is written to", choices=_profiles()[0]),
                "pdf-x1a"),
    "output_condition": (Key("choice", "registered printing condition of the output intent "
                         "(when no icc is given)", choices=_profiles()[1]), "IFRA26"),
    "icc": (Key("path", "the press's CMYK output ICC profile (file)"), None),
    "colour": (Key("choice", "mono: photos in grey; colour: photos in CMYK",
                   choices=("mono", "colour")), "mono"),
    "max_ink": (Key("int", "total ink limit for colour photos, %", 100, 400), 240),
    "bleed": (Key("length", "bleed around the trimmed page", 0, 36), 0.0),
    "crop_marks": (Key("bool", "draw crop marks; unset: true when there is bleed, else false"),
                   None),
    "file_name": (Key("text", "PDF file name pattern: {spec}, {paper}, {code}, {date}, {page}, "
                  "{section}"), "{spec}.pdf"),
    "preflight": (Key("bool", "run the preflight after render"), True),
}


# ---- reading values ------------------------------------------------------------------------

class ValueProblem(ValueError):
    """A value does not fit its Key; the message says what would."""


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueProblem(f"must be a finite {what}, got {v!r}")
    return v


def convert(k: Key, value, roles: set[str] | None = None):
    """The typed value of `value` for key `k` (paths are returned as given), or ValueProblem."""
    t = k.type
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            word = f" ({value!r} is not a number)" if isinstance(value, str) else ""
            raise ValueProblem(f"must be a whole number, got {value!r}{word}")
        _range(k, value)
        return value
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueProblem(f"must be a number, got {value!r}")
        _range(k, _finite(float(value), "number"))
        return float(value)
    if t == "length":
        try:
            v = _finite(parse_length(value), "length")
        except ValueProblem:
            raise
        except ValueError as exc:
            raise ValueProblem(str(exc)) from None
        _range(k, v, "pt")
        return v
    if t == "weight":
        if isinstance(value, str) and value.strip() in RULE_WEIGHTS:
            return RULE_WEIGHTS[value.strip()]
        try:
            v = _finite(parse_length(value), "length")
        except ValueProblem:
            raise
        except ValueError as exc:
            raise ValueProblem(f"{exc}; or 正线 / 反线") from None
        if v < MIN_PRINT_WEIGHT:
            raise ValueProblem(f"{v:g} pt is too thin to print on newsprint (at least "
                               f"{MIN_PRINT_WEIGHT} pt)")
        if v > 20:
            raise ValueProblem(f"{v:g} pt is not a rule weight (at most 20 pt)")
        return v
    if t == "bool":
        if not isinstance(value, bool):
            raise ValueProblem(f"must be true or false, got {value!r}")
        return value
    if t in ("text", "path", "role"):
        if isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
            raise ValueProblem(f"must be text, got {value!r}")
        s = str(value)
        if t == "role" and roles is not None and s not in roles:
            import difflib

            close = difflib.get_close_matches(s, sorted(roles), n=1, cutoff=0.6)
            raise ValueProblem(f"unknown font role '{s}' (did you mean '{close[0]}'?)" if close
                               else f"unknown font role '{s}'; roles: {', '.join(sorted(roles))}")
        return s
    if t == "choice":
        if not isinstance(value, str) or value not in k.choices:
            raise ValueProblem(f"must be one of {', '.join(k.choices)}, got {value!r}")
        return value
    if t == "point":
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) and 0 <= v <= 1 for v in value)):
            raise ValueProblem("must be [x, y] with numbers from 0 to 1 (0.5, 0.5 is the centre)")
        return (float(value[0]), float(value[1]))
    raise AssertionError(t)


def _range(k: Key, v: float, unit: str = "") -> None:
    if (k.low is not None and v < k.low) or (k.high is not None and v > k.high):
        u = f" {unit}" if unit else ""
        raise ValueProblem(f"must be between {k.low:g}{u} and {k.high:g}{u}, got {v:g}{u}")


# ---- docs and schema -----------------------------------------------------------------------

LENGTH_SCHEMA = {"anyOf": [
    {"type": "number", "description": "points"},
    {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*(mm|pt|cm|in)?\s*$"},
    {"type": "string", "enum": list(ZIHAO_PT)},
], "description": "a length: 12pt, 390mm, 2.5cm, 1in, or a 号 size such as 小五"}


def key_schema(k: Key, default=None) -> dict:
    """JSON Schema of one key, with its range, choices and default."""
    t = k.type
    if t == "int":
        s: dict = {"type": "integer"}
    elif t == "number":
        s = {"type": "number"}
    elif t == "bool":
        s = {"type": "boolean"}
    elif t == "choice":
        s = {"enum": list(k.choices)}
    elif t == "length":
        s = dict(LENGTH_SCHEMA)
    elif t == "weight":
        s = {"anyOf": [dict(LENGTH_SCHEMA), {"enum": list(RULE_WEIGHTS)}]}
    elif t == "size":
        s = {"type": "array", "minItems": 2, "maxItems": 2,
             "items": {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(mm|pt|cm|in)\s*$"}}
    elif t == "date":
        s = {"type": "string", "format": "date"}
    elif t == "point":
        s = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
             "minItems": 2, "maxItems": 2}
    else:
        s = {"type": "string"}
    if t in ("int", "number"):
        if k.low is not None:
            s["minimum"] = k.low
        if k.high is not None:
            s["maximum"] = k.high
    elif t == "length" and (k.low is not None or k.high is not None):
        s["description"] += f" (from {k.low:g} to {k.high:g} pt)"
    if default is not None and not isinstance(default, Path):
        s["default"] = list(default) if isinstance(default, tuple) else default
    s["description"] = k.doc if "description" not in s else f"{k.doc}; {s['description']}"
    return s


def _type_words(k: Key) -> str:
    if k.type == "choice":
        return " / ".join(k.choices)
    words = {"int": "whole number", "number": "number", "length": "length", "bool": "true/false",
             "text": "text", "path": "file", "role": "font role", "point": "[x, y]",
             "weight": "length or 正线/反线", "size": "[width, height]", "date": "date"}[k.type]
    if k.low is not None and k.type in ("int", "number", "length"):
        unit = " pt" if k.type == "length" else ""
        words += f", {k.low:g}–{k.high:g}{unit}"
    return words


def _default_words(k: Key, default) -> str:
    if k.required:
        return "required"
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{list(default) if isinstance(default, tuple) else default}`"


def section_tables() -> dict[str, dict[str, tuple[Key, object]]]:
    """Every section's key table: page, grid, text, print, header."""
    from typeset.spec.model import GridSpec, TextSpec

    return {"page": PAGE_TABLE, "grid": keys_of(GridSpec), "text": keys_of(TextSpec),
            "print": PRINT_TABLE, "header": HEADER_TABLE}


def reference_markdown() -> str:
    """The key reference for the README, generated from the tables."""
    out = ["| section | key | accepts | default | meaning |", "|---|---|---|---|---|"]
    for section, table in section_tables().items():
        for name, (k, default) in table.items():
            out.append(f"| {section} | `{name}` | {_type_words(k)} | {_default_words(k, default)} "
                       f"| {k.doc} |")
    out += ["", "| block | key | accepts | default | meaning |", "|---|---|---|---|---|"]
    for name, (t, doc) in {**PLACE_DOCS, **COMMON_DOCS}.items():
        out.append(f"| all | `{name}` | {t} | | {doc} |")
    for kind, cls in KINDS.items():
        for name, (k, default) in keys_of(cls).items():
            out.append(f"| {kind} | `{name}` | {_type_words(k)} | {_default_words(k, default)} "
                       f"| {k.doc} |")
    return "\n".join(out)
