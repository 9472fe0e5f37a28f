"""What each change bought: whole-process renders of one spec at several commits, alternating.

    .venv/bin/python bench/ab_commits.py fd2794a HEAD~2 HEAD --runs 7 [--spec layouts/sample-page.yaml]

Each commit is checked out into a temporary git worktree and rendered there with this venv's
Python (`python -m typeset` from the worktree imports the worktree's code), round-robin so that
drifting machine load hits every commit alike. Prints median wall time, peak RSS and the
difference to the previous commit.
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


def run_once(tree: Path, spec: str, out: Path, cache: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(tree / spec), "-o",
                             str(out), "-q", "--no-preflight"], cwd=tree,
                            env=dict(os.environ, XDG_CACHE_HOME=str(cache)))
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"render failed in {tree}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("commits", nargs="+")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--spec", default="layouts/sample-page.yaml")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = []
        for n, c in enumerate(args.commits):
            tree = Path(tmp) / f"t{n}"
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), c], cwd=ROOT,
                           check=True)
            trees.append(tree)
        try:
            rows: list[list[tuple[float, float]]] = [[] for _ in trees]
            for t, tree in enumerate(trees):
                run_once(tree, args.spec, Path(tmp) / "out", Path(tmp) / "cache")   # warm-up
            for k in range(args.runs):
                order = range(len(trees)) if k % 2 == 0 else reversed(range(len(trees)))
                for t in order:
                    rows[t].append(run_once(trees[t], args.spec, Path(tmp) / "out",
                                            Path(tmp) / "cache"))
        finally:
            for tree in trees:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    print(f"{args.spec}, medians of {args.runs} alternating runs; load "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print("| commit | median s | change ms | peak MiB |\n|---|---|---|---|")
    prev = None
    for c, r in zip(args.commits, rows):
        med = statistics.median(t for t, _ in r)
        delta = "" if prev is None else f"{(med - prev) * 1000:+.0f}"
        sha = subprocess.run(["git", "rev-parse", "--short", c], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
        print(f"| {sha} | {med:.3f} | {delta} | {max(m for _, m in r):.0f} |")
        prev = med


if __name__ == "__main__":
    main()
