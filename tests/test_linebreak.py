"""Line breaking, kinsoku and punctuation compression: the cases of typesetting-rules.md §7."""

from __future__ import annotations

import pytest

from typeset.font.roles import DEFAULT_ROLES, FontBook
from typeset.layout.compose import Composer
from typeset.spec.model import TextSpec
from typeset.text import classes as C
from typeset.text.atoms import EM
from typeset.text.justify import line_text, set_line
from typeset.text.linebreak import measure

BOOK = FontBook(DEFAULT_ROLES)


def compose(text: str, chars: float = 13, indent: bool = True, **text_settings):
    """Set `text` in a column `chars` em wide; return (prepared, lines, issues, set lines)."""
    comp = Composer(BOOK, TextSpec(**text_settings))
    p = comp.prepare([(text, "body")], "test", indent=indent)
    width = round(chars * EM)
    broken = comp.break_lines(p, lambda k: width)
    set_lines = [set_line(p, i, j, width, j == len(p.atoms)) for i, j in broken.lines]
    return p, [line_text(p, s) for s in set_lines], broken.issues, set_lines


def natural(text: str) -> float:
    """Natural width (em) of `text` set as one whole line."""
    comp = Composer(BOOK, TextSpec())
    p = comp.prepare([(text, "body")], "test", indent=False)
    return measure(p, 0, len(p.atoms))[0] / EM


SEED_FIRST = ("“现在晚上小区亮堂了，我们夜间出行更放心了。”上月28日，家住茅箭区北街社区东苑小区的"
              "李女士下夜班后，看着小区明亮的路灯高兴地说。")


def test_comma_at_line_end_is_trimmed_to_half_em():
    assert natural("未安装路灯，") == pytest.approx(5.5)
    assert natural("路灯，居民") == pytest.approx(5.0)   # mid-line the comma keeps its full em


def test_stop_and_closing_quote_pair_at_line_end_take_one_em():
    assert natural("称号。”") == pytest.approx(3.0)
    assert natural("称号。”他说") == pytest.approx(5.5)   # 。” mid-line = 1.5 em


def test_book_titles_adjacent_brackets_compress_to_one_and_a_half_em():
    # 《 at line start 0.5 + 马灯赞 3 + 》《 1.5 + 梁祝 2 + 》 at line end 0.5
    assert natural("《马灯赞》《梁祝》") == pytest.approx(7.5)
    assert natural("他（）说") == pytest.approx(4.0)  # opening+closing mid-line: no compression


@pytest.mark.parametrize("chars", range(4, 21))
def test_no_forbidden_starts_or_ends(chars):
    text = ("《马灯赞》《梁祝》《我和我的祖国》等14首节目，社区大党委—小区党支部—楼栋党小组，"
            "“一线协商·共同缔造”行动，物业领域问题投诉率下降21%。“是共同缔造这把金钥匙，"
            "打开了大家的幸福之门。”" + SEED_FIRST)
    _, lines, issues, _ = compose(text, chars)
    for ln in lines[1:]:
        assert not C.no_line_start(C.char_class(ln[0]), "gb"), (chars, ln)
    for ln in lines[:-1]:
        assert not C.no_line_end(C.char_class(ln[-1]), "gb"), (chars, ln)
    assert not [i for i in issues if i.kind.startswith("forbidden")]


@pytest.mark.parametrize("chars", range(4, 21))
def test_numbers_and_units_never_split(chars):
    text = "丹江口市组织近8000名党员干部包联14.29万户城乡居民，比例降至1.93%，2023年12月31日揭牌。"
    p, lines, _, _ = compose(text, chars)
    joined = "|".join(lines)
    for token in ("8000", "14.29", "1.93%", "2023", "12", "31"):
        assert token in joined.replace("|", "") and token in joined, (chars, joined)
    for ln in lines[1:]:
        assert ln[0] not in "%．."


def test_lone_em_dash_and_middle_dot_never_start_a_line():
    for chars in range(4, 21):
        _, lines, _, _ = compose("该社区构建社区大党委—小区党支部—楼栋党小组—党员中心户四级党组织，"
                                 "纳入一线协商·共同缔造行动内容。", chars)
        assert all(ln[0] not in "—·" for ln in lines[1:]), lines


def test_middle_dot_is_half_an_em():
    assert natural("协商·共同") == pytest.approx(4.5)


