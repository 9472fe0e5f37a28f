"""Photos into the PDF: cropped to the placed box, converted to grey or CMYK (never RGB).

Encoding a photo (decode the source, crop, convert, Flate-compress the samples) is most of the
time a page takes to write, so it is done once per photo and setting: `encode_image` keeps the
encoded stream in an on-disk cache (see `streamcache.py`) keyed by the source file (path, size,
mtime), the crop and the colour settings, and `encode_all` starts every photo of a document in
a background thread before anything is drawn (decoding, compression and hashing release the
GIL): drawing waits only for the samples' name, and the compressed stream is needed only when
the document is formatted, after the text is drawn and the fonts are subset. The image XObject
written is byte for byte the one ReportLab's `drawImage` writes for the same samples: same
zlib stream, same name (md5 of the samples), same objects and operators.
"""

from __future__ import annotations

import hashlib
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image as PILImage
from reportlab.lib.boxstuff import aspectRatioFix
from reportlab.pdfbase import pdfdoc

from typeset import display as D
from typeset.prepress.digest import DIGEST_CHARS
from typeset.render import streamcache

_COLOUR_SPACE = {"L": "DeviceGray", "CMYK": "DeviceCMYK"}
_NO_MASK = b"None"
# bytes of a photo file handed to its decoder at once (a larger file: in blocks of this size)
_DECODE_AT_ONCE = 64 << 20       # what ReportLab appends to the samples before naming an image


@dataclass(frozen=True)
class EncodedImage:
    """A photo's samples as they go into the PDF."""
    width: int
    height: int
    mode: str            # "L" or "CMYK"
    name: str            # the XObject's name: md5 of the samples (as ReportLab names it)
    digest: str          # sha256 of the samples, first DIGEST_CHARS hex digits (preflight's name)
    stream: bytes        # the samples compressed with zlib's default level (ReportLab's)


def prepared_image(item: D.Image) -> PILImage.Image:
    """The photo cropped to its placed box and converted for print."""
    with PILImage.open(item.path) as im:
        # the whole file in one decoder call: Pillow reads and decodes 64 KiB at a time,
        # taking the GIL back between blocks, and in a render's background thread each block
        # then waits for the thread laying out the page (≈ 35 waits for a 2 MB JPEG); the
        # samples are the same
        im.decodermaxblock = max(im.decodermaxblock, _DECODE_AT_ONCE)
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


def _samples(item: D.Image) -> tuple[PILImage.Image, bytes]:
    im = prepared_image(item)
    if im.mode not in _COLOUR_SPACE:
        raise RuntimeError(f"{item.path}: prepared as {im.mode}, not grey or CMYK")
    return im, im.tobytes()


def _facts(im: PILImage.Image, raw: bytes, stream: bytes) -> EncodedImage:
    return EncodedImage(im.width, im.height, im.mode,
                        hashlib.md5(raw + _NO_MASK, usedforsecurity=False).hexdigest(),
                        hashlib.sha256(raw).hexdigest()[:DIGEST_CHARS], stream)


def _encode(item: D.Image) -> EncodedImage:
    im, raw = _samples(item)
    return _facts(im, raw, zlib.compress(raw))


def cache_key(item: D.Image) -> list | None:
    """What decides the encoded samples: the source file, crop, colour settings, the libraries
    that decode, convert and compress, and this code. None: not cacheable (source missing)."""
    source = streamcache.file_key(item.path)
    if source is None:
        return None
    key = ["image", source, list(item.crop), item.grey, zlib.ZLIB_RUNTIME_VERSION,
           PILImage.__version__, streamcache.code_key(__file__)]
    if not item.grey:   # colour photos go through numpy and the ink limit (and maybe an ICC)
        from typeset.prepress import colour

        key += [item.max_ink, streamcache.file_key(item.icc) if item.icc else None,
                streamcache.module_key("numpy"), streamcache.code_key(colour.__file__)]
    return key


def encode_image(item: D.Image) -> EncodedImage:
    """The photo's encoded samples, from the cache when this file, crop and settings were
    encoded before."""
    key = cache_key(item)
    hit = _cached(key)
    if hit is not None:
        return hit
    enc = _encode(item)
    _keep(key, enc, enc.stream)
    return enc


def _cached(key) -> EncodedImage | None:
    hit = streamcache.load(key) if key is not None else None
    if hit is None:
        return None
    head, stream = hit
    try:
        mode = str(head["mode"])
        if mode not in _COLOUR_SPACE:
            return None
        return EncodedImage(int(head["width"]), int(head["height"]), mode, str(head["name"]),
                            str(head["digest"]), stream)
    except (KeyError, TypeError, ValueError):
        return None   # not what this code writes: encode again


