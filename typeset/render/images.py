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
    stored in the PDF, first DIGEST_CHARS hex digits: see prepress/walk.py).

    In a long-lived process (reuse.IMAGES enabled), the prepared samples and their compressed
    image XObject are kept, keyed by the file and every setting that changes the samples."""
    from typeset import reuse

    key = (reuse.file_stamp(item.path), tuple(item.crop), item.grey, item.max_ink,
           reuse.file_stamp(item.icc))
    kept = reuse.IMAGES.get(key)
    if kept is None:
        reader = ImageReader(prepared_image(item))
        digest = hashlib.sha256(reader.getRGBData()).hexdigest()[:DIGEST_CHARS]
        xobject = None
    else:
        reader, digest, xobject = kept
    doc = canvas._doc
    x, y, w, h = item.x, page_h - item.y - item.h, item.w, item.h
    if xobject is not None:
        # what Canvas.drawImage does, without digesting and compressing the samples again:
        # register the kept XObject (once per document), then scale the unit square to the box
        name = xobject.name
        reg = doc.getXObjectName(name)
        if doc.idToObject.get(reg) is None:
            xobject = _fresh(xobject)
            canvas._setXObjects(xobject)
            doc.Reference(xobject, reg)
            doc.addForm(name, xobject)
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(w, h)
        canvas._code.append(f"/{reg} Do")
        canvas.restoreState()
        canvas._formsinuse.append(name)
        return digest
    before = set(doc.idToObject)
    canvas.drawImage(reader, x, y, w, h)
    if reuse.IMAGES.limit:
        new = [doc.idToObject[k] for k in set(doc.idToObject) - before]
        made = [o for o in new if type(o).__name__ == "PDFImageXObject"]
        if len(made) == 1 and getattr(made[0], "smask", None) is None:
            reuse.IMAGES.put(key, (reader, digest, _fresh(made[0])))
    return digest


def _fresh(xobject):
    """A copy of an image XObject as it was before a document registered it."""
    import copy

    new = copy.copy(xobject)
    for attr in ("__InternalName__", "XObjects"):
        new.__dict__.pop(attr, None)
    return new
