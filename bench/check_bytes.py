"""Byte-identity guard for speed work: render every spec, compare PDF and report sha256 with a record.

    .venv/bin/python bench/check_bytes.py record /tmp/i13-before.json
    .venv/bin/python bench/check_bytes.py check  /tmp/i13-before.json

Renders layouts/*.yaml and tests/corpus/*.yaml with --no-preflight in one process each (the
whole CLI path, as a user runs it) into a temporary folder; exit 1 when any PDF differs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# an edition's report records how long each page took and its memory: measured, not output
TIMING_KEYS = {"seconds", "peak_rss_mib"}


def _report_bytes(path: Path, out: Path) -> bytes:
    """A fit report without its timing fields and with the output and project folders as <out>, <root>, in a
    canonical form."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in TIMING_KEYS}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    text = path.read_text("utf-8").replace(str(out), "<out>").replace(str(ROOT), "<root>")
    return json.dumps(strip(json.loads(text)), sort_keys=True).encode()


def render_all() -> dict[str, str]:
    specs = sorted(ROOT.glob("layouts/*.yaml")) + sorted(ROOT.glob("tests/corpus/*.yaml"))
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            out = Path(tmp) / spec.parent.name / spec.stem
            subprocess.run([sys.executable, "-m", "typeset", "render", str(spec), "-o", str(out),
                            "-q", "--no-preflight"], check=False, cwd=ROOT)
            key = str(spec.relative_to(ROOT))
            # every PDF and fit report the spec wrote (an edition writes one per page): the page
            # checks (touch, overflow …) must find the same things too
            files = sorted(f for f in out.rglob("*") if f.name.endswith((".pdf", ".report.json")))
            if not files:
                digests[key] = "missing"
            for f in files:
                data = f.read_bytes() if f.suffix == ".pdf" else _report_bytes(f, out)
                digests[f"{key} {f.relative_to(out)}"] = hashlib.sha256(data).hexdigest()
    return digests


def main() -> int:
    mode, record = sys.argv[1], Path(sys.argv[2])
    digests = render_all()
    if mode == "record":
        record.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(digests)} PDFs and reports in {record}")
        return 0
    want = json.loads(record.read_text())
    bad = [k for k in sorted(set(want) | set(digests)) if want.get(k) != digests.get(k)]
    for k in bad:
        print(f"DIFFERENT {k}: {want.get(k, '-')[:12]} -> {digests.get(k, '-')[:12]}")
    print(f"{len(digests) - len(bad)}/{len(digests)} PDFs and reports byte-identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
