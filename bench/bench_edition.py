"""Edition benchmark: a 16-page edition rendered with --jobs 1, --jobs 2 and on a Dask cluster.

    .venv/bin/python bench/bench_edition.py [--pages 16] [--runs 3] [--no-dask] [--no-memory]

Each render is a fresh `typeset render EDITION` process (fonts loaded, previews and preflight
included: the whole night's work). Prints the median wall times, the ratio jobs 2 / jobs 1, the
load average before and after (the machine may be shared), whether every output file is the same
byte for byte across the three ways, and memory:

- per page worker, measured from outside (typeset/procmem.py samples /proc every 4 ms during one
  more render per --jobs, apart from the timed ones): the worker's own VmHWM, the largest VmHWM
  of the page children it forked, and its *tree's* peak (the worker and its page child together,
  pages they share counted once: the child's RSS plus the pages only the worker maps);
- every page of the edition set alone: a fresh process sets exactly that page's job (the same
  upstream text, PDF, preflight, 50-dpi preview) and nothing else; its peak is the kernel's
  ru_maxrss of that process (wait4). The biggest of these is "one page's render";
- the parent (the process that plans and delivers), and `typeset render sample-page.yaml` alone
  (a page spec: no preview), for reference.

Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
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


def tree_memory(ed: Path, out: Path, jobs: int) -> dict:
    """One render with the process tree sampled from outside: KiB figures per worker."""
    from typeset.procmem import TreeSampler

    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(ed), "-o", str(out),
                             "-q", "--jobs", str(jobs)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with TreeSampler(proc.pid) as sampler:
        _, status, _ = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"render --jobs {jobs} failed")
    t = sampler.tree
    workers = []
    for w in t.workers():
        kids = t.children_of(w)
        workers.append({"own": t.hwm[w], "pages": len(kids),
                        "child": max((t.hwm[k] for k in kids), default=0),
                        "tree": t.worker_peak(w)})
    return {"workers": workers, "parent": t.hwm.get(proc.pid, 0), "samples": t.samples}


def pages_alone(ed: Path) -> list[tuple[str, int]]:
    """(page name, peak KiB) of every page of the edition set alone in a fresh process."""
    import pickle

    from typeset.edition.plan import plan_edition
    from typeset.edition.pool import _slim
    from typeset.edition.run import execute
    from typeset.edition.spec import load_edition

    plan = plan_edition(load_edition(ed))
    # the text each continuation takes over, as the edition hands it on
    done = execute(plan, {"render": False, "preflight": False, "preview_dpi": 0,
                          "absolute": True}, jobs=1)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for t in plan.tasks:
            # its files written where it was set, as a worker writes them (task._finish)
            job = plan.job(t.index, render=True, preflight=True, preview_dpi=50, absolute=True,
                           deliver_to=str(Path(tmp) / "pages"))
            path = Path(tmp) / f"job-{t.index}.pickle"
            path.write_bytes(pickle.dumps((job, [_slim(done[d]) for d in t.deps])))
            peak, status = peak_of([sys.executable, __file__, "--alone", str(path)])
            if status != 0:
                raise SystemExit(f"page {t.number} alone failed")
            out.append((f"{t.number} {t.name}", peak))
    return out


def peak_of(cmd: list[str]) -> tuple[int, int]:
    """The largest VmHWM (KiB) of a command's processes, read from /proc, and its exit status.
    (Not wait4's ru_maxrss: the kernel carries the forking parent's high-water mark over exec,
    so a child of this benchmark, by then large, would report the benchmark's size.)"""
    from typeset.procmem import TreeSampler

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    with TreeSampler(proc.pid) as sampler:
        _, status, _ = os.wait4(proc.pid, 0)
    return max(sampler.tree.hwm.values(), default=0), os.waitstatus_to_exitcode(status)


def set_alone(path: str) -> None:
    """The page-alone process: one page task, nothing else."""
    import pickle

    job, upstream = pickle.loads(Path(path).read_bytes())
    from typeset.edition.task import run_page

    out = run_page(job, *upstream)
    if out["error"]:
        raise SystemExit(out["error"])


def memory(ed: Path, tmp: Path) -> None:
    mib = 1 / 1024
    # a render first, untimed: the disk cache then holds every page's font
    # facts, subsets and photo streams, as it does for the timed runs and the runs below
    subprocess.run([sys.executable, "-m", "typeset", "render", str(ed), "-o", str(tmp / "warm"),
                    "-q"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    alone = pages_alone(ed)
    name, biggest = max(alone, key=lambda x: x[1])
    print(f"one page set alone (same job, fresh process): {min(a for _, a in alone) * mib:.0f}"
          f"–{biggest * mib:.0f} MiB; the biggest: page {name}, {biggest * mib:.0f} MiB")
    cli, _ = peak_of([sys.executable, "-m", "typeset", "render",
                      str(ROOT / "layouts" / "sample-page.yaml"), "-o", str(tmp / "one"), "-q"])
    print(f"  (for reference: `typeset render sample-page.yaml`, a page spec with no preview: "
          f"{cli * mib:.0f} MiB)")
    for jobs in (1, 2):
        m = tree_memory(ed, tmp / f"mem{jobs}", jobs)
        print(f"--jobs {jobs}, measured from /proc ({m['samples']} samples): parent (plans, "
              f"delivers) {m['parent'] * mib:.0f} MiB")
        for n, w in enumerate(m["workers"], 1):
            print(f"  worker {n}: {w['pages']} pages; itself {w['own'] * mib:.0f} MiB; largest "
                  f"page child {w['child'] * mib:.0f} MiB ({w['child'] / biggest:.2f}× the "
                  f"biggest page alone); its tree (worker + page child, shared pages once) "
                  f"{w['tree'] * mib:.0f} MiB ({w['tree'] / biggest:.2f}×)")
    print("  (the tree is the figure that counts: what the machine holds for one worker at its "
          "peak; a page child alone is its lower bound)")


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix != ".json"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--alone", help=argparse.SUPPRESS)   # internal: set one page job alone
    a = ap.parse_args()
    if a.alone:
        return set_alone(a.alone)
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (1/5/15 min), {os.cpu_count()} cores")
    print(f"control (pure CPU loop, 2 processes / 1): {control():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ed = make_edition(tmp, a.pages)
        one_page = tmp / "one"
        single, _ = run(["render", str(ROOT / "layouts" / "sample-page.yaml"), "-o",
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
        print(f"one page alone (sample-page.yaml, first run): {single:.1f} s")
        print(f"{a.pages} pages --jobs 1: median {m1:.1f} s (min {min(times[1]):.1f}, max "
              f"{max(times[1]):.1f}); {m1 / single:.1f}× one page")
        print(f"{a.pages} pages --jobs 2: median {m2:.1f} s (min {min(times[2]):.1f}, max "
              f"{max(times[2]):.1f}); ratio jobs 2 / jobs 1 = {m2 / m1:.2f} (target ≤ 0.60)")
        print(f"CPU time (all processes): --jobs 1 median {c1:.1f} s, --jobs 2 median {c2:.1f} s "
              f"(×{c2 / c1:.2f}: what the workers cost beyond the pages themselves)")
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
        if not a.no_memory:
            memory(ed, tmp)
    print(f"control (pure CPU loop, 2 processes / 1): {control():.2f}")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
