"""Property tests (hypothesis) of the text engine and the flow: whatever the copy and whatever
the column (at least 4 em), no character is lost, duplicated or reordered; no line is wider
than its column; prohibited starts and ends appear only when reported; every character lands
in a frame or is counted in the overflow report."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typeset import display as D
from typeset.font.roles import DEFAULT_ROLES, FontBook
from typeset.layout.compose import Composer
from typeset.layout.flow import Flow, Frame
from typeset.layout.grid import Grid
from typeset.layout.story import FlowPiece, StoryReport, flow_story
from typeset.spec.model import GridSpec, PageSpec, TextSpec
from typeset.text.atoms import EM
from typeset.text.justify import set_line
from typeset.text.normalize import normalize

BOOK = FontBook(DEFAULT_ROLES)
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府"
LATIN = "abcdefghijklmnopqrstuvwxyzCOVIDiPhone"
DIGITS = "0123456789"
PUNCT = "，。、；：？！“”‘’《》（）—·%／…"
ALPHABET = HAN * 3 + LATIN + DIGITS * 2 + PUNCT * 2 + " "

texts = st.text(alphabet=ALPHABET, min_size=1, max_size=220)
widths = st.integers(min_value=4, max_value=30)
levels = st.sampled_from(["basic", "gb", "strict"])
styles = st.sampled_from(["quanjiao", "kaiming", "banjiao"])


def _compose(text, chars, level, style, indent=True):
    comp = Composer(BOOK, TextSpec(kinsoku=level, punctuation=style))
    p = comp.prepare([(text, "body")], "prop", indent=indent)
    width = chars * EM
    broken = comp.break_lines(p, lambda k: width)
    return comp, p, broken, width


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, widths, levels, styles, st.booleans())
def test_lines_keep_every_character_in_order(text, chars, level, style, indent):
    _, p, broken, width = _compose(text, chars, level, style, indent)
    normalised = normalize(text)[0].replace("\n", "")
    assert "".join(a.text for i, j in broken.lines for a in p.atoms[i:j]) == normalised
    # lines tile the atoms exactly, in order
    pos = 0
    for i, j in broken.lines:
        assert i == pos and j > i
        pos = j
    assert pos == len(p.atoms)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, widths, levels, styles)
def test_no_line_wider_than_its_column_unless_reported(text, chars, level, style):
    _, p, broken, width = _compose(text, chars, level, style)
    overfull = {iss.line for iss in broken.issues if iss.kind == "overfull"}
    for k, (i, j) in enumerate(broken.lines):
        line = set_line(p, i, j, width, j == len(p.atoms))
        if k not in overfull:
            assert line.width <= width + 1e-6, (k, line.width, width)
        if j != len(p.atoms) and k not in overfull and not any(
                iss.line == k and iss.kind in ("ragged", "loose") for iss in broken.issues):
            assert abs(line.width - width) < 1e-6


# The oracle, written from GB/T 15834-2011 §5 and clreq (typesetting-rules.md §2.2), not from
# typeset.text.classes: marks that never begin a line, and marks that never end one, at every
# kinsoku level (levels only add to these).
NEVER_START = set("，、；：。？！”’）》〉】〕」』·")
NEVER_END = set("“‘（《〈【〔「『")


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, widths, levels)
def test_prohibited_starts_and_ends_only_when_reported(text, chars, level):
    _, p, broken, _ = _compose(text, chars, level, "quanjiao")
    starts = {iss.line for iss in broken.issues if iss.kind == "forbidden-start"}
    ends = {iss.line for iss in broken.issues if iss.kind == "forbidden-end"}
    for k, (i, j) in enumerate(broken.lines):
        line = "".join(a.text for a in p.atoms[i:j]).strip()
        if not line:
            continue
        if k > 0 and line[0] in NEVER_START:
            assert k in starts, (k, line)
        if j != len(p.atoms) and line[-1] in NEVER_END:
            assert k in ends, (k, line)


GRID = Grid.on_page(GridSpec(), PageSpec())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=8), st.integers(1, 4), st.integers(1, 12),
       st.integers(4, 27))
def test_every_character_lands_in_a_frame_or_in_the_overflow_report(paras, frames, lines, chars):
    comp = Composer(BOOK, TextSpec())
    width = chars * GRID.size
    flow = Flow([Frame(GRID.column_x(1 + f), width, 1, lines) for f in range(frames)], GRID.size)
    pieces = [FlowPiece("para", [(t, "body")]) for t in paras]
    report = StoryReport("prop", "article")
    page = D.Page(1000, 1000)
    flow_story(pieces, flow, GRID, comp, "prop", report, page)
    placed = "".join(ln.text for ln in page.lines if ln.kind == "body")
    want = "".join(normalize(t)[0].replace("\n", "") for t in paras)

    def bare(s):
        return "".join(c for c in s if not c.isspace())

    assert bare(placed + report.overflow_text) == bare(want)
    assert report.overflow_chars == len(bare(report.overflow_text))
    assert report.used_lines <= frames * lines


kinds = st.sampled_from(["para", "para", "para", "subhead", "title", "byline", "rule"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(kinds, texts), min_size=1, max_size=8), st.integers(1, 4),
       st.integers(1, 12), st.integers(4, 27))
def test_a_measuring_flow_reports_what_the_drawn_flow_does(items, frames, lines, chars):
    """Column balancing and jumps decide from flows that only measure (draw=False): their
    counts must be the drawn flow's, or the level chosen would not be the one set."""
    from dataclasses import asdict

    from typeset.layout.headline import DisplayStyle

    def pieces():
        out = []
        for kind, text in items:
            if kind == "para":
                out.append(FlowPiece("para", [(text, "body")]))
            elif kind == "rule":
                out.append(FlowPiece("rule", [("", "body")]))
            else:
                role = "kai" if kind == "byline" else "hei"
                style = DisplayStyle(10.5, role, "center") if kind == "title" else None
                out.append(FlowPiece(kind, [(text.strip() or "标题", role)], style=style))
        return out

    width = chars * GRID.size
    frame_list = [Frame(GRID.column_x(1 + f), width, 1, lines) for f in range(frames)]
    reports = []
    for draw in (True, False):
        comp = Composer(BOOK, TextSpec())
        report = StoryReport("prop", "article")
        page = D.Page(1000, 1000)
        flow_story(pieces(), Flow(frame_list, GRID.size), GRID, comp, "prop", report, page, draw)
        # (the notices of a measuring flow are dropped by every caller: only the counts count)
        reports.append(asdict(report))
        if not draw:
            assert not page.items and not page.lines
    assert reports[0] == reports[1]


