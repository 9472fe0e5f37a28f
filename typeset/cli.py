"""Command line: `typeset render|check SPEC.yaml…`.

Exit status: 0 done; 1 text did not fit and --strict was given; 2 bad input (the message names
file, line and field). Messages go to stderr; -q keeps only errors, -v adds progress.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from typeset import __version__
from typeset.errors import InputError

EXIT_OK, EXIT_OVERFLOW, EXIT_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="typeset",
        description="Typeset Chinese broadsheet newspaper pages from YAML page specs.",
        epilog="Exit status: 0 ok, 1 overflow with --strict, 2 bad input.")
    ap.add_argument("--version", action="version", version=f"typeset {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("specs", nargs="+", type=Path, metavar="SPEC.yaml", help="page spec files")
        g = p.add_mutually_exclusive_group()
        g.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        g.add_argument("-v", "--verbose", action="store_true", help="print progress")

    r = sub.add_parser("render", help="render specs to PDF (and a fit report)")
    common(r)
    r.add_argument("-o", "--output", type=Path, default=Path("out"), metavar="DIR",
                   help="output folder (default: out/)")
    r.add_argument("--strict", action="store_true", help="exit 1 if any text does not fit")
    c = sub.add_parser("check", help="validate specs and report fit without writing a PDF")
    common(c)
    c.add_argument("--strict", action="store_true", help="exit 1 if any text does not fit")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    progress = (lambda msg: print(f"  … {msg}", file=sys.stderr)) if args.verbose else None
    status = EXIT_OK
    from typeset import pipeline
    from typeset.report import format_table, report_data

    for spec in args.specs:
        t0 = time.perf_counter()
        try:
            if args.command == "render":
                res = pipeline.render(spec, args.output, progress)
                data = res.report
                say(f"{spec}: wrote {res.pdf} ({res.size / 1024:.0f} KiB) and {res.report_path.name} "
                    f"in {time.perf_counter() - t0:.2f} s")
            else:
                _, result = pipeline.build(spec, progress)
                data = report_data(result, spec.stem)
                say(f"{spec}: valid")
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_INPUT)
            continue
        except KeyboardInterrupt:
            print("interrupted; no partial PDF was left behind", file=sys.stderr)
            return 130
        say(format_table(data))
        if data["overflow"]:
            say(f"{spec}: some text did not fit (see the table above)")
            if args.strict:
                status = max(status, EXIT_OVERFLOW)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
