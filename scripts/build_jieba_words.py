"""Build typeset/data/jieba-words.txt and jieba-words.idx from jieba's dictionary.

    python scripts/build_jieba_words.py path/to/jieba/dict.txt

The source is the `dict.txt` of jieba 0.42.1 (PyPI sdist jieba-0.42.1.tar.gz, MIT licence,
sha256 7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8), the dictionary
jieba-rs (and so rjieba) embeds. typeset/text/segment.py reads it to give rjieba only the words
of a text (tests/test_segment.py checks that its cuts are rjieba's with its whole dictionary).

jieba-words.txt: an empty first line, then one "word<TAB>frequency" line per word, grouped by the
word's first character, groups in code point order, words sorted within a group (so every
line, the first included, follows a newline); a word listed twice in dict.txt keeps its
last frequency, as jieba-rs's loader does. jieba-words.idx (little-endian): the magic
b"TSJW1\\n", the dictionary's total frequency (uint64, the sum over its distinct words, as
jieba-rs computes it), the number of groups n (uint32), the groups' first characters (n ×
uint32, ascending) and the byte offsets of the groups in the .txt file (n + 1 × uint32).
"""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from pathlib import Path

SOURCE_SHA256 = "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8"
OUT = Path(__file__).resolve().parents[1] / "typeset" / "data"
MAGIC = b"TSJW1\n"


def main(src: str) -> None:
    raw = Path(src).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        print(f"warning: {src} is not jieba 0.42.1's dict.txt (sha256 {digest})", file=sys.stderr)
    freq: dict[str, int] = {}
    for line in raw.decode("utf-8").splitlines():
        parts = line.split()
        if parts:
            freq[parts[0]] = int(parts[1]) if len(parts) > 1 else 0
    groups: dict[str, list[str]] = {}
    for w in freq:
        groups.setdefault(w[0], []).append(w)
    text = bytearray(b"\n")
    firsts, offsets = array("I"), array("I")
    for ch in sorted(groups):
        firsts.append(ord(ch))
        offsets.append(len(text))
        text += "".join(f"{w}\t{freq[w]}\n" for w in sorted(groups[ch])).encode("utf-8")
    offsets.append(len(text))
    if sys.byteorder != "little":
        firsts.byteswap()
        offsets.byteswap()
    (OUT / "jieba-words.txt").write_bytes(bytes(text))
    (OUT / "jieba-words.idx").write_bytes(MAGIC + struct.pack("<QI", sum(freq.values()),
                                                             len(firsts))
                                          + firsts.tobytes() + offsets.tobytes())
    print(f"{len(freq)} words in {len(firsts)} groups, total {sum(freq.values())}")


if __name__ == "__main__":
    main(sys.argv[1])
