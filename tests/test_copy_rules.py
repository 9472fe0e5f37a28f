"""Rules for real-world copy (issue 10): normalisation, Latin break points, the shared line model,
adjacent marks, chained stops, the 2-em dash and varying measures. Small assertion tests; the
corpus-wide figures are measured from the PDF in tests/test_copy_corpus.py."""

from __future__ import annotations

import pytest

from typeset.font.roles import DEFAULT_ROLES, FontBook
from typeset.layout.compose import Composer
from typeset.spec.model import TextSpec
from typeset.text import classes as C
from typeset.text.atoms import EM
from typeset.text.justify import line_text, set_line
from typeset.text.linebreak import measure
from typeset.text.normalize import normalize

BOOK = FontBook(DEFAULT_ROLES)


def norm(text: str) -> str:
    return normalize(text)[0]


def compose(text: str, chars: float = 13, indent: bool = True, width_of=None):
    comp = Composer(BOOK, TextSpec())
    p = comp.prepare([(text, "body")], "test", indent=indent)
    width = round(chars * EM)
    width_of = width_of or (lambda k: width)
    broken = comp.break_lines(p, width_of)
    sets = [set_line(p, i, j, width_of(k), j == len(p.atoms))
            for k, (i, j) in enumerate(broken.lines)]
    return p, [line_text(p, s) for s in sets], broken.issues, sets


# --- normalisation -------------------------------------------------------------------------

def test_slash_inside_a_path_stays_ascii():
    assert norm("编辑 /etc/hosts 文件") == "编辑/etc/hosts文件"
    assert norm("男/女") == "男／女"          # between two Han characters it is the GB solidus


def test_brackets_convert_as_pairs_or_not_at_all():
    assert norm("请参阅 login(1) 手册") == "请参阅login(1)手册"
    assert norm("第(8)节") == "第（8）节"
    assert norm("(上接1版)普京") == "（上接1版）普京"
    for text in ("login(1) 和 (8) 与 (市、区)", "f(x) 的值(约)"):
        out = norm(text)
        for o, c in (("(", ")"), ("（", "）")):
            assert out.count(o) == out.count(c), out


def test_quotes_pair_by_context():
    out = norm('他说:"这是/etc/hosts" 和 "/etc/fstab" 两个文件。')
    assert out == "他说：“这是/etc/hosts”和“/etc/fstab”两个文件。"
    assert norm('称为"金钥匙"的方法') == "称为“金钥匙”的方法"


def test_unbalanced_quotes_are_reported():
    notices: list[str] = []
    normalize('他说:"没有结束。', notices)
    assert notices and "unbalanced" in notices[0]


def test_spaces_by_context():
    assert norm("由于天气原因 ，比赛推迟") == "由于天气原因，比赛推迟"     # beside a full-width mark
    assert norm("端口 （587） 。") == "端口（587）。"
    assert norm("执行 HELO 命令") == "执行HELO命令"    # the composer's CJK–Latin gap replaces it
    assert norm("本报讯 记者李平") == "本报讯 记者李平"  # between Han: a fixed ideographic space
    assert norm("use  the   tool") == "use the tool"


def test_ellipses_and_dashes_in_chinese_context():
    assert norm("他报道...然后") == "他报道……然后"
    assert norm("等等。。。") == "等等……"
    assert norm("等等…") == "等等……"
    assert norm("然后--他说") == "然后——他说"
    assert norm("然后――他说") == "然后——他说"
    assert norm("社区大党委—小区") == "社区大党委—小区"   # a lone — stays the 一字线 connector
    assert norm("使用 ls --time-style=long-iso 命令") == "使用ls --time-style=long-iso命令"


def test_full_width_latin_becomes_half_width_and_every_change_counts():
    out, changes = normalize("ＡＢＣ１２３公司")
    assert out == "ABC123公司"
    assert len(changes) == 6


def test_protected_tokens_keep_their_marks():
    out = norm("比分 3:2，于 15:30 发布 v2.3.1 版，邮箱 editor@example.com ，价格 1,299 元")
    for token in ("3:2", "15:30", "v2.3.1", "editor@example.com", "1,299"):
        assert token in out, out