def _reference_dp(p, widths, relaxed, totals):
    """The breaker's total fit written plainly (measure_line and _line_demerits for every
    candidate line, no precomputed terms): what linebreak._dp's fast loop must reproduce."""
    from typeset.text import linebreak as L

    n = len(p.atoms)
    wmax = max(widths[:min(n, 4096)])
    uniform = all(w == widths[0] for w in widths[:min(n, 4096)])
    best, prev = [L.INF] * (n + 1), [-1] * (n + 1)
    best[0] = 0.0
    states = [dict() for _ in range(n + 1)]
    states[0][0] = (0.0, -1, -1)
    for j in range(1, n + 1):
        last = j == n
        if not last and not p.allowed[j - 1] and not relaxed:
            continue
        pen = 0.0 if last else p.penalty[j - 1] + (0.0 if p.allowed[j - 1] else L.FORBIDDEN_PENALTY)
        for i in range(j - 1, -1, -1):
            nat, shr, ext, exp, track = L.measure_line(p, i, j)
            if nat - shr - getattr(L, "CLOSE_EXTRA", 0) * track > wmax and j - i > 1:
                break
            if uniform:
                if best[i] == L.INF:
                    continue
                dem = L._line_demerits(p, i, j, (nat, shr, ext, exp), widths[0], track, last,
                                       relaxed, pen)
                if best[i] + dem < best[j]:
                    best[j], prev[j] = best[i] + dem, i
                continue
            for k, (tot, _, _) in states[i].items():
                dem = L._line_demerits(p, i, j, (nat, shr, ext, exp), widths[k], track, last,
                                       relaxed, pen)
                old = states[j].get(k + 1)
                if dem != L.INF and (old is None or tot + dem < old[0]):
                    states[j][k + 1] = (tot + dem, i, k)
    totals[:] = best if uniform else [min((t for t, _, _ in st.values()), default=L.INF)
                                      for st in states]
    lines, j = [], n
    if uniform:
        if best[n] == L.INF:
            return None
        while j > 0:
            lines.append((prev[j], j))
            j = prev[j]
    else:
        if not states[n]:
            return None
        k = min(states[n], key=lambda c: states[n][c][0])
        while j > 0:
            _, i, pk = states[j][k]
            lines.append((i, j))
            j, k = i, pk
    return lines[::-1]


# copy heavy in Latin words, URLs and spaces: lines that must close up letters, open them, or
# start with a space (relaxed breaking) are what the breaker's fast loop treats apart
WORDS = ["的", "中国", "经济", "，", "。", "“", "”", "（", "）", " ", " ", "iPhone", "COVID-19",
         "https://example.com/a/b?x=1", "Verstappen", "2024", "年", "%", "3.5", "GB", "——",
         "……", "、", "ls --time-style=long-iso", "mixed-case"]
mixed = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, mixed), widths, levels, styles,
       st.lists(st.sampled_from([0, 0, 1, 2, -3]), min_size=1, max_size=6), st.booleans())
def test_the_breakers_fast_loop_chooses_what_the_plain_total_fit_does(text, chars, level, style,
                                                                     steps, relaxed):
    """linebreak._dp measures lines from precomputed per-position terms and inlines the common
    demerits; a plain total fit over measure_line and _line_demerits must find the same best
    total at every position and choose the same breaks, with equal measures and with measures
    that change from line to line."""
    from typeset.text import linebreak as L

    comp = Composer(BOOK, TextSpec(kinsoku=level, punctuation=style))
    p = comp.prepare([(text, "body")], "prop")
    n = len(p.atoms)
    for ws in ([chars * EM] * n,
               [max(3, chars + steps[k % len(steps)]) * EM for k in range(n)]):
        fast, plain = [], []
        assert L._dp(p, ws, relaxed, fast) == _reference_dp(p, ws, relaxed, plain)
        assert fast == plain