def test_two_em_dash_fills_exactly_two_em_and_may_start_a_line():
    p, lines, _, set_lines = compose("——我市深化共同缔造推进党建引领基层治理纪略", 13, indent=False)
    dash = [a for a in p.atoms if a.cls == C.DASH2]
    assert len(dash) == 1 and dash[0].width == 2 * EM
    # two copies of the 2-em dash glyph overlap into one rule whose ink spans the whole 2 em
    lo, hi = BOOK.chain("body").ink("⸺")
    inks = [(g.dx + lo, g.dx + hi) for g in dash[0].glyphs]
    assert "".join(g.text for g in dash[0].glyphs) == "——"
    assert min(a for a, _ in inks) == 0 and max(b for _, b in inks) == 2 * EM
    assert inks[0][1] >= inks[1][0]          # no hole between the halves
    assert lines[0].startswith("——")


def test_strict_level_keeps_two_em_dash_off_line_start():
    text = "一二三四五六七八九十一——二三四五六七八九十"
    _, lines, _, _ = compose(text, 12, indent=False, kinsoku="strict")
    assert all(not ln.startswith("——") for ln in lines[1:])
    _, lines_gb, _, _ = compose(text, 11, indent=False, kinsoku="gb")
    assert lines_gb[1].startswith("——")


def test_seed_first_paragraph_has_no_lone_last_character():
    # Greedy breaking leaves "说。" alone on the last line (typesetting-rules.md §7).
    _, lines, issues, _ = compose(SEED_FIRST, 13)
    last = lines[-1].rstrip("。，”")
    assert len(last) >= 2, lines
    assert not [i for i in issues if i.kind == "orphan"]


def test_every_non_final_line_is_exactly_the_measure():
    text = SEED_FIRST + "原来，该小区5、6号楼附近未安装路灯，居民夜间出行不便。茅箭区政协委员在社区调研" \
        "了解这一情况后，搜集同类问题并将其纳入“一线协商·共同缔造”行动内容。"
    for chars in (9, 11, 13, 20, 27):
        _, _, _, set_lines = compose(text, chars)
        for s in set_lines[:-1]:
            assert s.width == pytest.approx(chars * EM, abs=1e-6)
        assert set_lines[-1].width <= chars * EM + 1e-6


def test_push_in_is_preferred_to_push_out():
    # 13 em of text then 。: squeezing the comma's blank lets 。 stay on the line.
    _, lines, _, set_lines = compose("一二三，四五六七八九十一二。后面还有文字继续排下去吧好", 13,
                                     indent=False)
    assert lines[0] == "一二三，四五六七八九十一二。"
    assert set_lines[0].width == pytest.approx(13 * EM)


def test_push_out_when_nothing_can_be_squeezed():
    _, lines, _, set_lines = compose("一二三四五六七八九十一二三。后面还有文字继续排下去吧", 13,
                                     indent=False)
    assert lines[0] == "一二三四五六七八九十一二"
    assert lines[1].startswith("三。")


def test_opening_bracket_never_ends_a_line():
    for chars in range(5, 16):
        _, lines, _, _ = compose("他说道一二三四五六七八九十“我们坚持以党建引领基层治理”，又说《红旗颂》好。",
                                 chars)
        assert all(ln[-1] not in "“《（" for ln in lines[:-1]), lines


def test_ascii_punctuation_is_normalised_and_reported():
    comp = Composer(BOOK, TextSpec())
    p = comp.prepare([("(上接1版)普京总统(市、区)", "body")], "t", indent=False)
    assert "".join(a.text for a in p.atoms) == "（上接1版）普京总统（市、区）"
    assert len([n for n in comp.notices if n.kind == "normalised"]) == 4


def test_paragraph_start_indent_is_two_em():
    p, lines, _, set_lines = compose(SEED_FIRST, 13)
    first = set_lines[0].atoms[1]
    assert first.x + p.atoms[first.index].aki_l == pytest.approx(2 * EM)


def test_latin_words_are_never_split():
    _, lines, _, _ = compose("测试COVID-19疫情和iPhone手机在全市推广应用的情况调查报告内容", 6)
    joined = "|".join(lines)
    assert "COVID-19" in joined and "iPhone" in joined


