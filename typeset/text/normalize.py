"""Input normalisation: the copy as received → the copy as it will be set (typesetting-rules §1.1).

This is its own stage, run before atomisation, and every change it makes is reported. The rules,
in the order they are applied:

1. Unicode NFC; full-width Latin letters and digits (ＡＢＣ１２３) → half-width, and a full-width
   hyphen-minus between them (ＳＹ－Ｘ５０ → SY-X50); variant marks folded
   to the forms mainland print uses (・•‧ → ·, 〜 → ～, ― → —).
2. Protected tokens are found and left alone: URLs, e-mail addresses, paths, times (15:30),
   versions (v2.3.1), numbers (1,299.50), and Latin constructs attached to Latin text
   (login(1), [mail.example.org]:25, --time-style).
3. Sequences in CJK context: `...`, `…`, `。。。` → `……`; `--`, `――` → `——` (a single — stays the
   一字线 connector).
4. ASCII marks ( ) , : ; ? ! ~ < > / beside Chinese → their GB full-width forms; brackets are
   converted as pairs (never `login(1）`); `/` only between two Chinese characters.
5. Quotes: each ASCII " or ' gets its direction from context (opening after a space, the start or
   an opening bracket; closing before a space, punctuation or the end), falling back to
   alternation; a paragraph with an odd number of ASCII double quotes is reported as unbalanced.
6. Spaces: runs collapse to one; a space beside a full-width mark is dropped; a space between
   Chinese and Latin, digits or a number's sign (8℃, 5‰) is dropped (the composer puts the
   configured CJK–Latin gap there); a space between two Chinese characters stays (it is set as a fixed ideographic
   space, as in 本报讯　记者…); leading and trailing spaces go.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from typeset.text.classes import (
    CLOSE, DIGIT, LATIN, OPEN, PAUSE, STOP, char_class, is_cjk, is_han,
)

_ASCII_TO_CJK = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！",
                 "~": "～", "<": "〈", ">": "〉", "/": "／"}
_PAIRS = {"(": ")", "<": ">"}
_FOLD = {"・": "·", "‧": "·", "•": "·", "〜": "～", "―": "—"}
_SPACES = " \t\u00a0\u2002\u2003\u2009\u200a\u202f"

# Tokens that keep their ASCII marks whatever surrounds them. Case-insensitive only where a
# class has letters, (?i:…): under a global re.I the compiler case-folds each of the negated
# CJK ranges character by character (≈ 8 ms at every start). Without it they match the same
# characters (none of them has a case variant inside the ranges) and K, ſ, ı, İ still match
# [a-z] as under re.I; tests/test_copy_rules.py compares the two.
_URL = r"(?i:[a-z][a-z0-9+.-]*://|www\.)[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]+"
_DRIVE_PATH = r"(?i:[A-Za-z]):\\[^\s\u3000-\u303f\u4e00-\u9fff]*"                          # C:\path
_OPTION_VALUE = r"(?:=[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+)?"
_TOKENS = (_URL,
           r"(?i:[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",                   # e-mail
           r"(?i:(?<![A-Za-z0-9])(?:~|\.{1,2})?(?:/[A-Za-z0-9._~%+-]+)+/?)",              # path
           _DRIVE_PATH,
           r"\d{1,2}:\d{2}(?::\d{2})?",                                                    # time
           r"(?i:[vV]?\d+(?:\.\d+){2,})",                                                  # version
           r"\d+(?:[.,:]\d+)+",                                                            # number
           r"--?(?i:[A-Za-z][A-Za-z0-9-]*)" + _OPTION_VALUE)                               # option
_PROTECTED_PATTERN = "|".join(_TOKENS)
# The three parts with negated CJK ranges (still ≈ 5 ms to compile) match only where the text
# has `://`, `www.`, `:\` or `=`. Without any of those they match nowhere, and the same pattern
# without them finds the same tokens: copy with no URL, drive path or option value never
# compiles them.
_PROTECTED_PLAIN = re.compile("|".join(t.replace(_OPTION_VALUE, "") for t in _TOKENS
                                       if t not in (_URL, _DRIVE_PATH)))


@lru_cache(maxsize=1)
def _protected_full() -> re.Pattern:
    return re.compile(_PROTECTED_PATTERN)


def _protected(text: str) -> re.Pattern:
    """The protected-token pattern for `text`: the whole one only where its wide parts can match."""
    if "://" in text or ":\\" in text or "=" in text or "www." in text.lower():
        return _protected_full()
    return _PROTECTED_PLAIN


@dataclass(frozen=True)
class Change:
    """One normalisation: position in the original text, what was there, what replaced it."""

    index: int
    before: str
    after: str


def _latinish(ch: str) -> bool:
    return bool(ch) and char_class(ch) in (LATIN, DIGIT)


def _full_mark(ch: str) -> bool:
    """A full-width mark that carries its own blank (no space beside it)."""
    if not ch or ord(ch) < 0x2000:
        return False
    return char_class(ch) in (STOP, PAUSE, OPEN, CLOSE) or ch in "——……·～\u3000"


def _cjk(ch: str) -> bool:
    return bool(ch) and is_cjk(ch)


class _Text:
    """The text being normalised, as (character, original index) pairs, with its change log."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)
        self.index = list(range(len(text)))
        self.changes: list[Change] = []

    def __str__(self) -> str:
        return "".join(self.chars)

    def at(self, i: int) -> str:
        return self.chars[i] if 0 <= i < len(self.chars) else ""

    def near(self, i: int, step: int) -> str:
        """The nearest character that is not a space, looking from i in direction step."""
        j = i + step
        while 0 <= j < len(self.chars) and self.chars[j] in _SPACES:
            j += step
        return self.at(j)

    def put(self, i: int, new: str) -> None:
        self.changes.append(Change(self.index[i], self.chars[i], new))
        self.chars[i] = new

    def replace(self, i: int, j: int, new: str) -> None:
        """Replace chars[i:j] by `new` (one change)."""
        self.changes.append(Change(self.index[i], "".join(self.chars[i:j]), new))
        first = self.index[i]
        self.chars[i:j] = list(new)
        self.index[i:j] = [first] * len(new)


