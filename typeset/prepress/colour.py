"""Photo colour for newsprint: grey for mono pages, CMYK with a total-ink limit for colour pages.

No RGB reaches the PDF. The RGB → CMYK conversion uses the press's ICC profile when the spec
gives one; otherwise a plain separation with grey-component replacement, so that neutrals print
mostly on the black plate (newsprint registration is poor), then every pixel's total ink is
limited to `max_ink` % by reducing its cyan, magenta and yellow.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageCms

GCR = 0.8   # share of the grey component moved to black (heavy GCR suits coldset newsprint)


def to_grey(im: Image.Image) -> Image.Image:
    return im.convert("L")


def to_cmyk(im: Image.Image, max_ink: int, icc: Path | None = None) -> Image.Image:
    """RGB image → CMYK image with total area coverage ≤ max_ink %."""
    import numpy as np   # only colour photos need it: mono pages start without numpy

    rgb = im.convert("RGB")
    if icc is not None:
        srgb = ImageCms.createProfile("sRGB")
        cmyk = ImageCms.profileToProfile(rgb, srgb, str(icc), outputMode="CMYK")
        arr = np.asarray(cmyk, dtype=np.float64) / 255.0
    else:
        a = np.asarray(rgb, dtype=np.float64) / 255.0
        cmy = 1.0 - a
        k = cmy.min(axis=2) * GCR
        denom = np.where(k < 1.0, 1.0 - k, 1.0)
        cmy = (cmy - k[..., None]) / denom[..., None]
        arr = np.concatenate([np.clip(cmy, 0, 1), k[..., None]], axis=2)
    arr = limit_ink(arr, max_ink / 100.0)
    return Image.fromarray(np.round(arr * 255).astype(np.uint8), mode="CMYK")


def limit_ink(cmyk: np.ndarray, limit: float) -> np.ndarray:
    """Scale C, M and Y down where C+M+Y+K exceeds `limit` (fractions, 1.0 = 100 %)."""
    import numpy as np

    total = cmyk.sum(axis=2)
    k = cmyk[..., 3]
    cmy_sum = cmyk[..., :3].sum(axis=2)
    over = total > limit
    scale = np.ones_like(total)
    room = np.clip(limit - k, 0, None)
    safe = np.where(cmy_sum > 0, cmy_sum, 1.0)
    scale[over] = (room / safe)[over]
    out = cmyk.copy()
    out[..., :3] *= scale[..., None]
    out[..., 3] = np.minimum(k, limit)
    return out


def max_ink_of(im: Image.Image) -> float:
    """Largest total ink of any pixel, in % (for tests and reports)."""
    import numpy as np

    arr = np.asarray(im.convert("CMYK"), dtype=np.float64) / 255.0
    return float(arr.sum(axis=2).max() * 100)
