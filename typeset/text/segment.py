"""Chinese word segmentation for breaking display lines and cutting jumps: jieba's words, cut by
rjieba (jieba-rs), without loading jieba's whole dictionary.

rjieba builds its dictionary (349,045 words) before its first cut: 0.13–0.17 s and 25–30 MiB,
for a page that may ask a handful of headlines. Only the dictionary words that occur in a text
take part in jieba's cut of it: the word graph (DAG) is made of them, the HMM runs on a stretch
of single characters only when that stretch is no dictionary word, and a word's score is
log(frequency) − log(total). So `words` gives rjieba an empty dictionary (`Jieba.empty()`)
holding exactly the dictionary words found in the text, with their frequencies, and one filler
word that no text contains (`FILLER`) whose frequency brings the total to the whole
dictionary's: the cut is then the one rjieba makes with its whole dictionary, byte for byte
(tests/test_segment.py compares the two on every paragraph of the project's content and on
tens of thousands of random strings). The words come from typeset/data/jieba-words.txt, jieba
0.42.1's dict.txt grouped by first character (scripts/build_jieba_words.py), read through its
index with mmap: a text is looked up in the groups of its own characters only (≈ 0.5 ms for a
headline), nothing else of the file is read.

When the data files cannot be read, or a text contains the filler character, rjieba's whole
dictionary is loaded once and used instead: slower, the same words.
"""

from __future__ import annotations

import os
import struct
import sys
from bisect import bisect_left
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"
WORDS_FILE = _DATA / "jieba-words.txt"
INDEX_FILE = _DATA / "jieba-words.idx"
_MAGIC = b"TSJW1\n"
# A one-character word of the filler's frequency: a noncharacter of plane 16, which no text
# a page sets contains (one that does is cut with the whole dictionary).
FILLER = "\U0010FFFE"
# The longest word of jieba's dictionary, in characters (a text's substrings longer than this
# are never looked up).
MAX_WORD_CHARS = 16
# Texts whose words a process keeps (display lines and jump paragraphs, re-asked by layout).
MAX_MEMO = 5000

_memo: dict[str, list[str]] = {}
_index: tuple | None = None      # (total, first characters, offsets, words file mmap)
_module = None                   # rjieba's compiled module
_whole = None                    # rjieba with its whole dictionary, loaded only as a fallback


def words(text: str) -> list[str]:
    """jieba's words of `text` (precise mode with HMM, as `rjieba.cut`); only non-empty
    words."""
    found = _memo.get(text)
    if found is None:
        found = [w for w in _cut(text) if w]
        if len(_memo) >= MAX_MEMO:
            _memo.clear()
        _memo[text] = found
    return list(found)


def _cut(text: str) -> list[str]:
    index = _load_index() if FILLER not in text else None
    module = _rjieba()
    if index is None or module is None or not hasattr(module.Jieba, "empty"):
        return list(_whole_dictionary().cut(text))
    total = index[0]
    jieba = module.Jieba.empty()
    sum_found = 0
    for word, freq in _dictionary_words(text).items():
        jieba.add_word(word, freq, None)
        sum_found += freq
    jieba.add_word(FILLER, total - sum_found, None)
    return list(jieba.cut(text, True))


def _dictionary_words(text: str) -> dict[str, int]:
    """Every word of jieba's dictionary that occurs in `text`, with its frequency. Searched in
    the mapped words file itself, within the group of each character's words (nothing is
    decoded or kept but the words found)."""
    _, firsts, offsets, blob = _index
    found: dict[str, int] = {}
    n = len(text)
    for i, ch in enumerate(text):
        k = bisect_left(firsts, ord(ch))
        if k == len(firsts) or firsts[k] != ord(ch):
            continue                        # no word begins with this character
        start, stop = offsets[k] - 1, offsets[k + 1]   # from the newline before the group
        for j in range(i + 1, min(n, i + MAX_WORD_CHARS) + 1):
            sub = text[i:j]
            key = b"\n" + sub.encode("utf-8")
            # the group's lines are sorted, so the first line that begins with `sub` is `sub`
            # itself when it is a word; when none begins with it, no longer piece is a word
            at = blob.find(key, start, stop)
            if at < 0:
                break
            end = at + len(key)
            if blob[end:end + 1] == b"\t":
                found[sub] = int(blob[end + 1:blob.find(b"\n", end, stop)])
            start = at              # longer pieces sort after this one
    return found


def _load_index() -> tuple | None:
    """The dictionary's total and group index, and its words file mapped in memory; None when
    they cannot be read (then the whole dictionary is used)."""
    global _index
    if _index is None:
        try:
            import mmap
            from array import array

            head = INDEX_FILE.read_bytes()
            if not head.startswith(_MAGIC):
                raise ValueError("not a jieba-words index")
            total, n = struct.unpack_from("<QI", head, len(_MAGIC))
            start = len(_MAGIC) + 12
            firsts, offsets = array("I"), array("I")
            firsts.frombytes(head[start:start + 4 * n])
            offsets.frombytes(head[start + 4 * n:start + 8 * n + 4])
            if sys.byteorder != "little":
                firsts.byteswap()
                offsets.byteswap()
            with open(WORDS_FILE, "rb") as f:
                blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            if (len(offsets) != n + 1 or offsets[-1] != len(blob) or offsets[0] != 1
                    or total <= 0):
                raise ValueError("jieba-words index and words file do not match")
            _index = (total, firsts, offsets, blob)
        except (OSError, ValueError, struct.error):
            _index = False
    return _index or None


def _rjieba():
    """rjieba's compiled module, loaded from its file so that the `rjieba` package's own
    default instance (which builds the whole dictionary on import) is never made; None if it
    cannot be loaded that way."""
    global _module
    if _module is None:
        _module = sys.modules.get("rjieba.rjieba") or False
        if not _module:
            try:
                from importlib.machinery import ExtensionFileLoader
                from importlib.util import module_from_spec, spec_from_file_location

                path = _rjieba_extension()
                if path is not None:
                    loader = ExtensionFileLoader("rjieba.rjieba", path)
                    spec = spec_from_file_location("rjieba.rjieba", path, loader=loader)
                    mod = module_from_spec(spec)
                    loader.exec_module(mod)
                    sys.modules["rjieba.rjieba"] = mod   # a later `import rjieba` reuses it
                    _module = mod
            except Exception:  # noqa: BLE001 — any surprise: the package's own way
                _module = False
    return _module or None


def _rjieba_extension() -> str | None:
    """The file of rjieba's compiled module, or None when it cannot be found."""
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import find_spec

    try:
        pkg = find_spec("rjieba")
        folder = list(pkg.submodule_search_locations or [])[0]
        return next((p for p in (os.path.join(folder, "rjieba" + s) for s in EXTENSION_SUFFIXES)
                     if os.path.isfile(p)), None)
    except Exception:  # noqa: BLE001 — not installed, or an unusual layout
        return None


def _whole_dictionary():
    """rjieba with its whole dictionary (the fallback), loaded once."""
    global _whole
    if _whole is None:
        module = _rjieba()
        if module is not None and hasattr(module, "Jieba"):
            _whole = module.Jieba()
        else:
            import rjieba

            _whole = rjieba._DEFAULT_JIEBA if hasattr(rjieba, "_DEFAULT_JIEBA") else rjieba
    return _whole
