"""Word segmentation (typeset/text/segment.py) gives exactly rjieba's cut with jieba's whole
dictionary, without loading that dictionary: compared on every paragraph of the project's copy
and on random strings, checked against the dictionary rjieba embeds, judged from outside for
memory, and with a fallback when the data files are gone."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from conftest import ROOT
from typeset.text import segment

# Latin, digits, URLs, ASCII and Chinese punctuation, the filler character: what copy mixes in
MIXED = ("ABCabc0123456789+#&._%- ，。、《》“”（）:/?=AT&T c++ C# 3.14% 1,000 "
         "https://www.example.com/a?b=c 2024年1月2日 \U0010FFFE ")


@pytest.fixture(scope="module")
def whole():
    """rjieba with its whole dictionary: the reference."""
    module = segment._rjieba()
    assert module is not None, "rjieba's compiled module could not be loaded"
    return module.Jieba()


def _reference(whole, text: str) -> list[str]:
    return [w for w in whole.cut(text, True) if w]


def _paragraphs() -> list[str]:
    paths = sorted(ROOT.glob("content/**/*.md")) + sorted(ROOT.glob("tests/corpus/**/*.md"))
    out = []
    for p in paths:
        out += [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(out) > 800
    return out


def test_every_paragraph_of_the_copy_is_cut_as_with_the_whole_dictionary(whole):
    segment._memo.clear()
    diffs = [p for p in _paragraphs() if segment.words(p) != _reference(whole, p)]
    assert not diffs, diffs[:3]


def test_random_strings_are_cut_as_with_the_whole_dictionary(whole):
    """Windows of the copy with Latin, digits and punctuation put in; strings of dictionary words
    run together (dense word graphs); runs of random Han characters (the HMM's cases)."""
    rng = random.Random(20261202)
    copy = "".join(_paragraphs())
    han = sorted({c for c in copy if "\u4e00" <= c <= "\u9fff"})
    _, firsts, offsets, blob = segment._load_index()
    dictionary = []
    for ch in han[:400]:
        k = firsts.index(ord(ch)) if ord(ch) in firsts else None
        if k is not None:
            lines = blob[offsets[k]:offsets[k + 1]].decode("utf-8").splitlines()
            dictionary += [line.split("\t")[0] for line in lines]
    assert len(dictionary) > 5000
    texts = []
    for _ in range(6000):
        n = rng.randint(1, 50)
        i = rng.randrange(len(copy) - n)
        s = copy[i:i + n]
        if rng.random() < 0.4:
            j = rng.randrange(len(s) + 1)
            s = s[:j] + "".join(rng.choice(MIXED) for _ in range(rng.randint(1, 8))) + s[j:]
        texts.append(s)
    texts += ["".join(rng.choice(dictionary) for _ in range(rng.randint(1, 8)))
              for _ in range(3000)]
    texts += ["".join(rng.choice(han) for _ in range(rng.randint(2, 12))) for _ in range(3000)]
    segment._memo.clear()
    diffs = [t for t in texts if segment.words(t) != _reference(whole, t)]
    assert not diffs, diffs[:3]


def test_the_word_list_is_the_dictionary_rjieba_embeds(whole):
    """Every listed word is one of rjieba's, at its frequency, and the total is the sum of the
    list. (rjieba shows a word's frequency through suggest_freq: for a word that it cuts as one
    word, that is its frequency, or one more where a float round trip rounds down.)"""
    total, firsts, offsets, blob = segment._load_index()
    text = blob[:].decode("utf-8")
    rows = [line.split("\t") for line in text.splitlines()]
    assert len(rows) == 349_045 + 1 and rows[0] == [""]   # the file's empty first line
    rows = rows[1:]
    assert len(firsts) + 1 == len(offsets)
    assert sum(int(f) for _, f in rows) == total
    rng = random.Random(7)
    seen = 0
    for word, freq in rng.sample(rows, 3000):
        assert whole.has_word(word), word
        if whole.cut(word, False) == [word]:
            assert whole.suggest_freq(word) in (int(freq), int(freq) + 1), (word, freq)
            seen += 1
    assert seen > 2000


def test_without_its_data_files_it_loads_the_whole_dictionary(monkeypatch, tmp_path, whole):
    monkeypatch.setattr(segment, "INDEX_FILE", tmp_path / "missing.idx")
    monkeypatch.setattr(segment, "_index", None)
    monkeypatch.setattr(segment, "_whole", None)
    segment._memo.clear()
    text = "丹江口库区水质安全保障指挥中心揭牌 2024年"
    assert segment.words(text) == _reference(whole, text)
    assert segment._whole is not None
    segment._memo.clear()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_headline_is_cut_without_the_whole_dictionary_in_memory():
    """Judged from outside: a process that segments the sample page's headlines stays far below
    what rjieba's whole dictionary costs (25–30 MiB); one that loads it does not."""
    code = """
import sys
from typeset.text import segment
for t in ["共建美好家园 共享幸福生活", "丹江口库区水质安全保障指挥中心揭牌",
          "去年全市完成营造林61.22万亩", "2023年我市创建省级移民美丽家园示范村14个"]:
    segment.words(t)
if sys.argv[1] == "whole":
    segment._whole_dictionary()
# the kernel's high-water mark of this process (getrusage would report the forking parent's)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(int(hwm.split()[1]) // 1024)
"""
    peaks = {}
    for mode in ("words", "whole"):
        out = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        peaks[mode] = int(out.stdout)
    assert peaks["whole"] - peaks["words"] >= 15, peaks
