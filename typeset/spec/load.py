"""YAML page spec → validated Spec, with errors that name file, line and field."""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path

from typeset.errors import InputError
from typeset.spec.model import (
    BlockSpec, GridSpec, HeaderSpec, PageSpec, Placement, Spec, TextSpec,
)
from typeset.spec.content import load_content
from typeset.spec.keys import (
    HEADER_TABLE, KINDS, PAGE_TABLE, PRINT_TABLE, SOURCE_KEY, ValueProblem, convert, keys_of,
)
from typeset.spec.yamlload import LDict, LList, load_yaml
from typeset.units import parse_length

TOP_KEYS = {"page", "grid", "text", "fonts", "header", "blocks", "allow_outside_paths", "print"}
PRINT_KEYS = set(PRINT_TABLE)
PAGE_KEYS = set(PAGE_TABLE)
GRID_KEYS = set(keys_of(GridSpec))
TEXT_KEYS = set(keys_of(TextSpec))
HEADER_KEYS = set(HEADER_TABLE)
PLACE_KEYS = {"column", "columns", "line", "lines"}
COMMON_KEYS = PLACE_KEYS | {"id", "type", "frames"}
# the keys of each block kind come from its options dataclass in typeset.spec.keys
KIND_KEYS = {kind: set(keys_of(cls)) for kind, cls in KINDS.items()}


def _suggest(key: str, allowed: set[str]) -> str | None:
    from typeset.spec.yamlload import wide_colon_hint

    if wide_colon_hint(str(key)):
        return wide_colon_hint(str(key))
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(sorted(allowed))}"


class _Reader:
    """Reads one YAML mapping, remembering the file for error messages."""

    def __init__(self, file: str, data: LDict, where: str) -> None:
        self.file, self.data, self.where = file, data, where

    def error(self, key: str | None, message: str, hint: str | None = None) -> InputError:
        line = self.data.line_of(key) if key else self.data.line
        fld = f"{self.where}.{key}" if key and self.where else (key or self.where or None)
        return InputError(self.file, message, line=line, field=fld, hint=hint)

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown key '{key}'", _suggest(key, allowed))

    def get(self, key, default=None):
        return self.data.get(key, default)

    def length(self, key: str, default: float | None, positive: bool = True) -> float | None:
        if key not in self.data:
            return default
        try:
            v = parse_length(self.data[key])
        except ValueError as exc:
            raise self.error(key, str(exc)) from None
        if positive and v <= 0:
            raise self.error(key, f"must be greater than zero, got {self.data[key]!r}")
        return v

    def integer(self, key: str, default: int | None, low: int = 1, high: int = 10_000) -> int | None:
        if key not in self.data:
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"must be a whole number, got {v!r}")
        if not low <= v <= high:
            raise self.error(key, f"must be between {low} and {high}, got {v}")
        return v

    def number(self, key: str, default: float, low: float, high: float) -> float:
        if key not in self.data:
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.error(key, f"must be a number, got {v!r}")
        if not low <= v <= high:
            raise self.error(key, f"must be between {low} and {high}, got {v}")
        return float(v)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        if key not in self.data:
            return default
        v = self.data[key]
        if v not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {v!r}")
        return v

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, bool):
            raise self.error(key, f"must be true or false, got {v!r}")
        return v

    def text(self, key: str, default: str = "") -> str:
        if key not in self.data:
            return default
        v = self.data[key]
        if isinstance(v, (dict, list)) or v is None:
            raise self.error(key, f"must be text, got {v!r}")
        return str(v)

    def mapping(self, key: str) -> "_Reader":
        v = self.data.get(key)
        if v is None:
            empty = LDict()
            empty.line, empty.key_lines = self.data.line_of(key), {}
            return _Reader(self.file, empty, key if not self.where else f"{self.where}.{key}")
        if not isinstance(v, LDict):
            raise self.error(key, "must be a mapping (key: value lines)")
        return _Reader(self.file, v, key if not self.where else f"{self.where}.{key}")