# --- break opportunities -------------------------------------------------------------------

URL_TEXT = ("再打开https://www.example.com/news/2024/index.html?id=123&lang=zh查看，"
            "或编辑/usr/local/share/typeset/fonts/roles.yaml文件。")


@pytest.mark.parametrize("chars", [11, 13])
def test_long_urls_break_after_their_marks_and_never_overrun(chars):
    p, lines, issues, sets = compose(URL_TEXT, chars)
    for s in sets:
        assert s.width <= chars * EM + 1e-6
    joined = "|".join(lines)
    assert "https://www.example.com/news/2024/index.html?id=123&lang=zh" in joined.replace("|", "")
    for ln in lines[1:]:
        assert ln[0] not in "/.?&=-_", joined         # never before the mark
    assert not [i for i in issues if i.kind == "overfull"]


ASCII_TEXT = ("请参阅login(1)手册和第(8)节，然后连接 [mail.example.org]:25 端口，执行 ls "
              "--time-style=long-iso 命令。涨幅 5.6% ，他说：\"好的.\" 价格从-5℃到 30%。")


@pytest.mark.parametrize("chars", range(6, 21))
def test_ascii_marks_never_start_a_line_and_tokens_stay_whole(chars):
    p, lines, issues, _ = compose(ASCII_TEXT, chars)
    for ln in lines[1:]:
        assert ln[0] not in '.)]}:,;!?%"-', (chars, lines)
        assert not C.no_line_start(C.char_class(ln[0]), "gb"), (chars, lines)
    joined = "|".join(lines)
    for token in ("login(1)", "5.6%", "30%"):
        assert token in joined, (chars, joined)
    assert "]|" not in joined and "|]" not in joined and "-|-" not in joined


def test_long_words_hyphenate_and_the_hyphen_is_drawn():
    p, lines, issues, sets = compose("这个词internationalization的意思是国际化，很长的一个英文单词。", 11)
    hyph = [s for s in sets if s.hyphen_x is not None]
    assert hyph, lines
    for s in sets:
        assert s.width <= 11 * EM + 1e-6


# --- the line model ------------------------------------------------------------------------

MIXED = ("本报讯 记者李平报道：“现在晚上小区亮堂了。”据 Reuters 报道，iPhone 15 Pro 售价 7999 元，"
         "较上代上涨 5.6%。他说：“这是 the best phone ever，真的吗？！”大家都说：“好？？？”"
         "——这就是结论……访问 https://www.example.com/a/b 了解详情。")


@pytest.mark.parametrize("chars", [9, 11, 13, 17])
def test_breaker_and_justifier_share_one_line_model(chars):
    p, lines, issues, sets = compose(MIXED, chars)
    flagged = {i.line for i in issues if i.kind in ("ragged", "loose", "overfull")}
    for k, s in enumerate(sets):
        nat = measure(p, s.start, s.end)[0]
        natural = set_line(p, s.start, s.end, 10**9, True).width
        assert natural == pytest.approx(nat), (k, lines[k])
        if k < len(sets) - 1 and k not in flagged:
            assert s.width == pytest.approx(chars * EM), (k, lines[k])


def test_dropped_space_at_a_break_takes_no_stretch():
    text = "这是一个测试 Reuters Bloomberg Associated Press 的句子，看看行尾的空格怎么办才好呢。"
    for chars in range(8, 16):
        p, lines, issues, sets = compose(text, chars)
        for k, s in enumerate(sets[:-1]):
            if p.atoms[s.end - 1].cls == C.SPACE and k not in {i.line for i in issues}:
                last_visible = s.atoms[-2]
                assert last_visible.x + last_visible.advance == pytest.approx(chars * EM, abs=1e-6)


