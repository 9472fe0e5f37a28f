"""What an edition delivers: one PDF per page (the plant's names), a proof PDF of the whole
edition for the editors, page previews, and the edition report (table and JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typeset.atomic import write_atomic
from typeset.edition.plan import Plan


def out_folder(plan: Plan, out_dir: Path) -> Path:
    return out_dir / plan.edition.name


def preview_name(file_name: str) -> str:
    """The page preview's file name beside the page's PDF."""
    return Path(file_name).stem + ".png"


def write_page(outcome: dict, folder: Path) -> None:
    """The page's PDF and preview, each written atomically (called as each page finishes). The
    outcome then holds the PDF's path instead of its bytes, and no preview: the process that
    delivers an edition need not keep every page in memory."""
    if isinstance(outcome.get("pdf"), Path):   # written by the worker that set the page
        return
    if outcome.get("pdf"):
        path = folder / outcome["file_name"]
        write_atomic(path, outcome["pdf"])
        outcome["pdf"] = path
    if outcome.get("png"):
        write_atomic(folder / preview_name(outcome["file_name"]), outcome["png"])
        outcome["png"] = None


def write_proof(plan: Plan, outcomes: list[dict], folder: Path) -> Path | None:
    """All rendered pages in order in one PDF (pikepdf); for reading, not for the plant."""
    import io

    import pikepdf

    parts = [o for o in outcomes if o.get("pdf")]
    if not parts:
        return None
    proof = pikepdf.new()
    sources = []
    for o in parts:
        src = pikepdf.open(o["pdf"] if isinstance(o["pdf"], Path) else io.BytesIO(o["pdf"]))
        sources.append(src)
        proof.pages.extend(src.pages)
    ed = plan.edition
    title = f"{ed.paper} {ed.date.isoformat()} 校样 (proof, {len(parts)}/{len(outcomes)} pages)"
    with proof.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
    proof.docinfo["/Title"] = title
    path = folder / f"{ed.name}-proof.pdf"
    # a name of its own (two renders into one folder never share a temporary file)
    tmp = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    # deterministic: fixed document ID, no timestamps added by pikepdf. The pages' streams are
    # copied as they are (qpdf's default decodes and re-compresses every Flate stream, photos
    # too: 1.1 s of a 16-page edition, after the last page); the XMP stays unfiltered, as
    # PDF/A asks of metadata. Written straight to a file, renamed when whole.
    try:
        with open(tmp, "xb") as f:
            proof.save(f, deterministic_id=True, compress_streams=False,
                       stream_decode_level=pikepdf.StreamDecodeLevel.none)
            f.flush()
            os.fsync(f.fileno())     # whole on disk before it takes the proof's name
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        for s in sources:
            s.close()
    return path


def _preflight_status(report: dict | None) -> str:
    checks = (report or {}).get("preflight") or []
    if not checks:
        return "-"
    states = {c["status"] for c in checks}
    return "FAIL" if "FAIL" in states else "WARN" if "WARN" in states else "PASS"


def edition_report(plan: Plan, outcomes: list[dict], proof: Path | None = None) -> dict:
    ed = plan.edition
    pages = []
    for t, o in zip(plan.tasks, outcomes):
        rep = o.get("report") or {}
        stories = rep.get("stories", [])
        overflow = any(s["status"] == "overflow" for s in stories)
        problems = rep.get("problems", [])
        pf = _preflight_status(rep)
        status = ("failed" if o.get("error") else "preflight FAIL" if pf == "FAIL"
                  else "overflow" if overflow else "problem" if problems else "ok")
        pages.append({
            "number": t.number, "name": t.name, "section": o.get("section", t.section),
            "file": t.file_name if o.get("pdf") else None, "status": status,
            "error": o.get("error"), "stories": stories, "overflow": overflow,
            "problems": problems, "ok": bool(rep.get("ok", not overflow)) and not o.get("error"),
            "preflight": pf, "preflight_checks": rep.get("preflight", []),
            "missing_glyphs": rep.get("missing_glyphs", []),
            "seconds": o.get("seconds"), "peak_rss_mib": o.get("peak_rss_mib"),
        })
    stories = []
    for st in plan.stories:
        numbers = [plan.tasks[pi].number for pi, _ in st.parts]
        jumps = [{"from": a, "to": b, "continued_line": f"（下转{b}版）",
                  "continuation_line": f"（上接{a}版）"} for a, b in zip(numbers, numbers[1:])]
        status = "ok"
        for pi, bid in st.parts:
            page = pages[pi]
            if page["status"] == "failed":
                status = "failed"
                break
            row = next((s for s in page["stories"] if s["id"] == bid), None)
            if row and row["status"] == "overflow":
                status = "overflow"
        stories.append({"id": st.id, "pages": numbers, "blocks": [b for _, b in st.parts],
                        "jumps": jumps, "status": status})
    return {
        "edition": ed.name, "file": str(ed.path), "paper": ed.paper, "code": ed.code,
        "date": ed.date.isoformat(), "pages": pages, "stories": stories,
        "failed": [p["number"] for p in pages if p["status"] == "failed"],
        "overflow": any(p["overflow"] for p in pages) or
        any(s["status"] == "overflow" for s in stories),
        "proof": proof.name if proof else None,
        "ok": all(p["ok"] for p in pages) and not any(s["status"] == "overflow" for s in stories),
    }


def write_report(data: dict, folder: Path, name: str) -> Path:
    path = folder / f"{name}.report.json"
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def format_report(data: dict) -> str:
    from typeset.report import text_table

    def table(rows):
        return text_table(rows).split("\n")

    rows = [("page", "file", "section", "stories", "fit", "preflight", "status")]
    for p in data["pages"]:
        fit = "-" if p["status"] == "failed" else ("overflow" if p["overflow"] else "ok")
        ids = []
        for s in p["stories"]:
            tag = s["id"]
            if s.get("continued_from"):
                tag = f"{s['continued_from']}→{tag}"
            if s.get("continues_on"):
                tag += f"→{s['continues_on']}"
            ids.append(tag)
        rows.append((str(p["number"]), p["file"] or "-", p["section"] or "-",
                     " ".join(ids) or "-", fit, p["preflight"], p["status"]))
    out = table(rows)
    if data["stories"]:
        out.append("")
        rows = [("story", "pages", "jump lines", "status")]
        for s in data["stories"]:
            marks = "; ".join(f"{j['continued_line']} … {j['continuation_line']}"
                              for j in s["jumps"])
            rows.append((s["id"], " → ".join(map(str, s["pages"])), marks or "-", s["status"]))
        out += table(rows)
    for p in data["pages"]:
        for s in p["stories"]:
            if s["overflow_text"]:
                snippet = s["overflow_text"][:40] + ("…" if len(s["overflow_text"]) > 40 else "")
                out.append(f"  page {p['number']} {s['id']}: did not fit: {snippet}")
            for issue in s["issues"]:
                out.append(f"  page {p['number']} {s['id']}: {issue}")
        for c in p["preflight_checks"]:
            if c["status"] == "FAIL":
                out.append(f"  page {p['number']} preflight FAIL {c['check']}: {c['detail']}")
        for pr in p["problems"]:
            out.append(f"  page {p['number']} {pr.get('block', '')}: {pr.get('check', 'problem')}: "
                       f"{pr.get('detail', '')}")
        if p["error"]:
            first = p["error"].splitlines()[0]
            out.append(f"  page {p['number']} FAILED: {first}")
    return "\n".join(out)
