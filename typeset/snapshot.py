"""A readable, rounded dump of a display list, for pytest-regressions snapshots and reviews."""

from __future__ import annotations

from typeset import display as D


def _r(v: float) -> float:
    return round(float(v), 2)


def display_snapshot(page: D.Page) -> dict:
    """Plain data (YAML-friendly) describing every item of the page, rounded to 0.01 pt."""
    items = []
    for it in page.items:
        if isinstance(it, D.GlyphRun):
            items.append({
                "run": "".join(g.text for g in it.glyphs),
                "owner": it.owner, "role": it.role, "face": it.face, "size": _r(it.size),
                "y": _r(it.y), "x": " ".join(f"{_r(g.x):g}" for g in it.glyphs),
                "color": " ".join(f"{c:g}" for c in it.color),
            })
        elif isinstance(it, D.Rule):
            items.append({"rule": [_r(it.x1), _r(it.y1), _r(it.x2), _r(it.y2)],
                          "width": _r(it.width), "owner": it.owner, "color": " ".join(f"{c:g}" for c in it.color)})
        elif isinstance(it, D.Rect):
            items.append({"rect": [_r(it.x), _r(it.y), _r(it.w), _r(it.h)], "owner": it.owner,
                          "fill": list(it.fill) if it.fill else None,
                          "stroke": list(it.stroke) if it.stroke else None,
                          "stroke_width": _r(it.stroke_width)})
        elif isinstance(it, D.Image):
            items.append({"image": it.path.rsplit("/", 1)[-1], "box": [_r(it.x), _r(it.y),
                          _r(it.w), _r(it.h)], "crop": [round(c, 4) for c in it.crop],
                          "owner": it.owner})
    return {"page": [_r(page.width), _r(page.height)], "items": items}