def project_root(spec_path: Path) -> Path:
    """The folder that relative paths may not leave: the nearest ancestor holding a project
    marker (.git, pyproject.toml, typeset.toml), else the spec's own folder."""
    d = spec_path.resolve().parent
    for cand in (d, *d.parents):
        if any((cand / m).exists() for m in (".git", "pyproject.toml", "typeset.toml")):
            return cand
    return d


def resolve_path(r: _Reader, key: str, spec_path: Path, allow_outside: bool,
                 value: str | None = None) -> Path:
    raw = value if value is not None else r.text(key)
    if not raw.strip():
        raise r.error(key, "needs a file path")
    if any(ord(c) < 32 or c == "\x7f" for c in raw):
        raise r.error(key, f"path {raw!r} contains a control character",
                      hint="write the file's path as plain text")
    p = Path(raw)
    if p.is_absolute() and not allow_outside:
        raise r.error(key, f"absolute path {raw!r} is not allowed",
                      hint="use a path relative to the spec file, or set allow_outside_paths: true")
    try:
        full = (spec_path.parent / p).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise r.error(key, f"path {raw!r} cannot be used ({exc})") from None
    root = project_root(spec_path)
    if not allow_outside and root not in (full, *full.parents):
        raise r.error(key, f"path {raw!r} leads outside the project folder {root}",
                      hint="keep content inside the project, or set allow_outside_paths: true")
    return full


WEEKDAYS = "一二三四五六日"


def _header(r: _Reader) -> HeaderSpec:
    r.check_keys(HEADER_KEYS)
    raw_date = r.get("date")
    weekday = ""
    if isinstance(raw_date, date):
        date_text = f"{raw_date.year}年{raw_date.month}月{raw_date.day}日"
        weekday = "星期" + WEEKDAYS[raw_date.weekday()]
    elif raw_date is None:
        date_text = ""
    else:
        raise r.error("date", f"must be a date like 2024-01-02, got {raw_date!r}")
    credits = {}
    for key, label in (("editor", "责任编辑"), ("designer", "美编"), ("proofreader", "校对")):
        if key in r.data:
            credits[label] = r.text(key)
    return HeaderSpec(paper=r.text("paper"), date=date_text, weekday=weekday,
                      page=r.text("page"), section=r.text("section"), credits=credits,
                      code=r.text("code"), iso_date=raw_date.isoformat() if raw_date else "")


