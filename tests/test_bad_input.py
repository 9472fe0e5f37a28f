"""Bad input gets one clear message (file, line, field, fix), exit status 2, and no PDF."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from typeset.cli import main

ARTICLE = """---
title: 测试标题
byline: 记者甲
---
这是第一段正文，内容不长。
这是第二段正文，也不长。
"""

GOOD_BLOCK = """
  - id: a
    article: story.md
    column: 1
    columns: 3
    line: 1
    lines: 20
"""


def write_case(tmp: Path, spec: str, files: dict[str, str] | None = None) -> Path:
    (tmp / "typeset.toml").write_text("")  # marks the project root for path checks
    (tmp / "story.md").write_text(ARTICLE, encoding="utf-8")
    for name, text in (files or {}).items():
        (tmp / name).write_text(text, encoding="utf-8")
    path = tmp / "page.yaml"
    path.write_text(textwrap.dedent(spec).lstrip(), encoding="utf-8")
    return path


def run(tmp: Path, spec: Path, capsys):
    out = tmp / "out"
    code = main(["render", str(spec), "-o", str(out)])
    err = capsys.readouterr().err
    pdfs = list(out.glob("*.pdf")) if out.exists() else []
    return code, err, pdfs


CASES = [
    ("misspelled key", "grid:\n  colums: 8\nblocks:" + GOOD_BLOCK,
     ["page.yaml:2", "grid.colums", "did you mean 'columns'"]),
    ("misspelled block key", "blocks:" + GOOD_BLOCK.replace("lines: 20", "lnes: 20"),
     ["page.yaml:", "unknown key 'lnes'", "did you mean 'lines'"]),
    ("wrong type", "grid:\n  columns: eight\nblocks:" + GOOD_BLOCK,
     ["page.yaml:2", "grid.columns", "whole number"]),
    ("bad size", "grid:\n  body_size: huge\nblocks:" + GOOD_BLOCK,
     ["page.yaml:2", "grid.body_size", "小五"]),
    ("outside type area", "blocks:" + GOOD_BLOCK.replace("column: 1", "column: 7"),
     ["page.yaml:", "blocks[0].columns", "reaches column 9", "grid has 8 columns"]),
    ("outside by lines", "blocks:" + GOOD_BLOCK.replace("line: 1", "line: 110"),
     ["blocks[0].lines", "reaches line 129"]),
    ("overlap", "blocks:" + GOOD_BLOCK + GOOD_BLOCK.replace("id: a", "id: b").replace(
        "column: 1", "column: 3"), ["blocks 'a'", "and 'b'", "overlap", "columns 1–3"]),
    ("missing content", "blocks:" + GOOD_BLOCK.replace("story.md", "nothere.md"),
     ["page.yaml:", "file not found: nothere.md"]),
    ("font not installed", "fonts: roles.yaml\nblocks:" + GOOD_BLOCK,
     ["roles.yaml", "font 'No Such Song' is not installed", "apt-get install"]),
    ("yaml syntax", "blocks: [\n  - id: a\n", ["page.yaml:", "YAML syntax error"]),
    ("duplicate key", "grid:\n  columns: 8\n  columns: 6\nblocks:" + GOOD_BLOCK,
     ["page.yaml:3", "duplicate key 'columns'", "line 2"]),
    ("unknown block type", "blocks:\n  - type: poem\n    column: 1\n    line: 1\n    lines: 2\n",
     ["unknown block type 'poem'"]),
    ("absolute path", "blocks:" + GOOD_BLOCK.replace("story.md", "/etc/passwd"),
     ["absolute path", "allow_outside_paths"]),
    ("path outside project", "blocks:" + GOOD_BLOCK.replace("story.md", "../../etc/passwd"),
     ["leads outside the project"]),
    ("python tag", "grid: !!python/object/apply:os.system [ls]\nblocks:" + GOOD_BLOCK,
     ["page.yaml:1", "tag", "not allowed"]),
    ("alias bomb", "a: &a [x, x]\nb: &b [*a, *a]\nblocks:" + GOOD_BLOCK, ["aliases"]),
    ("empty spec", "", ["spec is empty"]),
    ("no blocks", "grid:\n  columns: 8\n", ["needs a list of blocks"]),
]


@pytest.mark.parametrize("name,spec,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_spec(tmp_path, capsys, name, spec, expected):
    files = {"roles.yaml": "body:\n  - {family: No Such Song, weight: regular}\n"}
    path = write_case(tmp_path, spec, files)
    code, err, pdfs = run(tmp_path, path, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    for part in expected:
        assert part in err, (part, err)
    assert not pdfs


def test_bad_content_front_matter(tmp_path, capsys):
    path = write_case(tmp_path, "blocks:" + GOOD_BLOCK)
    (tmp_path / "story.md").write_text("---\ntitel: 标题\n---\n正文。\n", encoding="utf-8")
    code, err, pdfs = run(tmp_path, path, capsys)
    assert code == 2 and "story.md:2" in err and "did you mean 'title'" in err and not pdfs


def test_gbk_content_is_refused_with_advice(tmp_path, capsys):
    path = write_case(tmp_path, "blocks:" + GOOD_BLOCK)
    (tmp_path / "story.md").write_bytes("---\ntitle: 标题\n---\n正文内容。\n".encode("gbk"))
    code, err, pdfs = run(tmp_path, path, capsys)
    assert code == 2 and "not UTF-8" in err and "iconv" in err and not pdfs


def test_byte_order_mark_is_accepted(tmp_path, capsys):
    path = write_case(tmp_path, "blocks:" + GOOD_BLOCK)
    (tmp_path / "story.md").write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"))
    code, err, pdfs = run(tmp_path, path, capsys)
    assert code == 0, err
    assert len(pdfs) == 1


@pytest.mark.parametrize("edition", [False, True])
def test_an_output_folder_that_cannot_be_made_is_refused_plainly(tmp_path, capsys, edition):
    """-o naming a file, or a folder inside a file: one message naming -o and the file, exit
    2, nothing written (it was an internal error with a traceback for an edition)."""
    from conftest import ROOT

    spec = (ROOT / "layouts" / ("sample-edition.yaml" if edition else "lead-article.yaml"))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out, said in ((blocker, "is a file, not a folder"),
                      (blocker / "out", f"is inside {blocker}, which is a file")):
        code = main(["render", str(spec), "-o", str(out), "-q"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"error: -o/--output {out}: {said}"), err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_good_spec_renders(tmp_path, capsys):
    path = write_case(tmp_path, "blocks:" + GOOD_BLOCK)
    code, err, pdfs = run(tmp_path, path, capsys)
    assert code == 0, err
    assert [p.name for p in pdfs] == ["page.pdf"]
    assert (tmp_path / "out" / "page.report.json").exists()


def test_overflow_is_reported_and_strict_fails(tmp_path, capsys):
    long = "---\ntitle: 很长的文章\n---\n" + ("这是一段很长的正文内容，用来测试溢出。" * 40 + "\n") * 3
    path = write_case(tmp_path, "blocks:" + GOOD_BLOCK.replace("lines: 20", "lines: 12"),
                      {"story.md": long})
    (tmp_path / "story.md").write_text(long, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", str(path), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "overflow" in err and "did not fit" in err
    assert main(["render", str(path), "-o", str(out), "--strict"]) == 1
    import json

    data = json.loads((out / "page.report.json").read_text(encoding="utf-8"))
    story = data["stories"][0]
    assert story["overflow_chars"] > 0
    assert story["overflow_chars"] == len(story["overflow_text"].replace(" ", ""))
