"""Total-fit line breaking for Chinese body text (clreq §3.1.4–3.5, typesetting-rules.md §2).

The breaks of a whole paragraph are chosen together by dynamic programming over the legal break
positions (Knuth–Plass style). Each candidate line is measured with the punctuation rules applied
first (adjacent marks compressed, line-end marks trimmed to ½ em, an opening mark at line start
trimmed), then scored: squeezing punctuation blanks (push-in) costs less than spreading the line
(push-out), so push-in is preferred whenever it fits. A last line holding one lone character is
refused; breaks between a number and its Chinese unit are discouraged. Rather than a line whose
gaps pass ½ em, the breaker takes a last resort (LAST_RESORT_PENALTY): a name divided at a
syllable (JOIN_SYLLABLE) or the Latin letters of a line closed up to TRACK_CLOSE.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Callable

from typeset.text import classes as C
from typeset.text.atoms import (
    EM, HALF, INDENT, JOIN_EMERGENCY, JOIN_HYPH, JOIN_HYPHEN, JOIN_SYLLABLE, JOIN_URL,
    LATIN_SPACE_MAX, LATIN_SPACE_MIN, NO_END_ASCII, NO_START_ASCII, Atom, Settings,
)

# Scoring constants (in "badness" points; demerits of a line = (1 + badness)² + penalty).
SHRINK_BADNESS = 10.0        # badness of squeezing away all removable blanks of a line
STRETCH_BADNESS = 100.0      # badness of ¼ em extra space in every gap (a visibly loose line)
STRETCH_UNIT = 250           # ¼ em: the gap expansion that scores STRETCH_BADNESS
LOOSE_LIMIT = 500            # ½ em per gap: reported as a loose line (typesetting-rules §2.8)
DISCOURAGED_PENALTY = 400.0  # break between a number and its Chinese unit (14.29|万户)
ORPHAN_PENALTY = 1e6         # a last line with one lone character (孤字, clreq 3.4.4)
RAGGED_PENALTY = 1e5         # a non-final line that cannot be justified (no gap to spread)
FORBIDDEN_PENALTY = 1e7      # remedial break against a prohibition (only if nothing else works)
OVERFULL_PENALTY = 1e8       # a single atom wider than the column
UNIT_MAX = 5                 # a Latin run this short after a number is taken as its unit
GAP_LIMIT = 500              # most a gap between characters may stretch: ½ em (§2.8)
OVER_LIMIT_PENALTY = 1e7     # a line whose gaps must stretch past GAP_LIMIT
TRACK_LIMIT = 120            # most letters of a Latin run may open (0.12 em) when gaps cannot
TRACK_SHRINK = 15            # most letters of a Latin run may close up (0.015 em), last of all
TRACK_PENALTY = 1e5          # a line justified by letter-spacing a URL or a word
TRACK_WIDE_LIMIT = 300       # a line of Latin pieces only may open its letters this far
TRACK_WIDE_PENALTY = 1e7     # ... rather than split a word where §1.4 forbids (JOIN_EMERGENCY)
# Last resorts against Han gaps over ½ em (a loose line costs about OVER_LIMIT_PENALTY): a
# line may close up the letters of its Latin runs to TRACK_CLOSE (0.05 em: Noto Serif's capitals
# and figures keep 0.04 em of white between their inks), or break a name at a syllable
# (JOIN_SYLLABLE). Both cost LAST_RESORT_PENALTY: far more than any line within the limits,
# far less than a loose one.
TRACK_CLOSE = 50             # most letters of a Latin run may close up when the line needs it
LAST_RESORT_PENALTY = 1e6
# A loose line first gives back the blanks that adjacent marks lost (”。 at 1.5 em → 2 em, each
# mark full width again, GB/T 15834 全身式) once its gaps are at GAP_LIMIT; a small badness.
GIVEBACK_BADNESS = 100.0
JOIN_PENALTY = {             # a break inside a Latin run (typesetting-rules §1.4, §2.6)
    JOIN_URL: 50.0, JOIN_HYPHEN: 100.0, JOIN_HYPH: 2000.0, JOIN_EMERGENCY: 1e8,
    JOIN_SYLLABLE: LAST_RESORT_PENALTY,
}
INF = float("inf")

_LOOSE_CLASSES = (C.STOP, C.PAUSE, C.CLOSE, C.OPEN, C.MIDDOT, C.CONNECTOR, C.SOLIDUS,
                  C.DOUBLE_STOP, C.IDEO_SPACE, C.SPACE, INDENT)


@dataclass
class Issue:
    """Something a layout editor should know about a paragraph's lines."""

    kind: str          # forbidden-start | forbidden-end | overfull | loose | ragged | orphan
    line: int          # 0-based line in the paragraph
    detail: str


