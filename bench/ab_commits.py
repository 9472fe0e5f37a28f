"""What each change bought: whole-process renders of one spec at several commits, alternating.

    .venv/bin/python bench/ab_commits.py fd2794a HEAD~2 HEAD --runs 7 [--spec layouts/sample-page.yaml] [--preflight]

Each commit is checked out into a temporary git worktree and rendered there with this venv's
Python (`python -m typeset` from the worktree imports the worktree's code), round-robin so that
drifting machine load hits every commit alike. Prints median wall time, median CPU time (user +
system of the render and the programs it waited for, e.g. Ghostscript), peak RSS and the
difference to the previous commit. `--no-preflight` unless `--preflight` (the default render).
The on-disk cache is shared by a commit's runs (warm) unless `--cold` (an empty one each run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(tree: Path, spec: str, out: Path, cache: Path,
             preflight: bool = False) -> tuple[float, float, float]:
    """Wall s, peak MiB and CPU s (user + system, with the children it waited for)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(tree / spec), "-o",
                             str(out), "-q", *([] if preflight else ["--no-preflight"])], cwd=tree,
                            env=dict(os.environ, XDG_CACHE_HOME=str(cache)))
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):   # 1: a preflight FAIL still rendered
        raise SystemExit(f"render failed in {tree}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("commits", nargs="+")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--spec", default="layouts/sample-page.yaml")
    ap.add_argument("--preflight", action="store_true", help="the default render, with preflight")
    ap.add_argument("--cold", action="store_true", help="an empty on-disk cache for every run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = []
        for n, c in enumerate(args.commits):
            tree = Path(tmp) / f"t{n}"
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), c], cwd=ROOT,
                           check=True)
            # compiled as scripts/setup.sh leaves an install: with PYTHONDONTWRITEBYTECODE set,
            # an uncompiled tree recompiles every module in every run (≈ 60–80 ms each)
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "typeset")],
                           stdout=subprocess.DEVNULL, check=True)
            trees.append(tree)
        try:
            rows: list[list[tuple[float, float, float]]] = [[] for _ in trees]
            for t, tree in enumerate(trees):
                run_once(tree, args.spec, Path(tmp) / "out", Path(tmp) / f"cache-{t}",
                         args.preflight)   # warm-up (and the warm cache)
            for k in range(args.runs):
                order = range(len(trees)) if k % 2 == 0 else reversed(range(len(trees)))
                for t in order:
                    cache = Path(tmp) / (f"cold-{t}-{k}" if args.cold else f"cache-{t}")
                    rows[t].append(run_once(trees[t], args.spec, Path(tmp) / "out", cache,
                                            args.preflight))
        finally:
            for tree in trees:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    print(f"{args.spec}{' with preflight' if args.preflight else ''}"
          f"{', cold cache' if args.cold else ', warm cache'}, medians of {args.runs} "
          f"alternating runs; load "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print("| commit | median s | change ms | CPU s | change ms | peak MiB |\n|---|---|---|---|---|---|")
    prev = prev_cpu = None
    for c, r in zip(args.commits, rows):
        med = statistics.median(t for t, _, _ in r)
        cpu = statistics.median(u for _, _, u in r)
        delta = "" if prev is None else f"{(med - prev) * 1000:+.0f}"
        dcpu = "" if prev_cpu is None else f"{(cpu - prev_cpu) * 1000:+.0f}"
        sha = subprocess.run(["git", "rev-parse", "--short", c], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
        print(f"| {sha} | {med:.3f} | {delta} | {cpu:.3f} | {dcpu} | {max(m for _, m, _ in r):.0f} |")
        prev, prev_cpu = med, cpu


if __name__ == "__main__":
    main()
