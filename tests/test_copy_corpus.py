"""Issue 10: real-world copy sets cleanly. The corpus in tests/corpus/ (mixed newsroom copy,
13- and 11-character measures) is rendered with the project's command line and judged from
the PDF by an independent reader, bench/copy_quality.py (pypdfium2 glyph boxes; no layout
records). The second half shows the reader itself catches each fault, on small PDFs drawn
here glyph by glyph with ReportLab and a real TrueType CJK font.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SPECS = sorted(CORPUS.glob("corpus-*.yaml"))
MEASURES = (13, 11)

_spec = importlib.util.spec_from_file_location("copy_quality", ROOT / "bench" / "copy_quality.py")
cq = importlib.util.module_from_spec(_spec)
sys.modules["copy_quality"] = cq
_spec.loader.exec_module(cq)

# --- the corpus ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[int, list]:
    """Every corpus spec rendered once (two at a time) and measured: measure → figures."""
    out = tmp_path_factory.mktemp("corpus")
    groups = {m: [s for s in SPECS if f"column_chars: {m}" in s.read_text(encoding="utf-8")]
              for m in MEASURES}

    # one render process per measure, two at a time; the measuring stays in this thread:
    # pdfium is not thread-safe (two threads reading PDFs at once crashed the test process)
    with ThreadPoolExecutor(max_workers=2) as pool:
        rendered = dict(zip(MEASURES, pool.map(lambda m: cq.render_many(groups[m], out),
                                               MEASURES)))
    return {m: [cq.measure(spec, pdf, report)
                for spec, (pdf, report) in zip(groups[m], rendered[m])] for m in MEASURES}


def _sum(figs, name: str) -> int:
    return sum(getattr(f, name) for f in figs)


def _examples(figs, kind: str) -> str:
    return "\n".join(f"{f.spec}: {e}" for f in figs for e in f.examples.get(kind, [])[:5])


def test_corpus_is_big_and_mixed():
    """At least 30,000 characters of copy, at both measures, with the hard cases in it."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((CORPUS / "content").glob("*.md"))]
    copy = "".join(texts)
    assert len("".join(copy.split())) >= 30_000
    for needle in ("ls --time-style", "login(1)", "[mail.example.org]:25", "3.11.2", "1,234.56",
                   "3:1", "9.58 秒", "2:03:45", "Eliud Kipchoge", "Jean-Luc", "@", "0719-",
                   "2024-01-02", "2024年1月2日", "km/h", "mg/L", "ＡＢＣ１２３", "...", "。。。",
                   "--", "——", "《", "端口 （587） 。", "%–", "¥", "$"):
        assert needle in copy, f"the corpus lacks {needle!r}"
    for m in MEASURES:
        assert any(f"column_chars: {m}" in s.read_text(encoding="utf-8") for s in SPECS)


@pytest.mark.parametrize("measure", MEASURES)
def test_corpus_measured(corpus, measure):
    figs = corpus[measure]
    assert figs and _sum(figs, "body_lines") > 1000
    # the reader's paragraph ends agree with the copy's paragraphs (a check on the reader)
    assert _sum(figs, "paragraph_ends") == _sum(figs, "copy_paragraphs")


@pytest.mark.parametrize("measure", MEASURES)
def test_no_prohibited_line_starts_or_ends(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "prohibited_starts") + _sum(figs, "prohibited_ends") == 0, \
        _examples(figs, "prohibited start") + "\n" + _examples(figs, "prohibited end")


@pytest.mark.parametrize("measure", MEASURES)
def test_no_forbidden_splits(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "forbidden_splits") == 0, _examples(figs, "forbidden split")


@pytest.mark.parametrize("measure", MEASURES)
def test_lines_flush(corpus, measure):
    figs = corpus[measure]
    pct = 100.0 * _sum(figs, "flush_lines") / _sum(figs, "nonfinal_lines")
    assert pct >= 99.0, f"{pct:.1f} % flush\n" + _examples(figs, "not flush")


