"""Block kinds beyond articles: briefs, photos, rules, boxes, and the page header."""

from __future__ import annotations

LAYOUTS: dict = {}


def page_header(spec, grid, composer, page) -> None:
    return None
