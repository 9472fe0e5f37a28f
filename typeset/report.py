"""The fit report: per story, lines used, empty lines, what did not fit (to the character)."""

from __future__ import annotations

import json
from pathlib import Path

from typeset.layout.page import PageResult


def report_data(result: PageResult, spec_name: str) -> dict:
    stories = []
    problems = [p.as_dict() for p in result.problems]
    troubled = {p["block"] for p in problems}
    for r in result.reports:
        status = r.status
        if status != "overflow" and r.id in troubled:
            status = "problem"     # never "ok" for a block with a page problem
        stories.append({
            "id": r.id, "kind": r.kind, "status": status,
            "capacity_lines": r.capacity_lines, "used_lines": r.used_lines,
            "empty_lines": r.empty_lines, "overflow_lines": r.overflow_lines,
            "overflow_chars": r.overflow_chars, "overflow_text": r.overflow_text,
            "issues": r.issues,
        })
    comp = result.composer
    missing = sorted({f"{n.owner}: {n.detail}" for n in comp.missing})
    fallback = {}
    for chain in comp.fonts.all_chains():
        for ch, face in sorted(chain.fallback_used.items()):
            fallback[f"U+{ord(ch):04X} {ch}"] = f"{chain.role} → {face}"
    normalised: dict[str, int] = {}
    for n in comp.notices:
        if n.kind == "normalised":
            normalised[n.detail] = normalised.get(n.detail, 0) + 1
    return {
        "spec": spec_name,
        "stories": stories,
        "overflow": any(s["status"] == "overflow" for s in stories),
        "problems": problems,
        "ok": not problems and not any(s["status"] in ("overflow", "problem") for s in stories),
        "missing_glyphs": missing,
        "fallback_glyphs": fallback,
        "normalised": dict(sorted(normalised.items())),
        "unbalanced_quotes": sorted({f"{n.owner}: {n.detail}" for n in comp.notices
                                     if n.kind == "unbalanced-quotes"}),
        "adjusted": [f"{n.owner}: {n.detail}" for n in comp.notices if n.kind == "shrunk"],
    }


def write_report(data: dict, path: Path) -> None:
    from typeset.atomic import write_atomic

    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def format_table(data: dict) -> str:
    rows = [("story", "kind", "status", "lines", "empty", "over lines", "over chars")]
    for s in data["stories"]:
        rows.append((s["id"], s["kind"], s["status"], f"{s['used_lines']}/{s['capacity_lines']}",
                     str(s["empty_lines"]), str(s["overflow_lines"]), str(s["overflow_chars"])))
    out = [text_table(rows)]
    problems = data.get("problems", [])
    if problems:
        out.append("")
        out.append(text_table([("problem", "block", "where", "what")]
                          + [(p["check"], p["block"], p["where"] or "-", p["detail"])
                             for p in problems]))
        for p in problems:
            out.append(f"  {p['block']} {p['check']}: fix: {p['fix']}")
    for s in data["stories"]:
        if s["overflow_text"]:
            snippet = s["overflow_text"][:40] + ("…" if len(s["overflow_text"]) > 40 else "")
            out.append(f"  {s['id']}: did not fit: {snippet}")
        for issue in s["issues"]:
            if issue.startswith("overfull") and problems:
                continue   # the problem table has it, with its grid position
            out.append(f"  {s['id']}: {issue}")
    for a in data.get("adjusted", []):
        out.append(f"  {a}")
    for ch, where in data["fallback_glyphs"].items():
        out.append(f"  fallback font: {ch} ({where})")
    for m in data["missing_glyphs"]:
        out.append(f"  missing glyph: {m}")
    return "\n".join(out)


def text_table(rows: list[tuple]) -> str:
    """Rows as aligned columns under a dashed rule (CJK characters count two cells)."""
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c + " " * (widths[i] - _w(c)) for i, c in enumerate(r)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _w(text: str) -> int:
    """Display width in terminal cells (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