def _print(r: _Reader, spec_path: Path, allow_outside: bool, header: HeaderSpec | None):
    from typeset.prepress.icc import read_icc
    from typeset.prepress.profiles import CONDITIONS, PROFILES
    from typeset.spec.model import PrintSpec

    r.check_keys(PRINT_KEYS)
    ps = PrintSpec()
    ps.profile = r.text("profile", ps.profile)
    if ps.profile not in PROFILES:
        raise r.error("profile", f"unknown PDF profile '{ps.profile}'",
                      _suggest(ps.profile, set(PROFILES)))
    ps.output_condition = r.text("output_condition", ps.output_condition)
    if "icc" in r.data:
        ps.icc = resolve_path(r, "icc", spec_path, allow_outside)
        try:
            prof = read_icc(ps.icc)
        except ValueError as exc:
            raise r.error("icc", f"{r.text('icc')} {exc}",
                          hint="give a CMYK output (printer) ICC profile from the printing house") from None
        if prof.colour_space != "CMYK" or prof.device_class != "prtr":
            raise r.error("icc", f"{r.text('icc')} is a {prof.colour_space.strip()} "
                          f"'{prof.device_class}' profile, not a CMYK output profile",
                          hint="ask the printing house for its CMYK press profile")
    elif ps.output_condition not in CONDITIONS:
        raise r.error("output_condition", f"'{ps.output_condition}' is not a registered printing "
                      "condition", hint=f"use one of {', '.join(CONDITIONS)} or give icc: <profile>")
    if PROFILES[ps.profile].needs_icc and ps.icc is None:
        raise r.error("profile", f"{ps.profile} needs the press's ICC output profile",
                      hint="add icc: path/to/press-cmyk.icc under print:")
    ps.colour = r.choice("colour", "mono", ("mono", "colour"))
    if ps.icc is not None and ps.colour == "colour":
        try:
            from PIL import Image, ImageCms

            ImageCms.profileToProfile(Image.new("RGB", (1, 1)), ImageCms.createProfile("sRGB"),
                                      str(ps.icc), outputMode="CMYK")
        except Exception as exc:  # littlecms refuses the profile
            raise r.error("icc", f"{r.text('icc')} cannot convert photos to CMYK ({exc})",
                          hint="ask the printing house for an ICC v2/v4 press profile, or "
                               "use colour: mono") from None
    ink = PRINT_TABLE["max_ink"][0]
    ps.max_ink = r.integer("max_ink", PRINT_TABLE["max_ink"][1], int(ink.low), int(ink.high))
    ps.bleed = r.length("bleed", 0.0, positive=False)
    if not 0 <= ps.bleed <= 36:
        raise r.error("bleed", "must be between 0 and 12.7mm")
    ps.crop_marks = r.boolean("crop_marks", ps.bleed > 0)
    ps.file_name = r.text("file_name", ps.file_name)
    if "/" in ps.file_name or "\\" in ps.file_name or not ps.file_name.endswith(".pdf"):
        raise r.error("file_name", "must be a file name ending in .pdf (no folders)",
                      hint="e.g. {code}-{date}-{page}.pdf")
    try:
        ps.file_name.format(spec="x", paper="x", code="x", date="x", page="x", section="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise r.error("file_name", f"unknown placeholder {exc}",
                      hint="use {spec}, {paper}, {code}, {date}, {page}, {section}") from None
    ps.preflight = r.boolean("preflight", True)
    ps.date = header.iso_date if header else ""
    h = header
    name = ps.file_name.format(
        spec=spec_path.stem, paper=h.paper if h else "", code=(h.code or h.paper) if h else "",
        date=h.iso_date.replace("-", "") if h else "", page=h.page if h else "",
        section=h.section if h else "")
    if (any(ord(c) < 32 or c in "/\\" for c in name) or name.startswith(".")
            or len(name.encode("utf-8")) > 255):
        raise r.error("file_name", f"the PDF's name would be {name!r}, which is not a file name",
                      hint="keep /, \\ and control characters out of the header values the "
                           "pattern uses, or change file_name")
    return ps


def _placement(r: _Reader, grid: GridSpec) -> Placement:
    for key in ("column", "line"):
        if key not in r.data:
            raise r.error(None, f"missing '{key}'", hint="place every block with column, columns, "
                          "line and lines (grid cells, 1-based)")
    col = r.integer("column", 1, 1, 10_000)
    cols = r.integer("columns", 1, 1, 10_000)
    line = r.integer("line", 1, 1, 100_000)
    lines = r.integer("lines", None, 1, 100_000)
    if lines is None:
        raise r.error(None, "missing 'lines'", hint="how many grid lines the block is tall")
    if col + cols - 1 > grid.columns:
        raise r.error("columns", f"reaches column {col + cols - 1}, but the grid has "
                      f"{grid.columns} columns", hint="reduce column or columns")
    if line + lines - 1 > grid.lines:
        raise r.error("lines", f"reaches line {line + lines - 1}, but the grid has "
                      f"{grid.lines} lines", hint="reduce line or lines")
    return Placement(col, cols, line, lines)


