"""Photos: checked when opened, fitted to their grid box (cover with a focal point, or contain)."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image as PILImage

from typeset import display as D

ERROR_PPI = 100                # below this a photo is refused unless the spec accepts it
MAX_PIXELS = 80_000_000        # refuse decompression bombs (80 Mpx ≈ a 30 × 40 cm photo at 600 ppi)
# photo checks kept on disk (one small file per photo file; the least recently checked go first)
MAX_PHOTO_CHECKS = 5000
WARN_PPI = 200                 # newsprint wants 200–300 ppi at placed size (§5 #13)


@dataclass
class PhotoInfo:
    path: Path
    width: int
    height: int
    mode: str
    warnings: list[str] = field(default_factory=list)


def open_photo(path: Path, reader) -> PhotoInfo:
    """Open and verify an image; raise a readable error for anything that is not a photo.
    A photo that passed before (same file, size and mtime, same Pillow) is not decoded again:
    its size and mode come from the cache on disk (typeset/cache.py)."""
    from typeset import cache

    check = [cache.file_key(path), MAX_PIXELS, cache.module_key("PIL")]
    entry = "photo-checks/" + hashlib.sha256(str(check[0]).encode()).hexdigest()[:24] + ".json"
    known = cache.load(entry, check) if check[0] is not None else None
    if (isinstance(known, list) and len(known) == 3 and type(known[0]) is int
            and type(known[1]) is int and isinstance(known[2], str)
            and 1 <= known[0] * known[1] <= MAX_PIXELS):
        return PhotoInfo(path, known[0], known[1], known[2])
    key = "photo"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(path) as im:
                size, mode = im.size, im.mode
                if size[0] * size[1] > MAX_PIXELS:
                    raise reader.error(key, f"{path.name} has {size[0]}×{size[1]} pixels, more "
                                       f"than the {MAX_PIXELS // 1_000_000} Mpx limit",
                                       hint="scale the photo down before placing it")
                im.verify()
            with PILImage.open(path) as im:
                if im.format == "JPEG":
                    # decoded at 1/8 scale: every byte is still entropy-decoded (truncation and
                    # damage found as in a full decode), without the full-size inverse DCT and
                    # 12 MB of pixels (≈ 20 → 5 ms for a 2560 × 1600 photo)
                    im.draft(im.mode, (max(1, size[0] // 8), max(1, size[1] // 8)))
                im.load()
    except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
        raise reader.error(key, f"{path.name} is too large to open safely (decompression bomb)",
                           hint="scale the photo down before placing it") from None
    except PILImage.UnidentifiedImageError:
        raise reader.error(key, f"{path.name} is not an image Pillow can read",
                           hint="use a JPEG, PNG or TIFF photo") from None
    except (OSError, SyntaxError) as exc:
        raise reader.error(key, f"{path.name} is damaged or truncated ({exc})",
                           hint="export the photo again") from None
    if size[0] < 1 or size[1] < 1:
        raise reader.error(key, f"{path.name} has no pixels")
    if check[0] is not None:
        if cache.store(entry, check, [size[0], size[1], mode]):
            cache.trim(cache.cache_dir() / "photo-checks", MAX_PHOTO_CHECKS)
    return PhotoInfo(path, size[0], size[1], mode)


def photo_crop(info: PhotoInfo, w: float, h: float, fit: str,
               focus: tuple[float, float]) -> tuple[float, float, float, float]:
    """The part of the photo (fractions) shown in a box of w × h pt: all of it for `contain`;
    for `cover`, the box's shape cut around `focus`."""
    if fit == "contain":
        return (0.0, 0.0, 1.0, 1.0)
    src_ratio = info.width / info.height
    box_ratio = w / h
    if src_ratio > box_ratio:      # photo wider: crop the sides
        cw = box_ratio / src_ratio
        left = min(max(focus[0] - cw / 2, 0.0), 1.0 - cw)
        crop = (left, 0.0, left + cw, 1.0)
    else:                          # photo taller: crop top and bottom
        ch = src_ratio / box_ratio
        top = min(max(focus[1] - ch / 2, 0.0), 1.0 - ch)
        crop = (0.0, top, 1.0, top + ch)
    return tuple(round(c, 6) for c in crop)


def fit_photo(info: PhotoInfo, x: float, y: float, w: float, h: float, fit: str,
              focus: tuple[float, float]) -> D.Image:
    """Place a photo in box (x, y, w, h) pt. `cover` fills the box and crops around `focus`
    (fractions of the photo); `contain` shows the whole photo centred in the box."""
    src_ratio = info.width / info.height
    box_ratio = w / h
    if fit == "contain":
        if src_ratio > box_ratio:
            dw, dh = w, w / src_ratio
        else:
            dw, dh = h * src_ratio, h
        item = D.Image(str(info.path), x + (w - dw) / 2, y + (h - dh) / 2, dw, dh)
        placed_w = dw
        crop_w = 1.0
    else:
        crop = photo_crop(info, w, h, fit, focus)
        item = D.Image(str(info.path), x, y, w, h, crop=crop)
        placed_w = w
        crop_w = crop[2] - crop[0]
    ppi = info.width * crop_w / (placed_w / 72)
    item.ppi = round(ppi, 1)
    if ppi < WARN_PPI:
        info.warnings.append(f"{info.path.name}: {ppi:.0f} ppi at its placed size "
                             f"(newsprint wants {WARN_PPI}+)")
    return item
