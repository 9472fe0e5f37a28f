"""pytest plugin: the `page_regression` fixture for newspapers that keep page specs in a repo.

    def test_front_page(page_regression):
        page_regression.check("layouts/front.yaml")

It renders the spec, compares the display-list snapshot (pytest-regressions' data_regression,
rounded YAML: any change of text, font, size or position beyond the rounding fails) and the
page image (pypdfium2, grey, 72 dpi) with the references stored beside the test.

What the image comparison tolerates is the `typeset diff` default, nothing more: a change
fails when pixels differ by 3 % tone or more (of full black) over 1 mm² or more of the page
(about 8 pixels at 72 dpi); smaller differences are ignored. Change IMAGE_TONE / IMAGE_AREA
on `PageRegression` to tighten or loosen it. pdfium is pinned, so unchanged pages render to
identical pixels and the tolerance only matters for real changes too small to see. On a mismatch it writes `<name>.obtained.png` and `<name>.diff.png`
(changed regions outlined in red) next to the reference. `--force-regen` rewrites references.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from typeset.review.diff import DEFAULT_AREA, DEFAULT_TONE, compare

IMAGE_DPI = 72        # reference images: small to store, still several pixels per character


class PageMismatch(AssertionError):
    pass


class PageRegression:
    IMAGE_TONE = DEFAULT_TONE     # % tone: smaller pixel differences are not a change
    IMAGE_AREA = DEFAULT_AREA     # mm²: smaller changed areas are not a change

    def __init__(self, data_regression, reference_dir: Path, out_dir: Path,
                 force_regen: bool = False) -> None:
        self.data_regression = data_regression
        self.reference_dir = Path(reference_dir)
        self.out_dir = Path(out_dir)
        self.force_regen = force_regen

    def check(self, spec: str | Path, basename: str | None = None):
        """Render `spec` and compare it with its references; returns the RenderResult."""
        from PIL import Image

        from typeset import pipeline
        from typeset.review.raster import render_pages

        spec = Path(spec)
        name = basename or spec.stem
        result = pipeline.render(spec, self.out_dir, preflight=False)
        page = render_pages(result.pdf, IMAGE_DPI, grey=True)[0]
        ref = self.reference_dir / f"{name}-page.png"
        if self.force_regen or not ref.exists():
            ref.parent.mkdir(parents=True, exist_ok=True)
            page.save(ref, optimize=True)
            if not self.force_regen:
                raise PageMismatch(f"no reference image yet; stored {ref} (run again)")
            self._check_display(result, name)
            return result
        with Image.open(ref) as stored:
            diff = compare(stored.copy(), page, IMAGE_DPI, self.IMAGE_TONE, self.IMAGE_AREA)
        mismatch = not diff.same
        if mismatch:
            obtained = ref.with_name(f"{name}-page.obtained.png")
            diff_png = ref.with_name(f"{name}-page.diff.png")
            page.save(obtained)
            diff.image.save(diff_png)
        self._check_display(result, name)   # a changed display list fails here, with its diff
        if mismatch:
            where = "; ".join(str(r) for r in diff.regions[:5])
            raise PageMismatch(
                f"page image of {spec.name} changed: {diff.changed_pixels} pixels, "
                f"{diff.changed_area_mm2:.1f} mm² in {len(diff.regions)} regions ({where}; "
                f"{diff.tolerance()}). "
                f"See {diff_png}; run with --force-regen if the change is intended.")
        return result

    def _check_display(self, result, name: str) -> None:
        from typeset.snapshot import display_snapshot

        if self.data_regression is not None:
            self.data_regression.check(display_snapshot(result.layout.page),
                                       basename=f"{name}-display")


@pytest.fixture
def page_regression(request, tmp_path):
    """Render a page spec and compare its display list and page image with stored references."""
    data_regression = request.getfixturevalue("data_regression")
    original = Path(request.node.fspath).with_suffix("")
    return PageRegression(data_regression, original, tmp_path / "pages",
                          bool(request.config.getoption("force_regen", False)))
