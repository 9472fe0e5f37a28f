"""The bad-input corpus: tests/bad-input/<case>/page.yaml (+ its files) and expected.txt, the
parts of the one message the case must produce. Every case must exit with status 2, print no
traceback and leave no output behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from typeset.cli import main

CORPUS = Path(__file__).parent / "bad-input"
CASES = sorted(d.name for d in CORPUS.iterdir() if d.is_dir() and not d.name.startswith("_"))


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(case, tmp_path, capsys):
    folder = CORPUS / case
    expected = [ln for ln in (folder / "expected.txt").read_text(encoding="utf-8").splitlines() if ln]
    out = tmp_path / "out"
    code = main(["render", str(folder / "page.yaml"), "-o", str(out)])
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, err
    assert "Traceback" not in err + captured.out
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, err
    for part in expected:
        assert part in err, (part, err)
    left = list(out.rglob("*")) if out.exists() else []
    assert not left, left
