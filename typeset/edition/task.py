"""One page of an edition, set and rendered wherever a worker runs it (this process, a local
worker process, a Dask worker on another machine).

The task takes and returns plain data only: the job (edition path, page index, jump labels) and
the outcomes of the pages it waits for, whose `rest` holds the text a story could not set there.
It never raises: a failing page returns its error, so the other pages go on.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import traceback
from pathlib import Path

from typeset.errors import InputError


def run_page(job: dict, *upstream: dict) -> dict:
    t0 = time.perf_counter()
    out = {"index": job["index"], "number": job["number"], "name": job["name"],
           "file_name": job["file_name"], "pdf": None, "png": None, "report": None,
           "rest": {}, "error": None, "error_kind": None}
    try:
        _run(job, upstream, out)
    except InputError as exc:
        out["error"], out["error_kind"] = str(exc), "input"
    except Exception as exc:  # a bug: report it for this page, keep the edition going
        out["error"] = (f"internal error: {type(exc).__name__}: {exc}\n"
                        + "".join(traceback.format_exc(limit=6)))
        out["error_kind"] = "internal"
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["pid"] = os.getpid()   # which worker set it (not in the report: it changes every run)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _run(job: dict, upstream: tuple, out: dict) -> None:
    from typeset.edition.plan import load_page
    from typeset.edition.spec import load_edition
    from typeset.report import report_data

    ed = load_edition(Path(job["edition"]))
    page = ed.pages[job["index"]]
    spec = load_page(ed, page)
    done = {u["index"]: u for u in upstream}
    blocks = {b.id: b for b in spec.blocks}
    for bid, j in job["jumps"].items():
        jump = {"to": j.get("to"), "from": j.get("from")}
        if "source" in j:
            src_index, src_id = j["source"]
            src = done.get(src_index)
            if src is None or src.get("error"):
                jump["missing"] = (f"the part on page {j['from']} failed, so there is nothing "
                                   "to continue here")
            else:
                rest = src["rest"].get(src_id)
                jump["in"] = rest if rest else None
                if not rest:
                    jump["missing"] = (f"nothing to continue: '{src_id}' fits on page "
                                       f"{j['from']}")
        blocks[bid].jump = jump
    from typeset.pipeline import layout_checked, paused_gc

    with paused_gc():
        result = layout_checked(spec)      # the page checks too, as for a page spec alone
    data = report_data(result, page.name)
    by_id = {r.id: r for r in result.reports}
    for s in data["stories"]:
        j = job["jumps"].get(s["id"], {})
        s["continued_from"] = j.get("from") if "source" in j else None
        s["continues_on"] = j.get("to") if by_id[s["id"]].rest and j.get("to") else None
    out["rest"] = {bid: by_id[bid].rest for bid, j in job["jumps"].items()
                   if j.get("to") and bid in by_id}
    out["report"] = data
    out["section"] = spec.header.section if spec.header else ""
    if not job.get("render", True):
        return

    folder = job.get("deliver_to")
    if folder:   # a local worker: the files go straight to the output folder
        Path(folder).mkdir(parents=True, exist_ok=True)
        _finish(job, spec, result, data, out, Path(folder) / job["file_name"], delivered=True)
        return
    with tempfile.TemporaryDirectory(prefix="typeset-page-") as tmp:   # a Dask worker, or
        #                                   this process: the outcome carries the bytes
        _finish(job, spec, result, data, out, Path(tmp) / job["file_name"], delivered=False)


def _finish(job: dict, spec, result, data: dict, out: dict, pdf: Path, delivered: bool
            ) -> None:
    """Write the PDF to `pdf`, preflight it and draw its preview when the job asks.

    `delivered` (a local worker): `pdf` is the delivered file, written atomically from here,
    where it was made, the preview too, and the outcome carries the PDF's path and no bytes
    (3–4 MB a page that would otherwise be held while the preview is drawn, pickled once more
    and copied into the worker: memory the page's process and its worker would hold twice at
    the page's end). Otherwise `pdf` is a temporary file and the outcome carries the bytes."""
    from typeset.pipeline import document_settings
    from typeset.render.pdf import render_pdf

    placed: list = []
    render_pdf([result.page], result.faces, pdf, document_settings(spec), placed)
    out["pdf"] = pdf if delivered else pdf.read_bytes()
    if job.get("preflight", True) and spec.print.preflight:
        from typeset.prepress.preflight import run_checks

        # the spec's acceptances, as pipeline.render passes them: by the photos' digests
        accept = sorted({digest for item, digest in placed if item.accepted_low_ppi})
        checks = run_checks(pdf, spec.print.profile, max_ink=spec.print.max_ink,
                            accept_low_resolution=accept)
        data["preflight"] = [c.as_dict() for c in checks]
    if job.get("preview_dpi"):
        import io

        from typeset.review.raster import render_pages

        img = render_pages(pdf, job["preview_dpi"])[0]
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=False)
        del img
        if not delivered:
            out["png"] = buf.getvalue()
        else:
            from typeset.atomic import write_atomic
            from typeset.edition.deliver import preview_name

            write_atomic(pdf.parent / preview_name(pdf.name), buf.getbuffer())


def lost_outcome(plan, i: int, exc: BaseException) -> dict:
    """The outcome of a page whose worker was lost (the process died, a Dask worker vanished)."""
    t = plan.tasks[i]
    return failed_outcome({"index": i, "number": t.number, "name": t.name,
                           "file_name": t.file_name}, f"{type(exc).__name__}: {exc}")


def failed_outcome(job: dict, why: str) -> dict:
    """The outcome of a page whose process died while setting it."""
    return {"index": job["index"], "number": job["number"], "name": job["name"],
            "file_name": job["file_name"], "pdf": None, "png": None, "report": None, "rest": {},
            "seconds": 0.0, "peak_rss_mib": None, "pid": None, "error_kind": "internal",
            "error": f"the worker running this page failed: {why}"}
