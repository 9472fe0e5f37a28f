"""Reliability: interrupted and concurrent renders, limits, and characters no font has."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time


from conftest import ROOT, copy_project, run_tool

SEED_TEXT = (ROOT / "tests" / "data" / "seed-page-text.txt").read_text(encoding="utf-8")


def cli(*args: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "typeset", *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def test_killed_render_leaves_the_previous_pdf_untouched(tmp_path):
    proj = copy_project(tmp_path)
    spec = proj / "layouts" / "sample-page.yaml"
    out = tmp_path / "out"
    story = proj / "content" / "lead-article.md"
    original = story.read_text(encoding="utf-8")
    story.write_text(original.replace("深冬时节", "初冬时节"), encoding="utf-8")
    assert cli("render", str(spec), "-o", str(out), "-q", "--no-preflight").returncode == 0
    previous = (out / "sample-page.pdf").read_bytes()
    story.write_text(original, encoding="utf-8")
    reference = tmp_path / "ref"
    assert cli("render", str(spec), "-o", str(reference), "-q", "--no-preflight").returncode == 0
    new = (reference / "sample-page.pdf").read_bytes()
    assert new != previous
    outcomes = set()
    # from before the PDF can be written (a warm render of the sample page now takes about
    # 0.3 s in all) to after it is
    for delay in (0.05, 0.15, 0.3, 0.8, 1.2, 1.6, 2.0, 2.4):
        proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(spec), "-o",
                                 str(out), "-q", "--no-preflight"])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = (out / "sample-page.pdf").read_bytes()
        assert now in (previous, new), f"partial PDF after a kill at {delay}s"
        outcomes.add("old" if now == previous else "new")
        names = sorted(p.name for p in out.iterdir())
        assert names == ["sample-page.pdf", "sample-page.report.json"], names
        if now == new:   # start over from the old file for the next kill
            (out / "sample-page.pdf").write_bytes(previous)
    assert "old" in outcomes


def test_sigterm_stops_cleanly(tmp_path):
    """A render killed with SIGTERM in the middle of its layout stops with status 130, says so,
    and leaves neither PDF nor report behind."""
    proj = copy_project(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", "-v",
                             str(proj / "layouts" / "sample-page.yaml"), "-o", str(out)],
                            stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:                 # wait until layout is under way (handler in place)
        seen.append(line)
        if "layout zhengwu" in line:         # the 6th of 11 blocks: mid-way through the page
            break
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=60)
    err = "".join(seen) + rest
    assert any("layout zhengwu" in ln for ln in seen), err
    assert "writing" not in "".join(seen), err          # signalled before any output began
    assert "Traceback" not in err
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted" in err
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())


def test_two_renders_at_once_do_not_corrupt_each_other(tmp_path):
    proj = copy_project(tmp_path)
    spec = str(proj / "layouts" / "sample-page.yaml")
    out = tmp_path / "out"
    ref = tmp_path / "ref"
    assert cli("render", spec, "-o", str(ref), "-q", "--no-preflight").returncode == 0
    procs = [subprocess.Popen([sys.executable, "-m", "typeset", "render", spec, "-o", str(out),
                               "-q", "--no-preflight"]) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert (out / "sample-page.pdf").read_bytes() == (ref / "sample-page.pdf").read_bytes()
    assert "No syntax or stream encoding errors" in run_tool("qpdf", "--check", str(out / "sample-page.pdf"))
    json.loads((out / "sample-page.report.json").read_text(encoding="utf-8"))


def _limited():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))   # 6 GiB of address space


def test_a_200000_character_article_reports_its_overflow_in_bounded_time(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "typeset.toml").write_text("")
    text = (SEED_TEXT.replace("\n", "") * 40)[:200_000]
    (folder / "story.md").write_text("---\ntitle: 超长文章\n---\n" + text + "\n", encoding="utf-8")
    (folder / "page.yaml").write_text(
        "blocks:\n  - article: story.md\n    column: 1\n    columns: 8\n    line: 1\n    lines: 118\n",
        encoding="utf-8")
    done = cli("render", str(folder / "page.yaml"), "-o", str(tmp_path / "out"), "--no-preflight",
               timeout=180, preexec_fn=_limited)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "page.report.json").read_text(encoding="utf-8"))
    story = report["stories"][0]
    placed = story["used_lines"]
    assert story["status"] == "overflow" and placed == story["capacity_lines"]
    assert 150_000 < story["overflow_chars"] < 200_000
    assert story["overflow_lines"] > 10_000


def _spec_with_rules(n: int) -> str:
    blocks = []
    for i in range(n):
        col, line = i % 8 + 1, i // 8 + 1
        blocks.append(f"  - {{id: r{i}, type: rule, column: {col}, columns: 1, line: {line}, lines: 1}}")
    return "blocks:\n" + "\n".join(blocks) + "\n"


def test_500_elements_render_and_501_are_refused(tmp_path):
    (tmp_path / "typeset.toml").write_text("")
    ok = tmp_path / "ok.yaml"
    ok.write_text(_spec_with_rules(500), encoding="utf-8")
    done = cli("render", str(ok), "-o", str(tmp_path / "out"), "-q", timeout=180)
    assert done.returncode == 0, done.stderr
    too_many = tmp_path / "many.yaml"
    too_many.write_text(_spec_with_rules(501), encoding="utf-8")
    done = cli("render", str(too_many), "-o", str(tmp_path / "out2"), timeout=60)
    assert done.returncode == 2 and "more than a page can hold (500)" in done.stderr


def test_rare_characters_use_a_fallback_font_or_the_missing_mark(tmp_path):
    folder = tmp_path / "rare"
    folder.mkdir()
    (folder / "typeset.toml").write_text("")
    rare_b = chr(0x2A6D6)     # CJK Extension B: not in Noto CJK, in HanaMinB
    unknown = chr(0x31350)    # CJK Extension H: in no installed font
    (folder / "story.md").write_text(
        f"---\ntitle: 生僻字\n---\n这里有一个生僻字{rare_b}和一个没有字体的字{unknown}在段落里。\n",
        encoding="utf-8")
    (folder / "page.yaml").write_text(
        "fonts: roles.yaml\nblocks:\n  - article: story.md\n    column: 1\n    columns: 2\n"
        "    line: 1\n    lines: 20\n", encoding="utf-8")
    shutil.copy(ROOT / "fonts" / "roles.yaml", folder / "roles.yaml")
    done = cli("render", str(folder / "page.yaml"), "-o", str(tmp_path / "out"), "--no-preflight")
    assert done.returncode == 0, done.stderr
    assert "U+31350" in done.stderr and "〓" in done.stderr
    report = json.loads((tmp_path / "out" / "page.report.json").read_text(encoding="utf-8"))
    assert any("U+2A6D6" in k and "HanaMinB" in v for k, v in report["fallback_glyphs"].items())
    assert any("U+31350" in m and "character 19" in m for m in report["missing_glyphs"])
    text = run_tool("pdftotext", str(tmp_path / "out" / "page.pdf"), "-")
    assert rare_b in text
    assert unknown in text        # drawn as 〓, but copy and search still give the character
    fonts = run_tool("pdffonts", str(tmp_path / "out" / "page.pdf"))
    assert "HanaMinB" in fonts


def test_atomic_write_names_an_anonymous_file_only_when_complete(tmp_path, monkeypatch):
    """On Linux write_atomic fills a nameless O_TMPFILE and links it under a temporary name only
    when it is whole (atomic._link_fd): the link must work, or every write would silently take
    the named-temporary-file path that a kill can leave behind."""
    import os

    from typeset import atomic

    links = []
    real = atomic._link_fd
    monkeypatch.setattr(atomic, "_link_fd", lambda fd, name: links.append(real(fd, name)) or
                        links[-1])
    target = tmp_path / "page.pdf"
    atomic.write_atomic(target, b"%PDF-1.4 first")
    atomic.write_atomic(target, b"%PDF-1.4 second")
    assert target.read_bytes() == b"%PDF-1.4 second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.pdf"]
    if hasattr(os, "O_TMPFILE"):
        assert links == [True, True]
