"""Character classes for Simplified-Chinese composition (clreq / GB/T 15834), read from data.

The class members come from `typeset/data/clreq-classes.yaml` (a copy of the project's reference
data); this module only turns them into fast lookups.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Class names used throughout the text engine.
HAN = "han"
STOP = "stop"            # 。．？！ (ink left, blank right)
PAUSE = "pause"          # ，、；： (ink left, blank right)
OPEN = "open"            # opening brackets and quotes (ink right, blank left)
CLOSE = "close"          # closing brackets and quotes (ink left, blank right)
MIDDOT = "middot"        # · fixed half em
CONNECTOR = "connector"  # — (alone) ～ – : never at line start, no justification space beside
DASH2 = "dash2"          # —— one 2-em unit
ELLIPSIS = "ellipsis"    # …… one 2-em unit
SOLIDUS = "solidus"      # ／
DOUBLE_STOP = "dstop"    # ‼ ⁇ ⁈ ⁉ and chained ？！ (1 em, fixed)
PREFIX = "prefix"        # ￥ $ # … before a number
POSTFIX = "postfix"      # % ℃ … after a number
DIGIT = "digit"
LATIN = "latin"          # letters (Latin, Greek, …)
SPACE = "space"          # ASCII space between Latin words
IDEO_SPACE = "ideo_space"
OTHER = "other"

LEFT_INK = frozenset({STOP, PAUSE, CLOSE})   # blank half on the right
RIGHT_INK = frozenset({OPEN})                # blank half on the left


CLASS_DATA = Path(__file__).resolve().parent.parent / "data" / "clreq-classes.yaml"
# Bumped when what _class_members keeps changes: older cache entries are then misses.
_MEMBERS_VERSION = 1


@lru_cache(maxsize=1)
def _class_members(reread: bool = False) -> dict[str, str]:
    """Each class of the data file → its members' code points ("U+3002", …), in file order.
    Kept in the disk cache (typeset/cache.py) under the data file's path, size and mtime: parsing
    the 24 KB file took ≈ 10–18 ms of every run, the cached entry a fraction of a millisecond."""
    from typeset import cache

    key = [_MEMBERS_VERSION, cache.file_key(CLASS_DATA)]
    stored = None if reread else cache.load("clreq-class-members.json", key)
    if isinstance(stored, dict) and all(
            isinstance(cps, list) and all(isinstance(cp, str) and cp.startswith("U+") for cp in cps)
            for cps in stored.values()):
        return stored      # else missing or damaged: read the file again and rewrite the entry
    import yaml

    # libyaml's base loader: every scalar a string, as the code points are (no implicit types)
    data = yaml.load(CLASS_DATA.read_text("utf-8"), Loader=getattr(yaml, "CBaseLoader",
                                                                     yaml.BaseLoader))
    members = {name: [m["cp"] for m in entry.get("members", [])]
               for name, entry in data["classes"].items()}
    cache.store("clreq-class-members.json", key, members)
    return members


def _members(cls: str) -> set[str]:
    try:
        return {chr(int(cp[2:], 16)) for cp in _class_members()[cls]}
    except (KeyError, ValueError, OverflowError):
        # a cached entry that lacks the class or holds a code point that is none (damaged):
        # the data file is read again and the entry rewritten
        return {chr(int(cp[2:], 16)) for cp in _class_members(reread=True)[cls]}


@lru_cache(maxsize=1)
def class_table() -> dict[str, str]:
    """Map of single characters to their class name (Han and Latin are decided by range)."""
    table: dict[str, str] = {}
    for ch in _members("stop_marks"):
        table[ch] = DOUBLE_STOP if ch in "‼⁇⁈⁉" else STOP
    for ch in _members("pause_marks"):
        table[ch] = PAUSE
    for ch in _members("opening_brackets"):
        table[ch] = OPEN
    for ch in _members("closing_brackets"):
        table[ch] = CLOSE
    for ch in _members("middle_dots"):
        table[ch] = MIDDOT
    for ch in _members("connectors"):
        table[ch] = CONNECTOR
    for ch in _members("solidus"):
        table[ch] = SOLIDUS
    for ch in _members("prefix_symbols"):
        table[ch] = PREFIX
    for ch in _members("postfix_symbols"):
        table[ch] = POSTFIX
    for ch in _members("digits"):
        table[ch] = DIGIT
    table["\u3000"] = IDEO_SPACE
    table[" "] = SPACE
    table["…"] = ELLIPSIS
    table["⋯"] = ELLIPSIS
    table["⸺"] = DASH2
    return table


_HAN_RANGES = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF), (0x30000, 0x323AF),
)


@lru_cache(maxsize=None)    # a pure function of one character, asked for thousands of times a page
def is_han(ch: str) -> bool:
    cp = ord(ch)
    if cp in (0x3005, 0x3007):
        return True
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


@lru_cache(maxsize=None)    # a pure function of one character (the class table is fixed)
def char_class(ch: str) -> str:
    """The composition class of one character."""
    cls = class_table().get(ch)
    if cls is not None:
        return cls
    if is_han(ch):
        return HAN
    if ch.isalpha():
        cp = ord(ch)
        # Kana, Hangul and other wide scripts compose like Han characters.
        if 0x3040 <= cp <= 0x30FF or 0xAC00 <= cp <= 0xD7AF:
            return HAN
        return LATIN
    return OTHER


def is_cjk(ch: str) -> bool:
    """True for Han characters and full-width CJK punctuation (context for normalisation)."""
    cls = char_class(ch)
    if cls == HAN or cls == IDEO_SPACE:
        return True
    return cls in (STOP, PAUSE, OPEN, CLOSE, MIDDOT, DASH2, ELLIPSIS) and ord(ch) > 0x2000


# Line-start and line-end prohibitions per strictness level (typesetting-rules.md §1.2–1.3).
LEVELS = ("basic", "gb", "strict")


def no_line_start(cls: str, level: str) -> bool:
    """May an atom of this class not begin a line?"""
    if cls in (STOP, PAUSE, CLOSE, MIDDOT, CONNECTOR, DOUBLE_STOP):
        return True
    if cls == SOLIDUS and level in ("gb", "strict"):
        return True
    if cls in (DASH2, ELLIPSIS) and level == "strict":
        return True
    return False


def no_line_end(cls: str, level: str) -> bool:
    """May an atom of this class not end a line?"""
    if cls == OPEN:
        return True
    if cls == SOLIDUS and level in ("gb", "strict"):
        return True
    return False


# Chinese counters and units after a number: a break there is allowed but discouraged
# (clreq-classes.yaml `discouraged_breaks`; the seed itself breaks 2000|亿美元 at a column end).
NUMBER_UNITS = frozenset("万亿千百十元角分个年月日时秒岁名人户件项家所次亩栋座米吨届期版倍台辆")
