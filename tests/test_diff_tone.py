"""`typeset diff` sees tone: 3 % tone over 1 mm² by default, the tolerance as options."""

from __future__ import annotations

from pathlib import Path

import pytest

from typeset import display as D
from typeset.cli import main
from typeset.render.pdf import render_pdf
from typeset.review.diff import compare
from typeset.review.raster import render_pages

MM = 72 / 25.4


def tint_page(path: Path, k: float, size_mm: float = 20.0) -> Path:
    """A page with one K tint box of `size_mm` square."""
    page = D.Page(100 * MM, 100 * MM)
    page.items.append(D.Rect(20 * MM, 20 * MM, size_mm * MM, size_mm * MM, fill=(0, 0, 0, k)))
    render_pdf([page], {}, path)
    return path


@pytest.fixture(scope="module")
def tints(tmp_path_factory):
    d = tmp_path_factory.mktemp("tints")
    return {name: tint_page(d / f"{name}.pdf", k, s) for name, k, s in [
        ("t10", 0.10, 20), ("t10b", 0.10, 20), ("t15", 0.15, 20), ("t12", 0.12, 20),
        ("tiny-a", 0.0, 0.5), ("tiny-b", 0.5, 0.5)]}


def test_tint_10_to_15_percent_is_reported(tints, capsys):
    assert main(["diff", str(tints["t10"]), str(tints["t15"])]) == 1
    out = capsys.readouterr().err
    assert "page 1:" in out and "% tone" in out, out
    old, new = render_pages(tints["t10"], 100, grey=True)[0], render_pages(tints["t15"], 100, grey=True)[0]
    d = compare(old, new, 100)
    assert not d.same and len(d.regions) == 1
    r = d.regions[0]
    # tone is measured on the grey render: pdfium prints the 5 % K step as 10 grey levels (3.9 %)
    assert r.area == pytest.approx(400, rel=0.05) and 3.0 <= r.tone <= 5.5, r


def test_identical_renders_are_the_same(tints, capsys):
    assert main(["diff", str(tints["t10"]), str(tints["t10b"])]) == 0
    assert "pages are the same" in capsys.readouterr().err
    a, b = (render_pages(tints[n], 100, grey=True)[0] for n in ("t10", "t10b"))
    assert compare(a, b, 100).same and compare(a, b, 100, tone=0.1, area=0).same


def test_tone_tolerance_is_an_option(tints, capsys):
    """10 % → 12 % is a 2 % step: under the default 3 %, caught with --tone 1.5."""
    assert main(["diff", str(tints["t10"]), str(tints["t12"])]) == 0
    assert main(["diff", str(tints["t10"]), str(tints["t12"]), "--tone", "1.5"]) == 1
    assert main(["diff", str(tints["t10"]), str(tints["t15"]), "--tone", "6"]) == 0
    capsys.readouterr()


def test_area_tolerance_is_an_option(tints, capsys):
    """A 0.5 × 0.5 mm mark (0.25 mm²) is under the default 1 mm², caught with --area 0.1."""
    assert main(["diff", str(tints["tiny-a"]), str(tints["tiny-b"])]) == 0
    assert main(["diff", str(tints["tiny-a"]), str(tints["tiny-b"]), "--area", "0.1"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("opt", [["--tone", "0"], ["--tone", "150"], ["--area", "-1"]])
def test_bad_tolerance_exits_2(tints, capsys, opt):
    assert main(["diff", str(tints["t10"]), str(tints["t15"]), *opt]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--tone" in err


def test_page_regression_uses_the_same_tolerance():
    from typeset.pytest_plugin import PageRegression
    from typeset.review.diff import DEFAULT_AREA, DEFAULT_TONE

    assert (PageRegression.IMAGE_TONE, PageRegression.IMAGE_AREA) == (DEFAULT_TONE, DEFAULT_AREA) == (3.0, 1.0)
