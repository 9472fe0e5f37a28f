"""Benchmark: our whole-process render against Typst setting the same text on the same geometry.

    .venv/bin/pip install -e '.[bench]' --config-settings editable_mode=compat   # once: typst
    .venv/bin/python bench/bench_vs_typst.py   # writes bench/results.md and bench/results.json

For the sample page and the lead article: `python -m typeset render SPEC --no-preflight` as a new
process (and, in the rows "with preflight", the default render, preflight included), cold (an empty on-disk cache: XDG_CACHE_HOME is a fresh folder each run) and warm (the
cache filled by an earlier run), alternating with a new Python process that compiles the Typst
source from bench/typst_source.py (same page, grid, body size and leading, Noto CJK fonts,
justified). Medians of --runs runs (default 7), peak memory as the child's ru_maxrss, ratios.
The operating system's file cache is warm in every run (fonts were read before); the machine's
load (`uptime`) is recorded next to the figures because a shared machine skews them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from typst_source import typst_source  # noqa: E402

SPECS = ["layouts/sample-page.yaml", "layouts/lead-article.yaml"]
# the folders of the faces the Typst source names (Debian fonts-noto-cjk, fonts-lxgw-wenkai)
FONT_DIRS = ["/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/lxgw-wenkai"]
TYPST_SCRIPT = ("import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], "
                "font_paths=sys.argv[3:], ignore_system_fonts=True)")


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def bench_spec(spec: str, runs: int, tmp: Path) -> dict:
    typ = tmp / (Path(spec).stem + ".typ")
    typ.write_text(typst_source(ROOT / spec), encoding="utf-8")
    with_preflight = [sys.executable, "-m", "typeset", "render", spec, "-o", str(tmp / "out"),
                      "-q"]
    ours = [*with_preflight, "--no-preflight"]
    typst = [sys.executable, "-c", TYPST_SCRIPT, str(typ), str(tmp / "typst.pdf"), *FONT_DIRS]
    warm_cache = tmp / "warm-cache"
    warm_env = dict(os.environ, XDG_CACHE_HOME=str(warm_cache))
    run(ours, warm_env)          # fills the warm cache (and the OS file cache)
    run(with_preflight, warm_env)
    run(typst)
    rows: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "typst": [],
                                                  "preflight cold": [], "preflight warm": []}
    for k in range(runs):
        cold_env = dict(os.environ, XDG_CACHE_HOME=str(tmp / f"cold-{k}"))
        pf_cold_env = dict(os.environ, XDG_CACHE_HOME=str(tmp / f"pf-cold-{k}"))
        order = [("cold", ours, cold_env), ("preflight warm", with_preflight, warm_env),
                 ("typst", typst, None), ("preflight cold", with_preflight, pf_cold_env),
                 ("warm", ours, warm_env)]
        if k % 2:
            order.reverse()      # alternate, so drifting load hits both sides alike
        for name, cmd, env in order:
            rows[name].append(run(cmd, env))
    med = {name: (statistics.median(t for t, _ in r), max(m for _, m in r)) for name, r in rows.items()}
    return {"spec": spec, "runs": runs,
            "seconds": {n: round(m[0], 3) for n, m in med.items()},
            "peak_mib": {n: round(m[1], 1) for n, m in med.items()},
            "all_seconds": {n: [round(t, 3) for t, _ in r] for n, r in rows.items()},
            "ratio_cold": round(med["cold"][0] / med["typst"][0], 2),
            "ratio_warm": round(med["warm"][0] / med["typst"][0], 2),
            "ratio_preflight_cold": round(med["preflight cold"][0] / med["typst"][0], 2),
            "ratio_preflight_warm": round(med["preflight warm"][0] / med["typst"][0], 2)}


def table(results: list[dict]) -> str:
    lines = ["| page | ours cold s | ours warm s | Typst s | cold ÷ Typst | warm ÷ Typst | "
             "peak MiB ours (cold) | peak MiB Typst |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        s, m = r["seconds"], r["peak_mib"]
        lines.append(f"| {Path(r['spec']).stem} | {s['cold']:.3f} | {s['warm']:.3f} | "
                     f"{s['typst']:.3f} | {r['ratio_cold']:.2f}× | {r['ratio_warm']:.2f}× | "
                     f"{m['cold']:.0f} | {m['typst']:.0f} |")
    for r in results:   # the default render: what a desk runs
        s, m = r["seconds"], r["peak_mib"]
        lines.append(f"| {Path(r['spec']).stem} with preflight | {s['preflight cold']:.3f} | "
                     f"{s['preflight warm']:.3f} | {s['typst']:.3f} | "
                     f"{r['ratio_preflight_cold']:.2f}× | {r['ratio_preflight_warm']:.2f}× | "
                     f"{m['preflight cold']:.0f} | {m['typst']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("specs", nargs="*", default=SPECS)
    args = ap.parse_args()
    import typst  # noqa: F401  (fail early with a clear message when the extra is missing)
    # measure typeset as scripts/setup.sh installs it: its modules compiled to bytecode (an
    # editable install does not, and with PYTHONDONTWRITEBYTECODE each run would compile them)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "typeset")],
                   stdout=subprocess.DEVNULL, check=True)
    import site
    if any(any(Path(d).glob("__editable___typeset_*finder.py")) for d in site.getsitepackages()):
        print("note: typeset is installed in pip's default editable mode, whose finder costs "
              "every process ≈ 3 ms at start; scripts/setup.sh installs it with "
              "--config-settings editable_mode=compat", file=sys.stderr)

    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory() as tmp:
        results = [bench_spec(spec, args.runs, Path(tmp)) for spec in args.specs]
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    from importlib.metadata import version
    info = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "typst": version("typst"),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                     capture_output=True, text=True).stdout.strip(),
            "load_before": load_before, "load_after": load_after}
    text = table(results)
    print(text)
    print(f"load average (1, 5, 15 min) before {' '.join(load_before)}, after {' '.join(load_after)}")
    args.out.with_suffix(".json").write_text(json.dumps({"machine": info, "results": results},
                                                        indent=1, ensure_ascii=False) + "\n")
    args.out.with_suffix(".md").write_text(
        f"# Benchmark: typeset against Typst\n\n"
        f"`.venv/bin/python bench/bench_vs_typst.py` — {info['date']}, commit {info['commit']}, "
        f"{info['cpus']} cores, Python {info['python']}, typst {info['typst']} (PyPI), "
        f"medians of {args.runs} alternating runs, whole processes, `--no-preflight` except "
        f"the rows with preflight (the default render).\n"
        f"Load average (1/5/15 min) before: {' '.join(load_before)}; after: "
        f"{' '.join(load_after)} — a shared machine: compare ratios, not seconds.\n\n"
        f"{text}\n\n"
        "Cold: an empty on-disk cache (XDG_CACHE_HOME a fresh folder); warm: the cache filled by "
        "an earlier run. The OS file cache is warm in both. Typst sets the same text on the same "
        "geometry and fonts (bench/typst_source.py) but does no headline fitting, column "
        "balancing or page checks.\n", encoding="utf-8")


if __name__ == "__main__":
    main()