def test_cjk_latin_gap_is_a_setting():
    # oracle: the font's own advances (two ideographs of 1 em, "iPhone" as the font sets it)
    latin = sum(BOOK.chain("body").advance(c) for c in "iPhone") / 1000

    def width(gap: float) -> float:
        comp = Composer(BOOK, TextSpec(cjk_latin_gap=gap))
        p = comp.prepare([("用iPhone拍", "body")], "t", indent=False)
        return measure(p, 0, len(p.atoms))[0] / EM

    assert width(0.0) == pytest.approx(2 + latin, abs=0.01)
    assert width(0.5) == pytest.approx(2 + latin + 2 * 0.5, abs=0.01)
    # the default is a quarter em on each side of the Latin word
    assert natural("用iPhone拍") == pytest.approx(2 + latin + 2 * 0.25, abs=0.01)


@pytest.mark.parametrize("punct", ["quanjiao", "kaiming", "banjiao"])
def test_atomize_builds_han_atoms_as_make_atom_does(punct):
    """atomize makes the atom of a single Han character directly (atoms.han_atom); it must be
    what make_atom makes of it, whatever the settings and neighbours."""
    from typeset.text.atoms import Settings, han_atom, make_atom

    chain = FontBook(DEFAULT_ROLES).chain("body")
    settings = Settings(punct_style=punct, indent=0)
    text = "共建美好家园，〇々㐀𠀀가あア中（国）！"
    seen = 0
    for i, ch in enumerate(text):
        if C.char_class(ch) != C.HAN:
            continue
        seen += 1
        prev, nxt = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
        assert han_atom(ch, "kai", 7) == make_atom(ch, prev, nxt, "kai", 7, chain, settings,
                                                   chain.has)
    assert seen >= 10


@pytest.mark.parametrize("level", ["basic", "gb", "strict"])
def test_prepare_han_pair_shortcut_is_the_general_case(level, monkeypatch):
    """prepare() fills the junction, gap and break tables of two Han characters directly; with
    the shortcut off it must build the same Prepared paragraph."""
    import random

    from typeset.text import linebreak as L
    from typeset.text.atoms import Settings, atomize

    book = FontBook(DEFAULT_ROLES)
    pieces = list("中国人民共和国，。、；：？！“”‘’（）《》…—·／ 々〇") + \
        ["2026年", "14.29万户", "iPhone 15", "3.5 GB", "COVID-19", "http://x.cn/a", "——", "……"]
    rng = random.Random(13)
    for punct in ("quanjiao", "kaiming", "banjiao"):
        settings = Settings(level=level, punct_style=punct)
        for _ in range(60):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
            atoms = atomize([(text, "body")], book.chain, settings)
            monkeypatch.setattr(L, "_HAN_PAIRS", True)
            fast = L.prepare(atoms, settings)
            monkeypatch.setattr(L, "_HAN_PAIRS", False)
            assert fast == L.prepare(atoms, settings), text


def test_composer_settings_follow_the_text_settings():
    """Composer.settings is made once per set of values (compose._settings): a changed text
    setting gives the new Settings, equal to those built directly."""
    from typeset.text.atoms import Settings

    comp = Composer(FontBook(DEFAULT_ROLES), TextSpec())
    assert comp.settings() == Settings() and comp.settings(False) == Settings(indent=0)
    comp.text.indent, comp.text.kinsoku, comp.text.cjk_latin_gap = 3.0, "strict", 0.5
    assert comp.settings() == Settings(level="strict", cjk_latin_gap=500, indent=3000)
    comp.text.compress_stops = False
    assert comp.settings().compress_stops is False


def test_flow_slots_follow_the_frames():
    """Flow.slot maps flow line k to its frame and grid line (looked up per line, not searched)."""
    from typeset.layout.flow import Flow, Frame

    frames = [Frame(10, 100, 1, 3), Frame(120, 100, 5, 0), Frame(230, 80, 2, 4), Frame(320, 60, 1, 1)]
    flow = Flow(frames, 10.0)
    want = [(0, 1, 10), (0, 2, 10), (0, 3, 10), (1, 2, 230), (1, 3, 230), (1, 4, 230), (1, 5, 230),
            (2, 1, 320)]
    assert [(s.frame, s.line, s.x) for s in map(flow.slot, range(flow.total))] == want
    assert flow.slot(flow.total) is None and flow.left_in_frame(4) == 3
    assert flow.next_frame_start(2) == 3 and flow.at_frame_top(3) and not flow.at_frame_top(4)