def _block(file: str, data, index: int, line: int, grid: GridSpec, spec_path: Path,
           allow_outside: bool, roles: set[str]) -> BlockSpec:
    if not isinstance(data, LDict):
        from typeset.spec.yamlload import wide_colon_hint

        raise InputError(file, "each block must be a mapping", line=line, field=f"blocks[{index}]",
                         hint=wide_colon_hint(str(data)) if isinstance(data, str) else
                         "write the block's keys under the dash: - id: …")
    r = _Reader(file, data, f"blocks[{index}]")
    kind = r.get("type")
    if kind is None:
        kind = next((k for k in SOURCE_KEY if k in data), None)
        if kind is None and "continues" in data:
            kind = "article"   # a jump's continuation: its text comes from an earlier page
        if kind is None:
            raise r.error(None, "cannot tell what this block is",
                          hint=f"add type: one of {', '.join(KIND_KEYS)}")
    if not isinstance(kind, str) or kind not in KIND_KEYS:
        raise r.error("type", f"unknown block type {kind!r}", _suggest(str(kind), set(KIND_KEYS)))
    r.check_keys(COMMON_KEYS | KIND_KEYS[kind])
    block_id = r.text("id", f"{kind}-{index + 1}")
    if not block_id.strip():
        raise r.error("id", "must not be empty")
    place = _placement(r, grid)
    cls = KINDS[kind]
    values = {}
    for name, (k, default) in keys_of(cls).items():
        if name not in data:
            if k.required and not (kind == "article" and "continues" in data):
                raise r.error(None, f"a {kind} block needs '{name}: <file>'")
            values[name] = default
            continue
        try:
            values[name] = convert(k, data[name], roles)
        except ValueProblem as exc:
            raise r.error(name, str(exc), _value_hint(k, data[name])) from None
    opts = cls(**values)
    source = None
    block = BlockSpec(block_id, kind, place, r.data.line, None, opts, [], file=file,
                      key_lines=dict(data.key_lines), given=frozenset(data), where=r.where)
    if kind in SOURCE_KEY and SOURCE_KEY[kind] in data:   # (a continuation may have none)
        key = SOURCE_KEY[kind]
        source = resolve_path(r, key, spec_path, allow_outside)
        if not source.is_file():
            raise r.error(key, f"file not found: {r.text(key)}",
                          hint=f"looked for {source}; paths are relative to the spec file")
        setattr(opts, key, source)
        block.source = source
        if kind == "photo":
            from typeset.layout.photo import open_photo

            block.photo = open_photo(source, r)
        else:
            block.content = _content(r, key, source, kind)
    if kind == "photo" and opts.caption is not None:
        cap = resolve_path(r, "caption", spec_path, allow_outside)
        if not cap.is_file():
            raise r.error("caption", f"file not found: {r.text('caption')}")
        opts.caption = cap
        block.caption = _content(r, "caption", cap, "photo")
    if kind == "article" and opts.title_columns is not None and opts.title_columns > place.columns:
        raise r.error("title_columns", f"the block is only {place.columns} columns wide",
                      hint=f"use at most {place.columns}, or leave it out for all columns")
    if kind == "article" and opts.title_columns is not None and (opts.title_vertical or "frames" in data):
        raise r.error("title_columns", "cannot be combined with title_vertical or frames")
    _refuse_unused(r, kind, opts, block, data)
    if "frames" in data:
        fl = data["frames"]
        if not isinstance(fl, LList) or not fl:
            raise r.error("frames", "must be a list of {column, columns, line, lines}")
        for k, fd in enumerate(fl):
            if not isinstance(fd, LDict):
                raise InputError(file, "each frame must be a mapping", line=fl.item_lines[k],
                                 field=f"blocks[{index}].frames[{k}]")
            fr = _Reader(file, fd, f"blocks[{index}].frames[{k}]")
            fr.check_keys(PLACE_KEYS)
            frame = _placement(fr, grid)
            if not (place.column <= frame.column and frame.last_column <= place.last_column
                    and place.line <= frame.line and frame.last_line <= place.last_line):
                raise fr.error(None, f"frame ({frame.describe()}) lies outside its block "
                               f"({place.describe()})", hint="frames thread the body inside "
                               "the block's rectangle; enlarge the block or move the frame")
            block.frames.append(frame)
    return block


