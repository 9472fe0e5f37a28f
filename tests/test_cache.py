"""The cache on disk (typeset/cache.py): font facts, the installed-face list and word
segmentation are read from it while what they depend on is unchanged, never when it changed;
a damaged entry is ignored and rewritten; writers running at once never leave a torn file; a
warm run of the sample page loads neither fontTools' font reader nor the segmenter's dictionary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from typeset import cache
from typeset.font import face as F
from typeset.text import segment

ROOT = Path(__file__).resolve().parents[1]
URW = Path("/usr/share/fonts/opentype/urw-base35")   # fonts-urw-base35 (Ghostscript's fonts)


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """An empty cache for this test alone; the process-wide memos cleared before and after."""
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("TYPESET_CACHE", raising=False)

    def clear():
        F.open_face.cache_clear()
        F.installed_faces.cache_clear()
        segment._memo.clear()

    clear()
    yield folder / "typeset"
    clear()


def _urw(name: str) -> Path:
    path = URW / name
    if not path.is_file():
        pytest.fail(f"{path} is missing; run scripts/setup.sh (ghostscript installs it)")
    return path


def _real_facts(path: Path) -> dict:
    from fontTools.ttLib import TTFont

    return F.read_facts(TTFont(str(path), lazy=True), path.stem)


# -- font facts ----------------------------------------------------------------------------

def test_font_facts_are_read_from_the_cache_until_the_file_changes(own_cache, tmp_path):
    font = tmp_path / "face.otf"
    shutil.copy2(_urw("NimbusRoman-Regular.otf"), font)
    ref = F.FaceRef(str(font), 0, "Test", 80)
    assert F.open_face(ref).facts == _real_facts(font)
    entry = own_cache / F._facts_entry(ref)
    assert entry.is_file()

    # the stored entry is what a later run uses (planted: a name the font does not have)
    planted = dict(_real_facts(font), ps_name="PLANTED")
    assert cache.store(F._facts_entry(ref), F._facts_key(ref), planted)
    F.open_face.cache_clear()
    assert F.open_face(ref).ps_name == "PLANTED"

    # the same file touched (mtime): read again and stored again
    st = font.stat()
    os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    F.open_face.cache_clear()
    assert F.open_face(ref).ps_name == "NimbusRoman-Regular"
    assert json.loads(entry.read_text())["value"]["ps_name"] == "NimbusRoman-Regular"

    # another font of another size copied over it, mtime put back: the size alone tells
    mtime = font.stat().st_mtime_ns
    shutil.copyfile(_urw("NimbusSans-Regular.otf"), font)
    os.utime(font, ns=(mtime, mtime))
    F.open_face.cache_clear()
    face = F.open_face(ref)
    assert face.ps_name == "NimbusSans-Regular"
    assert face.facts == _real_facts(font)


@pytest.mark.parametrize("damage", [b"", b"{\"format\": 1, \"key\"", b"\x00\xff garbage",
                                    b"[1, 2, 3]", "wrong types"])
def test_a_damaged_font_facts_entry_is_ignored_and_rewritten(own_cache, tmp_path, damage):
    font = tmp_path / "face.otf"
    shutil.copy2(_urw("NimbusRoman-Regular.otf"), font)
    ref = F.FaceRef(str(font), 0, "Test", 80)
    entry = own_cache / F._facts_entry(ref)
    entry.parent.mkdir(parents=True)
    if damage == "wrong types":     # our format and key, but a value no run would write
        bad = dict(_real_facts(font), upem="1000", bbox=[0, 0, 1])
        entry.write_text(json.dumps({"format": cache.CACHE_FORMAT,
                                     "key": cache.as_stored(F._facts_key(ref)), "value": bad}))
    else:
        entry.write_bytes(damage)
    assert F.open_face(ref).facts == _real_facts(font)
    assert cache.load(F._facts_entry(ref), F._facts_key(ref)) == _real_facts(font)


def test_a_damaged_font_file_is_still_reported_as_damaged(own_cache, tmp_path):
    from typeset.errors import InputError

    font = tmp_path / "face.otf"
    font.write_bytes(b"OTTO" + b"\0" * 200)
    with pytest.raises(InputError, match="damaged or not a font"):
        F.open_face(F.FaceRef(str(font), 0, "Test", 80))
    assert not (own_cache / "font-facts").exists() or not any((own_cache / "font-facts").iterdir())


def test_the_cache_can_be_turned_off(own_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", "off")
    font = tmp_path / "face.otf"
    shutil.copy2(_urw("NimbusRoman-Regular.otf"), font)
    assert F.open_face(F.FaceRef(str(font), 0, "Test", 80)).ps_name == "NimbusRoman-Regular"
    assert segment.words("丹江口库区") == ["丹江口", "库区"]
    assert not own_cache.exists()


# -- installed faces -----------------------------------------------------------------------

def test_the_installed_face_list_is_cached_while_fontconfig_is_unchanged(own_cache, monkeypatch,
                                                                        tmp_path):
    real = F.installed_faces()
    assert any(f.family == "Noto Serif CJK SC" for f in real)
    stored = cache.load(F._FACES_CACHE, "fc-list")
    assert len(stored["rows"]) == len(real)

    # planted: one face only, under the current key → a later run believes it
    stored["rows"] = stored["rows"][:1]
    cache.store(F._FACES_CACHE, "fc-list", stored)
    F.installed_faces.cache_clear()
    assert len(F.installed_faces()) == 1

    # fontconfig's setup changes (here its environment): fc-list is asked again
    monkeypatch.setenv("FONTCONFIG_PATH", "/etc/fonts")
    F.installed_faces.cache_clear()
    assert F.installed_faces() == real

    # a font folder changes (a font added or removed changes its mtime): asked again
    monkeypatch.delenv("FONTCONFIG_PATH")
    folder = tmp_path / "fonts"
    folder.mkdir()
    stored = cache.load(F._FACES_CACHE, "fc-list")
    stored["rows"] = stored["rows"][:1]
    stored["folders"].append(str(folder))
    stored["key"] = F._fontconfig_key(stored["folders"])
    cache.store(F._FACES_CACHE, "fc-list", stored)
    F.installed_faces.cache_clear()
    assert len(F.installed_faces()) == 1
    (folder / "new.otf").write_bytes(b"")
    st = folder.stat()
    os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    F.installed_faces.cache_clear()
    assert F.installed_faces() == real


def test_the_face_list_is_found_ahead_once(own_cache, monkeypatch):
    """The pipeline asks for the face list before it loads the spec: on a stale cache fc-list
    runs then (in a thread), once; installed_faces takes that answer."""
    real = F._list_faces()
    calls = []
    monkeypatch.setattr(F, "_list_faces", lambda: calls.append(1) or real)
    F.list_faces_ahead()
    assert F._ahead is not None and F._ahead[0] is not None      # listing in a thread
    assert F.installed_faces() == real
    assert calls == [1] and F._ahead is None
    F.installed_faces.cache_clear()
    F.list_faces_ahead()                                         # now the cache answers
    assert F._ahead[0] is None
    assert F.installed_faces() == real and calls == [1]
    F.installed_faces.cache_clear()
    (own_cache / F._FACES_CACHE).unlink()
    F.list_faces_ahead()
    F.forget_faces_ahead()                     # a run that failed before opening fonts
    assert F._ahead is None
    assert F.installed_faces() == real and calls == [1, 1, 1]


def test_a_damaged_face_list_is_ignored_and_rewritten(own_cache):
    path = own_cache / F._FACES_CACHE
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 1, "key": "fc-list", "value": {"rows": 7}}')
    real = F.installed_faces()
    assert len(real) > 10
    assert len(cache.load(F._FACES_CACHE, "fc-list")["rows"]) == len(real)


# -- writers at once -----------------------------------------------------------------------

WRITER = """
import sys
from typeset import cache
me = sys.argv[1]
for i in range(150):
    cache.store("race.json", "k", {"who": me, "i": i, "pad": me * 300000})
