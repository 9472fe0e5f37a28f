"""Page geometry: where grid columns and lines fall on the sheet, in pt from the top-left."""

from __future__ import annotations

from dataclasses import dataclass

from typeset.spec.model import GridSpec, PageSpec, Placement

# Baseline of a body line below the top of its line box: 0.88 em, the ideographic em-box
# ascent of CJK fonts (LuaTeX-ja zh_CN JFM height 0.88 / depth 0.12; Noto CJK typo ascender 880).
BASELINE_RATIO = 0.88
# Space above the type area kept for the page header (报眉) when margins are not given.
HEADER_ROOM_RATIO = 0.56


@dataclass
class Grid:
    spec: GridSpec
    left: float     # x of the type area
    top: float      # y of the type area

    @classmethod
    def on_page(cls, grid: GridSpec, page: PageSpec) -> "Grid":
        left = page.margin_left if page.margin_left is not None else (page.width - grid.width) / 2
        spare = page.height - grid.height
        top = page.margin_top if page.margin_top is not None else spare * HEADER_ROOM_RATIO
        return cls(grid, left, top)

    @property
    def size(self) -> float:
        return self.spec.body_size

    @property
    def pitch(self) -> float:
        return self.spec.pitch

    def column_x(self, column: int) -> float:
        """Left edge of a 1-based column."""
        return self.left + (column - 1) * (self.spec.column_width + self.spec.gutter)

    def span_width(self, columns: int) -> float:
        return columns * self.spec.column_width + (columns - 1) * self.spec.gutter

    def line_top(self, line: int) -> float:
        """Top of the line box of a 1-based grid line."""
        return self.top + (line - 1) * self.pitch

    def baseline(self, line: int) -> float:
        return self.line_top(line) + BASELINE_RATIO * self.size

    def rect(self, p: Placement) -> tuple[float, float, float, float]:
        """x, y, width, height of a placement (height ends at the last line's box bottom)."""
        x = self.column_x(p.column)
        y = self.line_top(p.line)
        return x, y, self.span_width(p.columns), p.lines * self.pitch - self.spec.line_gap

    def lines_for(self, height: float) -> int:
        """Whole grid lines needed to hold `height` pt."""
        import math
        return max(1, math.ceil((height + self.spec.line_gap) / self.pitch - 1e-6))