def test_no_gap_between_han_characters_beyond_half_an_em():
    text = "由于天气原因 ，比赛推迟。2 . 编辑 这是一个Supercalifragilisticexpialidocious单词。"
    for chars in (11, 13):
        p, lines, issues, sets = compose(text, chars)
        for s in sets[:-1]:
            for a, b in zip(s.atoms, s.atoms[1:]):
                if p.atoms[a.index].cls == C.HAN and p.atoms[b.index].cls == C.HAN:
                    assert b.x - (a.x + a.advance) <= 500 + 1e-6, lines


def test_adjacent_marks_keep_one_and_a_half_em_in_a_squeezed_line():
    comp = Composer(BOOK, TextSpec())
    p = comp.prepare([("他说：“好，”他答。", "body")], "t", indent=False)
    n = len(p.atoms)
    nat, shr, _, _ = measure(p, 0, n)
    s = set_line(p, 0, n, nat - shr, False)          # squeezed as far as it goes
    xs = {p.atoms[a.index].text: a for a in s.atoms}
    colon, quote = xs["："], xs["“"]
    assert (quote.x + 500) - colon.x == pytest.approx(1000)   # ink of “ starts 1 em after ：


@pytest.mark.parametrize("marks", ["？！", "？？", "！！", "？？？", "！？！"])
def test_chained_stops_neither_overlap_nor_leave_a_hole(marks):
    p, _, _, _ = compose("真的吗" + marks + "他说", 13, indent=False)
    atom = next(a for a in p.atoms if a.cls == C.DOUBLE_STOP)
    chain = BOOK.chain("body")
    inks = [(g.dx + chain.ink(g.char)[0], g.dx + chain.ink(g.char)[1]) for g in atom.glyphs]
    spaces = [b0 - a1 for (_, a1), (b0, _) in zip(inks, inks[1:])]
    assert min(spaces) > 0, inks                 # no overlap
    assert inks[0][0] >= 0 and inks[-1][1] <= atom.width
    # no hole after the marks: the blank after the last is half a space between them
    assert atom.width - inks[-1][1] <= min(spaces) / 2 + 1, inks


def test_varying_measures_are_fit_per_line():
    widths = [8 * EM, 8 * EM, 13 * EM, 13 * EM, 11 * EM] + [13 * EM] * 20
    text = ("“现在晚上小区亮堂了，我们夜间出行更放心了。”上月28日，家住茅箭区北街社区东苑小区的"
            "李女士下夜班后，看着小区明亮的路灯高兴地说。据了解，该小区共有住户三百余户。")
    p, lines, issues, sets = compose(text, width_of=lambda k: widths[min(k, len(widths) - 1)])
    for k, s in enumerate(sets[:-1]):
        assert s.width == pytest.approx(widths[k]), (k, lines[k])


NO_START = "，。、；：？！”’）》〉】·—～"   # written out, not taken from the engine's own tables


@pytest.mark.parametrize("mark", list("，。、；：？！”）》"))
def test_a_mark_that_would_fall_at_a_line_start_is_pushed_in_or_out(mark):
    text = "一二三四五六七八九十一二三" + mark + "四五六七八九十一二三四五六七八九十"
    for chars in (11, 12, 13):
        _, lines, _, _ = compose(text, chars, indent=False)
        for ln in lines[1:]:
            assert ln[0] not in NO_START, (chars, lines)


def test_names_in_any_latin_script_are_set_whole():
    text = "越南河内（Hà Nội）的Nguyễn Thị Ánh先生与Ørsted公司的Ådne、Привет和Ελλάδα。"
    p, lines, issues, sets = compose(text, 11)
    joined = "|".join(lines)
    for name in ("Nguyễn", "Thị", "Ánh", "Ørsted", "Ådne", "Привет", "Ελλάδα"):
        assert name in joined, joined


@pytest.mark.parametrize("chars", range(6, 16))
def test_numbers_keep_their_latin_units(chars):
    text = "余氯不得低于 0.05 mg/L，出厂水不得高于 2 mg/L，附件 2.3 GB，全程 42.195 km。"
    _, lines, _, _ = compose(text, chars)
    for ln in lines[1:]:
        assert not ln.startswith(("mg", "GB", "km")), (chars, lines)


