"""Edition benchmark: a 16-page edition rendered with --jobs 1, --jobs 2 and on a Dask cluster.

    .venv/bin/python bench/bench_edition.py [--pages 16] [--runs 3] [--no-dask]

Each render is a fresh `typeset render EDITION` process (fonts loaded, previews and preflight
included: the whole night's work). Prints the median wall times, the ratio jobs 2 / jobs 1, the
load average before and after (the machine may be shared), whether every output file is the same
byte for byte across the three ways, and the peak memory of each worker against one page
rendered alone. Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pages 1–3 are the sample edition's (two jumps); then these, in turn (the sample page's jump
# block shows its own file: one story cannot continue on every page)
FILLERS = ["sample-page.yaml", "lead-article.yaml"]


def make_edition(tmp: Path, pages: int) -> Path:
    for d in ("layouts", "content", "fonts"):
        shutil.copytree(ROOT / d, tmp / d)
    (tmp / "typeset.toml").write_text("")
    lay = tmp / "layouts"
    entries = ["  - file: sample-edition/front.yaml\n    section: 要闻\n",
               "  - file: sample-page.yaml\n    section: 综合新闻\n",
               "  - file: sample-edition/economy.yaml\n    section: 经济\n"]
    for n in range(4, pages + 1):
        src = lay / FILLERS[(n - 4) % len(FILLERS)]
        text = src.read_text(encoding="utf-8").replace("continues: front-lead", "")
        text = text.replace("../../content", "../content")
        dst = lay / f"bench-{n:02d}.yaml"
        dst.write_text(text, encoding="utf-8")
        entries.append(f"  - file: {dst.name}\n    section: 第{n}版\n")
    head = (ROOT / "layouts" / "sample-edition.yaml").read_text(encoding="utf-8")
    head = head[:head.index("pages:")]
    path = lay / "bench-edition.yaml"
    path.write_text(head + "pages:\n" + "".join(entries), encoding="utf-8")
    return path


CPU: list[float] = []   # CPU seconds (user + system) of the last run, all its processes


def run(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of the biggest child process of one CLI run; its CPU time
    (the typeset process, its page workers and Ghostscript) goes to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "typeset", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[:] = [after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime]
    return wall, max(before.ru_maxrss, after.ru_maxrss)


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def control(n: int = 6_000_000, tasks: int = 4) -> float:
    """Wall-time ratio of a pure-Python CPU loop in 2 processes vs 1: what this machine gives a
    perfectly parallel job right now (on a shared machine with sched_autogroup, another
    session's load can make it far worse than 0.5)."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(tasks):
        _spin(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(2) as ex:
        t0 = time.perf_counter()
        list(ex.map(_spin, [n] * tasks))
        parallel = time.perf_counter() - t0
    return parallel / serial


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix != ".json"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    a = ap.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (1/5/15 min), {os.cpu_count()} cores")
    print(f"control (pure CPU loop, 2 processes / 1): {control():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ed = make_edition(tmp, a.pages)
        one_page = tmp / "one"
        single, single_rss = run(["render", str(ROOT / "layouts" / "sample-page.yaml"), "-o",
                                  str(one_page), "-q"])
        times: dict[int, list[float]] = {1: [], 2: []}
        cpu: dict[int, list[float]] = {1: [], 2: []}
        for r in range(a.runs):
            for jobs in (1, 2):   # alternate, so a change in load hits both alike
                t, _ = run(["render", str(ed), "-o", str(tmp / f"j{jobs}"), "-q", "--jobs",
                            str(jobs)])
                times[jobs].append(t)
                cpu[jobs].append(CPU[0])
                print(f"  run {r + 1}: --jobs {jobs}: {t:.1f} s, CPU {CPU[0]:.1f} s "
                      f"(load {os.getloadavg()[0]:.2f})")
        m1, m2 = statistics.median(times[1]), statistics.median(times[2])
        c1, c2 = statistics.median(cpu[1]), statistics.median(cpu[2])
        print(f"one page alone (sample-page, cold): {single:.1f} s, peak RSS "
              f"{single_rss / 1024:.0f} MiB")
        print(f"{a.pages} pages --jobs 1: median {m1:.1f} s (min {min(times[1]):.1f}, max "
              f"{max(times[1]):.1f}); {m1 / single:.1f}× one page")
        print(f"{a.pages} pages --jobs 2: median {m2:.1f} s (min {min(times[2]):.1f}, max "
              f"{max(times[2]):.1f}); ratio jobs 2 / jobs 1 = {m2 / m1:.2f} (target ≤ 0.60)")
        print(f"CPU time (all processes): --jobs 1 median {c1:.1f} s, --jobs 2 median {c2:.1f} s "
              f"(×{c2 / c1:.2f}: what the workers cost beyond the pages themselves)")
        report = json.loads((tmp / "j2" / "bench-edition" / "bench-edition.report.json")
                            .read_text(encoding="utf-8"))
        worker_peak = max(p["peak_rss_mib"] for p in report["pages"])
        print(f"peak RSS per worker (--jobs 2): {worker_peak:.0f} MiB; one page alone "
              f"{single_rss / 1024:.0f} MiB")
        ref = files(tmp / "j1" / "bench-edition")
        same = ref == files(tmp / "j2" / "bench-edition")
        print(f"--jobs 1 and --jobs 2: {len(ref)} files, identical bytes: {same}")
        if not a.no_dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None, silence_logs=40) as cluster:
                t, _ = run(["render", str(ed), "-o", str(tmp / "dask"), "-q", "--scheduler",
                            cluster.scheduler_address])
            same = ref == files(tmp / "dask" / "bench-edition")
            print(f"Dask LocalCluster, 2 worker processes × 1 thread: {t:.1f} s; identical "
                  f"bytes to --jobs 1: {same}")
    print(f"control (pure CPU loop, 2 processes / 1): {control():.2f}")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
