"""Visual diff of two page images: changed regions outlined in colour over a faded page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

PIXEL_THRESHOLD = 24     # grey levels: smaller differences are anti-aliasing noise
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

    def __str__(self) -> str:
        return f"x {self.x:.1f} mm, y {self.y:.1f} mm, {self.w:.1f} × {self.h:.1f} mm"


@dataclass
class DiffResult:
    changed_pixels: int
    changed_area_mm2: float
    regions: list[Region]
    image: Image.Image
    same_size: bool = True

    @property
    def same(self) -> bool:
        return self.same_size and self.changed_pixels == 0


def compare(old: Image.Image, new: Image.Image, dpi: float) -> DiffResult:
    """Compare two renders of a page made at `dpi`."""
    same_size = old.size == new.size
    if not same_size:
        w, h = max(old.width, new.width), max(old.height, new.height)
        old = _pad(old, w, h)
        new = _pad(new, w, h)
    a = np.asarray(old.convert("L"), dtype=np.int16)
    b = np.asarray(new.convert("L"), dtype=np.int16)
    mask = np.abs(a - b) > PIXEL_THRESHOLD
    changed = int(mask.sum())
    mm_per_px = 25.4 / dpi
    regions_px = _regions(mask)
    regions = [Region(x * mm_per_px, y * mm_per_px, w * mm_per_px, h * mm_per_px)
               for x, y, w, h in regions_px]
    image = _draw(new, regions_px)
    return DiffResult(changed, changed * mm_per_px ** 2, regions, image, same_size)


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