def test_quotes_after_a_stop_follow_the_pairing():
    out = norm('叫作"救命文件"。"备份不花一分钟,出了事能救一整夜。"他说。')
    assert out == "叫作“救命文件”。“备份不花一分钟，出了事能救一整夜。”他说。"


def test_primes_after_digits_are_not_quotes():
    assert norm("每公里3'05''左右，记录是\"每组 68''-70''\"") == "每公里3'05''左右，记录是“每组68''-70''”"


def test_unbalanced_quotes_reach_the_report():
    from typeset.report import report_data

    comp = Composer(BOOK, TextSpec())
    comp.prepare([('他说:"没有结束。 以后 , 再说', "body")], "story-1")
    kinds = {n.kind for n in comp.notices}
    assert "unbalanced-quotes" in kinds and "normalised" in kinds

    class Result:
        composer = comp
        reports: list = []
        problems: list = []

    data = report_data(Result(), "t")
    assert data["unbalanced_quotes"] and data["unbalanced_quotes"][0].startswith("story-1")


# --- the last forbidden splits and loose lines of the corpus (issue 10) ----------------------

def _han_gaps(p, s):
    return [b.x - (a.x + a.advance) for a, b in zip(s.atoms, s.atoms[1:])
            if p.atoms[a.index].cls == C.HAN and p.atoms[b.index].cls == C.HAN]


def test_an_option_breaks_after_its_inner_dash_or_equals_not_a_line_loose():
    text = "刘畅给记者演示了一个小功能：输入 ls --time-style=long-iso /var/log/mail/ ，就能按统一的时间格式列出当天的日志。"
    p, lines, issues, sets = compose(text, 13)
    joined = "|".join(lines)
    assert "--time-style=long-iso" in joined.replace("|", "")
    assert "-|-" not in joined and "|=" not in joined and "|-" not in joined, joined
    assert any(ln.endswith(("--time-", "style=", "long-")) for ln in lines), lines
    for s in sets[:-1]:
        assert max(_han_gaps(p, s), default=0) <= 500 + 1e-6, lines
    assert not [i for i in issues if i.kind in ("loose", "emergency-break")]


@pytest.mark.parametrize("chars", [11, 13])
def test_a_url_word_is_letter_spaced_rather_than_split_inside(chars):
    text = ("选手就能凭号码在 https://photo.wudangmarathon.example/ 下载自己的比赛照片，"
            "或在 https://www.wudangmarathon.example/live 实时查看跑者位置。")
    p, lines, issues, sets = compose(text, chars)
    joined = "|".join(lines)
    assert not [i for i in issues if i.kind == "emergency-break"], joined
    for ln, nxt in zip(lines, lines[1:]):
        # every break inside a URL falls after one of its marks (typesetting-rules §1.4)
        if ln[-1:].isalnum() and nxt[:1].isalnum() and ln[-1:].isascii() and nxt[:1].isascii():
            pytest.fail(f"URL split inside a word: {joined}")
    for s in sets[:-1]:
        assert abs(s.width - chars * EM) < 1e-6


def test_a_comma_typed_after_a_space_before_digits_is_the_sentences_comma():
    assert norm("老年人占 41.2% ,60 岁以上") == "老年人占41.2%，60岁以上"
    assert norm("售价 1,299 元") == "售价1,299元"      # a digit-group comma stays
    assert norm("Hello, world") == "Hello, world"


# --- last resorts before a Han gap over ½ em (issue 10's last target) -------------------------

from typeset.text.atoms import _run_breaks, syllable_points  # noqa: E402
from typeset.text.linebreak import (  # noqa: E402
    GAP_LIMIT, LAST_RESORT_PENALTY, OVER_LIMIT_PENALTY, TRACK_CLOSE, TRACK_SHRINK, line_badness,
    measure_line, stretch_plan,
)

KIPRONO = "冲过终点后，Kiprono 披着国旗，绕场慢跑了一圈。接受采访时，他用英语说。"
COP30 = "下一届气候大会(COP30)将于 2025 年 11 月在巴西亚马孙地区的城市贝伦举行。"
HORNER = "红牛车队领队 Christian Horner 在测试结束后表示满意，法拉利车手排名第二。"
LEBRON = "4,402,371 —— LeBron James 获得的全明星票数，创下了新的纪录。"


