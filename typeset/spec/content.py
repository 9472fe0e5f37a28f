"""Content files a journalist can write: YAML front matter, then one paragraph per line.

    ---
    title: 共建美好家园 共享幸福生活
    subtitle: ——我市深化共同缔造推进党建引领基层治理纪略
    byline: 记者李平 曾雨
    ---
    “现在晚上小区亮堂了……”上月28日，……
    ## 党建引领 夯实共同缔造基础
    深冬时节，……

`## ` starts an in-body subhead; `# ` starts a new item (a brief's title, in a briefs file).
Blank lines are ignored; every other line is one paragraph.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from typeset.errors import InputError
from typeset.spec.yamlload import parse_yaml, read_text

MAX_CONTENT_CHARS = 2_000_000

META_KEYS = {
    "article": {"kicker", "title", "subtitle", "byline", "continued_from", "continues_on"},
    "briefs": {"masthead"},
    "photo": {"title", "credit"},
}


@dataclass
class Part:
    kind: str      # para | subhead
    text: str
    line: int


@dataclass
class Item:
    title: str | None
    title_line: int
    parts: list[Part] = field(default_factory=list)


@dataclass
class Content:
    path: Path
    meta: dict
    meta_lines: dict
    items: list[Item]

    def parts(self) -> list[Part]:
        return [p for it in self.items for p in it.parts]


# Image and document signatures: a content key pointing at one of these gets "not a text file",
# not advice about text encodings.
_BINARY_MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                 b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP file (a .docx?)", b"II*\x00": "a TIFF image",
                 b"MM\x00*": "a TIFF image", b"\xd0\xcf\x11\xe0": "an old Word/Excel file"}


def _refuse_binary(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return  # read_text reports it
    what = next((w for m, w in _BINARY_MAGIC.items() if head.startswith(m)), None)
    if what is None and b"\x00" in head:
        what = "a binary file"
    if what:
        raise InputError(str(path), f"content file is {what}, not a text file",
                         hint="point the key at the story's .md / .txt file (photos go in a "
                              "photo block)")


def load_content(path: Path, kind: str) -> Content:
    _refuse_binary(path)
    text = read_text(path, "content file")
    if len(text) > MAX_CONTENT_CHARS:
        raise InputError(str(path), f"content file has {len(text)} characters; the limit is "
                         f"{MAX_CONTENT_CHARS}", hint="split the story into several files")
    lines = text.splitlines()
    meta, meta_lines, body_start = {}, {}, 0
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise InputError(str(path), "front matter is not closed", line=1,
                             hint="end the front matter with a line holding only ---") from None
        block = "\n".join(lines[1:end])
        if block.strip():
            data = parse_yaml(block, str(path), "front matter", first_line=2)
            allowed = META_KEYS[kind]
            for key, value in data.items():
                if key not in allowed:
                    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                    raise InputError(str(path), f"unknown front-matter key '{key}'",
                                     line=data.line_of(key), field=key,
                                     hint=f"did you mean '{close[0]}'?" if close else
                                     f"allowed: {', '.join(sorted(allowed))}")
                if isinstance(value, (dict, list)) or value is None:
                    raise InputError(str(path), f"'{key}' must be text", line=data.line_of(key),
                                     field=key)
                meta[key] = str(value).strip()
                meta_lines[key] = data.line_of(key)
        body_start = end + 1
    items = [Item(None, body_start + 1)]
    for n in range(body_start, len(lines)):
        raw = lines[n].strip()
        if not raw:
            continue
        if raw.startswith("## "):
            items[-1].parts.append(Part("subhead", raw[3:].strip(), n + 1))
        elif raw.startswith("# "):
            if items[-1].title is None and not items[-1].parts:
                items[-1] = Item(raw[2:].strip(), n + 1)
            else:
                items.append(Item(raw[2:].strip(), n + 1))
        else:
            items[-1].parts.append(Part("para", raw, n + 1))
    items = [it for it in items if it.title is not None or it.parts]
    if kind == "article":
        titled = next((it for it in items if it.title is not None), None)
        if titled is not None:
            raise InputError(str(path), f"'# {titled.title}' starts a new item, which only a "
                             "briefs file has; an article would not set it", line=titled.title_line,
                             hint="write '## ' for a subhead inside the article, or put the title "
                                  "in the front matter (title: …)")
    if kind == "briefs" and items and items[0].title is None:
        raise InputError(str(path), "briefs file has text before its first '# ' title, so that "
                         "brief would have no title", line=items[0].parts[0].line,
                         hint="start every brief with a line '# title' (or use an article block "
                              "for untitled text)")
    if not items and kind != "photo" and not meta:
        raise InputError(str(path), "content file has no text", line=1,
                         hint="write one paragraph per line after the front matter")
    return Content(path, meta, meta_lines, items)
