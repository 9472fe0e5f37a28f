"""Photos are encoded once and written byte for byte as ReportLab's drawImage writes them:
whether encoded now, in the background thread, or read back from the on-disk stream cache."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from typeset import display as D
from typeset import pipeline
from typeset.render import images, streamcache

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "content" / "photos" / "evening-glow.jpg"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TYPESET_CACHE", raising=False)
    return tmp_path / "xdg" / "typeset" / "streams"


def _pdf(draw) -> bytes:
    from reportlab import rl_config

    rl_config.useA85 = 0          # as render_pdf sets it: Flate only
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(400, 400), invariant=1, pageCompression=1)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _with_job(item) -> bytes:
    jobs, pool = images.encode_all([item])
    try:
        return _pdf(lambda c: images.draw_image(c, item, 400, jobs[id(item)]))
    finally:
        pool.shutdown(wait=True)


@pytest.mark.parametrize("grey", [True, False])
def test_draw_image_writes_what_reportlab_writes(cache, grey, monkeypatch):
    item = D.Image(str(PHOTO), 20, 30, 300, 180, crop=(0.1, 0.2, 0.9, 0.7), grey=grey)
    reference = _pdf(lambda c: c.drawImage(ImageReader(images.prepared_image(item)),
                                           item.x, 400 - item.y - item.h, item.w, item.h))
    monkeypatch.setenv("TYPESET_CACHE", "off")      # encoded now, in this thread and in the pool
    now = _pdf(lambda c: images.draw_image(c, item, 400))
    background = _with_job(item)
    assert not cache.exists()
    monkeypatch.delenv("TYPESET_CACHE")
    stored = _with_job(item)                          # encoded in the pool and kept
    assert len(list(cache.glob("*.bin"))) == 1
    read_back = _pdf(lambda c: images.draw_image(c, item, 400))
    read_back_in_pool = _with_job(item)
    assert reference == now == background == stored == read_back == read_back_in_pool


def test_sample_page_is_the_same_cold_warm_and_without_cache(cache, tmp_path, monkeypatch):
    spec = ROOT / "layouts" / "sample-page.yaml"
    cold = pipeline.render(spec, tmp_path / "cold", preflight=False)
    assert list(cache.glob("*.bin")), "the photo's stream was kept"
    warm = pipeline.render(spec, tmp_path / "warm", preflight=False)
    monkeypatch.setenv("TYPESET_CACHE", "off")
    off = pipeline.render(spec, tmp_path / "off", preflight=False)
    assert cold.pdf.read_bytes() == warm.pdf.read_bytes() == off.pdf.read_bytes()
    assert cold.accepted_images == warm.accepted_images == off.accepted_images


def test_a_changed_photo_is_a_miss(cache, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(PHOTO.read_bytes())
    item = D.Image(str(photo), 0, 0, 100, 100, grey=True)
    first = images.encode_image(item)
    from PIL import Image

    Image.open(PHOTO).rotate(180).save(photo)         # another picture at the same path
    os.utime(photo, ns=(1, 1))
    second = images.encode_image(item)
    assert second.digest != first.digest
    assert second == images._encode(item)


def test_a_damaged_entry_is_ignored(cache):
    item = D.Image(str(PHOTO), 0, 0, 100, 100, grey=True, crop=(0, 0, 0.5, 0.5))
    good = images.encode_image(item)
    (entry,) = cache.glob("*.bin")
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF                                 # one flipped byte in the stream
    entry.write_bytes(bytes(data))
    assert streamcache.load(images.cache_key(item)) is None
    assert images.encode_image(item) == good
    entry.write_bytes(b"typeset-stream\n{not json")
    assert images.encode_image(item) == good


def test_the_cache_is_trimmed(cache, monkeypatch):
    monkeypatch.setattr(streamcache, "MAX_ENTRIES", 3)
    for k in range(5):
        assert streamcache.store(["test", k], {}, bytes([k]) * 10)
    assert len(list(cache.glob("*.bin"))) == 3
    assert streamcache.load(["test", 4]) == ({}, bytes([4]) * 10)
    assert streamcache.load(["test", 0]) is None


def test_an_encoding_error_reaches_the_writer(cache, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(PHOTO.read_bytes()[:2000])        # a truncated JPEG
    item = D.Image(str(bad), 0, 0, 100, 100, grey=True)
    jobs, pool = images.encode_all([item])
    try:
        with pytest.raises(OSError):
            _pdf(lambda c: images.draw_image(c, item, 400, jobs[id(item)]))
    finally:
        pool.shutdown(wait=True)


def test_font_subsets_from_the_cache_write_the_same_bytes(cache, tmp_path, monkeypatch):
    """Each face's compressed subset (CFF and TrueType, whose /Length1 comes from the cache
    too) is kept once and read back on the next render of the same glyphs."""
    spec = ROOT / "layouts" / "sample-page.yaml"
    monkeypatch.setenv("TYPESET_CACHE", "off")
    off = pipeline.render(spec, tmp_path / "off", preflight=False).pdf.read_bytes()
    monkeypatch.delenv("TYPESET_CACHE")
    cold = pipeline.render(spec, tmp_path / "cold", preflight=False).pdf.read_bytes()
    kept = sorted(cache.glob("*.bin"))
    fonts = [e for e in kept if b'\\"font\\"' in e.read_bytes()[:2000]]   # in the header
    assert len(fonts) == 5                      # WenKai (TrueType) and four Noto CFF faces
    calls = []
    from typeset.render.cidfont import CIDFontWriter

    real = CIDFontWriter._subset
    monkeypatch.setattr(CIDFontWriter, "_subset", lambda self: calls.append(1) or real(self))
    warm = pipeline.render(spec, tmp_path / "warm", preflight=False).pdf.read_bytes()
    assert not calls, "nothing subset again"
    assert off == cold == warm
