"""Command line: `typeset render|check SPEC.yaml…`.

Exit status: 0 done; 1 with --strict when the page has any problem (text that does not fit,
an overfull line, a headline overrun, text outside its block, overlapping or touching type,
dropped text), or when a PDF failed preflight;
2 bad input (the message names file, line and field). Messages go to stderr; -q keeps only errors, -v adds progress.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from typeset import __version__
from typeset.errors import InputError

EXIT_OK, EXIT_OVERFLOW, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
_gc_paused = False    # main turned the cycle collector off for this run


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="typeset",
        description="Typeset Chinese broadsheet newspaper pages from YAML page specs.",
        epilog="Exit status: 0 ok, 1 a page problem with --strict or a preflight FAIL, 2 bad "
               "input.")
    ap.add_argument("--version", action="version", version=f"typeset {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("specs", nargs="+", type=Path, metavar="SPEC.yaml",
                       help="page spec or edition files")
        g = p.add_mutually_exclusive_group()
        g.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        g.add_argument("-v", "--verbose", action="store_true", help="print progress")
        e = p.add_argument_group("editions (a YAML file with a top-level edition: key)")
        e.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                       help="pages set in parallel by N processes (default: all cores)")
        e.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="set the pages on a running Dask cluster, e.g. tcp://host:8786")
        e.add_argument("--scheduler-timeout", type=float, default=10.0, metavar="S",
                       help="seconds to wait for the scheduler to answer (default 10)")

    r = sub.add_parser("render", help="render specs to PDF (and a fit report)")
    common(r)
    r.add_argument("-o", "--output", type=Path, default=Path("out"), metavar="DIR",
                   help="output folder (default: out/)")
    r.add_argument("--strict", action="store_true", help="exit 1 on any page problem (overflow, overfull line, headline "
                   "overrun, text outside its block, overlap, touching glyphs, dropped text)")
    r.add_argument("--no-preflight", action="store_true",
                   help="skip the preflight of the written PDF")
    r.add_argument("--preview-dpi", type=int, default=50, metavar="N",
                   help="editions: resolution of the page previews (0: none; default 50)")
    pf = sub.add_parser(
        "preflight", help="check PDFs against a print profile",
        description="Check PDFs against a print profile, judging each file alone: every content "
                    "stream (pages, forms, annotation appearances, Type 3 glyphs, patterns, "
                    "inline images) for colour, text colour, rule weights on paper, fonts and "
                    "image resolution; plus PDF/X keys, boxes and total ink (proved from the "
                    "content where every colour is device grey or CMYK, else measured on a "
                    "Ghostscript render).",
        epilog="Exit status: 0 no FAIL, 1 some FAIL, 2 a file is missing, not a PDF or damaged.")
    pf.add_argument("pdfs", nargs="+", type=Path, metavar="PDF", help="PDF files to check")
    pf.add_argument("--profile", default="pdf-x1a", help="print profile (default: pdf-x1a)")
    pf.add_argument("--max-ink", type=int, default=None, metavar="PCT",
                    help="total ink limit in %% (default: the profile's, 240)")
    pf.add_argument("--accept-low-resolution", action="append", default=[], metavar="NAME",
                    help="accept this image below 100 ppi (WARN instead of FAIL). NAME is the "
                         "image's XObject name or at least 8 hex digits of its sha256, both as "
                         "printed in the images row (e.g. FormXob.e081cca1… or 9536d0cb); "
                         "repeat for several. Nothing in the PDF itself is trusted for this")
    pf.add_argument("--render-ink", action="store_true",
                    help="measure total ink on a Ghostscript render even where the content "
                         "proves it")
    pf.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    pf.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    pv = sub.add_parser("preview", help="PNG previews of specs or PDFs (pypdfium2)")
    pv.add_argument("inputs", nargs="+", type=Path, metavar="SPEC_OR_PDF")
    pv.add_argument("-o", "--output", type=Path, default=Path("out"), metavar="DIR")
    pv.add_argument("--dpi", type=int, default=100, help="resolution (default 100)")
    pv.add_argument("--grey", action="store_true", help="render in grey")
    pv.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    pv.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    df = sub.add_parser("diff", help="compare two PDFs; exit 0 same, 1 different, 2 error")
    df.add_argument("old", type=Path, metavar="OLD.pdf")
    df.add_argument("new", type=Path, metavar="NEW.pdf")
    df.add_argument("-o", "--output", type=Path, default=None, metavar="DIFF.png",
                    help="write the changed regions outlined over the new page")
    df.add_argument("--dpi", type=int, default=100, help="comparison resolution (default 100)")
    df.add_argument("--tone", type=float, default=None, metavar="PCT",
                    help="smallest tone difference that counts, in %% of full black "
                         "(default 3: a tint moved from 10 %% to 15 %% is reported)")
    df.add_argument("--area", type=float, default=None, metavar="MM2",
                    help="smallest changed area that counts, in mm² (default 1)")
    df.add_argument("-q", "--quiet", action="store_true", help="no listing, exit status only")
    df.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    sc = sub.add_parser("schema", help="print the JSON Schema of the page spec")
    sc.add_argument("-q", "--quiet", action="store_true", help=argparse.SUPPRESS)
    sc.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    wa = sub.add_parser("watch", help="re-render a spec whenever it or its files change")
    wa.add_argument("spec", type=Path, metavar="SPEC.yaml")
    wa.add_argument("-o", "--output", type=Path, default=Path("out"), metavar="DIR")
    wa.add_argument("--proof", action="store_true",
                    help="also keep an HTML proof in DIR/proof/ and serve it on localhost; "
                         "the browser reloads after each re-render")
    wa.add_argument("--port", type=int, default=0,
                    help="port for --proof (default: a free one)")
    wa.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    wa.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
    ft = sub.add_parser("fit", help="per block: lines it has and needs, and what to change")
    ft.add_argument("specs", nargs="+", type=Path, metavar="SPEC.yaml",
                    help="page specs (several: one section per page)")
    ft.add_argument("--json", action="store_true", help="print the fit as JSON")
    ft.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    ft.add_argument("-v", "--verbose", action="store_true", help="print progress")
    pr = sub.add_parser("proof", help="HTML proof: the page with every block outlined by fit")
    pr.add_argument("specs", nargs="+", type=Path, metavar="SPEC.yaml",
                    help="page specs (several: one proof per page and an index.html)")
    pr.add_argument("-o", "--output", type=Path, default=Path("out/proof"), metavar="DIR",
                    help="output folder (default: out/proof/)")
    pr.add_argument("--dpi", type=int, default=72, help="page image resolution (default 72)")
    pr.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    pr.add_argument("-v", "--verbose", action="store_true", help="print progress")
    c = sub.add_parser("check", help="validate specs and report fit without writing a PDF")
    common(c)
    c.add_argument("--strict", action="store_true", help="exit 1 on any page problem (overflow, overfull line, headline "
                   "overrun, text outside its block, overlap, touching glyphs, dropped text)")
    return ap


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return n


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    global _gc_paused
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    command = (sys.argv[1:] if argv is None else argv)[:1]
    if command in (["render"], ["check"]) and gc.isenabled():
        # A few pages, then the process ends: the cycle collector stays off while modules load
        # and pages are set (pipeline.paused_gc says why); each page leaves only a few thousand
        # objects in cycles behind. Restored when main returns (tests call it in-process).
        gc.disable()
        _gc_paused = True
    try:
        return _main_with_signals(argv, command)
    finally:
        if _gc_paused:
            _gc_paused = False
            if argv is None:
                # the command line's run, about to exit: freezing what it made spares one
                # collection of every object of the run on the way out (≈ 0.04 s)
                gc.freeze()
            gc.enable()


def _main_with_signals(argv: list[str] | None, command: list[str]) -> int:
    import signal
    # C extensions (pikepdf's nanobind, ReportLab, HarfBuzz) are imported before the handler is
    # installed: an interrupt raised inside a C module's initialisation prints a traceback.
    # A SIGTERM now simply ends the process; nothing has been written yet.
    import typeset.pipeline  # noqa: F401

    if command != ["check"]:
        import typeset.render.pdf  # noqa: F401  (ReportLab, loaded by the pipeline only to write)
    previous = signal.signal(signal.SIGTERM, _terminate)  # a kill ends cleanly, no partial output
    try:
        return _main(argv)
    except KeyboardInterrupt:   # a signal while modules were still loading, before any output
        print("interrupted; no partial PDF was left behind", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _output_folder_problem(folder: Path) -> str | None:
    """Why the PDFs could not be written into `folder`, or None. Nothing is created here (bad
    input elsewhere must leave no trace): the folder, or the nearest folder above it that
    exists, must be a folder this process can write into."""
    import os

    folder = Path(os.path.abspath(folder))
    nearest = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if nearest is None:
        return None
    if not nearest.is_dir():
        what = "is a file" if nearest == folder else f"is inside {nearest}, which is a file"
        return f"{what}, not a folder; give -o a folder you can write to"
    if not os.access(nearest, os.W_OK | os.X_OK):
        where = "" if nearest == folder else f" ({nearest}, where it would be made)"
        return f"the folder is not writable{where}; give -o a folder you can write to"
    return None


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    progress = (lambda msg: print(f"  … {msg}", file=sys.stderr)) if args.verbose else None
    status = EXIT_OK
    if args.command == "preflight":
        return _preflight(args, say)
    if args.command in ("preview", "diff", "schema", "watch", "fit", "proof"):
        return globals()[f"_{args.command}"](args, say)
    if args.command == "render":
        problem = _output_folder_problem(args.output)
        if problem:
            print(f"error: -o/--output {args.output}: {problem}", file=sys.stderr)
            return EXIT_INPUT
    from typeset import pipeline
    from typeset.report import format_table, report_data

    from typeset.edition.spec import is_edition

    for spec in args.specs:
        t0 = time.perf_counter()
        if is_edition(spec):
            if _gc_paused:
                gc.enable()     # editions (worker processes, many pages) collect as usual
            try:
                status = max(status, _edition(args, spec, say))
            except KeyboardInterrupt:
                print("interrupted; no partial PDF was left behind", file=sys.stderr)
                return 130
            continue
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
        except Exception as exc:  # a bug, not bad input: say so plainly, keep going
            print(f"error: internal error while processing {spec}: {type(exc).__name__}: {exc}\n"
                  "  please report it with the spec attached (run with -v for details)",
                  file=sys.stderr)
            if args.verbose:
                import traceback

                traceback.print_exc()
            status = max(status, EXIT_INTERNAL)
            continue
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
        n = len(data.get("problems", []))
        if n:
            say(f"{spec}: {n} problem{'s' if n > 1 else ''} on the page (see the table above)")
        if not data.get("ok", not data["overflow"]) and args.strict:
            print(f"error: {spec}: the page is not ready to print (--strict)", file=sys.stderr)
            status = max(status, EXIT_OVERFLOW)
    return status


def _edition(args, spec: Path, say) -> int:
    """Render or check an edition; the exit status of its worst page."""
    from typeset.edition import render_edition
    from typeset.edition.deliver import format_report
    from typeset.edition.run import default_jobs

    t0 = time.perf_counter()
    render = args.command == "render"
    jobs = args.jobs or default_jobs()
    try:
        res = render_edition(spec, args.output if render else None, jobs=jobs,
                             scheduler=args.scheduler, timeout=args.scheduler_timeout,
                             preview_dpi=args.preview_dpi if render else 0,
                             preflight=not args.no_preflight if render else False,
                             render=render, quiet=args.quiet)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    data = res.report
    where = f"on {args.scheduler}" if args.scheduler else f"with {jobs} job{'s' * (jobs > 1)}"
    ok = len(data["pages"]) - len(data["failed"])
    if render:
        say(f"{spec}: wrote {ok} of {len(data['pages'])} pages, the proof and "
            f"{res.report_path.name} to {res.folder}/ {where} in {time.perf_counter() - t0:.1f} s")
    else:
        say(f"{spec}: {ok} of {len(data['pages'])} pages set {where}")
    say(format_report(data))
    status = EXIT_OK
    for o in res.outcomes:
        if o.get("error"):
            print(f"error: {spec}: page {o['number']} ({o['name']}) failed: {o['error']}",
                  file=sys.stderr)
            status = max(status, EXIT_INPUT if o["error_kind"] == "input" else EXIT_INTERNAL)
    if any(p["preflight"] == "FAIL" for p in data["pages"]):
        print(f"error: {spec}: some pages failed preflight (see the table)", file=sys.stderr)
        status = max(status, EXIT_OVERFLOW)
    if not data["ok"] and args.strict:
        print(f"error: {spec}: the edition is not ready to print (--strict)", file=sys.stderr)
        status = max(status, EXIT_OVERFLOW)
    return status


def _preview(args, say) -> int:
    from typeset import pipeline
    from typeset.review.raster import write_previews

    from typeset.edition.spec import is_edition

    status = EXIT_OK
    for item in args.inputs:
        try:
            if item.suffix.lower() != ".pdf" and is_edition(item):
                raise InputError(str(item), "is an edition; `typeset render` writes its page "
                                 "previews", hint=f"typeset render {item}")
            if item.suffix.lower() == ".pdf":
                if not item.is_file():
                    raise InputError(str(item), "file not found")
                pdf = item
            else:
                pdf = pipeline.render(item, args.output, preflight=False).pdf
            paths = write_previews(pdf, args.output, args.dpi, args.grey)
            for p in paths:
                say(f"{item}: wrote {p}")
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INPUT
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INPUT
    return status


def _diff(args, say) -> int:
    from typeset.review.diff import DEFAULT_AREA, DEFAULT_TONE, compare
    from typeset.review.raster import render_pages

    tone = DEFAULT_TONE if args.tone is None else args.tone
    area = DEFAULT_AREA if args.area is None else args.area
    if not (0 < tone <= 100) or area < 0 or args.dpi < 10:
        print(f"error: --tone must be in (0, 100], --area ≥ 0 and --dpi ≥ 10 "
              f"(got {tone:g}, {area:g}, {args.dpi})", file=sys.stderr)
        return EXIT_INPUT
    try:
        for p in (args.old, args.new):
            if not p.is_file():
                raise ValueError(f"{p}: file not found")
        old, new = render_pages(args.old, args.dpi), render_pages(args.new, args.dpi)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    differ = len(old) != len(new)
    if differ:
        say(f"page count differs: {len(old)} vs {len(new)}")
    for n, (a, b) in enumerate(zip(old, new), 1):
        d = compare(a, b, args.dpi, tone, area)
        if d.same:
            continue
        differ = True
        say(f"page {n}: {d.changed_area_mm2:.1f} mm² changed in {len(d.regions)} regions"
            + ("" if d.same_size else " (page size differs)"))
        for r in d.regions:
            say(f"  {r}")
        if args.output:
            out = args.output if len(old) == 1 else args.output.with_name(
                f"{args.output.stem}-p{n}{args.output.suffix}")
            out.parent.mkdir(parents=True, exist_ok=True)
            d.image.save(out)
            say(f"  wrote {out}")
    if not differ:
        say(f"pages are the same (changes under {tone:g} % tone or under {area:g} mm² ignored)")
    return EXIT_OVERFLOW if differ else EXIT_OK


def _fit(args, say) -> int:
    """Exit 0 every block fits, 1 some block is short, over or has a problem, 2 a bad spec
    (the other pages are still reported)."""
    import json

    from typeset.fit import fit_pages, fit_table

    progress = (lambda msg: print(f"  … {msg}", file=sys.stderr)) if args.verbose else None
    from typeset.fit import PageFit

    pages, internal = [], False
    for spec in args.specs:
        try:
            pages += fit_pages(spec, progress)
        except Exception as exc:  # a bug, not bad input: say so, go on with the other pages
            internal = True
            pages.append(PageFit(str(spec), spec.stem, error=(
                f"internal error while fitting {spec}: {type(exc).__name__}: {exc}; "
                "please report it with the spec attached")))
    if args.json:
        print(json.dumps({"pages": [p.as_dict() for p in pages]}, ensure_ascii=False, indent=2))
    for p in pages:
        if p.error:
            print(f"error: {p.error}", file=sys.stderr)
        elif not args.json:
            say(fit_table(p) + "\n")
    if internal:
        return EXIT_INTERNAL
    if any(p.error for p in pages):
        return EXIT_INPUT
    return EXIT_OK if all(p.ok for p in pages) else EXIT_OVERFLOW


def _proof(args, say) -> int:
    from typeset.review.proof import write_pages_proof, write_proof

    progress = (lambda msg: print(f"  … {msg}", file=sys.stderr)) if args.verbose else None
    from typeset.fit import is_edition

    if len(args.specs) == 1 and not is_edition(args.specs[0]):
        index, pf = write_proof(args.specs[0], args.output, args.dpi, progress)
        fits = [pf]
    else:
        index, fits = write_pages_proof(args.specs, args.output, args.dpi, progress)
    for pf in fits:
        if pf.error:
            print(f"error: {pf.error}", file=sys.stderr)
    bad = sum(1 for pf in fits if pf.error)
    say(f"wrote {index}" + (f" ({bad} of {len(fits)} pages show an error)" if bad else ""))
    return EXIT_INPUT if bad else EXIT_OK


def _schema(args, say) -> int:
    import json

    from typeset.spec.schema import spec_schema

    print(json.dumps(spec_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _watch(args, say) -> int:
    from typeset.report import format_table
    from typeset.review.watch import watch

    def on_result(result, seconds, error):
        stamp = time.strftime("%H:%M:%S")
        if error is not None:
            print(f"[{stamp}] error: {error}", file=sys.stderr)
            return
        if hasattr(result, "outcomes"):      # an edition
            from typeset.edition.deliver import format_report

            say(f"[{stamp}] rendered {len(result.outcomes)} pages into {result.folder} "
                f"in {seconds:.2f} s")
            say(format_report(result.report))
            return
        say(f"[{stamp}] rendered {result.pdf} in {seconds:.2f} s")
        say(format_table(result.report))

    server = None
    proof_dir = None
    if args.proof:
        from typeset.review.proof import ProofServer

        proof_dir = args.output / "proof"
        try:
            server = ProofServer(proof_dir, args.port)
        except OSError as exc:
            print(f"error: cannot serve the proof on port {args.port}: {exc}", file=sys.stderr)
            return EXIT_INPUT
        # printed even with -q: the desk needs the address
        print(f"proof: {server.url} (open it in a browser; it reloads after each change)",
              file=sys.stderr, flush=True)
    say(f"watching {args.spec} and the files it uses; Ctrl-C to stop")
    try:
        watch(args.spec, args.output, on_result, proof_dir=proof_dir)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.close()
    return EXIT_OK


def _preflight(args, say) -> int:
    from typeset.prepress.preflight import format_checks, run_checks
    from typeset.prepress.profiles import PROFILES

    if args.profile not in PROFILES:
        print(f"error: unknown profile '{args.profile}'; known: {', '.join(PROFILES)}",
              file=sys.stderr)
        return EXIT_INPUT
    status = EXIT_OK
    for pdf in args.pdfs:
        try:
            checks = run_checks(pdf, args.profile, args.max_ink, args.accept_low_resolution,
                                render_ink=args.render_ink)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_INPUT)
            continue
        failed = any(c.status == "FAIL" for c in checks)
        if failed or not args.quiet:
            print(format_checks(str(pdf), checks))
        if failed:
            status = max(status, EXIT_OVERFLOW)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
