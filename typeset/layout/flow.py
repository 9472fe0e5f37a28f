"""Threaded frames: a story's text runs through a chain of grid rectangles in order.

Each frame is one text column (x, width, first grid line, line count). The flow numbers all
lines of all frames consecutively ("flow lines"); the line breaker asks for the width of flow
line k, and placement maps k back to a frame and a grid line. Text that runs past the last
frame is counted, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Frame:
    x: float          # left edge, pt
    width: float      # pt
    line: int         # first grid line (1-based)
    lines: int        # number of grid lines


@dataclass
class Slot:
    frame: int        # index of the frame
    line: int         # grid line
    x: float
    width: float


class Flow:
    def __init__(self, frames: list[Frame], body_size: float) -> None:
        self.frames = [f for f in frames if f.lines > 0]
        self.body_size = body_size
        self.starts: list[int] = []
        total = 0
        for f in self.frames:
            self.starts.append(total)
            total += f.lines
        self.total = total
        self._widths = [round(f.width / body_size * 1000) for f in self.frames for _ in range(f.lines)]
        self._past_end = self._widths[-1] if self._widths else 0
        # the frame of each flow line, looked up rather than searched (slot is asked ≈ 1,600
        # times a page)
        self._frame_of = [fi for fi, f in enumerate(self.frames) for _ in range(f.lines)]

    def _frame_index(self, k: int) -> int:
        if 0 <= k < self.total:
            return self._frame_of[k]
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= k:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def slot(self, k: int) -> Slot | None:
        """Where flow line k goes, or None past the last frame."""
        if k >= self.total or not self.frames:
            return None
        fi = self._frame_index(k)
        f = self.frames[fi]
        return Slot(fi, f.line + (k - self.starts[fi]), f.x, f.width)

    def width_em(self, k: int) -> int:
        """Measure of flow line k in 1/1000 em of the body size (the last frame's past the end)."""
        return self._widths[k] if 0 <= k < self.total else self._past_end

    def widths(self, k: int, n: int) -> list[int]:
        """Measures of flow lines k … k + n - 1: [width_em(k), …] without n calls."""
        if k < 0:
            return [self.width_em(k + m) for m in range(n)]
        got = self._widths[k:k + n]
        return got + [self._past_end] * (n - len(got))

    def left_in_frame(self, k: int) -> int:
        """Lines from flow line k to the end of its frame (0 past the end)."""
        s = self.slot(k)
        if s is None:
            return 0
        return self.starts[s.frame] + self.frames[s.frame].lines - k

    def at_frame_top(self, k: int) -> bool:
        s = self.slot(k)
        return s is not None and k == self.starts[s.frame]

    def next_frame_start(self, k: int) -> int:
        s = self.slot(k)
        if s is None:
            return self.total
        return self.starts[s.frame] + self.frames[s.frame].lines

    def remaining_from(self, k: int) -> int:
        return max(0, self.total - k)
