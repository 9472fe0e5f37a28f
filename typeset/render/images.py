"""Photos into the PDF: cropped to the placed box, converted to grey or CMYK (never RGB)."""

from __future__ import annotations

import hashlib

from PIL import Image as PILImage
from reportlab.lib.utils import ImageReader

from typeset import display as D
from typeset.prepress.digest import DIGEST_CHARS


def prepared_image(item: D.Image) -> PILImage.Image:
    """The photo cropped to its placed box and converted for print."""
    with PILImage.open(item.path) as im:
        im.load()
        w, h = im.size
        l, t, r, b = item.crop
        box = (round(l * w), round(t * h), round(r * w), round(b * h))
        im = im.crop(box)
        if im.mode in ("P", "LA", "RGBA", "PA", "La"):
            im = im.convert("RGBA")
            bg = PILImage.new("RGB", im.size, (255, 255, 255))
            bg.paste(im, mask=im.split()[-1])
            im = bg
        if item.grey:
            from typeset.prepress.colour import to_grey   # numpy: only pages with photos

            return to_grey(im)
        if im.mode == "CMYK":
            return im
        from typeset.prepress.colour import to_cmyk

        return to_cmyk(im, item.max_ink, item.icc)


def draw_image(canvas, item: D.Image, page_h: float) -> str:
    """Draw the photo; return the digest preflight names it by (sha256 of its samples as
    stored in the PDF, first DIGEST_CHARS hex digits: see prepress/walk.py)."""
    from typeset.render.imagecache import draw_cached, remember

    x, y = item.x, page_h - item.y - item.h
    digest = draw_cached(canvas, item, x, y, item.w, item.h)   # prepared by an earlier run
    if digest is not None:
        return digest
    reader = ImageReader(prepared_image(item))
    canvas.drawImage(reader, x, y, item.w, item.h)
    digest = hashlib.sha256(reader.getRGBData()).hexdigest()[:DIGEST_CHARS]
    remember(canvas, item, digest)
    return digest
