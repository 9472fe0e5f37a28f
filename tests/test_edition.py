"""Editions: several pages in one command, jumps between pages, parallel renders, bad input.

Small pages (4 columns of 10 characters, 40 lines) keep these tests quick; the PDFs are read
back with poppler's pdftotext, not from the layout's own records.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_tool
from typeset.cli import main

STORY = (ROOT / "content" / "front-lead.md").read_text(encoding="utf-8")
DEFAULTS = """\
defaults:
  page: {size: [150mm, 200mm]}
  grid: {columns: 4, column_chars: 10, lines: 40}
  fonts: ../fonts/roles.yaml
  print: {preflight: false}
  header: {editor: 编辑甲}
"""


def page_yaml(blocks: str) -> str:
    return "blocks:\n" + blocks


LEAD = """\
  - id: lead
    article: ../content/front-lead.md
    headline_lines: 6
    title_size: 20pt
    column: 1
    columns: 4
    line: 1
    lines: 16
"""
FILLER = """\
  - id: other
    article: ../content/culture-library.md
    title_size: 14pt
    column: 1
    columns: 4
    line: 1
    lines: 30
"""
CONT = """\
  - id: more
    continues: lead
    column: 1
    columns: 4
    line: 1
    lines: 40
"""


def make(tmp_path: Path, pages: list[tuple[str, str]], extra: str = "",
         edition: str = "") -> Path:
    """An edition in tmp_path/proj/ed.yaml with page files ed/<name>.yaml."""
    proj = tmp_path / "proj"
    if not proj.exists():
        import shutil

        for d in ("content", "fonts"):
            shutil.copytree(ROOT / d, proj / d)
        (proj / "typeset.toml").write_text("")
    (proj / "ed").mkdir(exist_ok=True)
    entries = []
    for name, blocks in pages:
        (proj / "ed" / f"{name}.yaml").write_text(page_yaml(blocks), encoding="utf-8")
        entries.append(f"  - file: ed/{name}.yaml\n    section: 版{name}\n")
    text = ("edition:\n  paper: 测试日报\n  code: CSRB\n  date: 2024-01-02\n" + edition +
            DEFAULTS.replace("../fonts", "fonts") + "pages:\n" + "".join(entries) + extra)
    path = proj / "ed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def text_of(pdf: Path) -> str:
    """The page's text in content-stream order, without line breaks and spaces."""
    return re.sub(r"\s+", "", run_tool("pdftotext", "-raw", str(pdf), "-"))


def render(path: Path, out: Path, *extra: str) -> int:
    return main(["render", str(path), "-o", str(out), "-q", "--preview-dpi", "0", *extra])


def body_text() -> str:
    body = STORY.split("---", 2)[2]
    return re.sub(r"\s+", "", body)


def test_a_story_jumps_across_pages_with_generated_jump_lines(tmp_path):
    ed = make(tmp_path, [("a", LEAD), ("b", FILLER), ("c", CONT)])
    out = tmp_path / "out"
    assert render(ed, out) == 0
    folder = out / "ed"
    p1, p3 = text_of(folder / "CSRB-20240102-01.pdf"), text_of(folder / "CSRB-20240102-03.pdf")
    assert p1.count("（下转3版）") == 1 and "上接" not in p1
    assert p3.count("（上接1版）") == 1 and "下转" not in p3
    # nothing lost, nothing set twice: page 1's part then page 3's is the whole story
    first = p1[p1.index("新华社"):p1.index("（下转3版）")]
    second = p3[p3.index("（上接1版）") + len("（上接1版）"):]
    assert (first + second).startswith(body_text())
    assert second.startswith(body_text()[len(first):len(first) + 20])
    report = json.loads((folder / "ed.report.json").read_text(encoding="utf-8"))
    assert report["stories"] == [{
        "id": "a/lead", "pages": [1, 3], "blocks": ["lead", "more"],
        "jumps": [{"from": 1, "to": 3, "continued_line": "（下转3版）",
                   "continuation_line": "（上接1版）"}], "status": "ok"}]
    assert [p["status"] for p in report["pages"]] == ["ok", "ok", "ok"]
    assert (folder / "ed-proof.pdf").is_file()
    assert run_tool("pdfinfo", str(folder / "ed-proof.pdf")).count("Pages:") == 1
    assert "Pages:           3" in run_tool("pdfinfo", str(folder / "ed-proof.pdf"))