@dataclass
class Prepared:
    """A paragraph's atoms with the prefix sums that make measuring a line O(1)."""

    atoms: list[Atom]
    settings: Settings
    pw: list[int]      # widths
    pj: list[int]      # junction removals (pair k|k+1 at index k)
    pjs: list[int]     # the part of junction removals taken from squeezable blanks
    pg: list[int]      # natural gaps between atoms (CJK–Latin)
    pgs: list[int]     # how far those gaps may shrink
    pgx: list[int]     # how far those gaps (and Latin spaces) may stretch before the rest
    pe: list[int]      # expandable gaps (count)
    ps: list[int]      # squeezable blanks of atoms
    allowed: list[bool]   # break allowed after atom k
    penalty: list[float]  # penalty of a break after atom k
    squeeze: list[int]    # squeezable part of each atom (left + right)
    sq_l: list[int]       # squeezable left blank of each atom (after adjacent-mark rules)
    sq_r: list[int]       # squeezable right blank (or Latin-space shrink) of each atom
    pt: list[int]         # junctions inside a Latin run (last-resort tracking), prefix sums
    pgg: list[int]        # letter gaps inside Latin-run atoms, prefix sums
    jside: list[str]      # junction k|k+1: whose blank is removed ('a', 'b' or '')
    jamount: list[int]    # junction k|k+1: how much blank is removed
    jfix: list[int]       # junction k|k+1: blank of atom k kept fixed (adjacent-mark pair)
    gap: list[int]        # junction k|k+1: natural gap (CJK–Latin)


def _squeezable(a: Atom, settings: Settings) -> tuple[int, int]:
    """How much of an atom's left and right blank may be squeezed in justification."""
    if a.cls == C.SPACE:
        return 0, a.width - LATIN_SPACE_MIN
    if a.cls == C.STOP and not settings.compress_stops:
        return a.aki_l, 0
    return a.aki_l, a.aki_r


def _junction(a: Atom, b: Atom) -> tuple[str, int]:
    """Blank removed where two marks meet: ('a', n) from a's right, ('b', n) from b's left.

    Rule (typesetting-rules.md §2.5): keep one ½-em blank if the first mark is left-ink and the
    second right-ink; otherwise drop the blank that lies between the two inks.
    """
    if a.aki_r and b.aki_l:          # left-ink then right-ink: ，“  keep one blank
        return "b", b.aki_l
    if a.aki_r and b.left_ink:       # ”。 ）， : drop the first mark's right blank
        return "a", a.aki_r
    if a.right_ink and b.aki_l:      # “《 : drop the second mark's left blank
        return "b", b.aki_l
    return "", 0


def _gap(a: Atom, b: Atom, s: Settings) -> int:
    pair = {a.cls, b.cls}
    if C.HAN in pair and C.LATIN in pair:
        return s.cjk_latin_gap
    if C.HAN in pair and C.DIGIT in pair:
        return s.cjk_digit_gap
    return 0


def _expandable(a: Atom, b: Atom) -> bool:
    """May justification add space between a and b? Not beside connectors, the solidus or the
    indent, and not between two parts of a 2-em dash or ellipsis (those are one atom anyway)."""
    fixed = (C.CONNECTOR, C.SOLIDUS, INDENT)
    return a.cls not in fixed and b.cls not in fixed


