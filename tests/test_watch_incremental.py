"""Incremental re-renders (`typeset watch`): after each edit, the PDF and fit report a long-lived
process writes with its kept layout (layout/memo.py) and kept results (typeset/reuse.py) are
the same bytes as a cold `typeset render` of the edited files in a new process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from typeset import checks, reuse
from typeset import display as D
from typeset.layout.memo import LayoutMemo
from typeset.pipeline import build
from typeset.review.watch import Renderer

ROOT = Path(__file__).resolve().parents[1]
EXT_B = "\U00020000"    # CJK Extension B: only the fallback faces (HanaMin) have it
NO_FONT = "\ue000"      # private use: no font has it (drawn as 〓, reported missing)
NO_FONT_2 = "\ue001"


def _project(tmp_path: Path) -> Path:
    for d in ("layouts", "content", "fonts"):
        shutil.copytree(ROOT / d, tmp_path / d)
    (tmp_path / "typeset.toml").write_text("")
    return tmp_path / "layouts" / "sample-page.yaml"


def _cold(spec: Path, out: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, "-m", "typeset", "render", str(spec), "-o", str(out), "-q",
                    "--no-preflight"], check=False, cwd=ROOT)
    return _files(out)


def _files(out: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(out.iterdir()) if f.is_file()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def renderer(tmp_path):
    spec = _project(tmp_path)
    r = Renderer(spec, tmp_path / "warm")
    yield r
    r.close()


def test_incremental_rerenders_give_the_bytes_of_a_cold_render(renderer, tmp_path):
    spec = renderer.spec_path
    content = tmp_path / "content"
    lead, gong = content / "lead-article.md", content / "feature-gongshilan.md"
    photo = content / "photos" / "evening-glow.jpg"
    # a paragraph too many for the feature: composed, counted as overflow, never drawn
    gong.write_text(gong.read_text("utf-8") + f"\n多出的一段{EXT_B}不在版面上。\n", "utf-8")
    twice = NO_FONT_2 * 2
    edits = [
        ("first render", lambda: None),
        ("a paragraph of the lead", lambda: _edit(lead, "晌午刚过", "晌午刚刚过")),
        ("another paragraph of the feature (its overflow paragraph is reused), with a "
         "character no font has and one from a fallback face",
         lambda: _edit(gong, "。", f"，又{NO_FONT}{EXT_B}。")),
        # 〓 now stands for another text more often, so the feature draws its 〓 from the
        # alternate subset; the lead, set first, draws the fallback glyph the feature (set
        # again in the same render) draws too
        ("a fallback glyph and two of another missing character in the lead, and the feature",
         lambda: (_edit(lead, "晌午刚刚过", f"晌午{EXT_B}刚{twice}过"), _edit(gong, "又", "再"))),
        # the feature is replayed: it still reports the fallback glyph it draws, and its kept
        # line with 〓 is drawn from the main subset again
        ("taken out of the lead again", lambda: _edit(lead, f"晌午{EXT_B}刚{twice}过", "晌午刚过")),
        # and back, the feature replayed: its kept line drew 〓 from the main subset, now it
        # must come from the alternate one
        ("two of another missing character in the lead again",
         lambda: _edit(lead, "晌午刚过", f"晌午刚{twice}过")),
        # no new text, but 〓 now stands for the first missing character most often: the
        # ToUnicode the kept glyph counts (render/pdf.py _Tally) gave is made again
        ("two more of the first missing character in the lead",
         lambda: _edit(lead, f"晌午刚{twice}过", f"晌午刚{twice}过{NO_FONT * 2}")),
        ("a character used nowhere else on the page, in the lead",
         lambda: _edit(lead, "晌午", "晌彧午")),
        ("and out again: its glyph leaves the subset", lambda: _edit(lead, "晌彧午", "晌午")),
        ("the photo's caption", lambda: _edit(content / "photo-concert.md", "。", "！")),
        ("the photo replaced under its name",
         lambda: Image.open(photo).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(photo,
                                                                                    quality=90)),
        ("a block's option in the spec", lambda: _edit(spec, "title_size: 36pt", "title_size: 32pt")),
    ]
    before = None
    for n, (what, edit) in enumerate(edits):
        edit()
        result = renderer.render()
        warm = _files(renderer.out_dir)
        cold = _cold(spec, tmp_path / f"cold{n}")
        assert warm.keys() == cold.keys() and len(warm) == 2, what
        for name in warm:
            assert warm[name] == cold[name], f"{what}: {name} differs from a cold render"
        assert warm != before, f"{what}: the edit changed nothing"
        before = warm
        glyphs = (result.report["fallback_glyphs"], result.report["missing_glyphs"])
        if what.startswith("taken out"):
            assert "U+E001" not in str(glyphs[1]), what
        elif n >= 3:
            assert "U+E001" in str(glyphs[1]), (what, glyphs)
        if n >= 2:
            assert "U+E000" in str(glyphs[1]) and "U+20000" in str(glyphs[0]), (what, glyphs)
        if n:
            # only what the edit touched was laid out again
            assert renderer.memo.misses <= 3 < renderer.memo.hits, what
    assert reuse.RUNS.hits and reuse.YAML.hits


def test_a_reused_prepared_paragraph_reports_its_fallback_glyphs_again():
    """A paragraph atomised in an earlier render took a character from a fallback face (the
    report lists it even when the paragraph is never drawn): taken from the kept caches in a
    later render, it is listed again."""
    from typeset.font.roles import DEFAULT_ROLES, FontBook
    from typeset.spec.model import TextSpec

    memo = LayoutMemo()

    class _Spec:
        roles, text, print = (DEFAULT_ROLES, "roles"), TextSpec(), None

    def fallbacks(composer):
        return {c.role: dict(c.fallback_used) for c in composer.fonts.all_chains()
                if c.fallback_used}

    runs = [("读者来信≅编辑部", "kai")]   # ≅: not in LXGW WenKai, measured from Noto Serif
    first = memo.composer(FontBook(*_Spec.roles), _Spec)
    p = first.prepare(runs, "x")
    second = memo.composer(FontBook(*_Spec.roles), _Spec)
    assert second.prepare(runs, "x") is p           # the kept paragraph
    assert fallbacks(second) == fallbacks(first) == {"kai": {"≅": "NotoSerifCJKsc-Regular"}}


def _plant_touch(page: D.Page) -> None:
    run = next(it for it in page.items if isinstance(it, D.GlyphRun) and it.owner == "bangchu"
               and it.role == "body" and len(it.glyphs) > 5)
    run.glyphs[3].x -= run.size * 0.6


def _plant_outside(page: D.Page) -> None:
    run = [it for it in page.items if isinstance(it, D.GlyphRun) and it.owner == "bangchu"][5]
    for g in run.glyphs:
        g.x -= 40                   # into the left margin


def _plant_overfull(page: D.Page) -> None:
    ln = next(ln for ln in page.lines if ln.owner == "lead" and ln.kind == "body")
    ln.width = ln.measure + 20


def _plant_dropped(page: D.Page) -> None:
    for ln in page.lines:
        if ln.owner == "gongshilan" and ln.kind == "body":
            ln.text = ""        # the set text of the story's body lost


@pytest.mark.parametrize("plant", [None, _plant_touch, _plant_outside, _plant_overfull,
                                   _plant_dropped])
def test_kept_page_checks_find_the_same_rows_as_the_page_checks(plant, tmp_path):
    """The watch's per-block checks give the rows checks.page_problems gives, in its order.
    (Faults are planted in the display items and line records themselves, which the page and
    the kept blocks share.)"""
    spec_path = _project(tmp_path)
    memo = LayoutMemo()
    build(spec_path, memo=memo)                       # fill the memo
    spec, result = build(spec_path, memo=memo)         # every block replayed
    assert memo.misses == 0
    for part in memo._parts:                           # check the (planted) page afresh
        part[1].checks = None
    if plant is not None:
        plant(result.page)
    want = [p.as_dict() for p in checks.page_problems(spec, result)]
    got = [p.as_dict() for p in memo.page_problems(spec, result)]
    assert got == want
    assert (plant is None) == (want == [])


def test_watch_proof_fit_of_replayed_blocks_is_what_measuring_finds(tmp_path):
    """`watch --proof` measures a replayed block's fit once and keeps it: after an edit, the
    fit of the page (kept for unchanged blocks, measured again for the edited one, with its
    proposal: a block that no longer fits) is the fit `typeset fit` finds."""
    from typeset.fit import fit_result, fit_spec

    spec_path = _project(tmp_path)
    # bangchu two lines short: its fit proposes a change, which the kept fit must not repeat
    _edit(spec_path, "column: 1\n    columns: 3\n    line: 98\n    lines: 21",
          "column: 1\n    columns: 3\n    line: 98\n    lines: 19")
    renderer = Renderer(spec_path, tmp_path / "out")
    try:
        res = renderer.render()
        from typeset.spec.load import load_spec

        fit_result(load_spec(spec_path), res.layout)           # measures, keeps
        lead = tmp_path / "content" / "lead-article.md"
        _edit(lead, "晌午刚过", "晌午刚过" + "这一天又是忙碌的一天。" * 6)   # the lead overflows
        res = renderer.render()
        assert renderer.memo.misses == 1
        kept = [part.fit is not None for _, part in renderer.memo._parts]
        assert sum(kept) >= 5                                    # the others were kept
        warm = fit_result(load_spec(spec_path), res.layout).as_dict()
    finally:
        renderer.close()
    cold = fit_spec(spec_path).as_dict()
    assert warm == cold
    fits = {b["id"]: b for b in warm["blocks"]}
    assert fits["lead"]["state"] == "over" and fits["lead"]["needs"] > fits["lead"]["lines"]
    assert fits["bangchu"]["state"] == "over" and len(fits["bangchu"]["changes"]) == 1


def test_a_failed_rerender_leaves_the_next_one_right(renderer, tmp_path):
    """An edit that stops the page halfway through its layout (a headline that leaves a later
    block no room) raises its message; after the fix, the re-render is again the bytes of a
    cold render."""
    from typeset.errors import InputError

    spec = renderer.spec_path
    renderer.render()
    _edit(spec, "headline_lines: 7 ", "headline_lines: 21 ")
    with pytest.raises(InputError, match="no room for the body"):
        renderer.render()
    assert renderer.memo.hits >= 5          # the blocks before it were replayed
    _edit(spec, "headline_lines: 21 ", "headline_lines: 7 ")
    _edit(tmp_path / "content" / "feature-gongshilan.md", "。", "。又")
    renderer.render()
    assert _files(renderer.out_dir) == _cold(spec, tmp_path / "cold")