def _keep(key, enc: EncodedImage, stream: bytes) -> None:
    if key is not None:
        streamcache.store(key, {"width": enc.width, "height": enc.height, "mode": enc.mode,
                                "name": enc.name, "digest": enc.digest}, stream)


@dataclass
class ImageJob:
    """A photo being encoded in the background: its facts (an EncodedImage whose stream is
    not filled in) come first, its compressed stream later."""
    facts: Future
    stream: Future


def _run(item: D.Image, job: ImageJob) -> None:
    from typeset import reuse

    try:
        key = cache_key(item)
        # a long-lived process (watch) keeps encoded photos in memory: no 2–3 MB file read
        # and CRC per re-render (nor an encode each time when the disk cache is off)
        kept_key = None if key is None or not reuse.PHOTOS.limit else repr(key)
        hit = reuse.PHOTOS.get(kept_key) if kept_key is not None else None
        if hit is None:
            hit = _cached(key)
        if hit is not None:
            job.facts.set_result(hit)
            job.stream.set_result(hit.stream)
            if kept_key is not None:
                reuse.PHOTOS.put(kept_key, hit)
            return
        im, raw = _samples(item)
        facts = _facts(im, raw, b"")
        job.facts.set_result(facts)
        stream = zlib.compress(raw)
        job.stream.set_result(stream)
        _keep(key, facts, stream)
        if kept_key is not None:
            reuse.PHOTOS.put(kept_key, EncodedImage(facts.width, facts.height, facts.mode,
                                                    facts.name, facts.digest, stream))
    except BaseException as exc:   # handed to the thread that draws or writes the image
        for f in (job.facts, job.stream):
            if not f.done():
                f.set_exception(exc)


def encode_all(items: list[D.Image]) -> tuple[dict[int, ImageJob], ThreadPoolExecutor | None]:
    """Start encoding every photo in one background thread: id(item) → its job. The caller
    shuts the executor (None when every photo was started during layout: prefetch.py) down,
    waiting, once the document is written."""
    from typeset.render import prefetch

    pool = None
    jobs = {}
    for item in items:
        job = prefetch.take(item)       # started while the page was laid out
        if job is None:
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typeset-image")
            job = start_job(pool, item)
        jobs[id(item)] = job
    return jobs, pool


def start_job(pool: ThreadPoolExecutor, item: D.Image) -> ImageJob:
    """Encode `item` in `pool`'s thread."""
    job = ImageJob(Future(), Future())
    pool.submit(_run, item, job)
    return job


class _LazyImageXObject(pdfdoc.PDFImageXObject):
    """ReportLab's image XObject whose compressed samples are fetched when it is formatted."""

    def __init__(self, name: str, stream: Future) -> None:
        super().__init__(name)
        self._stream = stream

    @property
    def streamContent(self):  # noqa: N802 (ReportLab's attribute)
        return self._stream.result()

    @streamContent.setter
    def streamContent(self, value) -> None:
        pass    # ReportLab's constructor sets a canned stream: the photo's replaces it


def draw_image(canvas, item: D.Image, page_h: float, job: ImageJob | None = None) -> str:
    """Draw the photo; return the digest preflight names it by (sha256 of its samples as
    stored in the PDF, first DIGEST_CHARS hex digits: see prepress/walk.py). `job`: the
    photo's background encoding, from `encode_all`.

    Registers the image XObject and draws it exactly as ReportLab's canvas.drawImage does
    for an ImageReader of the same samples (same name, objects and operators)."""
    enc = job.facts.result() if job is not None else encode_image(item)
    canvas._currentPageHasImages = 1
    doc = canvas._doc
    reg_name = doc.getXObjectName(enc.name)
    img = doc.idToObject.get(reg_name, None)
    if not img:
        if job is not None:
            img = _LazyImageXObject(enc.name, job.stream)
        else:
            img = pdfdoc.PDFImageXObject(enc.name)
            img.streamContent = enc.stream
        img.width, img.height = enc.width, enc.height
        img.bitsPerComponent = 8
        img.colorSpace = _COLOUR_SPACE[enc.mode]
        img._filters = ("FlateDecode",)
        img.mask = None
        canvas._setXObjects(img)
        doc.Reference(img, reg_name)
        doc.addForm(enc.name, img)
    x, y, width, height, _ = aspectRatioFix(False, "c", item.x, page_h - item.y - item.h,
                                            item.w, item.h, img.width, img.height, False)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{reg_name} Do")
    canvas.restoreState()
    canvas._formsinuse.append(enc.name)
    return enc.digest