"""
READER = """
import sys
from typeset import cache
bad = 0
for i in range(3000):
    v = cache.load("race.json", "k")
    if v is None or len(v["pad"]) != 300000 or v["pad"] != v["who"] * 300000:
        bad += 1
print(bad)
"""


def test_writers_at_once_never_leave_a_torn_or_missing_entry(own_cache):
    env = dict(os.environ)
    cache.store("race.json", "k", {"who": "s", "i": -1, "pad": "s" * 300000})
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, w], env=env) for w in "ab"]
    reader = subprocess.run([sys.executable, "-c", READER], env=env, capture_output=True,
                            text=True, timeout=300)
    for w in writers:
        assert w.wait(timeout=300) == 0
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "0"        # every read saw one whole entry
    assert not [p for p in own_cache.iterdir() if p.name.endswith(".tmp")]


PROBE = """
import sys
from pathlib import Path
from typeset import pipeline
from typeset.text import segment
pipeline.build(Path(sys.argv[1]))
print("fontTools.ttLib" in sys.modules, segment._whole is not None, len(segment._memo) > 0)
"""


def test_two_renders_at_once_share_the_cache_and_a_warm_run_loads_less(own_cache, tmp_path):
    """Two renders of the sample page at once on an empty cache: both succeed with the same
    bytes; the cache they leave is whole; a later run sets the page without fontTools' font
    reader, with the same bytes."""
    spec = str(ROOT / "layouts" / "sample-page.yaml")
    env = dict(os.environ)
    runs = [subprocess.Popen([sys.executable, "-m", "typeset", "render", spec, "-o",
                              str(tmp_path / f"o{k}"), "-q", "--no-preflight"], env=env,
                             cwd=ROOT) for k in range(2)]
    assert [r.wait(timeout=600) for r in runs] == [0, 0]
    pdfs = [(tmp_path / f"o{k}" / "sample-page.pdf").read_bytes() for k in range(2)]
    assert pdfs[0] == pdfs[1]
    files = [p for p in own_cache.rglob("*") if p.is_file() and "streams" not in p.parts]
    assert files and not [p for p in files if p.name.endswith(".tmp")]
    for p in files:
        assert json.loads(p.read_bytes())["format"] == cache.CACHE_FORMAT
    assert {p.parent.name for p in files} >= {"font-facts", "photo-checks"}
    probe = subprocess.run([sys.executable, "-c", PROBE, spec], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["False", "False", "True"]   # nor jieba's whole dictionary
    subprocess.run([sys.executable, "-m", "typeset", "render", spec, "-o", str(tmp_path / "o2"),
                    "-q", "--no-preflight"], env=env, cwd=ROOT, check=True, timeout=600)
    assert (tmp_path / "o2" / "sample-page.pdf").read_bytes() == pdfs[0]


def test_a_cold_run_reads_fonts_without_fonttools_nor_jiebas_whole_dictionary(own_cache):
    """On an empty cache the facts of every face are read without fontTools, and the headlines
    are segmented without loading jieba's whole dictionary (text/segment.py); the facts it leaves
    in the cache are fontTools'."""
    spec = str(ROOT / "layouts" / "sample-page.yaml")
    probe = subprocess.run([sys.executable, "-c", PROBE, spec], env=dict(os.environ), cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["False", "False", "True"]
    facts = list((own_cache / "font-facts").iterdir())
    assert len(facts) >= 4
    for entry in facts:
        key = json.loads(entry.read_bytes())["key"]
        path, index = key[1][0], key[2]
        assert cache.load(f"font-facts/{entry.name}", key) == _real_facts_at(path, index)


def _real_facts_at(path: str, index: int) -> dict:
    from fontTools.ttLib import TTFont

    return F.read_facts(TTFont(path, fontNumber=index, lazy=True), Path(path).stem)


# -- photos --------------------------------------------------------------------------------

def _render(spec: Path, out: Path) -> bytes:
    from typeset import pipeline

    return pipeline.render(spec, out, preflight=False).pdf.read_bytes()


def test_a_photo_passes_its_check_once_until_the_file_changes(own_cache, tmp_path):
    import glob

    from typeset.layout.photo import open_photo

    class Reader:
        def error(self, key, message, hint=None):
            return ValueError(message)

    photo = tmp_path / "p.jpg"
    shutil.copy2(ROOT / "content" / "photos" / "evening-glow.jpg", photo)
    info = open_photo(photo, Reader())
    assert (info.width, info.height, info.mode) == (2560, 1600, "RGB")
    [entry] = glob.glob(str(own_cache / "photo-checks" / "*.json"))
    # planted: another size under the same key → believed (the photo is not decoded again)
    head = json.loads(Path(entry).read_text())
    head["value"] = [10, 20, "L"]
    Path(entry).write_text(json.dumps(head))
    assert (open_photo(photo, Reader()).width, open_photo(photo, Reader()).mode) == (10, "L")
    # the file cut short: checked again, refused, and nothing remembered for it
    photo.write_bytes(photo.read_bytes()[:40000])
    with pytest.raises(ValueError, match="damaged or truncated"):
        open_photo(photo, Reader())
    assert json.loads(Path(entry).read_text())["value"] == [10, 20, "L"]


def test_photo_checks_on_disk_are_capped_the_oldest_going_first(own_cache, tmp_path,
                                                                monkeypatch):
    """One record per photo file checked: a desk places thousands a year, so only the newest
    MAX_PHOTO_CHECKS stay (here 3 of 5)."""
    import os

    from typeset.layout import photo as P

    class Reader:
        def error(self, key, message, hint=None):
            return ValueError(message)

    monkeypatch.setattr(P, "MAX_PHOTO_CHECKS", 3)
    folder = own_cache / "photo-checks"
    for n in range(5):
        p = tmp_path / f"p{n}.jpg"
        shutil.copy2(ROOT / "content" / "photos" / "evening-glow.jpg", p)
        P.open_photo(p, Reader())
        for i, e in enumerate(sorted(folder.iterdir(), key=lambda e: e.stat().st_mtime_ns)):
            os.utime(e, ns=(i, i))   # strictly older than the next one written
    assert len(list(folder.iterdir())) == 3
    # the newest three are those kept: checking them again decodes nothing (a hit)
    monkeypatch.setattr(P.PILImage, "open", lambda *a, **k: 1 / 0)
    for n in (2, 3, 4):
        assert P.open_photo(tmp_path / f"p{n}.jpg", Reader()).width == 2560


def test_a_cache_that_cannot_be_written_only_costs_time(own_cache, tmp_path, monkeypatch):
    spec = ROOT / "layouts" / "lead-article.yaml"
    good = _render(spec, tmp_path / "a")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    F.open_face.cache_clear()
    assert _render(spec, tmp_path / "b") == good


def test_a_jump_cut_takes_jiebas_word_ends_without_its_whole_dictionary(own_cache):
    """Where a jump may cut: rjieba's word ends, found without loading jieba's whole dictionary
    (an edition worker setting a page with a jump once loaded ≈ 30 MiB for it, every page)."""
    import rjieba

    from typeset.layout.jump import _word_ends

    class A:                       # what _word_ends reads of an atom
        def __init__(self, text):
            self.text = text

    text = "丹江口库区水质安全保障指挥中心揭牌"
    atoms = [A(ch) for ch in text]
    ends, n = set(), 0
    for w in rjieba.cut(text):
        n += len(w)
        ends.add(n)
    segment._whole = None
    assert _word_ends(atoms) == ends
    assert segment._whole is None


def test_character_classes_are_read_from_the_cache_until_the_data_file_changes(
        own_cache, tmp_path, monkeypatch):
    """The class members of typeset/data/clreq-classes.yaml come from the cache while the file
    is unchanged (no YAML parse), equal to a full parse; an edited file is read again."""
    import yaml

    from typeset.text import classes as C

    data = tmp_path / "clreq-classes.yaml"
    shutil.copy(C.CLASS_DATA, data)
    monkeypatch.setattr(C, "CLASS_DATA", data)
    C._class_members.cache_clear()
    full = yaml.load(data.read_text("utf-8"), Loader=yaml.SafeLoader)["classes"]
    want = {name: [m["cp"] for m in entry.get("members", [])] for name, entry in full.items()}
    try:
        assert C._class_members() == want
        C._class_members.cache_clear()
        parses = []
        real_load = yaml.load
        monkeypatch.setattr(yaml, "load", lambda *a, **k: parses.append(1) or real_load(*a, **k))
        assert C._class_members() == want and not parses      # from the cache
        entry = own_cache / "clreq-class-members.json"
        damaged = json.loads(entry.read_bytes())
        damaged["value"]["stop_marks"] = 5
        entry.write_text(json.dumps(damaged), "utf-8")
        C._class_members.cache_clear()
        assert C._class_members() == want and parses == [1]   # damaged: read again
        assert json.loads(entry.read_bytes())["value"] == want    # and rewritten
        parses.clear()
        text = data.read_text("utf-8").replace("cp: U+3002", "cp: U+3003", 1)
        data.write_text(text, "utf-8")
        os.utime(data, ns=(1, 1))
        C._class_members.cache_clear()
        assert "U+3003" in C._class_members()["stop_marks"] and parses == [1]
    finally:
        C._class_members.cache_clear()


def test_the_photo_check_finds_what_a_full_decode_finds(tmp_path):
    """The check decodes a JPEG at 1/8 scale: on truncated and damaged copies of a real photo
    it refuses exactly those a full-size decode fails on."""
    import random

    from PIL import Image

    from typeset.layout.photo import open_photo

    class Reader:
        def error(self, key, msg, hint=None):
            return ValueError(msg)

    data = (ROOT / "content" / "photos" / "evening-glow.jpg").read_bytes()
    rng = random.Random(13)
    variants = [data[:n] for n in (3000, len(data) // 3, len(data) // 2, len(data) - 10)]
    for _ in range(60):
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(600, len(b))] = rng.randrange(256)
        variants.append(bytes(b))
    refused = 0
    for k, v in enumerate(variants):
        path = tmp_path / f"v{k}.jpg"
        path.write_bytes(v)
        try:
            with Image.open(path) as im:
                im.load()
            full_ok = True
        except (OSError, SyntaxError, ValueError):
            full_ok = False
        try:
            open_photo(path, Reader())
            check_ok = True
        except ValueError:
            check_ok = False
        assert check_ok == full_ok, k
        refused += not check_ok
    assert refused >= 5


@pytest.mark.parametrize("damage", ["bad code point", "class missing"])
def test_a_damaged_class_entry_is_read_again_not_a_traceback(own_cache, tmp_path, monkeypatch,
                                                             damage):
    """A cached class entry that passes the shape check but names no code point ("U+ZZ") or
    lacks a class: the members still come out right, from the data file."""
    from typeset.text import classes as C

    data = tmp_path / "clreq-classes.yaml"
    shutil.copy(C.CLASS_DATA, data)
    monkeypatch.setattr(C, "CLASS_DATA", data)
    C._class_members.cache_clear()
    try:
        want = C._members("stop_marks")
        entry = own_cache / "clreq-class-members.json"
        damaged = json.loads(entry.read_bytes())
        if damage == "bad code point":
            damaged["value"]["stop_marks"].append("U+ZZ")
        else:
            del damaged["value"]["stop_marks"]
        entry.write_text(json.dumps(damaged), "utf-8")
        C._class_members.cache_clear()
        assert C._members("stop_marks") == want
    finally:
        C._class_members.cache_clear()