@pytest.mark.parametrize("measure", MEASURES)
def test_no_line_wider_than_column(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "wide_lines") == 0, _examples(figs, "wider than column")


@pytest.mark.parametrize("measure", MEASURES)
def test_no_ink_touching(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "ink_touches") == 0, _examples(figs, "ink touching")


@pytest.mark.parametrize("measure", MEASURES)
def test_han_gaps_at_most_half_em(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "han_gaps_over") == 0, _examples(figs, "Han-Han gap")


@pytest.mark.parametrize("measure", MEASURES)
def test_no_holes_between_other_glyphs(corpus, measure):
    """No gap above ½ em between any two glyphs of a line (a digit before ——, ℃ before a Han
    character), Latin word spaces apart."""
    figs = corpus[measure]
    assert _sum(figs, "holes") == 0, _examples(figs, "hole")


@pytest.mark.parametrize("measure", MEASURES)
def test_cjk_latin_gaps_in_range(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "latin_gaps_out") + _sum(figs, "digit_gaps_out") == 0, \
        _examples(figs, "CJK-latin gap out of range") + "\n" + _examples(figs, "CJK-digit gap out of range")


@pytest.mark.parametrize("measure", MEASURES)
def test_every_character_accounted(corpus, measure):
    figs = corpus[measure]
    assert _sum(figs, "missing_chars") == 0, _examples(figs, "missing characters")


@pytest.mark.parametrize("measure", MEASURES)
def test_quotes_in_step(corpus, measure):
    """Issue 10 §3: quotes paired per paragraph, none left straight."""
    figs = corpus[measure]
    assert _sum(figs, "quote_faults") + _sum(figs, "straight_quotes") == 0, \
        _examples(figs, "quotes out of step")


@pytest.mark.parametrize("name", ["lead-article", "sample-page"])
def test_seed_pages_stay_clean(tmp_path, name):
    spec = ROOT / "layouts" / f"{name}.yaml"
    pdf, report = cq.render(spec, tmp_path)
    f = cq.measure(spec, pdf, report)
    assert f.flush_pct >= 99.0
    assert (f.prohibited_starts, f.prohibited_ends, f.forbidden_splits, f.wide_lines,
            f.han_gaps_over, f.holes, f.ink_touches, f.missing_chars, f.quote_faults) == (0,) * 9, \
        f.examples


# --- the reader catches planted faults --------------------------------------------------------
SIZE = 9.0             # body size of the synthetic pages
CHARS = 10             # characters per column
X0 = 36.0              # left margin
TOP = 360.0            # first baseline
PITCH = 12.0


@pytest.fixture(scope="module")
def kai():
    """A real TrueType CJK font (Debian fonts-lxgw-wenkai) registered with ReportLab."""
    if shutil.which("fc-match") is None:
        pytest.fail("fontconfig is not installed; run scripts/setup.sh")
    path = subprocess.run(["fc-match", "LXGW WenKai", "--format=%{file}"],
                          capture_output=True, text=True).stdout.strip()
    if "WenKai" not in path:
        pytest.fail("LXGW WenKai is not installed; run scripts/setup.sh")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    pdfmetrics.registerFont(TTFont("Kai", path))
    return "Kai"


def _natural(text: str, start_em: float = 0.0) -> list[tuple[str, float]]:
    """Characters at natural advances from `start_em` (em): Han and full-width marks 1 em."""
    from reportlab.pdfbase import pdfmetrics
    out, x = [], start_em * SIZE
    for c in text:
        out.append((c, x))
        x += SIZE if cq.is_wide(c) else pdfmetrics.stringWidth(c, "Kai", SIZE)
    return out