def _protected_mask(text: str) -> list[bool]:
    mask = [False] * len(text)
    for m in _protected(text).finditer(text):
        s, e = m.span()
        # a trailing sentence mark is not part of the token (…/etc/hosts. or …example.com,)
        while e > s and text[e - 1] in ".,;:!?)":
            e -= 1
        for k in range(s, e):
            mask[k] = True
    return mask


# what _fold_chars changes: full-width digits and letters, the variant marks
_FOLDABLE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a" + "".join(_FOLD) + "]")


# Each step below first asks whether the text holds any character it could change (a C-speed
# `in` or regex search) and skips its per-character loop otherwise: most paragraphs of Chinese
# copy have no ASCII marks, quotes, spaces or full-width Latin, and the loops were ≈ 20 ms of a
# page. The loops themselves are unchanged, so a paragraph that needs one is treated as before.
def _any_of(text: str, chars: str) -> bool:
    return any(c in text for c in chars)


def _fold_chars(t: _Text) -> None:
    text = str(t)
    if _FOLDABLE.search(text) is not None:
        _fold_each(t)
    # a full-width hyphen-minus inside a full-width model number (ＳＹ－Ｘ５０ → SY-X50)
    if _any_of(text, "－"):
        _fold_hyphens(t)


def _fold_each(t: _Text) -> None:
    for i, ch in enumerate(t.chars):
        cp = ord(ch)
        if 0xFF10 <= cp <= 0xFF19 or 0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A:
            t.put(i, chr(cp - 0xFEE0))
        elif ch in _FOLD and not (ch == "―" and (t.at(i + 1) == "―" or t.at(i - 1) == "―")):
            t.put(i, _FOLD[ch])


def _fold_hyphens(t: _Text) -> None:
    for i, ch in enumerate(t.chars):
        if ch == "－" and t.at(i - 1).isascii() and t.at(i - 1).isalnum() \
                and t.at(i + 1).isascii() and t.at(i + 1).isalnum():
            t.put(i, "-")


