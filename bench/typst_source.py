"""Typst source that sets the same text as a page spec on the same geometry, for the benchmark.

    .venv/bin/python bench/typst_source.py layouts/sample-page.yaml > /tmp/sample.typ

Same page size, same grid (column and gutter widths, body size, line pitch), each text block's
rectangle of grid cells with its own number of columns, Noto Serif CJK SC body text justified
with a 2 em indent, titles in bold Song, subheads in bold Sans, bylines and captions in WenKai.
Photos are left out (Typst would only embed them); rules become lines. This is the work Typst
does for the page's text, not a copy of our page: headline sizing, balancing and the checks are
ours alone, which is why the ratio is a fair upper bound of what we must win back.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typeset.layout.grid import Grid  # noqa: E402
from typeset.spec.load import load_spec  # noqa: E402

HEADLINE_EM = 2.2   # headline size in body sizes: a typical broadsheet title
SUBTITLE_EM = 1.3


def _esc(text: str) -> str:
    """Typst markup escape: the characters that start markup."""
    out = []
    for ch in text:
        if ch in "\\#*_`$<>@[]=-+/~\"'":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _text_block(block, grid: Grid) -> str:
    x, y, w, h = grid.rect(block.place)
    size = grid.size
    head: list[str] = []     # title, subtitle, byline: across the block's columns
    body: list[str] = []
    c = block.content
    if c is not None:
        meta = c.meta or {}
        if meta.get("title"):
            head.append(f'#text(font: "Noto Serif CJK SC", weight: "bold", size: '
                        f'{size * HEADLINE_EM:.2f}pt)[{_esc(str(meta["title"]))}]\n')
        for key in ("subtitle", "byline"):
            if meta.get(key):
                head.append(f'#text(font: "LXGW WenKai", size: {size * SUBTITLE_EM:.2f}pt)'
                            f'[{_esc(str(meta[key]))}]\n')
        for item in c.items:
            if item.title:
                body.append(f'#text(font: "Noto Sans CJK SC", weight: "bold")[{_esc(item.title)}]\n')
            for part in item.parts:
                if part.kind == "subhead":
                    body.append(f'#text(font: "Noto Sans CJK SC", weight: "bold")[{_esc(part.text)}]\n')
                else:
                    body.append(_esc(part.text) + "\n")
    if block.caption is not None:
        for item in block.caption.items:
            for part in item.parts:
                body.append(f'#text(font: "LXGW WenKai")[{_esc(part.text)}]\n')
    cols = block.place.columns
    return (f"#place(top + left, dx: {x:.3f}pt, dy: {y:.3f}pt, block(width: {w:.3f}pt, "
            f"height: {h:.3f}pt, clip: true)[\n" + "\n".join(head) +
            f"\n#columns({cols}, gutter: {grid.spec.gutter:.3f}pt)[\n" + "\n".join(body) +
            "\n]])\n")


def typst_source(spec_path: Path) -> str:
    spec = load_spec(spec_path)
    grid = Grid.on_page(spec.grid, spec.page)
    size = grid.size
    leading = grid.pitch - size
    out = [
        f"#set page(width: {spec.page.width:.3f}pt, height: {spec.page.height:.3f}pt, margin: 0pt)\n",
        f'#set text(font: "Noto Serif CJK SC", size: {size:.3f}pt, lang: "zh", region: "cn", '
        'top-edge: 0.88em, bottom-edge: -0.12em)\n',
        f"#set par(justify: true, leading: {leading:.3f}pt, spacing: {leading:.3f}pt, "
        "first-line-indent: (amount: 2em, all: true))\n",
    ]
    for block in spec.blocks:
        if block.content is not None or block.caption is not None:
            out.append(_text_block(block, grid))
        elif block.kind == "rule":
            x, y, w, _ = grid.rect(block.place)
            out.append(f"#place(top + left, dx: {x:.3f}pt, dy: {y + grid.pitch / 2:.3f}pt, "
                       f"line(length: {w:.3f}pt, stroke: 0.5pt))\n")
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(typst_source(Path(sys.argv[1])))
