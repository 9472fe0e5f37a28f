"""Every layout in layouts/ against its stored display list and page image (page_regression),
and the review tools a layout desk uses: preview, diff, schema, watch."""

from __future__ import annotations

import re

import json
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from conftest import LAYOUTS, ROOT, copy_project
from typeset.cli import main
from typeset.pytest_plugin import PageMismatch, PageRegression

from typeset.edition.spec import is_edition

PAGES = sorted(p.stem for p in LAYOUTS.glob("*.yaml") if not is_edition(p))  # editions: test_edition


@pytest.mark.parametrize("name", PAGES)
def test_page(page_regression, name):
    page_regression.check(LAYOUTS / f"{name}.yaml")


def change_one_character(proj: Path) -> None:
    story = proj / "content" / "lead-article.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("深冬时节", "初冬时节", 1), encoding="utf-8")


def test_page_regression_fails_on_one_changed_character(tmp_path):
    proj = copy_project(tmp_path)
    change_one_character(proj)
    refs = tmp_path / "refs"
    shutil.copytree(ROOT / "tests" / "test_pages", refs)
    # the display list would catch it too; here the image alone must
    checker = PageRegression(None, refs, tmp_path / "out")
    with pytest.raises(PageMismatch) as err:
        checker.check(proj / "layouts" / "lead-article.yaml")
    # one changed character is one small changed region, not the whole page
    m = re.search(r"([\d.]+) mm² in (\d+) regions?", str(err.value))
    assert m, str(err.value)
    assert int(m.group(2)) == 1 and 0 < float(m.group(1)) < 100, str(err.value)
    assert (refs / "lead-article-page.diff.png").exists()
    assert (refs / "lead-article-page.obtained.png").exists()


def test_page_regression_passes_on_the_unchanged_page(tmp_path):
    refs = ROOT / "tests" / "test_pages"
    PageRegression(None, refs, tmp_path / "out").check(LAYOUTS / "lead-article.yaml")


def test_diff_same_page_exits_0(rendered, capsys):
    pdf = str(rendered("lead-article").pdf)
    assert main(["diff", pdf, pdf]) == 0
    assert "same" in capsys.readouterr().err


def test_diff_of_two_versions_exits_1_and_shows_the_change(rendered, tmp_path, capsys):
    proj = copy_project(tmp_path)
    change_one_character(proj)
    assert main(["render", str(proj / "layouts" / "lead-article.yaml"), "-o", str(tmp_path / "new"),
                 "-q", "--no-preflight"]) == 0
    out = tmp_path / "diff.png"
    code = main(["diff", str(rendered("lead-article").pdf), str(tmp_path / "new" / "lead-article.pdf"),
                 "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "1 regions" in err and "mm²" in err
    from PIL import Image

    import numpy as np

    px = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    reds = int(((px[:, 0] > 200) & (px[:, 1] < 60) & (px[:, 2] < 90)).sum())
    assert reds > 50                       # the outline is drawn


def test_diff_errors_exit_2(tmp_path, capsys):
    (tmp_path / "junk.pdf").write_text("not a pdf")
    assert main(["diff", str(tmp_path / "junk.pdf"), str(tmp_path / "junk.pdf")]) == 2
    assert main(["diff", str(tmp_path / "none.pdf"), str(tmp_path / "junk.pdf")]) == 2


def test_preview_of_spec_and_pdf(tmp_path, rendered):
    assert main(["preview", str(LAYOUTS / "lead-article.yaml"), "-o", str(tmp_path), "--dpi", "30",
                 "-q"]) == 0
    assert (tmp_path / "lead-article-p1.png").exists()
    pdf = rendered("sample-page").pdf
    assert main(["preview", str(pdf), "-o", str(tmp_path / "g"), "--grey", "--dpi", "30", "-q"]) == 0
    from PIL import Image

    img = Image.open(tmp_path / "g" / "sample-page-p1.png")
    assert img.mode == "L" and img.width == round(390 / 25.4 * 30)


def test_schema_is_valid_and_accepts_the_samples(capsys):
    import jsonschema

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    pages = [p for p in LAYOUTS.glob("**/*.yaml") if not is_edition(p)]
    assert LAYOUTS / "sample-edition" / "economy.yaml" in pages   # a continuation, no article:
    for spec in pages:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        if "header" in data:
            data["header"]["date"] = str(data["header"]["date"])
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (spec.name, errors)
    bad = {"grid": {"colums": 8}, "blocks": [{"article": "a.md", "column": 1, "line": 1, "lines": 2}]}
    assert list(validator.iter_errors(bad))
    no_text = {"blocks": [{"id": "x", "column": 1, "line": 1, "lines": 2, "title_size": "20pt"}]}
    assert list(validator.iter_errors(no_text))   # an article needs `article:` or `continues:`


def test_watch_rerenders_when_content_changes(tmp_path):
    from typeset.review.watch import watch

    proj = copy_project(tmp_path)
    spec = proj / "layouts" / "lead-article.yaml"
    results: list = []
    stop = threading.Event()

    def on_result(result, seconds, error):
        results.append((result, seconds, error))
        if len(results) == 1:
            change_one_character(proj)
        if len(results) >= 2:
            stop.set()

    t = threading.Thread(target=watch, args=(spec, tmp_path / "out", on_result, stop, 3))
    t.start()
    t.join(timeout=120)
    stop.set()
    assert len(results) == 2 and all(e is None for _, _, e in results)
    texts = ["".join(ln.text for ln in r.layout.page.lines) for r, _, _ in results]
    assert "深冬时节" in texts[0] and "初冬时节" in texts[1]