def _sequences(t: _Text) -> None:
    """Ellipses and 2-em dashes in CJK context."""
    text = str(t)
    for m in reversed(list(re.finditer(r"\.{3,}|…+|。{3,}|⋯+|-{2,}|―{2,}|—{3,}", text))):
        s, e = m.span()
        seq = m.group(0)
        left, right = t.near(s, -1), t.near(e - 1, 1)
        cjk = _cjk(left) or _cjk(right)
        if seq[0] in "-":
            # an attached option (--time-style) or a Latin range stays ASCII
            if not cjk or _latinish(t.at(e)) or (_latinish(t.at(s - 1)) and not _cjk(right)):
                continue
            new = "——"
        elif seq[0] in "―—":
            new = "——"
        elif seq == "……" or (seq[0] == "." and not cjk):
            continue
        else:
            if seq[0] != "。" and not cjk:
                continue
            new = "……"
        if seq != new:
            t.replace(s, e, new)


def _bracket_pairs(t: _Text, mask: list[bool]) -> None:
    """ASCII ( ) and < > beside Chinese become full-width, always as a pair."""
    text = str(t)
    if not _any_of(text, "()<>"):
        return
    for open_ch, close_ch in _PAIRS.items():
        if not _any_of(text, open_ch):
            continue     # no pair to make, nothing left on the stack
        stack: list[int] = []
        for i, ch in enumerate(t.chars):
            if mask[i]:
                continue
            if ch == open_ch:
                stack.append(i)
            elif ch == close_ch and stack:
                o = stack.pop()
                inner = t.chars[o + 1:i]
                attached = _latinish(t.at(o - 1)) or _latinish(t.at(i + 1))
                inner_cjk = any(_cjk(c) for c in inner)
                outer_cjk = _cjk(t.near(o, -1)) or _cjk(t.near(i, 1))
                if inner_cjk or (outer_cjk and not attached and open_ch == "("):
                    t.put(o, _ASCII_TO_CJK[open_ch])
                    t.put(i, _ASCII_TO_CJK[close_ch])
        for o in stack:   # an unpaired bracket: by its own context
            if _cjk(t.near(o, -1)) and _cjk(t.near(o, 1)):
                t.put(o, _ASCII_TO_CJK[open_ch])
    # unpaired closing brackets beside Chinese
    for i, ch in enumerate(t.chars):
        if ch in ")>" and not mask[i] and _cjk(t.near(i, -1)) and not _latinish(t.at(i - 1)):
            t.put(i, _ASCII_TO_CJK[ch])


def _stray_clause_mark(t: _Text, i: int) -> bool:
    """`占 41.2% ,60 岁`: a , or ; typed with a space before it and none after, in a Chinese
    sentence (the nearest non-Latin character before it is CJK), is the sentence's own mark,
    not a digit-group separator nor English punctuation (which is never spaced that way)."""
    if t.chars[i] not in ",;" or t.at(i - 1) not in _SPACES or not t.at(i - 1) \
            or not _latinish(t.at(i + 1)):
        return False
    j = i - 1
    while j >= 0 and (t.chars[j] in _SPACES or _latinish(t.chars[j]) or t.chars[j] in "%.+-"):
        j -= 1
    return j >= 0 and _cjk(t.chars[j])


def _marks(t: _Text, mask: list[bool]) -> None:
    if not _any_of(str(t), ",:;?!~/"):
        return
    for i, ch in enumerate(t.chars):
        if mask[i] or ch not in ",:;?!~/":
            continue
        left, right = t.near(i, -1), t.near(i, 1)
        if ch == "/":
            if is_han(left or " ") and is_han(right or " "):
                t.put(i, "／")
            continue
        if ch == "~" and t.at(i + 1) == "/":
            continue
        if _stray_clause_mark(t, i):
            t.put(i, _ASCII_TO_CJK[ch])
            continue
        if not (_cjk(left) or _cjk(right)):
            continue
        if _latinish(t.at(i - 1)) and _latinish(t.at(i + 1)):
            continue   # 3:2, 1,299, a:b inside a Latin run
        if ch in ",:;?!" and not _cjk(left) and _latinish(t.at(i + 1)):
            continue   # Latin text punctuated in Latin (Hello, world)
        t.put(i, _ASCII_TO_CJK[ch])


