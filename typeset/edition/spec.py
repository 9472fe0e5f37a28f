"""The edition spec: one YAML naming the paper, the date, shared defaults and the pages in order.

    edition:
      paper: 十堰日报
      code: SYRB
      date: 2024-01-02
      file_name: "{code}-{date}-{page}.pdf"   # the plant's pattern; {page} is zero-padded
    defaults:                 # any page-spec key; merged under every page
      fonts: ../fonts/roles.yaml
      header: {editor: 编辑甲}
    pages:
      - file: sample-edition/front.yaml       # page 1
        section: 要闻
      - file: sample-page.yaml                # page 2; page-spec keys here override the file
        section: 综合新闻
      - section: 副刊                          # an inline page: the page spec itself
        blocks: [...]

Page numbers come from the order of `pages`; the 报眉 (paper, date, weekday, page number,
section, editors) and the file names come from the edition.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from typeset.errors import InputError
from typeset.spec.load import TOP_KEYS, _Reader, _suggest, resolve_path
from typeset.spec.yamlload import LDict, LList, load_yaml

EDITION_KEYS = {"paper", "code", "date", "file_name", "page_digits", "name"}
TOP = {"edition", "defaults", "pages"}
ENTRY_KEYS = {"file", "name", "section", "editor", "designer", "proofreader"}
HEADER_SHORTHAND = ("section", "editor", "designer", "proofreader")
PLACEHOLDERS = ("paper", "code", "date", "page", "section", "name")
DEFAULT_FILE_NAME = "{code}-{date}-{page}.pdf"
MAX_PAGES = 200


@dataclass
class PageEntry:
    index: int                 # 0-based position in `pages`
    number: int                # page number (版次), 1-based
    name: str                  # short name: the file's stem, or `name:`
    file: Path | None          # page spec file; None for an inline page
    data: LDict                # the entry as written (for overrides and inline pages)
    line: int                  # line of the entry in the edition file

    @property
    def label(self) -> str:
        return str(self.number)

    def describe(self) -> str:
        return f"page {self.number} ({self.name})"


@dataclass
class Edition:
    path: Path
    name: str
    paper: str
    code: str
    date: date
    file_name: str
    page_digits: int
    defaults: LDict | None
    pages: list[PageEntry]

    def error(self, page: PageEntry | None, message: str, field: str | None = None,
              line: int | None = None, hint: str | None = None) -> InputError:
        where = f"pages[{page.index}]" if page else None
        fld = ".".join(x for x in (where, field) if x) or None
        text = f"{page.describe()}: {message}" if page else message
        return InputError(str(self.path), text, line=line or (page.line if page else None),
                          field=fld, hint=hint)


def is_edition(path: Path) -> bool:
    """True when the YAML file has a top-level `edition:` key (a cheap look at the text)."""
    import re

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^edition[ \t]*:", text, re.M) is not None


def load_edition(path: Path) -> Edition:
    """Read and check an edition file (the pages themselves are loaded by the planner)."""
    file = str(path)
    data = load_yaml(path, "edition")
    top = _Reader(file, data, "")
    top.check_keys(TOP)
    er = top.mapping("edition")
    er.check_keys(EDITION_KEYS)
    for key in ("paper", "date"):
        if key not in er.data:
            raise er.error(None, f"the edition needs '{key}'",
                           hint="e.g. edition: {paper: 十堰日报, code: SYRB, date: 2024-01-02}")
    when = er.get("date")
    if not isinstance(when, date):
        raise er.error("date", f"must be a date like 2024-01-02, got {when!r}")
    file_name = er.text("file_name", "")
    defaults = data.get("defaults")
    if not file_name and isinstance(defaults, LDict) and isinstance(defaults.get("print"), LDict) \
            and "file_name" in defaults["print"]:
        er = _Reader(file, defaults["print"], "defaults.print")   # the naming given as a default
        file_name = er.text("file_name")
    file_name = file_name or DEFAULT_FILE_NAME
    if "/" in file_name or "\\" in file_name or not file_name.endswith(".pdf"):
        raise er.error("file_name", "must be a file name ending in .pdf (no folders)",
                       hint="e.g. {code}{date}{page}.pdf")
    fields = {f for _, f, _, _ in string.Formatter().parse(file_name) if f is not None}
    unknown = fields - set(PLACEHOLDERS)
    if unknown:
        raise er.error("file_name", f"unknown placeholder {{{sorted(unknown)[0]}}}",
                       hint="use " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    if "page" not in fields:
        raise er.error("file_name", "needs {page}: every page gets its own file")
    er = top.mapping("edition")
    digits = er.integer("page_digits", 2, 1, 4)
    if defaults is not None:
        if not isinstance(defaults, LDict):
            raise top.error("defaults", "must be a mapping of page-spec keys")
        dr = _Reader(file, defaults, "defaults")
        dr.check_keys(TOP_KEYS - {"blocks"})
    pages_raw = data.get("pages")
    if not isinstance(pages_raw, LList) or not pages_raw:
        raise top.error("pages" if "pages" in data else None, "the edition needs a list of pages",
                        hint="pages: [{file: page-1.yaml}, {file: page-2.yaml}, …]")
    if len(pages_raw) > MAX_PAGES:
        raise top.error("pages", f"{len(pages_raw)} pages is more than an edition holds "
                        f"({MAX_PAGES})")
    pages: list[PageEntry] = []
    seen_files: dict[Path, PageEntry] = {}
    seen_names: dict[str, PageEntry] = {}
    for i, entry in enumerate(pages_raw):
        line = pages_raw.item_lines[i]
        if isinstance(entry, str):
            raise InputError(file, "each page must be a mapping", line=line, field=f"pages[{i}]",
                             hint=f"write - file: {entry}")
        if not isinstance(entry, LDict):
            raise InputError(file, "each page must be a mapping (file: … or an inline page)",
                             line=line, field=f"pages[{i}]")
        r = _Reader(file, entry, f"pages[{i}]")
        r.check_keys(ENTRY_KEYS | TOP_KEYS)
        page_file = None
        if "file" in entry:
            page_file = resolve_path(r, "file", path, False)
            if not page_file.is_file():
                raise r.error("file", f"page spec not found: {r.text('file')}",
                              hint=f"looked for {page_file}; paths are relative to the edition")
            if page_file in seen_files:
                other = seen_files[page_file]
                raise r.error("file", f"{r.text('file')} is already {other.describe()}: two "
                              "pages would claim the same frames",
                              hint="list every page spec once")
        elif "blocks" not in entry:
            raise r.error(None, "a page needs 'file: <page spec>' or its own 'blocks:'")
        name = r.text("name", page_file.stem if page_file else f"page-{i + 1}")
        if name in seen_names:
            raise r.error("name" if "name" in entry else "file",
                          f"two pages are called '{name}' ({seen_names[name].describe()})",
                          hint="give one of them name: <unique name>")
        pe = PageEntry(i, i + 1, name, page_file, entry, line)
        if page_file:
            seen_files[page_file] = pe
        seen_names[name] = pe
        pages.append(pe)
    return Edition(path, er.text("name", path.stem), er.text("paper"), er.text("code"), when,
                   file_name, digits, defaults, pages)


# ---- the layers of one page -------------------------------------------------------------------

def _rebase(value: str, src_dir: Path, dst_dir: Path) -> str:
    """A path written relative to src_dir, re-expressed relative to dst_dir."""
    if os.path.isabs(value):
        return value
    return os.path.relpath(os.path.normpath(src_dir / value), dst_dir)


def _rebased(layer: LDict, src_dir: Path, dst_dir: Path) -> LDict:
    """Copy of a layer written in the edition file with its paths made relative to dst_dir."""
    from typeset.spec.merge import merge

    out = merge(LDict(), layer)
    if src_dir == dst_dir:
        return out
    if isinstance(out.get("fonts"), str):
        out["fonts"] = _rebase(out["fonts"], src_dir, dst_dir)
    pr = out.get("print")
    if isinstance(pr, dict) and isinstance(pr.get("icc"), str):
        pr["icc"] = _rebase(pr["icc"], src_dir, dst_dir)
    blocks = out.get("blocks")
    if isinstance(blocks, list):
        for b in blocks:
            if isinstance(b, dict):
                for key in ("article", "briefs", "photo", "caption"):
                    if isinstance(b.get(key), str):
                        b[key] = _rebase(b[key], src_dir, dst_dir)
    return out


def header_of(ed: Edition, page: PageEntry) -> LDict:
    """The 报眉 the edition imposes: paper, code, date, page number; section and editors when the
    entry names them (otherwise the page's or the defaults' stand)."""
    h = LDict(paper=ed.paper, code=ed.code or ed.paper, date=ed.date, page=page.label)
    h.line = page.line
    h.key_lines = {k: page.line for k in h}
    for key in HEADER_SHORTHAND:
        if key in page.data:
            h[key] = page.data[key]
            h.key_lines[key] = page.data.line_of(key)
    return h


def load_layered(path: Path, defaults: LDict | None = None, overrides: LDict | None = None,
                 data: LDict | None = None):
    """A page spec with the edition's layers: `defaults` deep-merged under the page's YAML (the
    file at `path`, or `data` for an inline page), `overrides` over it; then validated."""
    from typeset.spec.load import spec_from_data
    from typeset.spec.merge import layered

    own = data if data is not None else load_yaml(path, "spec")
    return spec_from_data(layered(defaults, own, overrides), path)


def page_layers(ed: Edition, page: PageEntry) -> dict:
    """Arguments for load_layered: the spec path and the layers under and over the page's own
    YAML."""
    edir = ed.path.parent
    base = page.file.parent if page.file else edir
    defaults = _rebased(ed.defaults, edir, base) if ed.defaults else None
    own = LDict((k, v) for k, v in page.data.items() if k in TOP_KEYS)
    own.line, own.key_lines = page.data.line, dict(page.data.key_lines)
    over = _rebased(own, edir, base)
    top = LDict(header=header_of(ed, page))
    top.line, top.key_lines = page.line, {"header": page.line}
    from typeset.spec.merge import merge

    if page.file is None:
        return {"path": ed.path, "defaults": defaults, "data": over,
                "overrides": top}
    return {"path": page.file, "defaults": defaults, "overrides": merge(over, top)}


def file_name(ed: Edition, page: PageEntry, section: str) -> str:
    return ed.file_name.format(paper=ed.paper, code=ed.code or ed.paper,
                               date=ed.date.isoformat().replace("-", ""),
                               page=str(page.number).zfill(ed.page_digits), section=section,
                               name=page.name)


def suggest(word: str, words: set[str]) -> str | None:
    return _suggest(word, words) if words else None