def _page(tmp_path: Path, font: str, paragraphs: list[list], copy: list[str] | None = None):
    """Draw paragraphs (lists of lines; a line is text or a list of (char, x pt)) down
    column 1 then column 2, write the copy and a spec, and measure the PDF."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "synthetic.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(300, 400))
    c.setFont(font, SIZE)
    row = 0
    for para in paragraphs:
        for i, line in enumerate(para):
            col, r = divmod(row, 25)
            glyphs = _natural(line, 2.0 if i == 0 else 0.0) if isinstance(line, str) else line
            for ch, x in glyphs:
                c.drawString(X0 + col * (CHARS + 1) * SIZE + x, TOP - r * PITCH, ch)
            row += 1
    c.showPage()
    c.save()
    text = copy if copy is not None else [
        "".join(ln if isinstance(ln, str) else "".join(ch for ch, _ in ln) for ln in p) for p in paragraphs]
    (tmp_path / "copy.md").write_text("\n\n".join(text) + "\n", encoding="utf-8")
    spec = tmp_path / "synthetic.yaml"
    spec.write_text(f"page:\n  size: [300pt, 400pt]\n  margin_left: {X0}pt\ngrid:\n  columns: 2\n"
                    f"  column_chars: {CHARS}\n  gutter_chars: 1\n  body_size: {SIZE}pt\n"
                    "blocks:\n  - {id: a, article: copy.md, column: 1, columns: 2, line: 1, lines: 50}\n",
                    encoding="utf-8")
    return cq.measure(spec, pdf, None)


def _counts(f) -> tuple:
    return (f.prohibited_starts, f.prohibited_ends, f.forbidden_splits, f.wide_lines,
            f.han_gaps_over, f.ink_touches, f.missing_chars, f.latin_gaps_out)


def test_reader_clean_page(tmp_path, kai):
    paras = [["人民群众的美好生", "活需要我们共同努力奋", "斗实现。"],
             ["全市党员群众想在", "一起干，融在一起共同", "缔造美好生活。"]]
    f = _page(tmp_path, kai, paras)
    assert (f.body_lines, f.nonfinal_lines, f.flush_lines) == (6, 4, 4)
    assert f.paragraph_ends == f.copy_paragraphs == 2
    assert _counts(f) == (0,) * 8


def test_reader_catches_overwide_line(tmp_path, kai):
    f = _page(tmp_path, kai, [["全市党员群众想在", "一起干在一起融在一起共", "同缔造。"]])
    assert f.wide_lines == 1 and (f.nonfinal_lines, f.flush_lines) == (2, 1)


def test_reader_catches_short_line(tmp_path, kai):
    f = _page(tmp_path, kai, [["全市党员群众想在", "一起干在一起融在", "一起共同缔造。"]])
    assert (f.nonfinal_lines, f.flush_lines) == (2, 1)


def test_reader_catches_prohibited_start_and_end(tmp_path, kai):
    f = _page(tmp_path, kai, [["全市党员群众想“", "一起”干在一起融在一", "，共同缔造美好生活。"]])
    assert f.prohibited_ends == 1 and f.prohibited_starts == 1


def test_reader_catches_split_number_and_token(tmp_path, kai):
    line1 = _natural("全市党员群众在20", 2.0)
    line2 = _natural("24年达到目标值login(1")
    line3 = _natural(")命令。")
    f = _page(tmp_path, kai, [[line1, line2, line3]])
    assert f.forbidden_splits == 2, f.examples
    assert f.prohibited_starts == 1


def test_reader_spaced_break_is_no_split(tmp_path, kai):
    # "版本 3.11 发布" broken at the space: allowed; "3.11 GB" broken at the space: not
    f = _page(tmp_path, kai, [[_natural("全市党员群众在3.11", 2.0), _natural("GB目标。")]],
              copy=["全市党员群众在3.11 GB目标。"])
    assert f.forbidden_splits == 1 and "number+unit" in f.examples["forbidden split"][0]
    f = _page(tmp_path, kai, [[_natural("全市党员群众在Python", 2.0), _natural("3.11目标。")]],
              copy=["全市党员群众在Python 3.11目标。"])
    assert f.forbidden_splits == 0


def test_reader_catches_wide_han_gap_and_ideographic_space(tmp_path, kai):
    spread = [(c, i * 1.6 * SIZE) for i, c in enumerate("人民群众美好生")]
    f = _page(tmp_path, kai, [["全市党员群众想在", spread, "活。"]])
    assert f.han_gaps_over == 6 and f.han_gap_max_em == pytest.approx(0.6, abs=0.01)
    # a space in the copy between two Han characters is an ideographic space, not a gap
    f = _page(tmp_path, kai, [[[(c, x) for c, x in _natural("本报讯　记者李平报道")]]],
              copy=["本报讯 记者李平报道"])
    assert f.han_gaps_over == 0 and f.ideographic_spaces == 1


def _opened(text: str, at: int, em: float, start_em: float = 0.0) -> list[tuple[str, float]]:
    """`text` at natural advances with everything from character `at` moved `em` to the right."""
    return [(c, x + (em * SIZE if i >= at else 0.0)) for i, (c, x) in enumerate(_natural(text, start_em))]


def test_reader_catches_holes_but_not_word_spaces(tmp_path, kai):
    # 4,402,371 —— with a hole before the dash (the copy's space there is no word space)
    f = _page(tmp_path, kai, [[_opened("4,402,371——", 9, 0.9, 2.0), "获得票数。"]],
              copy=["4,402,371 ——获得票数。"])
    assert f.holes == 1 and f.hole_max_em == pytest.approx(0.9, abs=0.01), f.examples
    assert f.han_gaps_over == 0
    # 8℃ and 左 0.6 em apart
    f = _page(tmp_path, kai, [["预计后期气温", _opened("回升至8℃左右。但", 5, 0.6), "好。"]],
              copy=["预计后期气温回升至8℃左右。但好。"])
    assert f.holes == 1 and "℃|左" in f.examples["hole"][0], f.examples
    # a wide Latin word space is not a hole; it is shown as the widest word space
    f = _page(tmp_path, kai, [["他说：“We", _opened("are the car，", 8, 0.8), "好。"]],
              copy=["他说：“We are the car，好。"])
    assert f.holes == 0 and f.word_space_max_em > 0.8, f.examples


def test_reader_catches_ink_touching(tmp_path, kai):
    squeezed = _natural("全市党员群众想在一起干")
    squeezed[5] = (squeezed[5][0], squeezed[4][1] + 0.5 * SIZE)   # 众 half over 群
    squeezed = squeezed[:6] + [(c, x - 0.5 * SIZE) for c, x in squeezed[6:]]
    f = _page(tmp_path, kai, [[squeezed, "在一起。"]])
    assert f.ink_touches >= 1


def test_reader_catches_cjk_latin_gap(tmp_path, kai):
    good = _natural("采用Postfix")
    good = good[:2] + [(c, x + 0.25 * SIZE) for c, x in good[2:]]
    f = _page(tmp_path, kai, [[good]], copy=["采用Postfix"])
    assert f.latin_gaps_out == 0 and f.latin_gap_min_em == pytest.approx(0.25, abs=0.01)
    wide = good[:2] + [(c, x + 0.75 * SIZE) for c, x in good[2:]]
    f = _page(tmp_path, kai, [[wide]], copy=["采用Postfix"])
    assert f.latin_gaps_out == 1


def test_reader_catches_missing_character(tmp_path, kai):
    f = _page(tmp_path, kai, [["全市党员群众想在", "一起干。"]], copy=["全市党员群众想在一起干了。"])
    assert f.missing_chars == 1 and "了" in f.examples["missing characters"][0]


TINY_SPEC = """page:
  size: [120mm, 80mm]