def _quote_direction(t: _Text, i: int) -> str | None:
    """'open', 'close' or None (undecided) from the characters around a quote at i: opening
    after the start, a space or an opening bracket; closing before the end, a space or
    punctuation. Anything else (between two Han characters, after 。) is left to alternation."""
    before, after = t.at(i - 1), t.at(i + 1)
    opening = (not before or before in _SPACES or before == "\u3000" or char_class(before) == OPEN
               or before in "([{<")
    closing = (not after or after in _SPACES or after == "\u3000"
               or char_class(after) in (PAUSE, STOP, CLOSE) or after in ".,;:!?)]}>")
    if opening and not closing:
        return "open"
    if closing and not opening:
        return "close"
    return None


def _quotes(t: _Text, mask: list[bool], notices: list[str]) -> None:
    text = str(t)
    for q, (o, c) in (('"', ("“", "”")), ("'", ("‘", "’"))):
        if not _any_of(text, q):
            continue     # count stays 0: nothing to convert, nothing unbalanced
        expect_open = True
        count = 0
        for i, ch in enumerate(t.chars):
            if ch != q or mask[i]:
                continue
            if q == "'" and _latinish(t.at(i - 1)) and _latinish(t.at(i + 1)):
                continue   # an apostrophe (don't, O'Neil)
            if q == "'" and (t.at(i - 1).isdigit() or (t.at(i - 1) == "'"
                                                       and t.at(i - 2).isdigit())):
                continue   # a prime: 3'05'', 68
            if q == "'" and not (_cjk(t.near(i, -1)) or _cjk(t.near(i, 1))):
                continue
            count += 1
            d = _quote_direction(t, i) or ("open" if expect_open else "close")
            t.put(i, o if d == "open" else c)
            expect_open = d == "close"
        if q == '"' and count % 2:
            notices.append(f"unbalanced quotes: {count} ASCII \" in the paragraph")


def _spaces(t: _Text) -> None:
    if not _any_of(str(t), _SPACES):
        return           # the loop would copy chars and index unchanged
    out_chars, out_index = [], []
    n = len(t.chars)
    i = 0
    while i < n:
        ch = t.chars[i]
        if ch not in _SPACES:
            out_chars.append(ch)
            out_index.append(t.index[i])
            i += 1
            continue
        j = i
        while j < n and t.chars[j] in _SPACES:
            j += 1
        run = "".join(t.chars[i:j])
        left = out_chars[-1] if out_chars else ""
        right = t.chars[j] if j < n else ""
        keep = " "
        if not left or not right or left == "\n" or right == "\n":
            keep = ""
        elif _full_mark(left) or _full_mark(right):
            keep = ""
        elif (is_han(left) and _latinish_or_mark(right)) or (is_han(right) and _latinish_or_mark(left)):
            keep = ""   # the CJK–Latin gap of the composer replaces it
        if keep != run:
            t.changes.append(Change(t.index[i], run, keep))
        if keep:
            out_chars.append(keep)
            out_index.append(t.index[i])
        i = j
    t.chars, t.index = out_chars, out_index


# Signs that travel with a number (8℃, 5‰, €5, №3): a space between one and a Chinese character
# is the CJK–digit gap, like the space after a digit (回升至 8℃ 左右 → 8℃左右).
NUMBER_SIGNS = "“”‘’￥％＄‰‱′″€℃℉№￠￡"


def _latinish_or_mark(ch: str) -> bool:
    """Latin letters, digits and the signs that travel with them (¥5, 5%, 8℃, (8), "x")."""
    return _latinish(ch) or (ord(ch) < 0x2000 and not ch.isspace()) or ch in NUMBER_SIGNS


def normalize(text: str, notices: list[str] | None = None) -> tuple[str, list[Change]]:
    """Return the normalised text and the list of changes (indices refer to the input).

    `notices` (optional) collects what cannot be fixed, such as unbalanced quotes."""
    t = _Text(unicodedata.normalize("NFC", text))
    _fold_chars(t)
    _sequences(t)
    mask = _protected_mask(str(t))
    _bracket_pairs(t, mask)
    _marks(t, mask)
    _quotes(t, mask, notices if notices is not None else [])
    _spaces(t)
    return str(t), t.changes
