"""`typeset proof` and `typeset watch --proof`, checked in Debian's Chromium (driven by
Playwright, using the system browser: nothing is downloaded)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_project
from test_fit import missized
from typeset.cli import main
from typeset.review.proof import STATE_COLOURS

SAMPLE = ROOT / "layouts" / "sample-page.yaml"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A fresh Chromium profile per test module."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed here (scripts/setup.sh installs it "
                    "with apt-get; without apt-get there is no browser to test the proof in)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            args=BROWSER_ARGS, headless=True, viewport={"width": 1400, "height": 1000})
        ctx.route(re.compile(r"^(?!file:|data:|http://127\.0\.0\.1).*"), lambda r: r.abort())
        yield ctx
        ctx.close()


def proof(spec: Path, out: Path, capsys) -> tuple[Path, dict]:
    assert main(["fit", "--json", str(spec)]) in (0, 1)
    fit = json.loads(capsys.readouterr().out)["pages"][0]
    assert main(["proof", str(spec), "-o", str(out)]) == 0
    return out / "index.html", fit


def marked_blocks(page) -> dict:
    return {d["id"]: d for d in page.eval_on_selector_all(".block", """els => els.map(e => {
        const r = e.getBoundingClientRect();
        return {id: e.dataset.id, kind: e.dataset.kind, state: e.dataset.state,
                colour: getComputedStyle(e).borderTopColor, label: e.innerText,
                visible: r.width > 0 && r.height > 0, x: r.x, y: r.y, w: r.width, h: r.height};
    })""")}


# --- without a browser: the file itself -------------------------------------------------------

def test_proof_is_self_contained(tmp_path, capsys):
    index, _ = proof(SAMPLE, tmp_path / "proof", capsys)
    text = index.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)   # no network at all
    assert "<link" not in text and "@import" not in text


def test_proof_of_a_bad_spec_shows_the_error_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("blocks:\n  - {id: a, type: rule, colums: 2}\n", encoding="utf-8")
    assert main(["proof", str(bad), "-o", str(tmp_path / "proof")]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'colums'" in err
    text = (tmp_path / "proof" / "index.html").read_text(encoding="utf-8")
    assert "unknown key &#x27;colums&#x27;" in text and 'id="page-image"' not in text


# --- in Chromium --------------------------------------------------------------------------------

def test_every_block_of_the_sample_page_is_marked_in_its_fit_colour(browser, tmp_path, capsys):
    index, fit = proof(SAMPLE, tmp_path / "proof", capsys)
    page = browser.new_page()
    page.goto(index.as_uri())
    img = page.eval_on_selector("#page-image", "e => [e.naturalWidth, e.getBoundingClientRect().width]")
    assert img[0] > 1000 and img[1] > 500               # the page image loaded and is shown
    marks = marked_blocks(page)
    spec_ids = [b["id"] for b in yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["blocks"]]
    assert sorted(marks) == sorted(spec_ids)
    box = page.eval_on_selector("#page", "e => e.getBoundingClientRect().toJSON()")
    for b in fit["blocks"]:
        m = marks[b["id"]]
        assert m["visible"] and m["kind"] == b["kind"] and m["state"] == b["state"]
        assert m["colour"] == rgb(STATE_COLOURS[b["state"]]), b["id"]
        assert b["id"] in m["label"] and b["kind"] in m["label"]
        assert box["x"] <= m["x"] and m["x"] + m["w"] <= box["x"] + box["width"] + 1
    page.close()


def test_colours_follow_the_fit_report_of_a_missized_page(browser, tmp_path, capsys):
    index, fit = proof(missized(tmp_path), tmp_path / "proof", capsys)
    page = browser.new_page()
    page.goto(index.as_uri())
    marks = marked_blocks(page)
    states = {b["id"]: b["state"] for b in fit["blocks"]}
    assert {"fits", "short", "over", "problem"} <= set(states.values())
    for block_id, state in states.items():
        assert marks[block_id]["colour"] == rgb(STATE_COLOURS[state]), block_id
    assert len({marks[i]["colour"] for i in ("lead", "gongshilan", "bangchu", "zhengwu")}) == 4
    page.close()


def test_click_shows_spec_line_and_fit_figures_and_grid_toggles(browser, tmp_path, capsys):
    index, fit = proof(missized(tmp_path), tmp_path / "proof", capsys)
    lead = next(b for b in fit["blocks"] if b["id"] == "lead")
    page = browser.new_page()
    page.goto(index.as_uri())
    page.click('.block[data-id="lead"]')
    info = page.inner_text("#info")
    assert f"missized.yaml:{lead['line']}" in info
    assert "has 33, needs 40" in info and "lines 33 → 40" in info
    assert page.is_hidden("#grid")
    page.check("#grid-toggle")
    assert page.is_visible("#grid")
    assert page.eval_on_selector_all(".gline", "els => els.length") == 118
    page.close()


def test_watch_proof_reloads_the_browser_after_an_edit(browser, tmp_path):
    proj = copy_project(tmp_path)
    spec = proj / "layouts" / "sample-page.yaml"
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "watch", "--proof", str(spec),
                             "-o", str(out)], stderr=subprocess.PIPE, text=True, env=env,
                            cwd=proj)
    try:
        first = proc.stderr.readline()
        m = re.search(r"proof: (http://127\.0\.0\.1:\d+/)", first)
        assert m, first
        deadline = time.monotonic() + 120
        while not (out / "proof" / "version.json").exists():
            assert time.monotonic() < deadline and proc.poll() is None, "no proof written"
            time.sleep(0.2)
        page = browser.new_page()
        page.goto(m.group(1))
        assert page.get_attribute('.block[data-id="jump"]', "data-state") == "fits"
        page.evaluate("window.__before_edit = true")
        text = spec.read_text(encoding="utf-8").replace(
            "    line: 102\n    lines: 17\n", "    line: 102\n    lines: 12\n")
        spec.write_text(text, encoding="utf-8")
        page.wait_for_function(
            """() => window.__before_edit === undefined &&
                     document.querySelector('.block[data-id="jump"]')?.dataset.state === "over" """,
            timeout=120_000)
        assert "lines 12 → 17" in page.evaluate(
            "JSON.parse(document.getElementById('fit-data').textContent)"
            ".blocks.find(b => b.id === 'jump').proposal")
        # a broken spec: the browser shows the error instead of the page
        spec.write_text(text.replace("columns: 6", "colums: 6", 1), encoding="utf-8")
        page.wait_for_selector("#error", timeout=120_000)
        assert "colums" in page.inner_text("#error")
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_proof_of_several_pages_lists_them_and_goes_on_past_a_broken_one(browser, tmp_path,
                                                                          capsys):
    proj = copy_project(tmp_path)
    broken = proj / "layouts" / "broken.yaml"
    broken.write_text("blocks:\n  - {id: a, article: nowhere.md, column: 1, columns: 2, "
                      "line: 1, lines: 10}\n", encoding="utf-8")
    specs = [proj / "layouts" / "sample-page.yaml", broken, proj / "layouts" / "lead-article.yaml"]
    out = tmp_path / "proof"
    assert main(["proof", *map(str, specs), "-o", str(out)]) == 2
    assert "nowhere.md" in capsys.readouterr().err
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    rows = page.eval_on_selector_all("tr[data-page]", "els => els.map(e => e.innerText)")
    assert len(rows) == 3 and "error" in rows[1] and "nowhere.md" in rows[1]
    assert "fits 11" in rows[0]
    page.click('tr[data-page="lead-article"] a')
    page.wait_for_selector('.block[data-id="lead"]')
    assert page.get_attribute('.block[data-id="lead"]', "data-state") == "fits"
    page.goto((out / "broken.html").as_uri())
    assert "nowhere.md" in page.inner_text("#error")
    page.close()


@pytest.mark.parametrize("bleed", ["0mm", "3mm"])
def test_outlines_sit_on_the_ink_of_the_page_image(tmp_path, capsys, bleed):
    """The page image in the proof and the block outlines over it agree: nearly all dark pixels
    below the page header fall inside some block's outline (with bleed and crop marks too)."""
    import base64
    import io

    from PIL import Image

    spec = copy_project(tmp_path) / "layouts" / "sample-page.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "print:\n", f"print:\n  bleed: {bleed}\n", 1), encoding="utf-8")
    index, fit = proof(spec, tmp_path / "proof", capsys)
    text = index.read_text(encoding="utf-8")
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1))
    img = Image.open(io.BytesIO(png)).convert("L")
    scale = img.width / fit["page_size"][0]
    inside = Image.new("L", img.size, 0)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(inside)
    for b in fit["blocks"]:
        x, y, w, h = (v * scale for v in b["box"])
        draw.rectangle([x - 1, y - 1, x + w + 1, y + h + 1], fill=255)
    top = round(fit["grid"]["top"] * scale)      # below the 报眉
    dark = covered = 0
    px, mask = img.load(), inside.load()
    for yy in range(top, img.height):
        for xx in range(img.width):
            if px[xx, yy] < 128:
                dark += 1
                covered += mask[xx, yy] > 0
    assert dark > 10_000 and covered / dark > 0.99, (covered, dark)
    # the image is shown stretched over the page's box: it must be the trimmed page, and a
    # justified story's text runs from its outline's left edge to its right edge
    pw, ph = fit["page_size"]
    assert abs(img.width / img.height - pw / ph) < 0.001, (img.size, pw, ph)
    for b in fit["blocks"]:
        if b["id"] not in ("lead", "bangchu", "gongshilan", "zhengwu"):
            continue
        x, y, w, h = (round(v * scale) for v in b["box"])
        cols = [xx for xx in range(x - 3, x + w + 3)     # ±3 px: not the column rules
                if any(px[xx, yy] < 128 for yy in range(y + h // 2, y + h - 5))]
        assert abs(cols[0] - x) <= 2 and abs(cols[-1] - (x + w)) <= 2, (b["id"], cols[0], cols[-1], x, w)
