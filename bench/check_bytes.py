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


def render_all() -> dict[str, str]:
    specs = sorted(ROOT.glob("layouts/*.yaml")) + sorted(ROOT.glob("tests/corpus/*.yaml"))
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            out = Path(tmp) / spec.parent.name
            subprocess.run([sys.executable, "-m", "typeset", "render", str(spec), "-o", str(out),
                            "-q", "--no-preflight"], check=False, cwd=ROOT)
            pdf = out / f"{spec.stem}.pdf"
            key = str(spec.relative_to(ROOT))
            digests[key] = hashlib.sha256(pdf.read_bytes()).hexdigest() if pdf.exists() else "missing"
            # the fit report too: the page checks (touch, overflow …) must find the same things
            rep = out / f"{spec.stem}.report.json"
            digests[key + " report"] = (hashlib.sha256(rep.read_bytes()).hexdigest()
                                        if rep.exists() else "missing")
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
