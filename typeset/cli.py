"""Command line: `typeset render|check SPEC.yaml…`.

Exit status: 0 done; 1 text did not fit and --strict was given, or a PDF failed preflight;
2 bad input (the message names file, line and field). Messages go to stderr; -q keeps only errors, -v adds progress.
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
        epilog="Exit status: 0 ok, 1 overflow with --strict or a preflight FAIL, 2 bad input.")
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
    r.add_argument("--no-preflight", action="store_true",
                   help="skip the preflight of the written PDF")
    pf = sub.add_parser("preflight", help="check PDFs against a print profile")
    pf.add_argument("pdfs", nargs="+", type=Path, metavar="PDF", help="PDF files to check")
    pf.add_argument("--profile", default="pdf-x1a", help="print profile (default: pdf-x1a)")
    pf.add_argument("--max-ink", type=int, default=None, metavar="PCT",
                    help="total ink limit in %% (default: the profile's, 240)")
    pf.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    pf.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    c = sub.add_parser("check", help="validate specs and report fit without writing a PDF")
    common(c)
    c.add_argument("--strict", action="store_true", help="exit 1 if any text does not fit")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    progress = (lambda msg: print(f"  … {msg}", file=sys.stderr)) if args.verbose else None
    status = EXIT_OK
    if args.command == "preflight":
        return _preflight(args, say)
    from typeset import pipeline
    from typeset.report import format_table, report_data

    for spec in args.specs:
        t0 = time.perf_counter()
        try:
            if args.command == "render":
                res = pipeline.render(spec, args.output, progress,
                                      preflight=False if args.no_preflight else None)
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
        if data.get("preflight"):
            from typeset.prepress.preflight import Check, format_checks

            checks = [Check(c["check"], c["status"], c["figure"], c["detail"])
                      for c in data["preflight"]]
            say(format_checks(str(res.pdf), checks))
            if any(c.status == "FAIL" for c in checks):
                print(f"error: {res.pdf} failed preflight (see FAIL above)", file=sys.stderr)
                status = max(status, EXIT_OVERFLOW)
        if data["overflow"]:
            say(f"{spec}: some text did not fit (see the table above)")
            if args.strict:
                status = max(status, EXIT_OVERFLOW)
    return status


def _preflight(args, say) -> int:
    from typeset.prepress.preflight import format_checks, run_checks
    from typeset.prepress.profiles import PROFILES

    if args.profile not in PROFILES:
        print(f"error: unknown profile '{args.profile}'; known: {', '.join(PROFILES)}",
              file=sys.stderr)
        return EXIT_INPUT
    status = EXIT_OK
    for pdf in args.pdfs:
        if not pdf.is_file():
            print(f"error: {pdf}: file not found", file=sys.stderr)
            status = EXIT_INPUT
            continue
        checks = run_checks(pdf, args.profile, args.max_ink)
        failed = any(c.status == "FAIL" for c in checks)
        if failed or not args.quiet:
            print(format_checks(str(pdf), checks))
        if failed:
            status = max(status, EXIT_OVERFLOW)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
