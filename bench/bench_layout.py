"""Layout hot path: CPU time of layout and page checks alone, and how often the costly steps run.

    .venv/bin/python bench/bench_layout.py [layouts/sample-page.yaml ...] [--runs 7]

For each spec, in one process: load the spec, then lay the page out and run the page checks
(`pipeline.layout_checked`) `--runs` times, each with a new Composer (as a render does), and
print the median CPU time (process_time: what load from other sessions cannot inflate much) of
layout and of checks, with the first (cold: fonts and shaping caches empty) run apart. Then one
more run with counters on the steps that compose-once work is about: paragraphs prepared
(atomised), line breaks computed, lines set and glyph runs emitted. Imports, PDF writing and
preflight are not measured here (bench_vs_typst.py measures the whole process).

    .venv/bin/python bench/bench_layout.py --breaker-vs main layouts/*-page.yaml tests/corpus/*.yaml

breaks every paragraph the specs' layouts break with this tree's line breaker and with the one
of commit REF (typeset/text/linebreak.py as of REF, run on this tree's prepared paragraphs: REF
must have the same text engine otherwise, e.g. main before a speed change to the breaker),
checks that both choose the same lines and issues, and prints the CPU time of each (best of 5,
alternating).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (module, function name, label): wrapped with a counter for the counting run
COUNTED = [
    ("typeset.layout.compose", "atomize", "paragraphs atomised"),
    ("typeset.layout.compose", "break_paragraph", "breaks computed"),
    ("typeset.layout.compose", "set_line", "body lines set"),
    ("typeset.layout.headline", "set_line", "display lines set"),
    ("typeset.layout.story", "set_line", "flow lines set"),
    ("typeset.layout.compose", "Composer.emit", "glyph-run emits"),
    ("typeset.layout.story", "flow_story", "story flows"),
]


def _timed(spec_path: Path, runs: int) -> tuple[float, list[float], list[float]]:
    from typeset.checks import page_problems
    from typeset.layout.page import layout_page
    from typeset.spec.load import load_spec

    spec = load_spec(spec_path)
    lay, chk = [], []
    for _ in range(runs + 1):
        t0 = time.process_time()
        result = layout_page(spec)
        t1 = time.process_time()
        page_problems(spec, result)
        t2 = time.process_time()
        lay.append(t1 - t0)
        chk.append(t2 - t1)
    return lay[0] + chk[0], lay[1:], chk[1:]


def _counted(spec_path: Path) -> dict[str, int]:
    import importlib

    from typeset.pipeline import layout_checked
    from typeset.spec.load import load_spec

    counts: dict[str, int] = {}
    saved = []
    for mod_name, fn_name, label in COUNTED:
        mod = importlib.import_module(mod_name)
        if "." in fn_name:      # a method: wrap it on its class
            cls_name, fn_name = fn_name.split(".")
            mod = getattr(mod, cls_name)
        fn = getattr(mod, fn_name)
        counts.setdefault(label, 0)

        def wrapper(*a, _fn=fn, _label=label, **kw):
            counts[_label] += 1
            return _fn(*a, **kw)

        saved.append((mod, fn_name, fn))
        setattr(mod, fn_name, wrapper)
    try:
        layout_checked(load_spec(spec_path))
    finally:
        for mod, fn_name, fn in saved:
            setattr(mod, fn_name, fn)
    return counts


def _breaker_vs(ref: str, specs: list[Path]) -> None:
    import importlib.util
    import subprocess
    import tempfile

    import typeset.layout.compose as compose
    import typeset.text.linebreak as ours
    from typeset.pipeline import layout_checked
    from typeset.spec.load import load_spec

    calls = []
    real = compose.break_paragraph

    def record(p, width_of, first_line=0, widths=None):
        ws = widths if widths is not None else [width_of(first_line + k) for k in range(len(p.atoms))]
        calls.append((p, list(ws)))
        return real(p, width_of, first_line, widths)

    compose.break_paragraph = record
    try:
        for spec in specs:
            layout_checked(load_spec(spec))
    finally:
        compose.break_paragraph = real
    source = subprocess.run(["git", "show", f"{ref}:typeset/text/linebreak.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "linebreak_ref.py"
        path.write_text(source, "utf-8")
        spec = importlib.util.spec_from_file_location("linebreak_ref", path)
        theirs = importlib.util.module_from_spec(spec)
        sys.modules["linebreak_ref"] = theirs     # its dataclasses look their module up
        spec.loader.exec_module(theirs)

    def run(mod, p, ws):
        return mod.break_paragraph(p, lambda k: ws[k] if k < len(ws) else ws[-1], 0)

    def summary(b):
        return b.lines, [(i.kind, i.line, i.detail) for i in b.issues]

    same = sum(summary(run(ours, p, ws)) == summary(run(theirs, p, ws)) for p, ws in calls)
    times: dict[str, list[float]] = {"this tree": [], ref: []}
    for _ in range(5):
        for name, mod in (("this tree", ours), (ref, theirs)):
            t0 = time.process_time()
            for p, ws in calls:
                run(mod, p, ws)
            times[name].append(time.process_time() - t0)
    print(f"{len(calls)} paragraphs ({sum(len(p.atoms) for p, _ in calls)} atoms), same lines "
          f"and issues: {same}/{len(calls)}")
    for name, ts in times.items():
        print(f"  {name}: {min(ts) * 1000:.0f} ms CPU (best of 5)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--breaker-vs", metavar="REF",
                    help="compare the line breaker with commit REF's on the specs' paragraphs")
    ap.add_argument("specs", nargs="*", type=Path,
                    default=[ROOT / "layouts" / "sample-page.yaml",
                             ROOT / "layouts" / "lead-article.yaml"])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    if args.breaker_vs:
        print(f"load {load}")
        _breaker_vs(args.breaker_vs, args.specs)
        return
    print(f"CPU seconds (process_time), medians of {args.runs} warm runs; load {load}")
    for spec in args.specs:
        first, lay, chk = _timed(spec, args.runs)
        counts = _counted(spec)
        print(f"{spec.name}: layout {statistics.median(lay) * 1000:.0f} ms, checks "
              f"{statistics.median(chk) * 1000:.0f} ms (first run, both: {first * 1000:.0f} ms)")
        print("  " + ", ".join(f"{label} {n}" for label, n in counts.items()))


if __name__ == "__main__":
    main()