def _max_han_gap(p, sets):
    return max((g for s in sets[:-1] for g in _han_gaps(p, s)), default=0)


def test_names_without_dictionary_points_get_syllable_breaks():
    assert syllable_points("Kiprono") == [2]           # Ki-prono: pr begins a syllable
    assert syllable_points("LeBron") == [2]            # a small letter meets a capital
    assert syllable_points("Horner") == [3]            # between two consonants
    assert syllable_points("James") == []              # never a silent-e syllable (Ja-mes)
    assert _run_breaks("Kiprono") == {2: "syllable"}
    assert _run_breaks("Christian") == {5: "hyph"}     # pyphen's point wins where it has one
    for token in ("--cycles", "dialect-v2.zip", "SY8033A", "COP30"):
        assert "syllable" not in _run_breaks(token).values(), token


@pytest.mark.parametrize("text", [KIPRONO, LEBRON])
def test_a_name_is_divided_at_a_syllable_rather_than_leave_han_gaps_over_half_an_em(text):
    p, lines, issues, sets = compose(text, 11)
    assert _max_han_gap(p, sets) <= GAP_LIMIT + 1e-6, lines
    for s in sets[:-1]:
        gaps = [b.x - (a.x + a.advance) for a, b in zip(s.atoms, s.atoms[1:])]
        assert max(gaps) <= GAP_LIMIT + 1e-6, lines          # no hole before —— either
        assert s.width == pytest.approx(11 * EM)
    assert sets[0].hyphen_x is not None, lines               # the hyphen is drawn
    assert lines[0].endswith(("Ki", "Le")), lines
    assert [i.kind for i in issues] == ["syllable-break"], issues   # and reported
    assert ("“Ki-prono”" if "Kiprono" in text else "“Le-Bron”") in issues[0].detail


def test_a_syllable_break_is_a_last_resort():
    # at 13 characters the name fits whole: no syllable break is taken
    for text in (KIPRONO, LEBRON):
        p, lines, issues, sets = compose(text, 13)
        assert all(s.hyphen_x is None for s in sets), lines
        assert not issues


@pytest.mark.parametrize("text, chars, first", [(COP30, 13, "下一届气候大会（COP30）"),
                                                (HORNER, 11, "红牛车队领队Chris")])
def test_latin_letters_close_up_rather_than_leave_han_gaps_over_half_an_em(text, chars, first):
    p, lines, issues, sets = compose(text, chars)
    assert lines[0] == first, lines
    assert _max_han_gap(p, sets) <= GAP_LIMIT + 1e-6, lines
    closed = [pa.spacing for pa in sets[0].atoms if pa.spacing]
    assert closed and min(closed) >= -TRACK_CLOSE - 1e-6, closed
    assert min(closed) < -TRACK_SHRINK, closed                # more than the usual close-up
    assert sets[0].width == pytest.approx(chars * EM)
    assert not issues


def test_close_up_is_limited_and_costs_a_last_resort():
    # a line 0.1 em too wide with 4 letter gaps and nothing else to squeeze
    measured = (13_100, 4 * TRACK_SHRINK, 0, 5)
    bad = line_badness(measured, 13_000, False, track=4)
    assert LAST_RESORT_PENALTY <= bad ** 2 < OVER_LIMIT_PENALTY      # cheaper than a loose line
    assert line_badness((13_000 + 4 * TRACK_CLOSE + 1, 4 * TRACK_SHRINK, 0, 5), 13_000, False,
                        track=4) == float("inf")


