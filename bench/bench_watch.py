"""Watch benchmark: re-render the sample page after editing one paragraph, in one process.

    .venv/bin/python bench/bench_watch.py [--runs 7] [--spec layouts/sample-page.yaml] [--write]

Copies the spec's project (layouts/, content/, fonts/) into a temporary folder, renders once to
warm up, then edits one paragraph at a time — alternating between paragraphs of different
stories, each edit adding or taking out a character — and times the re-render two ways,
alternately: `incremental` (what `typeset watch` does: watch.Renderer with its kept layout and
results) and `full` (the whole pipeline again in the same warm process, as watch did before).
Prints medians of wall and CPU time and each part of an incremental re-render, and checks that
the last incremental PDF and report are byte-identical to a cold `typeset render` in a new
process. --write saves the table to bench/results_watch.md (quoted in the README). Timing
lives here, never in the tests. No preflight (watch runs none) and no previews.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (content file, text to find): one paragraph each in the lead, a feature and the briefs
PARAGRAPHS = [
    ("lead-article.md", "晌午刚过"),
    ("feature-gongshilan.md", "。"),
    ("zhengwu-briefs.md", "。"),
]


def _project(tmp: Path) -> None:
    for d in ("layouts", "content", "fonts"):
        shutil.copytree(ROOT / d, tmp / d)
    (tmp / "typeset.toml").write_text("")


class _Phases:
    """CPU time of each part of a render, by wrapping the pipeline's steps."""

    def __init__(self) -> None:
        from typeset import pipeline
        from typeset.layout.memo import LayoutMemo
        from typeset.render import pdf     # pipeline imports its render_pdf when it writes

        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.on = False
        for owner, name, label in ((pipeline, "load_spec", "spec load"),
                                   (pipeline, "layout_page", "layout"),
                                   (LayoutMemo, "page_problems", "page checks"),
                                   (pdf, "render_pdf", "PDF writing"),
                                   (pipeline, "write_report", "report")):
            self._wrap(owner, name, label)

    def _wrap(self, owner, name, label) -> None:
        f = getattr(owner, name)
        phases = self

        def timed(*a, **k):
            t0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                if phases.on:
                    phases.cpu[label].append(time.process_time() - t0)
        setattr(owner, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="edits per mode (at least 5)")
    ap.add_argument("--spec", default="layouts/sample-page.yaml")
    ap.add_argument("--write", action="store_true", help="write bench/results_watch.md")
    ap.add_argument("--proof", action="store_true",
                    help="also time the HTML proof `watch --proof` writes after each incremental "
                         "re-render (not part of the re-render's figures)")
    args = ap.parse_args()
    runs = max(5, args.runs)

    from typeset import pipeline, reuse
    from typeset.review.watch import Renderer

    phases = _Phases()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _project(tmp)
        spec = tmp / args.spec
        originals = {f: (tmp / "content" / f).read_text("utf-8") for f, _ in PARAGRAPHS}
        renderer = Renderer(spec, tmp / "incremental")
        renderer.render()

        def full():
            with reuse.suspended():
                return pipeline.render(spec, tmp / "full", preflight=False)
        full()
        times: dict[str, list[tuple[float, float]]] = {"incremental": [], "full": []}
        proofs: list[tuple[float, float]] = []
        edit = 0
        for n in range(runs):
            for mode in (("incremental", "full") if n % 2 == 0 else ("full", "incremental")):
                name, anchor = PARAGRAPHS[edit % len(PARAGRAPHS)]
                extra = "又" * (edit % 2 + 1)
                (tmp / "content" / name).write_text(
                    originals[name].replace(anchor, anchor + extra, 1), "utf-8")
                edit += 1
                phases.on = mode == "incremental"
                w0, c0 = time.perf_counter(), time.process_time()
                result = renderer.render() if mode == "incremental" else full()
                times[mode].append((time.perf_counter() - w0, time.process_time() - c0))
                phases.on = False
                if args.proof and mode == "incremental":
                    from typeset.review.proof import write_proof

                    w0, c0 = time.perf_counter(), time.process_time()
                    write_proof(spec, tmp / "proof", version=edit, rendered=result)
                    proofs.append((time.perf_counter() - w0, time.process_time() - c0))
        # the last incremental state against a cold render in a new process
        renderer.render()
        cold = tmp / "cold"
        subprocess.run([sys.executable, "-m", "typeset", "render", str(spec), "-o", str(cold),
                        "-q", "--no-preflight"], check=True, cwd=ROOT)
        same = all((renderer.out_dir / f.name).read_bytes() == f.read_bytes()
                   for f in cold.iterdir())
        renderer.close()

    load = os.getloadavg()
    lines = [f"Re-render of `{args.spec}` after editing one paragraph (alternating between "
             f"{len(PARAGRAPHS)} stories), {runs} edits per mode, modes alternated; "
             f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; no preflight, no previews.",
             "",
             "| mode | wall median s | wall min–max s | CPU median s |",
             "|---|---|---|---|"]
    for mode, ts in times.items():
        walls = [t[0] for t in ts]
        cpus = [t[1] for t in ts]
        lines.append(f"| {mode} | {statistics.median(walls):.3f} | {min(walls):.3f}–"
                     f"{max(walls):.3f} | {statistics.median(cpus):.3f} |")
    if proofs:
        lines.append(f"| (proof after an incremental re-render, not included above) | "
                     f"{statistics.median(p[0] for p in proofs):.3f} | "
                     f"{min(p[0] for p in proofs):.3f}–{max(p[0] for p in proofs):.3f} | "
                     f"{statistics.median(p[1] for p in proofs):.3f} |")
    lines += ["", "| part of an incremental re-render | CPU median ms |", "|---|---|"]
    for label, cpu in phases.cpu.items():
        lines.append(f"| {label} | {statistics.median(cpu) * 1000:.1f} |")
    lines += ["", f"Last incremental PDF and report byte-identical to a cold `typeset render`: "
              f"{'yes' if same else 'NO'}"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.write:
        (ROOT / "bench" / "results_watch.md").write_text(
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n" + text, "utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