def _section(r: _Reader, cls) -> dict:
    """Typed values of a section (grid, text) read with its key table; defaults where unset."""
    out = {}
    for name, (k, default) in keys_of(cls).items():
        if name not in r.data:
            out[name] = default
            continue
        try:
            out[name] = convert(k, r.data[name])
        except ValueProblem as exc:
            raise r.error(name, str(exc), _value_hint(k, r.data[name])) from None
    return out


# Keys a vertical (竖排) headline does not use: it runs down the first column at title_size in
# title_font, kicker and subtitle open the body in 楷体, and the body is never levelled.
_NOT_WITH_VERTICAL = ("headline_lines", "title_columns", "align", "kicker_font", "kicker_size",
                      "subtitle_font", "subtitle_size", "balance", "box", "frames")


def _refuse_unused(r: _Reader, kind: str, opts, block: BlockSpec, data: LDict) -> None:
    """Every key a spec sets must do something: refuse the ones this block would ignore."""
    def unused(key: str, why: str, hint: str = "remove it") -> InputError:
        return r.error(key, f"'{key}' would do nothing here: {why}", hint)

    if kind == "article" and opts.title_vertical:
        for key in _NOT_WITH_VERTICAL:
            if key in data:
                raise unused(key, "a vertical headline (title_vertical) does not use it")
    if kind == "briefs" and opts.masthead is None and not block.content.meta.get("masthead"):
        for key in ("masthead_lines", "masthead_style"):
            if key in data:
                raise unused(key, "the briefs have no masthead", "add masthead: … (here or in "
                             "the content file's front matter), or remove it")
    if kind == "photo":
        if "focus" in data and opts.fit == "contain":
            raise unused("focus", "fit: contain shows the whole photo, nothing is cropped")
        has_title = block.caption is not None and block.caption.meta.get("title")
        if "title_size" in data and not has_title:
            raise unused("title_size", "the photo has no title (the caption file's front "
                         "matter sets title: …)")


def _value_hint(k, value) -> str | None:
    if k.type == "choice":
        close = difflib.get_close_matches(str(value), list(k.choices), n=1, cutoff=0.5)
        return f"did you mean '{close[0]}'?" if close else None
    if k.type == "int" and k.low is not None:
        return f"write a whole number from {k.low:g} to {k.high:g}"
    if k.type == "length":
        return "write a size with its unit, e.g. 24pt, 8mm, or a 号 size such as 小二"
    if k.type == "role":
        return "name one font role, e.g. song-bold, hei or kai (roles are listed in README)"
    return None


def _content(r: _Reader, key: str, path: Path, kind: str):
    """Parse a content file now, so layout gets text and never reads files."""
    return load_content(path, kind)


def load_spec(path: Path) -> Spec:
    """Read and validate a page spec. Raises InputError on any problem."""
    return spec_from_data(load_yaml(path, "spec"), path)


