"""A page worker's memory does not grow with the pages it sets, judged from outside: the kernel's
figures in /proc (VmHWM, VmRSS, smaps_rollup) of the worker and the processes it forks, sampled
while a real `typeset render EDITION` runs, never the workers' own records."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; forks workers")

# five pages of four stories each, every story different: a worker that kept what its pages
# loaded (the glyphs, shaping results and paragraphs of each story) would grow from page to page
STORIES = sorted(p.stem for p in (ROOT / "content").glob("*.md")
                 if not p.stem.startswith(("photo-", "jump-"))
                 and not p.stem.endswith("-briefs"))[:20]
BLOCK = """\
  - id: s{n}
    article: ../content/{story}.md
    headline_lines: 5
    title_size: 18pt
    column: {column}
    columns: 2
    line: 1
    lines: 60
"""
EDITION = """\
edition: {{paper: 测试日报, code: CSRB, date: 2024-01-02}}
defaults:
  page: {{size: [390mm, 330mm]}}
  grid: {{columns: 8, column_chars: 13, lines: 60}}
  fonts: ../fonts/roles.yaml
  print: {{preflight: false}}
pages:
{pages}"""


def _edition(tmp: Path, pages: int, first: int = 0) -> Path:
    import shutil

    if not (tmp / "content").exists():
        for d in ("content", "fonts"):
            shutil.copytree(ROOT / d, tmp / d)
        (tmp / "typeset.toml").write_text("")
        (tmp / "ed").mkdir()
    numbers = range(first, first + pages)
    for n in numbers:
        blocks = "".join(BLOCK.format(n=k, story=STORIES[4 * n + k], column=1 + 2 * k)
                         for k in range(4))
        (tmp / "ed" / f"p{n}.yaml").write_text("blocks:\n" + blocks, encoding="utf-8")
    path = tmp / "ed" / f"ed-{first}-{pages}.yaml"
    path.write_text(EDITION.format(pages="".join(f"  - file: p{n}.yaml\n" for n in numbers)),
                    encoding="utf-8")
    return path


def _worker_trees(edition: Path, out: Path) -> list[tuple[int, int, int]]:
    """Render with one worker; per worker: (its tree's peak, its own VmHWM, page children), KiB."""
    from typeset.procmem import TreeSampler

    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(edition), "-o",
                             str(out), "-q", "--jobs", "1", "--preview-dpi", "0"],
                            cwd=edition.parent.parent)
    with TreeSampler(proc.pid) as sampler:
        _, status, _ = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1), status
    tree = sampler.tree
    return [(tree.worker_peak(w), tree.hwm[w], len(tree.children_of(w))) for w in tree.workers()]


def test_a_workers_peak_does_not_grow_with_the_pages_it_sets(tmp_path):
    assert len(STORIES) == 20
    _worker_trees(_edition(tmp_path, 5), tmp_path / "o")   # fills the disk cache: the runs
    #               compared then load alike (no font reading)
    # the last two pages of the five alone: a worker that sets them after three others holds
    # no more than one that sets only them (pages differ in size, so the same pages are compared)
    two = _worker_trees(_edition(tmp_path, 2, first=3), tmp_path / "o2")
    eight = _worker_trees(_edition(tmp_path, 5), tmp_path / "o8")
    assert len(two) == len(eight) == 1, (two, eight)
    (peak2, own2, kids2), (peak8, own8, kids8) = two[0], eight[0]
    assert (kids2, kids8) == (2, 5)   # each page in a child of its own
    # the worker itself holds no page: it stays as it was after its warm-up
    assert own8 <= own2 + 3 * 1024, (own2, own8)
    # and its tree (the worker and the page child it forked, shared pages counted once) peaks
    # at one page's, whether it sets two pages or five
    assert peak8 <= peak2 + 4 * 1024, (peak2, peak8)


# what a worker may hold that a page set alone does not: the worker's own machinery
WORKER_ONLY = ("multiprocessing", "socket", "_socket", "__mp_main__", "typeset.edition.pool")


def _modules(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_a_worker_warms_up_only_what_a_page_loads_itself(tmp_path):
    """Every page's process shares its worker's warm state: a module the warm-up loads that a
    page alone would not (forty image plugins, say) is weight in every page and in no page
    alone. The page: the sample edition's front page with preflight and preview, its second
    run (the disk cache filled, as in an edition's every page but the first)."""
    page = f"""
from pathlib import Path
from typeset.edition.plan import plan_edition
from typeset.edition.spec import load_edition
from typeset.edition.task import run_page
plan = plan_edition(load_edition(Path("layouts/sample-edition.yaml")))
out = run_page(plan.job(0, render=True, preflight=True, preview_dpi=50,
                        deliver_to={str(tmp_path)!r}))
assert not out["error"], out["error"]
"""
    _modules(page)   # fills the disk cache
    alone = _modules(page)
    warm = _modules("from typeset.edition.pool import warm_up\nwarm_up()")
    extra = {m for m in warm - alone if not m.startswith(WORKER_ONLY)}
    assert not extra, sorted(extra)