def test_a_loose_line_gives_adjacent_marks_their_blanks_back_first():
    # gaps at GAP_LIMIT, then the blanks adjacent marks lost, then the gaps go past the limit
    assert stretch_plan(2_000, 5, 0, 300) == (400, 0.0, 0.0)
    assert stretch_plan(2_700, 5, 0, 300) == (GAP_LIMIT, 0.0, 200)
    assert stretch_plan(3_000, 5, 0, 300) == (540, 0.0, 300)
    comp = Composer(BOOK, TextSpec())
    p = comp.prepare([("他说好。”大家都笑", "body")], "t", indent=False)
    n = len(p.atoms)
    nat, shr, ext, exp, track = measure_line(p, 0, n)
    s = set_line(p, 0, n, nat + exp * GAP_LIMIT + 250, False)
    xs = {p.atoms[a.index].text: a for a in s.atoms}
    assert xs["”"].x - xs["。"].x == pytest.approx(GAP_LIMIT + 500 + 250)   # 。 got 250 back
    assert _han_gaps(p, s) and max(_han_gaps(p, s)) == pytest.approx(GAP_LIMIT)


def test_a_space_after_a_number_sign_is_the_cjk_digit_gap():
    assert norm("回升至 8℃ 左右") == "回升至8℃左右"
    assert norm("零下 40℃ 到 125℃ 之间") == "零下40℃到125℃之间"
    assert norm("约 5‰ 的人") == "约5‰的人"


def test_a_syllable_point_keeps_the_words_kerning_until_the_line_breaks_there():
    chain = BOOK.chain("body")
    from typeset.text.atoms import latin_atoms
    pieces = latin_atoms("Kiprono", "body", 0, chain)
    assert [a.text for a in pieces] == ["Ki", "prono"] and pieces[0].kern < 0   # i|p is kerned
    # unbroken, the word is exactly as wide as HarfBuzz shaped it
    assert sum(a.width for a in pieces) == sum(adv for _, _, adv, _ in chain.shape("Kiprono"))
    # broken, the hyphen follows the full advance of the i
    p, lines, issues, sets = compose(KIPRONO, 11)
    last = sets[0].atoms[-1]
    assert p.atoms[last.index].text == "Ki"
    assert sets[0].hyphen_x == pytest.approx(last.x + last.advance - pieces[0].kern)
    assert sets[0].width == pytest.approx(11 * EM)


@pytest.mark.parametrize("chars", [9, 11, 13])
def test_a_latin_word_space_takes_one_share_of_the_stretch(chars):
    """§2.8 step 3: every remaining position equally — a word space is one position, so only
    one of the two junctions beside the space atom stretches (never a 1-em hole of two shares)."""
    text = ("他说：“We came here to fight for our survival, not for a number.”据 Reuters 报道，"
            "iPhone 15 Pro 售价 7999 元。The course is beautiful, but the last 10 km are hard.")
    p, lines, issues, sets = compose(text, chars)
    seen = 0
    for s in sets[:-1]:
        pa = s.atoms
        gaps = [b.x - (a.x + a.advance) for a, b in zip(pa, pa[1:])]
        for k in range(1, len(pa) - 1):
            if p.atoms[pa[k].index].cls == C.SPACE:
                assert min(gaps[k - 1], gaps[k]) == pytest.approx(0, abs=1e-6), (lines, gaps)
                seen += max(gaps[k - 1], gaps[k]) > 1e-6
    assert seen, lines      # some word space did take a share


def test_a_full_width_hyphen_inside_a_full_width_model_number_becomes_ascii():
    assert norm("型号为 ＳＹ－Ｘ５０ Ｐｒｏ 的手机") == "型号为SY-X50 Pro的手机"
    assert norm("北京－上海") == "北京－上海"        # between Chinese it is left alone



def test_a_narrow_mark_gets_the_room_its_ink_needs():
    """／ and · are set in half an em (mainland practice) unless the face draws them wider: then
    the box grows to the ink plus NARROW_MARK_CLEARANCE each side, so no neighbour is touched
    (a half-em ／ of a full-width design overprinted 文 and 陈 in a byline)."""
    from typeset.text.atoms import HALF, NARROW_MARK_CLEARANCE

    comp = Composer(BOOK, TextSpec())
    seen = 0
    for role in ("body", "hei", "kai"):
        p = comp.prepare([("文／陈默·张", role)], "test", indent=False)
        chain = BOOK.chain(role)
        for a in p.atoms:
            if a.text in "／·":
                lo, hi = chain.ink(a.text)
                left = a.glyphs[0].dx + lo
                right = a.width - (a.glyphs[0].dx + hi)
                assert HALF <= a.width <= EM
                if a.width > HALF:        # grown: white on both sides (up to a full em at most)
                    seen += 1
                    if a.width < EM:
                        assert min(left, right) >= NARROW_MARK_CLEARANCE - 2, (role, a.text)
                assert left >= 0 and right >= 0, (role, a.text, left, right)
    assert seen      # Noto's ／ is drawn full width: at least one mark must have grown


