"""Normalise copy before composition and report every change (typesetting-rules.md §1.1).

ASCII punctuation between Chinese characters becomes its GB full-width form; variant marks are
folded to the forms mainland print uses; full-width digits become ASCII digits.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from typeset.text.classes import DIGIT, LATIN, char_class, is_cjk

_ASCII_TO_CJK = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！",
                 "~": "～", "<": "〈", ">": "〉", "/": "／"}
_FOLD = {"・": "·", "‧": "·", "•": "·", "〜": "～", "―": "—"}
_FULLWIDTH_DIGITS = {chr(0xFF10 + i): str(i) for i in range(10)}


@dataclass(frozen=True)
class Change:
    """One normalisation: position in the original text, what was there, what replaced it."""

    index: int
    before: str
    after: str


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def normalize(text: str) -> tuple[str, list[Change]]:
    """Return the normalised text and the list of changes (same length: one char for one)."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    changes: list[Change] = []
    double_open = True
    single_open = True
    for i, ch in enumerate(text):
        new = ch
        prev, nxt = _neighbour(text, i, -1), _neighbour(text, i, 1)
        cjk_context = (prev and is_cjk(prev)) or (nxt and is_cjk(nxt))
        if ch in _FOLD:
            new = _FOLD[ch]
        elif ch in _FULLWIDTH_DIGITS:
            new = _FULLWIDTH_DIGITS[ch]
        elif ch in _ASCII_TO_CJK and cjk_context:
            digits_both_sides = (prev and char_class(prev) == DIGIT
                                 and nxt and char_class(nxt) == DIGIT)
            latin_both_sides = (prev and char_class(prev) in (LATIN, DIGIT)
                                and nxt and char_class(nxt) in (LATIN, DIGIT))
            if not (digits_both_sides or latin_both_sides):
                new = _ASCII_TO_CJK[ch]
        elif ch == '"' and cjk_context:
            new = "“" if double_open else "”"
            double_open = not double_open
        elif ch == "'" and cjk_context:
            new = "‘" if single_open else "’"
            single_open = not single_open
        if new != ch:
            changes.append(Change(i, ch, new))
        out.append(new)
    return "".join(out), changes
