"""Render benchmark: cold (new process) and warm (same process) render of each sample page.

    .venv/bin/python bench/bench_render.py [layouts/lead-article.yaml ...] [--runs 5]

Prints the median and spread of wall time, the peak resident memory of a cold run and the PDF
size. Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cold(spec: Path, out: Path) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "typeset", "render", str(spec), "-o", str(out), "-q",
                    "--no-preflight"], check=True)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def warm(spec: Path, out: Path, runs: int) -> list[float]:
    from typeset import pipeline

    pipeline.render(spec, out, preflight=False)   # load fonts, models
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pipeline.render(spec, out, preflight=False)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("specs", nargs="*", type=Path,
                    default=[ROOT / "layouts" / "lead-article.yaml", ROOT / "layouts" / "sample-page.yaml"])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for spec in args.specs:
            colds, peaks = [], []
            for _ in range(args.runs):
                t, peak = cold(spec, out)
                colds.append(t)
                peaks.append(peak)
            warms = warm(spec, out, args.runs)
            pdf = out / f"{spec.stem}.pdf"
            print(f"{spec.name}: cold median {statistics.median(colds):.2f} s "
                  f"(min {min(colds):.2f}, max {max(colds):.2f}); warm median "
                  f"{statistics.median(warms):.2f} s (min {min(warms):.2f}, max {max(warms):.2f}); "
                  f"peak RSS {max(peaks) / 1024:.0f} MiB; PDF {pdf.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
