"""Visual diff of two page images: changed regions outlined in colour over a faded page.

What counts as a change: a pixel whose tone differs by at least `tone` % of full scale in the
grey render (pypdfium2), in a region whose changed pixels cover at least `area` mm² of the page.
Defaults: 3 % tone over 1 mm². A K tint moved from 10 % to 15 % renders 3.9 % darker and is
reported; one stray pixel is not (1 mm² is about 15 pixels at 100 dpi, 8 at 72 dpi). Changed pixels are grouped in cells of CELL
px, and touching cells into regions; each region's area is the sum of its changed pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

DEFAULT_TONE = 3.0       # % tone: the smallest tint step a reader sees on newsprint
DEFAULT_AREA = 1.0       # mm²: smaller changes are a pixel or two of edge, not a change of the page
CELL = 6                 # px: changed pixels are grouped in cells, then cells into regions
FADE = 0.25              # how much of the page shows under the outlines
OUTLINE = (230, 0, 40)   # red outlines
OUTLINE_WIDTH = 3


@dataclass
class Region:
    x: float   # mm from the page's top-left
    y: float
    w: float
    h: float
    area: float = 0.0        # mm² of changed pixels inside
    tone: float = 0.0        # largest tone difference inside, %

    def __str__(self) -> str:
        return (f"x {self.x:.1f} mm, y {self.y:.1f} mm, {self.w:.1f} × {self.h:.1f} mm "
                f"({self.area:.1f} mm² changed, up to {self.tone:.0f} % tone)")


@dataclass
class DiffResult:
    changed_pixels: int
    changed_area_mm2: float
    regions: list[Region]
    image: Image.Image
    same_size: bool = True
    tone: float = DEFAULT_TONE
    area: float = DEFAULT_AREA

    @property
    def same(self) -> bool:
        return self.same_size and not self.regions

    def tolerance(self) -> str:
        return f"changes under {self.tone:g} % tone or under {self.area:g} mm² ignored"


def compare(old: Image.Image, new: Image.Image, dpi: float, tone: float = DEFAULT_TONE,
            area: float = DEFAULT_AREA) -> DiffResult:
    """Compare two renders of a page made at `dpi`: regions where the tone changed by at least
    `tone` % over at least `area` mm²."""
    if not (0 < tone <= 100) or area < 0:
        raise ValueError(f"tolerance out of range: tone {tone} % (0 < tone ≤ 100), area {area} mm² (≥ 0)")
    same_size = old.size == new.size
    if not same_size:
        w, h = max(old.width, new.width), max(old.height, new.height)
        old = _pad(old, w, h)
        new = _pad(new, w, h)
    a = np.asarray(old.convert("L"), dtype=np.int16)
    b = np.asarray(new.convert("L"), dtype=np.int16)
    delta = np.abs(a - b) * (100.0 / 255.0)            # tone difference, % of full black
    mask = delta >= tone - 1e-9
    mm_per_px = 25.4 / dpi
    px_area = mm_per_px ** 2
    kept_px, regions = [], []
    for x, y, w, h in _regions(mask):
        inside = mask[y:y + h, x:x + w]
        changed_mm2 = float(inside.sum()) * px_area
        if changed_mm2 + 1e-9 < area:
            continue
        kept_px.append((x, y, w, h))
        regions.append(Region(x * mm_per_px, y * mm_per_px, w * mm_per_px, h * mm_per_px,
                              changed_mm2, float(delta[y:y + h, x:x + w].max())))
    changed = sum(int(mask[y:y + h, x:x + w].sum()) for x, y, w, h in kept_px)
    image = _draw(new, kept_px)
    return DiffResult(changed, changed * px_area, regions, image, same_size, tone, area)


def _pad(img: Image.Image, w: int, h: int) -> Image.Image:
    canvas = Image.new("L", (w, h), 255)
    canvas.paste(img.convert("L"), (0, 0))
    return canvas


def _regions(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x, y, w, h in px) of groups of changed cells (8-connected)."""
    if not mask.any():
        return []
    h, w = mask.shape
    gh, gw = -(-h // CELL), -(-w // CELL)
    padded = np.zeros((gh * CELL, gw * CELL), dtype=bool)
    padded[:h, :w] = mask
    cells = padded.reshape(gh, CELL, gw, CELL).any(axis=(1, 3))
    seen = np.zeros_like(cells)
    boxes = []
    for cy, cx in zip(*np.nonzero(cells)):
        if seen[cy, cx]:
            continue
        stack = [(cy, cx)]
        seen[cy, cx] = True
        y0 = y1 = cy
        x0 = x1 = cx
        while stack:
            y, x = stack.pop()
            y0, y1, x0, x1 = min(y0, y), max(y1, y), min(x0, x), max(x1, x)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < gh and 0 <= nx < gw and cells[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        boxes.append((x0 * CELL, y0 * CELL, (x1 - x0 + 1) * CELL, (y1 - y0 + 1) * CELL))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def _draw(page: Image.Image, boxes) -> Image.Image:
    faded = Image.blend(Image.new("RGB", page.size, (255, 255, 255)), page.convert("RGB"), FADE)
    draw = ImageDraw.Draw(faded)
    for x, y, w, h in boxes:
        pad = OUTLINE_WIDTH + 2
        draw.rectangle((x - pad, y - pad, x + w + pad, y + h + pad), outline=OUTLINE,
                       width=OUTLINE_WIDTH)
    return faded