grid:
  columns: 2
  column_chars: 10
  gutter_chars: 1
  body_size: 小五
  line_gap: 3pt
  lines: 12
blocks:
  - {id: a, article: a.md, column: 1, columns: 2, line: 1, lines: 12}
"""
TINY_COPY = "---\ntitle: 测试\n---\n全市党员群众想在一起、干在一起、融在一起，一幅幅共建共治共享的美好图景，在车城大地徐徐展开。\n"


def _plant(pdf: Path, out: Path, fault: str) -> None:
    """Edit the second body line of a rendered page: `shift` moves it 5 pt right (over the
    column edge); `squeeze` pulls its third glyph ½ em onto the second (ink overprinted)."""
    import pikepdf

    with pikepdf.open(pdf) as doc:
        page = doc.pages[0]
        ops = pikepdf.parse_content_stream(page)
        body_tm = [i for i, (args, op) in enumerate(ops) if str(op) == "Tm"
                   and any(str(o) == "Tf" and float(a[1]) == 9 for a, o in ops[max(0, i - 2):i])]
        i = body_tm[1]
        if fault == "shift":
            args = list(ops[i][0])
            args[4] = float(args[4]) + 5
            ops[i] = pikepdf.ContentStreamInstruction(args, pikepdf.Operator("Tm"))
        else:
            j = next(k for k in range(i, len(ops)) if str(ops[k][1]) == "TJ")
            arr = list(ops[j][0][0])
            arr.insert(2, 500)                       # TJ number: move left by 500/1000 em
            ops[j] = pikepdf.ContentStreamInstruction([pikepdf.Array(arr)], pikepdf.Operator("TJ"))
        page.Contents = doc.make_stream(pikepdf.unparse_content_stream(ops))
        doc.save(out)


def test_reader_catches_faults_planted_in_a_rendered_page(tmp_path):
    (tmp_path / "a.md").write_text(TINY_COPY, encoding="utf-8")
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    pdf, report = cq.render(spec, tmp_path / "out")
    clean = cq.measure(spec, pdf, report)
    assert clean.body_lines >= 4 and clean.wide_lines == 0 and clean.ink_touches == 0
    assert clean.missing_chars == 0
    _plant(pdf, tmp_path / "shift.pdf", "shift")
    shifted = cq.measure(spec, tmp_path / "shift.pdf", report)
    assert shifted.wide_lines == 1 and shifted.flush_lines == clean.flush_lines - 1
    _plant(pdf, tmp_path / "squeeze.pdf", "squeeze")
    squeezed = cq.measure(spec, tmp_path / "squeeze.pdf", report)
    assert squeezed.ink_touches >= 1 and squeezed.flush_lines == clean.flush_lines - 1


def test_reader_catches_quotes_out_of_step(tmp_path, kai):
    f = _page(tmp_path, kai, [["他说“我们”和“你们", "”都要来。"]])
    assert f.quote_faults == 0 and f.straight_quotes == 0
    f = _page(tmp_path, kai, [["他说“我们“和”你们", "”都要来。"]])
    assert f.quote_faults == 1
    f = _page(tmp_path, kai, [["他说\"我们\"和你们", "都要来。"]])
    assert f.straight_quotes == 2


def test_reader_catches_split_dash_and_bracket_in_gutter(tmp_path, kai):
    # 破折号 split over two lines: a forbidden split, and a lone — starting a line
    f = _page(tmp_path, kai, [["全市党员群众想在—", "—干在一起融在一起共同", "缔造。"]],
              copy=["全市党员群众想在——干在一起融在一起共同缔造。"])
    assert f.forbidden_splits == 1 and "dash" in f.examples["forbidden split"][0]
    assert f.prohibited_starts == 1
    # 《 at a line start drawn 2 pt into the gutter
    line = _natural("《人民日报》报道全市")
    line = [(c, x - 0.5 * SIZE - (2.0 if c == "《" else 0.0)) if i == 0 else (c, x - 0.5 * SIZE)
            for i, (c, x) in enumerate(line)]
    f = _page(tmp_path, kai, [["全市党员群众想在", line, "干。"]],
              copy=["全市党员群众想在《人民日报》报道全市干。"])
    assert f.wide_lines == 1, f.examples
