"""One table of keys (typeset/spec/keys.py) feeds validation, the JSON Schema and the README;
every key it accepts does something."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from typeset.cli import main
from typeset.pipeline import build
from typeset.spec.keys import KINDS, keys_of, reference_markdown
from typeset.spec.schema import spec_schema


def test_readme_key_reference_is_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- keys:begin -->") + len("<!-- keys:begin -->")
    end = readme.index("<!-- keys:end -->")
    assert readme[start:end].strip() == reference_markdown().strip()


def test_schema_has_every_key_with_its_range_and_choices():
    schema = spec_schema()
    kinds = {b["title"]: b["properties"] for b in schema["properties"]["blocks"]["items"]["oneOf"]}
    assert set(kinds) == set(KINDS)
    for kind, cls in KINDS.items():
        for name, (k, _) in keys_of(cls).items():
            assert name in kinds[kind], (kind, name)
            s = kinds[kind][name]
            assert s["description"]
            if k.type == "int":
                assert (s["minimum"], s["maximum"]) == (k.low, k.high), (kind, name)
            if k.type == "choice":
                assert s["enum"] == list(k.choices)
    grid = schema["properties"]["grid"]["properties"]
    assert grid["columns"]["minimum"] == 1 and grid["columns"]["maximum"] == 20
    assert "spanned" not in grid["columns"]["description"]
    text = schema["properties"]["text"]["properties"]
    assert text["kinsoku"]["enum"] == ["basic", "gb", "strict"]
    crop = schema["properties"]["print"]["properties"]["crop_marks"]
    assert "default" not in crop and "bleed" in crop["description"]


def _spec(tmp_path: Path, block_extra: str, story: str | None = None) -> Path:
    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "s.md").write_text(story or (
        "---\ntitle: 共建美好家园 共享幸福生活\nbyline: 记者李平\n---\n"
        + "这是一段正文，内容不长，但是要多写几句，让它在栏里占几行。" * 4 + "\n"), encoding="utf-8")
    spec = tmp_path / "page.yaml"
    spec.write_text("blocks:\n  - id: a\n    article: s.md\n    column: 1\n    columns: 3\n"
                    f"    line: 1\n    lines: 30\n{block_extra}", encoding="utf-8")
    return spec


def _lines(spec: Path, owner="a"):
    _, result = build(spec)
    return [ln for ln in result.page.lines if ln.owner == owner], result


def test_byline_bottom_sets_the_byline_after_the_body(tmp_path):
    top, _ = _lines(_spec(tmp_path, ""))
    bottom, _ = _lines(_spec(tmp_path, "    byline: bottom\n"))
    kinds_top = [ln.kind for ln in top if ln.kind in ("byline", "body")]
    kinds_bottom = [ln.kind for ln in bottom if ln.kind in ("byline", "body")]
    assert kinds_top[0] == "byline" and kinds_bottom[-1] == "byline"
    by = next(ln for ln in bottom if ln.kind == "byline")
    assert "李平" in by.text


def test_title_columns_narrows_the_headline_and_fills_the_other_columns_from_the_top(tmp_path):
    story = ("---\ntitle: 共建美好家园\n---\n"
             + "这是一段正文，内容不长，但是要多写几句，让它在栏里占几行。" * 30 + "\n")
    lines, result = _lines(_spec(tmp_path, "    title_columns: 2\n    headline_lines: 6\n", story))
    head = [ln for ln in lines if ln.kind == "headline"]
    assert head and all(ln.measure == pytest.approx(result.grid.span_width(2)) for ln in head)
    col3 = [ln for ln in lines if ln.kind in ("body", "byline")
            and ln.x >= result.grid.column_x(3) - 0.1]
    col1 = [ln for ln in lines if ln.kind in ("body", "byline") and ln.x < result.grid.column_x(2)]
    assert col1 and min(ln.grid_line for ln in col1 if ln.grid_line) > 6
    assert col3 and min(ln.grid_line for ln in col3) == 1   # beside the headline: from the top


def test_photo_box_draws_a_box(tmp_path):
    from typeset import display as D

    (tmp_path / "typeset.toml").write_text("")
    photo = ROOT / "tests" / "bad-input" / "_shared" / "photo.jpg"
    (tmp_path / "p.jpg").write_bytes(photo.read_bytes())
    spec = tmp_path / "page.yaml"
    base = ("blocks:\n  - id: p\n    photo: p.jpg\n    accept_low_resolution: true\n"
            "    column: 1\n    columns: 1\n    line: 1\n    lines: 10\n")
    spec.write_text(base, encoding="utf-8")
    _, plain = build(spec)
    spec.write_text(base + "    box: true\n", encoding="utf-8")
    _, boxed = build(spec)
    rects = [it for it in boxed.page.items if isinstance(it, D.Rect) and it.owner == "p"]
    assert rects and not [it for it in plain.page.items if isinstance(it, D.Rect)]


@pytest.mark.parametrize("value, message", [
    ("four", "must be a whole number"), ("500", "must be between 1 and 40"),
    ("-3", "must be between 1 and 40"), ("[4]", "must be a whole number"),
])
def test_masthead_lines_refused_with_file_line_and_field(tmp_path, capsys, value, message):
    (tmp_path / "typeset.toml").write_text("")
    (tmp_path / "b.md").write_text("# 标题\n正文。\n", encoding="utf-8")
    spec = tmp_path / "page.yaml"
    spec.write_text("blocks:\n  - id: b\n    briefs: b.md\n    column: 1\n    columns: 3\n"
                    f"    line: 1\n    lines: 30\n    masthead_lines: {value}\n", encoding="utf-8")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:8: blocks[0].masthead_lines: {message}" in err


def test_a_hash_line_in_an_article_is_refused_not_dropped(tmp_path, capsys):
    spec = _spec(tmp_path, "", "---\ntitle: 标题\n---\n第一段。\n# 小标题\n第二段。\n")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "s.md:5" in err and "## " in err


def test_schema_command_prints_json(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["blocks"]


def test_layout_reads_no_files(tmp_path):
    """Content is parsed and photos opened at load: layout works with the files gone."""
    import shutil

    from conftest import copy_project
    from typeset.layout.page import layout_page
    from typeset.spec.load import load_spec

    proj = copy_project(tmp_path)
    spec = load_spec(proj / "layouts" / "sample-page.yaml")
    shutil.rmtree(proj / "content")
    result = layout_page(spec)
    assert any(ln.owner == "zhengwu" for ln in result.page.lines)
    assert any(getattr(it, "owner", "") == "concert" for it in result.page.items)