def spec_from_data(data: LDict, path: Path) -> Spec:
    """Validate an already parsed spec (an LDict from spec.yamlload, with line numbers; e.g.
    edition defaults merged under a page's YAML). `path` names the file in messages and is
    where relative paths start."""
    file = str(path)
    if not isinstance(data, LDict):
        raise InputError(file, "the spec must be a mapping of keys to values", line=1)
    top = _Reader(file, data, "")
    top.check_keys(TOP_KEYS)
    allow_outside = top.boolean("allow_outside_paths", False)

    pr = top.mapping("page")
    pr.check_keys(PAGE_KEYS)
    page = PageSpec()
    if "size" in pr.data:
        size = pr.data["size"]
        if not isinstance(size, list) or len(size) != 2:
            raise pr.error("size", "must be [width, height], e.g. [390mm, 545mm]")
        bare = [v for v in size if (isinstance(v, (int, float)) and not isinstance(v, bool))
                or (isinstance(v, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", v))]
        if bare:
            fixed = ", ".join(f"{str(v).strip()}mm" if v in bare else str(v) for v in size)
            raise pr.error("size", f"{str(bare[0]).strip()} has no unit", hint=f"did you mean mm? "
                           f"size: [{fixed}] (or write pt, cm, in)")
        try:
            page.width, page.height = (parse_length(v) for v in size)
        except ValueError as exc:
            raise pr.error("size", str(exc)) from None
        if page.width <= 0 or page.height <= 0:
            raise pr.error("size", "width and height must be greater than zero")
        if page.width > 5000 or page.height > 5000:
            raise pr.error("size", "is larger than any press sheet (over 1.7 m)")
    for name in ("margin_top", "margin_left"):
        if name in pr.data:
            k = PAGE_TABLE[name][0]
            try:
                setattr(page, name, convert(k, pr.data[name]))
            except ValueProblem as exc:
                raise pr.error(name, str(exc), _value_hint(k, pr.data[name])) from None

    gr = top.mapping("grid")
    gr.check_keys(GRID_KEYS)
    g = GridSpec(**_section(gr, GridSpec))
    if g.width > page.width:
        raise gr.error("columns", f"the type area is {g.width:.0f} pt wide but the page only "
                       f"{page.width:.0f} pt", hint="use fewer columns or characters per column")
    if g.height > page.height:
        raise gr.error("lines", f"the type area is {g.height:.0f} pt tall but the page only "
                       f"{page.height:.0f} pt", hint="use fewer lines or a smaller line gap")

    tr = top.mapping("text")
    tr.check_keys(TEXT_KEYS)
    text = TextSpec(**_section(tr, TextSpec))

    fonts = resolve_path(top, "fonts", path, allow_outside) if "fonts" in data else None
    if fonts is not None and not fonts.is_file():
        raise top.error("fonts", f"font roles file not found: {data['fonts']}")
    header = _header(top.mapping("header")) if "header" in data else None

    blocks_raw = data.get("blocks")
    if not isinstance(blocks_raw, LList) or not blocks_raw:
        raise top.error("blocks" if "blocks" in data else None,
                        "the spec needs a list of blocks", hint="see README.md, section Page spec")
    if len(blocks_raw) > 500:
        raise top.error("blocks", f"{len(blocks_raw)} blocks is more than a page can hold (500)")
    from typeset.font.roles import load_roles

    spec_roles = load_roles(fonts)
    blocks = [_block(file, b, i, blocks_raw.item_lines[i], g, path, allow_outside,
                     set(spec_roles[0]))
              for i, b in enumerate(blocks_raw)]
    _check_ids_and_overlaps(file, blocks)
    name = path.stem
    spec = Spec(path, name, page, g, text, fonts, header, blocks, allow_outside)
    spec.roles = spec_roles
    spec.print = _print(top.mapping("print"), path, allow_outside, header)
    return spec


def _check_ids_and_overlaps(file: str, blocks: list[BlockSpec]) -> None:
    seen: dict[str, BlockSpec] = {}
    for b in blocks:
        if b.id in seen:
            raise InputError(file, f"block id '{b.id}' is used twice", line=b.line, field="id",
                             hint=f"first used on line {seen[b.id].line}")
        seen[b.id] = b
    solid = [b for b in blocks if b.kind not in ("rule", "box")]
    for i, a in enumerate(solid):
        for b in solid[i + 1:]:
            for ra in a.areas():
                for rb in b.areas():
                    if ra.overlaps(rb):
                        raise InputError(
                            file, f"blocks '{a.id}' ({ra.describe()}; spec line {a.line}) and "
                            f"'{b.id}' ({rb.describe()}; spec line {b.line}) overlap",
                            line=b.line, field=f"{b.id}",
                            hint="move or shrink one of them; every grid cell holds one element")