def test_reordering_pages_renumbers_the_jump_lines(tmp_path):
    ed = make(tmp_path, [("a", LEAD), ("c", CONT), ("b", FILLER)])
    out = tmp_path / "out"
    assert render(ed, out) == 0
    assert "（下转2版）" in text_of(out / "ed" / "CSRB-20240102-01.pdf")
    assert "（上接1版）" in text_of(out / "ed" / "CSRB-20240102-02.pdf")


def test_a_story_still_overflowing_after_its_last_frame_is_reported(tmp_path, capsys):
    small = CONT.replace("lines: 40", "lines: 3")
    ed = make(tmp_path, [("a", LEAD), ("c", small)])
    out = tmp_path / "out"
    assert render(ed, out) == 0
    assert render(ed, out, "--strict") == 1
    report = json.loads((out / "ed" / "ed.report.json").read_text(encoding="utf-8"))
    assert report["stories"][0]["status"] == "overflow"
    more = report["pages"][1]["stories"][0]
    assert more["status"] == "overflow" and more["overflow_chars"] > 100


def test_defaults_are_inherited_and_overridden(tmp_path):
    extra = ("  - section: 副刊\n    editor: 编辑丁\n    name: inline\n"
             "    grid: {columns: 3, column_chars: 12, lines: 40}\n"
             "    blocks:\n"
             "      - {id: x, article: content/culture-library.md, title_size: 14pt,\n"
             "         column: 1, columns: 3, line: 1, lines: 30}\n")
    ed = make(tmp_path, [("a", FILLER)], extra=extra, edition="  page_digits: 3\n")
    text = ed.read_text(encoding="utf-8").replace(  # file naming as one of the defaults
        "print: {preflight: false}", 'print: {preflight: false, file_name: "{code}{date}{page}.pdf"}')
    ed.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert render(ed, out) == 0
    p1, p2 = (run_tool("pdftotext", "-layout", str(out / "ed" / f"CSRB20240102{n}.pdf"), "-")
              for n in ("001", "002"))
    # 报眉 from the edition: paper, date with weekday, page number, section, editors
    for page, number, section, editor in ((p1, "1", "版a", "编辑甲"), (p2, "2", "副刊", "编辑丁")):
        head = page.split("\n", 3)[:3]
        head = " ".join(head)
        assert "测试日报" in head and "2024年1月2日" in head and "星期二" in head
        assert re.search(rf"(^|\s){number}\s+{section}", head), head
        assert f"责任编辑：{editor}" in head
    # the inline page's own grid: three columns of 12 characters
    report = json.loads((out / "ed" / "ed.report.json").read_text(encoding="utf-8"))
    assert [p["file"] for p in report["pages"]] == ["CSRB20240102001.pdf", "CSRB20240102002.pdf"]
    lines = [ln for ln in p2.splitlines() if "城市书房" in ln or "市民" in ln]
    assert lines


def test_a_failing_page_does_not_stop_the_others(tmp_path, capsys):
    proj = tmp_path / "proj"
    ed = make(tmp_path, [("a", FILLER), ("b", FILLER.replace("culture-library", "untitled")),
                         ("c", FILLER)])
    (proj / "content" / "untitled.md").write_text("---\nbyline: 记者\n---\n一段正文。\n",
                                                  encoding="utf-8")
    out = tmp_path / "out"
    assert render(ed, out) == 2
    err = capsys.readouterr().err
    assert "page 2 (b) failed" in err and "untitled.md" in err and "title" in err
    names = sorted(p.name for p in (out / "ed").iterdir())
    assert names == ["CSRB-20240102-01.pdf", "CSRB-20240102-03.pdf", "ed-proof.pdf",
                     "ed.report.json"]
    report = json.loads((out / "ed" / "ed.report.json").read_text(encoding="utf-8"))
    assert report["failed"] == [2]
    assert [p["status"] for p in report["pages"]] == ["ok", "failed", "ok"]