def letter_gaps(a: Atom) -> int:
    """Gaps between the glyphs of a Latin-run atom that letter-spacing may open (not numbers:
    their figures keep the grid)."""
    return max(0, len(a.glyphs) - 1) if a.run >= 0 and a.cls != C.DIGIT else 0


def same_run(a: Atom, b: Atom) -> bool:
    """Are a and b two pieces of one Latin run (a URL cut at its break points, say)?"""
    return a.run >= 0 and a.run == b.run and a.style == b.style


def _ascii_forbids(a: Atom, b: Atom) -> bool:
    """ASCII marks of Latin copy: `. ) ] : , - %` and `"` never start a line, `( [` never end one."""
    if b.cls in (C.LATIN, C.DIGIT, C.OTHER) and b.text[:1] in NO_START_ASCII:
        return True
    if a.cls in (C.LATIN, C.DIGIT, C.OTHER, C.PREFIX) and a.text[-1:] in NO_END_ASCII:
        return True
    if a.cls in (C.LATIN, C.DIGIT) and b.cls == C.POSTFIX:
        return True     # 21 | % : the sign belongs to the number
    return False


_HAN_PAIRS = True   # the Han–Han shortcut in prepare (tests turn it off to compare)


def prepare(atoms: list[Atom], settings: Settings) -> Prepared:
    n = len(atoms)
    widths = [a.width for a in atoms]
    sq_l, sq_r = [], []
    for a in atoms:
        sl, sr = _squeezable(a, settings)
        sq_l.append(sl)
        sq_r.append(sr)
    junc, juncs, gaps, gaps_s, gaps_x, exp, track = [], [], [], [], [], [], []
    jside: list[str] = []
    jfix: list[int] = []
    run_len: dict[int, int] = {}
    for a in atoms:
        if a.run >= 0:
            run_len[a.run] = run_len.get(a.run, 0) + len(a.text)
    allowed, penalty = [], []
    level = settings.level
    han = C.HAN
    for k in range(n - 1):
        a, b = atoms[k], atoms[k + 1]
        if _HAN_PAIRS and a.cls == han and b.cls == han and not a.aki_r and not b.aki_l \
                and a.run < 0:
            # two Han characters (most pairs of a page): what the general case below gives
            # them (no junction, no gap, an expandable gap, a free break), without its calls
            junc.append(0)
            jside.append("")
            juncs.append(0)
            jfix.append(0)
            gaps.append(0)
            gaps_s.append(0)
            gaps_x.append(0)
            exp.append(1)
            track.append(0)
            allowed.append(True)
            penalty.append(0.0)
            continue
        side, amount = _junction(a, b)
        junc.append(amount)
        jside.append(side)
        fix = 0
        if side == "a":
            juncs.append(min(amount, sq_r[k]))
        elif side == "b":
            juncs.append(min(amount, sq_l[k + 1]))
            if a.aki_r:
                # ，“ keeps one blank between the inks: the pair stays 1.5 em (README, §2.5)
                fix = sq_r[k]
        else:
            juncs.append(0)
        jfix.append(fix)
        juncs[-1] += fix
        inside = same_run(a, b)
        g = 0 if inside else _gap(a, b, settings)
        gaps.append(g)
        gaps_s.append(g // 2 if g else 0)
        gaps_x.append(max(0, HALF - g) if g else 0)
        # a CJK–Latin gap stretches in the first step only, to ½ em (its own limit, §2.8); a
        # Latin word space is one position: only the junction after it takes a share
        exp.append(1 if not inside and not g and _expandable(a, b) and b.cls != C.SPACE else 0)
        track.append(1 if inside else 0)
        if inside:
            allowed.append(bool(a.join))
            penalty.append(JOIN_PENALTY.get(a.join, 0.0))
            continue
        unit = (a.cls == C.SPACE and k and atoms[k - 1].cls == C.DIGIT and b.cls == C.LATIN
                and b.text[:1].isalpha() and run_len.get(b.run, 0) <= UNIT_MAX)
        # a number and its Latin unit stay together (2.3 GB, 40 km, 0.05 mg/L; §1.4)
        ok = not unit and not (C.no_line_end(a.cls, level) or C.no_line_start(b.cls, level)
                  or a.cls == INDENT or b.cls in (C.SPACE, C.IDEO_SPACE)
                  or (a.cls in (C.LATIN, C.DIGIT) and b.cls in (C.LATIN, C.DIGIT))
                  or _ascii_forbids(a, b))
        allowed.append(ok)
        pen = 0.0
        if a.cls == C.DIGIT and b.cls == C.HAN and b.text in C.NUMBER_UNITS:
            pen = DISCOURAGED_PENALTY
        penalty.append(pen)
    space_stretch = [LATIN_SPACE_MAX - a.width if a.cls == C.SPACE else 0 for a in atoms]
    squeeze = [sl + sr for sl, sr in zip(sq_l, sq_r)]

    def pre(xs):
        return [0, *accumulate(xs)]

    return Prepared(atoms, settings, pre(widths), pre(junc), pre(juncs), pre(gaps), pre(gaps_s),
                    pre([g + s for g, s in zip(gaps_x, space_stretch)]), pre(exp), pre(squeeze),
                    allowed, penalty, squeeze, sq_l, sq_r, pre(track),
                    pre([letter_gaps(a) for a in atoms]), jside, junc, jfix, gaps)


_EDGE_SPACES = frozenset({C.SPACE, C.IDEO_SPACE})   # dropped at a line's end


def _trimmed_space(a: Atom) -> bool:
    return a.cls in _EDGE_SPACES


def edge_trims(p: Prepared, i: int, j: int) -> tuple[int, int, int, int]:
    """(start trim, its squeezable part, end trim, its squeezable part) of line [i, j).

    A space at either end is dropped; an opening mark at the start and a closing or pause mark
    at the end lose their blank (GB 5.1.10); a line broken at a hyphenation point gains a hyphen
    (a negative end trim)."""
    first, last = p.atoms[i], p.atoms[j - 1]
    st = sts = et = ets = 0
    if first.cls == C.SPACE:
        st, sts = first.width, p.squeeze[i]
    elif first.aki_l:
        st = first.aki_l
        sts = p.sq_l[i]
    if j - 1 != i or not st:
        if last.cls in _EDGE_SPACES:
            et, ets = last.width, p.squeeze[j - 1]
        elif last.aki_r:
            et = last.aki_r
            ets = p.sq_r[j - 1]
        elif last.hyphen and j < len(p.atoms):
            et = -last.hyphen
    return st, sts, et, ets


def _edge_gaps(p: Prepared, i: int, j: int) -> int:
    """Expandable gaps beside a dropped edge space: they take no share of the stretch."""
    n = 0
    if j - 1 > i:
        if p.atoms[j - 1].cls in _EDGE_SPACES:
            n += p.pe[j - 1] - p.pe[j - 2]
        if p.atoms[i].cls == C.SPACE:
            n += p.pe[i + 1] - p.pe[i]
    return n


def measure_line(p: Prepared, i: int, j: int) -> tuple[int, int, int, int, int]:
    """measure(...) plus the line's letter gaps (trackable), computed once for the breaker."""
    st, sts, et, ets = edge_trims(p, i, j)
    track = p.pt[j - 1] - p.pt[i] + p.pgg[j] - p.pgg[i]
    nat = (p.pw[j] - p.pw[i]) - (p.pj[j - 1] - p.pj[i]) + (p.pg[j - 1] - p.pg[i]) - st - et
    shr = (p.ps[j] - p.ps[i]) - (p.pjs[j - 1] - p.pjs[i]) + (p.pgs[j - 1] - p.pgs[i]) - sts - ets \
        + TRACK_SHRINK * track
    ext = p.pgx[j - 1] - p.pgx[i]
    exp = p.pe[j - 1] - p.pe[i] - _edge_gaps(p, i, j)
    return nat, max(shr, 0), ext, exp, track


def measure(p: Prepared, i: int, j: int) -> tuple[int, int, int, int]:
    """(natural width, squeezable amount, extra stretch of gaps/spaces, expandable gaps) of [i, j)."""
    return measure_line(p, i, j)[:4]


def trackable(p: Prepared, i: int, j: int) -> int:
    """Letter gaps of Latin runs inside line [i, j): between the glyphs of a piece and between
    two pieces of one run (last-resort letter-spacing)."""
    return p.pt[j - 1] - p.pt[i] + p.pgg[j] - p.pgg[i]


def _is_orphan(p: Prepared, i: int, j: int) -> bool:
    """A last line that holds one character, or one character plus punctuation (孤字)."""
    body = [a for a in p.atoms[i:j] if a.cls not in _LOOSE_CLASSES]
    return len(body) == 1 and body[0].cls == C.HAN and i > 0


def stretch_plan(slack: float, exp: int, track: int, give: int = 0) -> tuple[float, float, float]:
    """How the stretch left after the first step (Latin spaces, CJK–Latin gaps) is shared:
    (per expandable gap, per tracking unit, blank given back to adjacent marks). Gaps between
    characters take up to GAP_LIMIT; then adjacent marks get back up to `give` (the blanks their
    junctions removed); what is left opens the letters of Latin runs by up to TRACK_LIMIT each;
    only when that is not enough do the gaps go past their limit (a loose line). (0, 0, 0) when
    nothing can stretch."""
    if slack <= 0:
        return 0.0, 0.0, 0.0
    if exp and slack / exp <= GAP_LIMIT:
        return slack / exp, 0.0, 0.0
    back = 0
    if give:
        back = min(give, slack - exp * GAP_LIMIT)
        slack -= back
        if slack <= exp * GAP_LIMIT:
            return float(GAP_LIMIT if exp else 0), 0.0, back
    excess = slack - exp * GAP_LIMIT
    if track and excess / track <= TRACK_LIMIT:
        return float(GAP_LIMIT if exp else 0), excess / track, back
    if exp:
        return slack / exp, 0.0, back
    if track and excess / track <= TRACK_WIDE_LIMIT:
        return 0.0, excess / track, back   # no gap at all: wide letter-spacing, last but one resort
    return 0.0, 0.0, 0.0


CLOSE_EXTRA = TRACK_CLOSE - TRACK_SHRINK   # close-up beyond `measure`'s squeezable amount


def line_badness(measured: tuple[int, int, int, int], target: int, last: bool,
                 track: int = 0, give: int = 0) -> float:
    """Badness of a line with `measured` = measure(...) set to `target`; INF if it cannot be set.
    `track`: its letter gaps (trackable); `give`: blanks its adjacent marks lost (giveback).

    Stretch is limited per gap kind (§2.8), in the order of `stretch_plan`; a line that needs
    more than the limits is scored OVER_LIMIT (or RAGGED when it has no gap at all) so that
    another break is found whenever one exists. A line may close up its Latin letters to
    TRACK_CLOSE at LAST_RESORT_PENALTY."""
    nat, shr, ext, exp = measured
    if nat > target:
        need = nat - target
        if need > shr + CLOSE_EXTRA * track:
            return INF
        if need > shr:
            return LAST_RESORT_PENALTY ** 0.5   # letters closed up past TRACK_SHRINK
        bad = SHRINK_BADNESS * (need / max(shr, 1)) ** 2
        if need > shr - TRACK_SHRINK * track:
            bad += TRACK_PENALTY ** 0.5     # only when the letters must close up
        return bad
    if last:
        return 0.0
    slack = target - nat - ext
    if slack <= 0:
        return 1.0
    if exp and slack / exp <= GAP_LIMIT:
        return STRETCH_BADNESS * (slack / exp / STRETCH_UNIT) ** 2   # stretch_plan's first case
    per_gap, per_track, back = stretch_plan(slack, exp, track, give)
    bad = GIVEBACK_BADNESS if back else 0.0
    if per_track > TRACK_LIMIT:
        return TRACK_WIDE_PENALTY ** 0.5
    if per_track:
        return bad + STRETCH_BADNESS * (per_gap / STRETCH_UNIT) ** 2 + TRACK_PENALTY ** 0.5
    if exp == 0:
        return RAGGED_PENALTY
    bad += STRETCH_BADNESS * (per_gap / STRETCH_UNIT) ** 2
    if per_gap > GAP_LIMIT:
        bad += OVER_LIMIT_PENALTY ** 0.5
    return bad


def giveback(p: Prepared, i: int, j: int) -> int:
    """Blanks the adjacent marks of line [i, j) lost at their junctions (given back, up to
    full width each, before a loose line's gaps pass GAP_LIMIT)."""
    return p.pj[j - 1] - p.pj[i] if j - 1 > i else 0


@dataclass
class Broken:
    lines: list[tuple[int, int]]
    issues: list[Issue]


def break_paragraph(p: Prepared, width_of: Callable[[int], int], first_line: int = 0,
                    widths: list[int] | None = None) -> Broken:
    """Choose all line breaks of a paragraph. `width_of(k)` is the measure of flow line k;
    `widths`, when the caller has them, the measures of lines first_line … first_line + n - 1
    (a paragraph of n atoms takes at most n lines, so no other measure is read)."""
    n = len(p.atoms)
    if n == 0:
        return Broken([], [])
    if widths is None:
        widths = [width_of(first_line + k) for k in range(n)]
    result = _dp(p, widths, relaxed=False)
    if result is None:
        result = _dp(p, widths, relaxed=True)
    assert result is not None
    return Broken(result, _issues(p, result, widths))


def _uniform(widths: list[int], n: int) -> bool:
    """Do all lines the paragraph can take have the same measure?"""
    w0 = widths[0]
    return all(w == w0 for w in widths[:min(n, 4096)])


def _line_demerits(p: Prepared, i: int, j: int, measured, target: int, track: int, last: bool,
                   relaxed: bool, brk_pen: float) -> float:
    """Demerits of line [i, j) at `target`, INF when it cannot be set."""
    give = p.pj[j - 1] - p.pj[i] if j - i > 1 else 0      # giveback(p, i, j), inlined
    bad = line_badness(measured, target, last, track, give)
    if bad == INF:
        if not (relaxed and j - i == 1):
            return INF
        bad = OVERFULL_PENALTY
    dem = (1 + bad) ** 2 + brk_pen
    if last and _is_orphan(p, i, j):
        dem += ORPHAN_PENALTY
    return dem


# the badness terms line_badness adds for letter-spacing, as the same floats
_TRACK_BAD = TRACK_PENALTY ** 0.5
_OVER_BAD = OVER_LIMIT_PENALTY ** 0.5


def _dp(p: Prepared, widths: list[int], relaxed: bool, totals: list | None = None):
    """Total fit. With equal measures one state per position is exact; where measures differ
    (boxed articles, L-shaped frames) the state is (position, line number). `widths[k]` is the
    measure of the paragraph's line k. `totals`, if given, receives the best total demerits of
    every position (tests compare them with a plain total fit)."""
    n = len(p.atoms)
    wmax = max(widths[:min(n, 4096)])
    uniform = _uniform(widths, n)
    w0 = widths[0]
    # uniform: best[j] = total, prev[j] = i; else states[j] = {lines: (total, i, lines at i)}
    best = [INF] * (n + 1)
    prev = [-1] * (n + 1)
    best[0] = 0.0
    states: list[dict[int, tuple[float, int, int]]] = [] if uniform else [{} for _ in range(n + 1)]
    if not uniform:
        states[0][0] = (0.0, -1, -1)

    def relax_states(i: int, j: int, measured, track: int, last: bool, brk_pen: float) -> None:
        for k, (tot, _, _) in states[i].items():
            dem = _line_demerits(p, i, j, measured, widths[k], track, last, relaxed, brk_pen)
            old = states[j].get(k + 1)
            if dem != INF and (old is None or tot + dem < old[0]):
                states[j][k + 1] = (tot + dem, i, k)

    # The hot loop measures line [i, j) as measure_line does, from per-position terms: every
    # amount is an integer (1/1000 em), so a difference of two precomputed sums is exactly the
    # sum of differences measure_line takes. Per start i (what the line's first atom adds):
    atoms, squeeze, sq_r = p.atoms, p.squeeze, p.sq_r
    pw, pj, pg, ps, pjs, pgs, pgx, pe, pt, pgg = (p.pw, p.pj, p.pg, p.ps, p.pjs, p.pgs, p.pgx,
                                                  p.pe, p.pt, p.pgg)
    nat_i, shr_i, exp_i, trk_i = [0] * n, [0] * n, [0] * n, [0] * n
    for i, a in enumerate(atoms):
        st = sts = eg = 0
        if a.cls == C.SPACE:
            st, sts = a.width, squeeze[i]
            eg = pe[i + 1] - pe[i]
        elif a.aki_l:
            st, sts = a.aki_l, p.sq_l[i]
        trk_i[i] = pt[i] + pgg[i]
        nat_i[i] = pw[i] - pj[i] + pg[i] + st
        shr_i[i] = ps[i] - pjs[i] + pgs[i] + sts + TRACK_SHRINK * trk_i[i]
        exp_i[i] = pe[i] + eg
    for j in range(1, n + 1):
        last = j == n
        if not last and not p.allowed[j - 1] and not relaxed:
            continue
        brk_pen = 0.0 if last else p.penalty[j - 1]
        if not last and not p.allowed[j - 1]:
            brk_pen += FORBIDDEN_PENALTY
        # what the line's end contributes when it holds more than one atom (edge_trims)
        last_atom = atoms[j - 1]
        et_j = ets_j = 0
        if last_atom.cls in _EDGE_SPACES:
            et_j, ets_j = last_atom.width, squeeze[j - 1]
        elif last_atom.aki_r:
            et_j, ets_j = last_atom.aki_r, sq_r[j - 1]
        elif last_atom.hyphen and j < n:
            et_j = -last_atom.hyphen
        eg_j = pe[j - 1] - pe[j - 2] if j >= 2 and last_atom.cls in _EDGE_SPACES else 0
        trk_j = pt[j - 1] + pgg[j]
        nat_j = pw[j] - pj[j - 1] + pg[j - 1] - et_j
        shr_j = ps[j] - pjs[j - 1] + pgs[j - 1] - ets_j + TRACK_SHRINK * trk_j
        pgx_j1 = pgx[j - 1]
        exp_j = pe[j - 1] - eg_j
        # a line of one atom: measured with its own edge rules, never too long to try
        i = j - 1
        if not uniform:
            nat, shr, ext, exp, track = measure_line(p, i, j)
            relax_states(i, j, (nat, shr, ext, exp), track, last, brk_pen)
        elif best[i] != INF:
            nat, shr, ext, exp, track = measure_line(p, i, j)
            dem = _line_demerits(p, i, j, (nat, shr, ext, exp), w0, track, last, relaxed, brk_pen)
            if best[i] + dem < best[j]:
                best[j], prev[j] = best[i] + dem, i
        for i in range(j - 2, -1, -1):
            nat = nat_j - nat_i[i]
            shr = shr_j - shr_i[i]
            if shr < 0:
                shr = 0
            if nat - shr - CLOSE_EXTRA * (trk_j - trk_i[i]) > wmax:
                break
            if not uniform:
                relax_states(i, j, (nat, shr, pgx_j1 - pgx[i], exp_j - exp_i[i]),
                             trk_j - trk_i[i], last, brk_pen)
                continue
            b_i = best[i]
            if b_i == INF:
                continue
            # _line_demerits inlined for the common lines (not the last; a stretch within the
            # gap limit or a squeeze within reach): the same float operations in the same
            # order. Any other line goes through _line_demerits.
            if last:
                dem = _line_demerits(p, i, j, (nat, shr, pgx_j1 - pgx[i], exp_j - exp_i[i]), w0,
                                     trk_j - trk_i[i], last, relaxed, brk_pen)
            elif nat > w0:
                need = nat - w0
                if need > shr:
                    dem = _line_demerits(p, i, j, (nat, shr, pgx_j1 - pgx[i], exp_j - exp_i[i]),
                                         w0, trk_j - trk_i[i], last, relaxed, brk_pen)
                else:
                    bad = SHRINK_BADNESS * (need / max(shr, 1)) ** 2
                    if need > shr - TRACK_SHRINK * (trk_j - trk_i[i]):
                        bad += _TRACK_BAD
                    dem = (1 + bad) ** 2 + brk_pen
            else:
                exp = exp_j - exp_i[i]
                slack = w0 - nat - (pgx_j1 - pgx[i])
                if slack > 0 and exp and (slack / exp <= GAP_LIMIT
                                          or (trk_j == trk_i[i] and pj[j - 1] == pj[i])):
                    # spread over the gaps alone (stretch_plan's first case, or its third with
                    # no letters to open and no blank to give back)
                    per_gap = slack / exp
                    bad = STRETCH_BADNESS * (per_gap / STRETCH_UNIT) ** 2
                    if per_gap > GAP_LIMIT:
                        bad += _OVER_BAD
                    dem = (1 + bad) ** 2 + brk_pen
                else:
                    dem = _line_demerits(p, i, j, (nat, shr, pgx_j1 - pgx[i], exp), w0,
                                         trk_j - trk_i[i], last, relaxed, brk_pen)
            if b_i + dem < best[j]:
                best[j], prev[j] = b_i + dem, i
    if totals is not None:
        totals[:] = best if uniform else [min((t for t, _, _ in st.values()), default=INF)
                                          for st in states]
    lines, j = [], n
    if uniform:
        if best[n] == INF:
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
    lines.reverse()
    return lines


def _run_text(p: Prepared, k: int) -> str:
    run = p.atoms[k].run
    return "".join(a.text for a in p.atoms if a.run == run and a.style == p.atoms[k].style)


def _issues(p: Prepared, lines, widths: list[int]) -> list[Issue]:
    issues: list[Issue] = []
    level = p.settings.level
    for k, (i, j) in enumerate(lines):
        last = k == len(lines) - 1
        target = widths[k]
        nat, shr, ext, exp, track = measure_line(p, i, j)
        if C.no_line_start(p.atoms[i].cls, level):
            issues.append(Issue("forbidden-start", k, f"line starts with {p.atoms[i].text}"))
        if not last and C.no_line_end(p.atoms[j - 1].cls, level):
            issues.append(Issue("forbidden-end", k, f"line ends with {p.atoms[j - 1].text}"))
        if nat - shr - CLOSE_EXTRA * track > target:
            issues.append(Issue("overfull", k, f"{(nat - shr - target) / EM:.2f} em too wide"))
        elif not last and nat < target:
            slack = target - nat - ext
            per_gap, per_track, _ = stretch_plan(slack, exp, track, giveback(p, i, j))
            if slack > 0 and exp == 0 and not per_track:
                issues.append(Issue("ragged", k, "no gap to spread the line over"))
            elif slack > 0 and per_gap > LOOSE_LIMIT:
                issues.append(Issue("loose", k, f"{per_gap / EM:.2f} em per gap"))
        if not last and p.atoms[j - 1].join == JOIN_EMERGENCY and same_run(p.atoms[j - 1], p.atoms[j]):
            issues.append(Issue("emergency-break", k, f"“{_run_text(p, j - 1)}” broken at the "
                                                      "column edge: no break point fits"))
        if not last and p.atoms[j - 1].join == JOIN_SYLLABLE and same_run(p.atoms[j - 1], p.atoms[j]):
            a = p.atoms[j - 1]
            head = "".join(x.text for x in p.atoms[:j] if x.run == a.run and x.style == a.style)
            tail = _run_text(p, j - 1)[len(head):]
            issues.append(Issue("syllable-break", k, f"“{head}-{tail}” divided by the syllable "
                                                     "rule (no dictionary break): check it"))
        if last and _is_orphan(p, i, j):
            issues.append(Issue("orphan", k, "last line holds one lone character"))
    return issues