# The protected-token pattern as first written, under a global re.I: normalize.py scopes the case
# folding to the letter classes (a global re.I made the compiler fold each CJK range at start-up).
_PROTECTED_REFERENCE = (
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]+"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|(?<![A-Za-z0-9])(?:~|\.{1,2})?(?:/[A-Za-z0-9._~%+-]+)+/?"
    r"|[A-Za-z]:\\[^\s\u3000-\u303f\u4e00-\u9fff]*"
    r"|\d{1,2}:\d{2}(?::\d{2})?"
    r"|[vV]?\d+(?:\.\d+){2,}"
    r"|\d+(?:[.,:]\d+)+"
    r"|--?[A-Za-z][A-Za-z0-9-]*(?:=[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+)?")
# ASCII marks and letters, the characters that fold into [a-z] only under re.I (K Kelvin, ſ, ı, İ),
# full-width letters, CJK and the tokens' own pieces
_TOKEN_PIECES = (list("aAzZwWvVkKsi.:/\\@~-=_%+,;!?()“”‘’ 0123456789\t　中文，。：ＡａＫ")
                 + ["\u212a", "\u017f", "\u0131", "\u0130", "://", "www.", "WWW.", "HTTP", "--"])


def test_protected_tokens_case_scoped_like_global_ignorecase():
    import random
    import re

    from typeset.text.normalize import _PROTECTED_PATTERN, _protected

    ref = re.compile(_PROTECTED_REFERENCE, re.I)
    full = re.compile(_PROTECTED_PATTERN)
    rng = random.Random(13)
    plain = 0
    for _ in range(20000):
        s = "".join(rng.choice(_TOKEN_PIECES) for _ in range(rng.randint(1, 24)))
        want = [m.span() for m in ref.finditer(s)]
        # the pattern normalize uses for this text (without the wide parts where they cannot
        # match), and the whole pattern
        assert [m.span() for m in _protected(s).finditer(s)] == want, s
        assert [m.span() for m in full.finditer(s)] == want, s
        plain += _protected(s).pattern != _PROTECTED_PATTERN
    assert plain > 1000       # both patterns were compared
    for s in ("\u212aey://x.org", "\u017ftp://例子", "WWW.Example.COM/路径", "V1.2.3", "--Time=5",
              "\u0130@x.\u0131o", "C:\\Temp\\新", "/Usr/\u212a", "--Time 5 c:\\x"):
        assert [m.span() for m in _protected(s).finditer(s)] == \
            [m.span() for m in ref.finditer(s)], s


def test_normalize_skips_only_steps_with_nothing_to_change(monkeypatch):
    """Each normalisation step skips its loop when the text has none of the characters it
    changes (normalize.py); with every skip turned off the result must be the same."""
    import random
    import re

    from typeset.text import normalize as N

    pieces = list("中文的，。：a1Z(（)）<>〈〉\"'“”‘’,:;?!~/－ＡＳ５・•〜―…-.@ \t\u3000\u00a0\n") + \
        ["...", "--", "――", "http://x.cn/a", "15:30", "1,299", "don't", "3'05''"]
    rng = random.Random(13)
    samples = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    fast = []
    for s in samples:
        notices: list[str] = []
        fast.append((N.normalize(s, notices), notices))
    monkeypatch.setattr(N, "_any_of", lambda text, chars: True)
    monkeypatch.setattr(N, "_FOLDABLE", re.compile(""))
    for s, want in zip(samples, fast):
        notices = []
        assert (N.normalize(s, notices), notices) == want, repr(s)
