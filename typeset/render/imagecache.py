"""Photos prepared for print, kept in the cache on disk (typeset/cache.py) as the compressed
image XObject ReportLab wrote: a page set again draws the same photo without decoding,
converting and compressing it again (≈ 0.25 s and ≈ 30 MiB for the sample page's 2560 px photo).

The key is everything the stored bytes depend on: the photo file (path, size, mtime), the crop,
grey or colour, the ink limit, the ICC profile file, the versions of Pillow, NumPy and ReportLab,
and the source of the code that prepares and writes the image. The drawing repeats exactly what
ReportLab's `Canvas.drawImage` does for an image without a mask (same XObject name, same
operators), so the PDF is byte-identical either way; only such plain images are stored.
"""

from __future__ import annotations

import hashlib

from typeset import cache
from typeset import display as D

KEEP = 48           # photos kept (most recently used); a few MiB each


def _key(item: D.Image) -> list | None:
    photo = cache.file_key(item.path)
    if photo is None:
        return None
    icc = cache.file_key(item.icc) if item.icc is not None else None
    return [photo, list(item.crop), item.grey, item.max_ink, icc,
            [cache.module_key(m) for m in ("PIL", "numpy", "reportlab")],
            cache.source_key("typeset.render.images", "typeset.render.imagecache",
                             "typeset.prepress.colour")]


def _entry(key: list) -> str:
    return "images/" + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + ".bin"


def draw_cached(canvas, item: D.Image, x: float, y: float, w: float, h: float) -> str | None:
    """Draw the photo from the cache as `canvas.drawImage(reader, x, y, w, h)` would; its
    digest (see images.draw_image), or None when it is not cached (nothing drawn)."""
    key = _key(item)
    found = cache.load_bytes(_entry(key), key) if key is not None else None
    if found is None:
        return None
    meta, stream = found
    try:
        name, width, height = meta["name"], int(meta["width"]), int(meta["height"])
        colour_space, bits = str(meta["colorSpace"]), int(meta["bitsPerComponent"])
        filters, digest = tuple(str(f) for f in meta["filters"]), str(meta["digest"])
    except (TypeError, KeyError, ValueError):
        return None
    from reportlab.lib.boxstuff import aspectRatioFix
    from reportlab.pdfbase.pdfdoc import PDFImageXObject

    canvas._currentPageHasImages = 1
    doc = canvas._doc
    reg = doc.getXObjectName(name)
    obj = doc.idToObject.get(reg, None)
    if not obj:
        obj = PDFImageXObject(name)
        obj.width, obj.height, obj.bitsPerComponent = width, height, bits
        obj.colorSpace, obj._filters, obj.streamContent = colour_space, filters, stream
        obj.mask = None
        canvas._setXObjects(obj)
        doc.Reference(obj, reg)
        doc.addForm(name, obj)
    x, y, w, h, _ = aspectRatioFix(False, "c", x, y, w, h, obj.width, obj.height, False)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(w, h)
    canvas._code.append("/%s Do" % reg)
    canvas.restoreState()
    canvas._formsinuse.append(name)
    return digest


def remember(canvas, item: D.Image, digest: str) -> None:
    """Store the XObject `canvas.drawImage` just made for `item`, when it is a plain one."""
    key = _key(item)
    if key is None or not canvas._formsinuse:
        return
    name = canvas._formsinuse[-1]
    obj = canvas._doc.idToObject.get(canvas._doc.getXObjectName(name))
    if (obj is None or getattr(obj, "mask", None) or getattr(obj, "smask", None)
            or getattr(obj, "_dotrans", 0) or getattr(obj, "_decode", None)
            or not isinstance(obj.streamContent, bytes)):
        return      # a mask, an inverted CMYK JPEG …: not what draw_cached repeats
    meta = {"name": name, "width": obj.width, "height": obj.height,
            "colorSpace": obj.colorSpace, "bitsPerComponent": obj.bitsPerComponent,
            "filters": list(obj._filters), "digest": digest}
    cache.store_bytes(_entry(key), key, meta, obj.streamContent, keep=KEEP)