def test_check_sets_every_page_and_writes_nothing(tmp_path, capsys):
    ed = make(tmp_path, [("a", LEAD), ("c", CONT)])
    assert main(["check", str(ed), "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "2 of 2 pages set" in err and "（下转2版） … （上接1版）" in err
    assert not (tmp_path / "out").exists() and not (ed.parent / "out").exists()


def test_jobs_1_and_jobs_2_give_identical_bytes_and_plain_progress(tmp_path, capsys):
    ed = make(tmp_path, [("a", LEAD), ("b", FILLER), ("c", CONT)])
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["render", str(ed), "-o", str(one), "--jobs", "1"]) == 0
    assert main(["render", str(ed), "-o", str(two), "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "[3/3] page" in err   # plain progress lines when stderr is not a terminal
    files = sorted(p.name for p in (one / "ed").iterdir())
    assert len(files) == 8   # 3 PDFs, 3 previews, proof, report
    for name in files:
        if name.endswith(".json"):
            continue
        assert (one / "ed" / name).read_bytes() == (two / "ed" / name).read_bytes(), name


# ---- bad input: one message, exit 2, the edition file, the page and the field -----------------

def bad(tmp_path, capsys, ed: Path, *extra: str) -> str:
    out = tmp_path / "out"
    assert render(ed, out, *extra) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1, err
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written for bad input"
    return err


def test_a_continuation_of_a_story_that_does_not_exist(tmp_path, capsys):
    ed = make(tmp_path, [("a", LEAD), ("c", CONT.replace("continues: lead", "continues: leed"))])
    err = bad(tmp_path, capsys, ed)
    assert f"{ed}:" in err and "page 2 (c)" in err and "pages[1].blocks[0].continues" in err
    assert "'leed'" in err and "did you mean 'lead'" in err


def test_two_pages_claiming_the_same_frames(tmp_path, capsys):
    ed = make(tmp_path, [("a", LEAD), ("b", CONT.replace("id: more", "id: more1")),
                         ("c", CONT)])
    err = bad(tmp_path, capsys, ed)
    assert "page 3 (c)" in err and "both continue 'lead'" in err and "continues" in err
    dup = make(tmp_path, [("a", LEAD)], extra="  - file: ed/a.yaml\n")
    err = bad(tmp_path, capsys, dup)
    assert "pages[1].file" in err and "already page 1 (a)" in err


def test_a_jump_to_an_earlier_page(tmp_path, capsys):
    ed = make(tmp_path, [("c", CONT), ("a", LEAD)])
    err = bad(tmp_path, capsys, ed)
    assert "page 1 (c)" in err and "a jump must go to a later page" in err
    assert "pages[0].blocks[0].continues" in err and "ed/c.yaml:3" in err


def test_a_cycle_of_continuations(tmp_path, capsys):
    one = CONT.replace("id: more", "id: x").replace("continues: lead", "continues: y")
    two = CONT.replace("id: more", "id: y").replace("continues: lead", "continues: x")
    ed = make(tmp_path, [("a", one), ("b", two)])
    err = bad(tmp_path, capsys, ed)
    assert "cycle" in err and "a/x" in err and "b/y" in err


def test_a_page_spec_that_fails_to_load(tmp_path, capsys):
    ed = make(tmp_path, [("a", LEAD), ("b", FILLER.replace("columns: 4", "colums: 4"))])
    err = bad(tmp_path, capsys, ed)
    assert f"{ed}:" in err and "page 2 (b)" in err and "pages[1].file" in err
    assert "ed/b.yaml:" in err and "colums" in err


def test_a_scheduler_that_does_not_answer(tmp_path, capsys):
    import socket
    import time

    ed = make(tmp_path, [("a", FILLER)])
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    err = bad(tmp_path, capsys, ed, "--scheduler", f"tcp://127.0.0.1:{port}",
              "--scheduler-timeout", "2")
    assert time.monotonic() - t0 < 30
    assert "no Dask scheduler answered within 2 s" in err and "dask scheduler" in err


# ---- a real Dask cluster -----------------------------------------------------------------------

def test_a_dask_cluster_gives_the_same_bytes_as_a_local_render(tmp_path):
    distributed = pytest.importorskip("distributed")
    ed = make(tmp_path, [("a", LEAD), ("b", FILLER), ("c", CONT)])
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert render(ed, local, "--jobs", "1") == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        assert render(ed, remote, "--scheduler", cluster.scheduler_address) == 0
    names = sorted(p.name for p in (local / "ed").iterdir() if p.suffix != ".json")
    assert len(names) == 4
    for name in names:
        assert (local / "ed" / name).read_bytes() == (remote / "ed" / name).read_bytes(), name


def test_a_mistake_in_the_defaults_points_at_the_edition_line(tmp_path, capsys):
    ed = make(tmp_path, [("a", FILLER)])
    ed.write_text(ed.read_text(encoding="utf-8").replace("column_chars: 10", "colum_chars: 10"),
                  encoding="utf-8")
    err = bad(tmp_path, capsys, ed)
    line = next(n for n, t in enumerate(ed.read_text(encoding="utf-8").splitlines(), 1)
                if "colum_chars" in t)
    assert f"{ed}:{line}: defaults.grid.colum_chars: unknown key" in err
    assert "did you mean 'column_chars'" in err


def test_progress_is_a_bar_on_a_terminal():
    import io

    from typeset.edition.run import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, plain = Tty(), io.StringIO()
    for stream in (tty, plain):
        bar = Progress(2, "ed", quiet=False, stream=stream)
        for n in (1, 2):
            bar.update({"number": n, "name": f"p{n}", "seconds": 0.5})
        bar.close()
    assert "2/2" in tty.getvalue() and "\r" in tty.getvalue()
    assert plain.getvalue().splitlines() == ["  [1/2] page 1 (p1) done in 0.5 s",
                                             "  [2/2] page 2 (p2) done in 0.5 s"]


def jump_pairs(folder: Path) -> tuple[set, set]:
    """(page, N) for every （下转N版） and (N, M) for every （上接M版） on page N."""
    down, up = set(), set()
    for pdf in sorted(folder.glob("*.pdf")):
        if pdf.stem.endswith("proof"):
            continue
        n = int(pdf.stem[-2:])
        text = text_of(pdf)
        down |= {(n, int(m)) for m in re.findall(r"（下转(\d+)版）", text)}
        up |= {(int(m), n) for m in re.findall(r"（上接(\d+)版）", text)}
    return down, up


@pytest.mark.parametrize("order", ["as shipped", "culture page moved to page 2"])
def test_the_sample_edition_answers_every_jump(tmp_path, order):
    import shutil

    proj = tmp_path / "proj"
    for d in ("layouts", "content", "fonts"):
        shutil.copytree(ROOT / d, proj / d)
    (proj / "typeset.toml").write_text("")
    ed = proj / "layouts" / "sample-edition.yaml"
    if order != "as shipped":
        text = ed.read_text(encoding="utf-8")
        second = text.index("  - file: sample-page.yaml")
        last = text.index("  - name: culture")
        text = text[:second] + text[last:].rstrip("\n") + "\n" + text[second:last]
        ed.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert render(ed, out, "--no-preflight") == 0
    down, up = jump_pairs(out / "sample-edition")
    expected = {(1, 2), (1, 3)} if order == "as shipped" else {(1, 3), (1, 4)}
    assert down == up == expected
    # every page passes the product checks (text jumped to another page is not "dropped")
    report = json.loads((out / "sample-edition" / "sample-edition.report.json").read_text("utf-8"))
    assert [p["problems"] for p in report["pages"]] == [[]] * 4


def test_the_sample_front_page_is_filled_with_print_resolution_photos(tmp_path):
    """Read from the page-1 PDF: both the five-column side and the three-column side run down
    to the foot of the type area (no white third under the stories), and preflight passes (the
    photos have print resolution; no low-resolution acceptance in the spec). Every photo the
    samples use has its source and licence in content/photos/LICENSES.md."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from typeset.edition import render_edition

    res = render_edition(ROOT / "layouts" / "sample-edition.yaml", tmp_path, jobs=1,
                         preview_dpi=0)
    front = res.report["pages"][0]
    assert front["preflight"] == "PASS", front["preflight_checks"]
    assert "accept_low_resolution" not in (ROOT / "layouts" / "sample-edition" / "front.yaml"
                                           ).read_text(encoding="utf-8")
    pdf = pdfium.PdfDocument(res.folder / front["file"])
    objects = [(o.type, o.get_bounds()) for o in pdf[0].get_objects(max_depth=3)]
    pdf.close()
    # the column rule between the two sides: the tallest thin path (PDF coordinates, y up)
    rule = max((b for t, b in objects if t == raw.FPDF_PAGEOBJ_PATH and b[2] - b[0] < 2),
               key=lambda b: b[3] - b[1])
    ink = [b for t, b in objects if t in (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE)]
    left = min(b[1] for b in ink if b[2] < rule[0])
    right = min(b[1] for b in ink if b[0] > rule[2])
    gap = 3 * 12   # three body lines (9 pt + 3 pt)
    assert left < rule[1] + gap and right < rule[1] + gap, (left, right, rule)
    licences = (ROOT / "content" / "photos" / "LICENSES.md").read_text(encoding="utf-8")
    for spec in (ROOT / "layouts").rglob("*.yaml"):
        for photo in re.findall(r"photos/([\w.-]+)", spec.read_text(encoding="utf-8")):
            assert f"| {photo} |" in licences, (spec.name, photo)


def test_every_page_of_the_sample_edition_is_filled(tmp_path):
    """Read from each page's PDF: no white hole anywhere in the type area. The type area is the
    same on every page (one grid): its top and foot are the ends of page 1's column rule (the
    tallest thin line), its sides the extent of page 1's ink between them. It is cut into its
    eight columns and into bands of ten body lines; on every page every cell holds some ink
    (text, a photo or a rule), and every column's lowest ink lies within five body lines of
    the foot (a story's last column may end a little short). A page with a few lines at the
    top and white below (the old pages 3 and 4) fails."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from typeset.edition import render_edition

    res = render_edition(ROOT / "layouts" / "sample-edition.yaml", tmp_path, jobs=1,
                         preview_dpi=0)
    pitch = 12   # one body line: 9 pt + 3 pt

    def ink_of(page):
        pdf = pdfium.PdfDocument(res.folder / page["file"])
        objects = [(o.type, o.get_bounds()) for o in pdf[0].get_objects(max_depth=3)]
        pdf.close()
        return [b for t, b in objects if t in (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE,
                                                raw.FPDF_PAGEOBJ_PATH)]

    first = ink_of(res.report["pages"][0])
    rule = max((b for b in first if b[2] - b[0] < 2), key=lambda b: b[3] - b[1])
    foot, top = rule[1], rule[3]
    x0 = min(b[0] for b in first if foot - 1 <= b[1] and b[3] <= top + 1)
    x1 = max(b[2] for b in first if foot - 1 <= b[1] and b[3] <= top + 1)
    col = (x1 - x0) / 8
    for page in res.report["pages"]:
        assert page["ok"] and page["preflight"] == "PASS", (page["number"], page["problems"])
        ink = [b for b in ink_of(page) if b[3] <= top + 1]
        for c in range(8):
            lo, hi = x0 + c * col + 2, x0 + (c + 1) * col - 2
            here = [b for b in ink if b[0] < hi and b[2] > lo]
            where = (f"page {page['number']}", f"column {c + 1}")
            assert here and min(b[1] for b in here) < foot + 5 * pitch, (*where, "short of the foot")
            upper = top
            while upper - 10 * pitch > foot:
                assert any(b[1] < upper and b[3] > upper - 10 * pitch for b in here), (
                    *where, f"ten lines of white {(top - upper) / pitch:.0f} lines from the top")
                upper -= 10 * pitch


def test_a_mistake_in_a_page_entry_points_at_the_edition_line(tmp_path, capsys):
    ed = make(tmp_path, [("a", FILLER)], extra="")
    text = ed.read_text(encoding="utf-8").replace("    section: 版a\n",
                                                  "    section: 版a\n    grid: {colums: 3}\n")
    ed.write_text(text, encoding="utf-8")
    err = bad(tmp_path, capsys, ed)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "colums" in t)
    assert f"{ed}:{line}: pages[0].grid.colums: page 1 (a): unknown key 'colums'" in err


def test_the_cut_falls_where_a_line_may_break_and_leaves_room_for_the_jump_line(tmp_path):
    from typeset.edition import render_edition

    closing = set("，。、；：？！）》”’…—")
    cuts = []
    for shift in range(10):   # move the text past the frames' end one character at a time
        ed = make(tmp_path / str(shift), [("a", LEAD.replace("front-lead", "shifted")),
                                          ("c", CONT)])
        story = ed.parent / "content" / "shifted.md"
        story.write_text(STORY.replace("普京总统向", "本" * shift + "普京总统向", 1),
                         encoding="utf-8")
        res = render_edition(ed, None, jobs=1, render=False)
        first = res.outcomes[0]
        lead = next(s for s in first["report"]["stories"] if s["id"] == "lead")
        assert lead["status"] == "ok" and not lead["issues"], (shift, lead)
        assert lead["continues_on"] == "2"
        opening = first["rest"]["lead"][0]["runs"][0][0]
        assert opening[0] not in closing, (shift, opening[:10])
        cuts.append(_cut_in_words(story.read_text(encoding="utf-8"), first["rest"]["lead"]))
        more = res.outcomes[1]["report"]["stories"][0]
        assert more["continued_from"] == "1" and more["status"] != "overflow"
    # and between words, never inside one (not 俄|中 of 俄中): the segmenter the breaker's
    # neighbours use (rjieba) sees a word boundary at the cut
    assert all(ok for ok, _ in cuts), [where for ok, where in cuts if not ok]


def _cut_in_words(story: str, rest: list[dict]) -> tuple[bool, str]:
    """Whether the cut between the first part and `rest` falls between words of its paragraph."""
    import rjieba

    body = story.split("---", 2)[2]
    tail = "".join(text for text, _ in rest[0]["runs"])
    para = next(p for p in (re.sub(r"\s+", "", x) for x in body.split("\n\n")) if p.endswith(tail))
    at = len(para) - len(tail)
    ends, n = set(), 0
    for w in rjieba.cut(para):
        n += len(w)
        ends.add(n)
    return at in ends, para[max(0, at - 6):at] + "|" + para[at:at + 6]


@pytest.mark.parametrize("where", ["page child", "worker"])
def test_a_page_whose_process_dies_takes_no_other_page_with_it(tmp_path, monkeypatch, where):
    """A page's child dies (its worker reports it and goes on), or a worker itself dies (it is
    replaced): either way only that page fails."""
    import os
    import time

    import typeset.edition.pool as pool
    from typeset.edition import render_edition

    name = "run_page" if where == "page child" else "set_in_child"
    real = getattr(pool, name)

    def crashing(job, *upstream):
        if job["number"] == 2:
            os._exit(9)   # as if the OOM killer had struck
        # the other pages take a while, so pages still wait when page 2's process dies (a page
        # of this size takes ≈ 0.05 s: a worker slow to warm up could otherwise meet page 2
        # after the other worker had set every other page, and then no replacement is needed)
        time.sleep(0.3)
        return real(job, *upstream)

    monkeypatch.setattr(pool, name, crashing)
    forks = []
    real_fork = pool.PagePool._fork
    monkeypatch.setattr(pool.PagePool, "_fork", lambda self: forks.append(1) or real_fork(self))
    ed = make(tmp_path, [("a", FILLER), ("b", FILLER), ("c", FILLER), ("d", FILLER),
                         ("e", FILLER)])
    res = render_edition(ed, tmp_path / "out", jobs=2, preview_dpi=0)
    assert [bool(o["error"]) for o in res.outcomes] == [False, True, False, False, False]
    assert "exit code 9" in res.outcomes[1]["error"]
    assert res.report["failed"] == [2]
    assert sorted(p.name for p in (tmp_path / "out" / "ed").glob("*.pdf")) == [
        "CSRB-20240102-01.pdf", "CSRB-20240102-03.pdf", "CSRB-20240102-04.pdf",
        "CSRB-20240102-05.pdf", "ed-proof.pdf"]
    # a lost worker is replaced (a third fork; which workers then set the other pages depends
    # on timing: the one left may set them all while the new one warms up), a worker whose page
    # child died goes on (two forks); and no worker is left running
    assert len(forks) == (3 if where == "worker" else 2)
    assert not [p for p in __import__("multiprocessing").active_children()
                if p.name == "typeset-page-worker"]


def test_a_worker_reads_the_parents_open_fonts_through_a_file_of_its_own():
    """A font the parent opened lazily shares its file offset with a forked copy: the worker
    reopens it, even though the parent froze its objects (gc.freeze hides them from the
    child's gc.get_objects)."""
    import gc
    import multiprocessing as mp

    from typeset.edition.pool import fresh_fonts, open_fonts
    from typeset.font.face import installed_faces, open_face

    face = open_face(next(r for r in installed_faces() if r.path.endswith((".otf", ".ttc"))))
    font = face.font    # fontTools opens a face only when asked (its facts are cached): ask here
    fonts = open_fonts()
    assert font in fonts
    parent_fd = face.font.reader.file.fileno()

    def child(conn):
        fresh_fonts(fonts)
        conn.send(face.font.reader.file.fileno())

    recv, send = mp.get_context("fork").Pipe(duplex=False)
    gc.freeze()
    try:
        proc = mp.get_context("fork").Process(target=child, args=(send,))
        proc.start()
    finally:
        gc.unfreeze()
    assert recv.recv() != parent_fd
    proc.join()


def test_jobs_2_sets_the_pages_on_two_warm_workers(tmp_path):
    """Four pages, two workers (each sets its pages in children forked from its warm state; an
    outcome names the worker), and not the parent."""
    import os

    from typeset.edition import render_edition

    ed = make(tmp_path, [("a", LEAD), ("b", FILLER), ("c", CONT), ("d", FILLER)])
    res = render_edition(ed, None, jobs=2, render=False)
    pids = [o["pid"] for o in res.outcomes]
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert not [o for o in res.outcomes if o["error"]]
    assert res.outcomes[2]["report"]["stories"][0]["continued_from"] == "1"


def test_workers_write_their_pages_files_and_send_back_no_bytes(tmp_path, monkeypatch):
    """A local worker's page writes its own PDF and preview into the output folder: the outcome
    that travels back to the parent holds the PDF's path, no PDF or PNG bytes (which the page's
    process, its worker and the parent would otherwise each hold). The files are those of the
    same edition set in this process, whose outcomes carry the bytes for the parent to write."""
    from typeset.edition import deliver, render_edition

    arrived = []   # each outcome as it reaches the parent, before delivery
    write_page = deliver.write_page
    monkeypatch.setattr(deliver, "write_page", lambda o, folder: (
        arrived.append((o["file_name"], o["pdf"], o["png"])), write_page(o, folder)))
    ed = make(tmp_path, [("a", LEAD), ("b", FILLER), ("c", CONT)])
    render_edition(ed, tmp_path / "pool", jobs=2)
    folder = tmp_path / "pool" / "ed"
    assert len(arrived) == 3
    for name, pdf, png in arrived:
        assert pdf == folder / name and png is None, (name, type(pdf), type(png))
    arrived.clear()
    render_edition(ed, tmp_path / "here", jobs=0)   # this process: bytes, written by deliver
    assert all(isinstance(pdf, bytes) and isinstance(png, bytes) for _, pdf, png in arrived)
    names = sorted(p.name for p in folder.iterdir() if p.suffix != ".json")
    assert len(names) == 7 and not [n for n in names if n.startswith(".")], names
    for name in names:
        assert (folder / name).read_bytes() == (tmp_path / "here" / "ed" / name).read_bytes(), name


def test_the_pages_with_the_most_work_go_to_the_workers_first(tmp_path):
    """Scheduling: a page's weight is the grid cells its blocks fill, plus the heaviest chain of
    pages waiting for it; the light page goes last, so the workers finish together."""
    from typeset.edition.plan import plan_edition
    from typeset.edition.spec import load_edition

    small = FILLER.replace("lines: 30", "lines: 10")
    ed = make(tmp_path, [("a", LEAD), ("b", small), ("c", CONT), ("d", FILLER)])
    plan = plan_edition(load_edition(ed))
    assert [t.weight for t in plan.tasks] == [4 * 16, 4 * 10, 4 * 40, 4 * 30]
    # a (64) carries c (160): 224 first; then c, d, and the small page last
    assert plan.priority() == [0, 2, 3, 1]


def test_watch_re_renders_an_edition_after_a_page_file_changes(tmp_path):
    """`typeset watch` on an edition: every page is set, and an edit to a file one page uses
    (the front lead's copy) sets the edition again."""
    import shutil
    import threading

    from typeset.review.watch import used_files, watch

    for d in ("layouts", "content", "fonts"):
        shutil.copytree(ROOT / d, tmp_path / d)
    (tmp_path / "typeset.toml").write_text("")
    edition = tmp_path / "layouts" / "sample-edition.yaml"
    lead = tmp_path / "content" / "front-lead.md"
    assert lead in used_files(edition)
    results, stop = [], threading.Event()

    def on_result(result, seconds, error):
        results.append((result, error))
        if len(results) == 1:
            shutil.copy(result.folder / "SYRB2024010201.pdf", tmp_path / "ref.pdf")
            lead.write_text(lead.read_text(encoding="utf-8").replace("新年贺电。", "新年贺电！", 1),
                            encoding="utf-8")
        if len(results) >= 2:
            stop.set()

    t = threading.Thread(target=watch, args=(edition, tmp_path / "out", on_result, stop, 2))
    t.start()
    t.join(timeout=240)
    stop.set()
    assert len(results) == 2 and all(e is None for _, e in results), results
    assert all(len(r.outcomes) == 4 and not any(o["error"] for o in r.outcomes)
               for r, _ in results)
    # set in the watching process, which keeps what it learned between renders (not in page
    # workers, whose children exit after each page)
    assert {o["pid"] for r, _ in results for o in r.outcomes} == {__import__("os").getpid()}
    front = run_tool("pdftotext", str(results[1][0].folder / "SYRB2024010201.pdf"), "-")
    assert "贺电！" in front and "贺电！" not in run_tool(        # the edit, and only after it
        "pdftotext", str(tmp_path / "ref.pdf"), "-")


def test_a_page_problem_on_an_edition_page_is_reported_and_fails_strict(tmp_path, capsys):
    """Edition pages get the same product checks as a page spec alone (they were skipped once:
    the edition's page task laid pages out without page_problems)."""
    proj = tmp_path / "proj"
    narrow = FILLER.replace("culture-library", "too-long").replace("columns: 4", "columns: 1")
    ed = make(tmp_path, [("a", FILLER), ("b", narrow)])
    (proj / "content" / "too-long.md").write_text(
        "---\ntitle: Internationalization2024ABCDEFGHIJKLMNOPQRSTUVWXYZ\n---\n一段正文。\n",
        encoding="utf-8")
    out = tmp_path / "out"
    assert render(ed, out) == 0
    assert render(ed, out, "--strict") == 1
    report = json.loads((out / "ed" / "ed.report.json").read_text(encoding="utf-8"))
    first, second = report["pages"]
    assert first["problems"] == [] and first["ok"]
    assert [p["check"] for p in second["problems"]] == ["headline"]
    assert not second["ok"] and not report["ok"]
