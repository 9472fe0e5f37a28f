"""`typeset proof`: a self-contained HTML proof of a page for the layout desk.

The rendered page image (embedded as a data URI) with every block outlined over it, labelled
with its id and kind and coloured by its fit state; the page grid as an overlay that can be
switched on; a click on a block shows its spec file and line, its fit figures and the proposal.
Everything (CSS, JS, image, fit data) is inside index.html: it opens from disk without any
network. Served by `typeset watch --proof`, the page polls version.json and reloads itself
after each re-render.
"""

from __future__ import annotations

import base64
import html
import io
import json
import tempfile
from pathlib import Path

from typeset.atomic import write_atomic
from typeset.fit import PageFit, fit_result
from typeset.errors import InputError

# Fit state → outline colour. Chosen to stay apart for colour-blind readers as well
# (blue / orange / red / purple rather than green / red alone).
STATE_COLOURS = {
    "fits": "#1f77b4",
    "short": "#ff8c00",
    "over": "#d62728",
    "problem": "#9467bd",
}
VERSION_FILE = "version.json"
POLL_MS = 500


def build_proof(spec_path: Path, dpi: int = 72, progress=None,
                rendered=None) -> tuple[str, PageFit]:
    """(HTML text, fit) for a page spec; a spec with errors gives an error page. `rendered`: a
    pipeline.RenderResult of this spec to reuse (its layout and PDF) instead of setting it again."""
    from typeset.fit import laid_out
    from typeset.spec.load import load_spec

    try:
        if rendered is not None:
            pf = PageFit(str(spec_path), spec_path.stem)
            spec, result = load_spec(spec_path), rendered.layout
        else:
            pf, spec, result = next(iter(laid_out(spec_path, progress)))
        return page_proof(pf, spec, result, dpi, progress,
                          rendered.pdf if rendered is not None else None), pf
    except InputError as exc:
        pf = PageFit(str(spec_path), spec_path.stem, error=str(exc))
        return page_html(pf, None), pf


def page_proof(pf: PageFit, spec, result, dpi: int = 72, progress=None,
               pdf: Path | None = None) -> str:
    """The proof of one laid-out page (pf with an error and no layout: the error page)."""
    from typeset import pipeline
    from typeset.render.pdf import render_pdf
    from typeset.review.raster import render_pages

    if spec is None:
        return page_html(pf, None)
    fit_result(spec, result, pf, progress)
    if pdf is not None:
        image = render_pages(pdf, dpi)[0]
    else:
        with tempfile.TemporaryDirectory(prefix="typeset-proof-") as tmp:
            pdf = Path(tmp) / "page.pdf"
            render_pdf([result.page], result.faces, pdf,
                       pipeline.document_settings(spec))
            image = render_pages(pdf, dpi)[0]
    image = _trimmed(image, pf.page_size, dpi)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return page_html(pf, buf.getvalue())


def _trimmed(image, page_size: tuple[float, float], dpi: int):
    """The trimmed page out of a rendering with bleed and crop marks (they sit evenly around
    it), so block outlines in page coordinates land where the blocks are."""
    w, h = (round(v * dpi / 72) for v in page_size)
    dx, dy = (image.width - w) // 2, (image.height - h) // 2
    if dx <= 0 and dy <= 0:
        return image
    return image.crop((dx, dy, dx + w, dy + h))


def write_proof(spec_path: Path, out_dir: Path, dpi: int = 72, progress=None,
                version: int | None = None, rendered=None,
                file_name: str = "index.html") -> tuple[Path, PageFit]:
    """Write out_dir/index.html (and version.json when a version is given)."""
    text, pf = build_proof(spec_path, dpi, progress, rendered)
    out_dir.mkdir(parents=True, exist_ok=True)
    if version is not None:
        text = text.replace('"__VERSION__"', str(version))
    else:
        text = text.replace('"__VERSION__"', "null")
    index = out_dir / file_name
    write_atomic(index, text.encode("utf-8"))
    if version is not None:
        write_atomic(out_dir / VERSION_FILE, json.dumps({"version": version}).encode())
    return index, pf


def write_pages_proof(specs: list[Path], out_dir: Path, dpi: int = 72,
                      progress=None) -> tuple[Path, list[PageFit]]:
    """Several pages (page specs, or the pages of editions): one proof file per page,
    `<name>.html`, and an index.html listing the pages in order with their fit states and
    errors. A page that cannot be set gets a page showing its error; the others go on."""
    from typeset.fit import laid_out

    rows, fits = [], []
    seen: set[str] = set()
    out_dir.mkdir(parents=True, exist_ok=True)
    for spec_path in specs:
        for pf, spec, result in laid_out(spec_path, progress):
            n = len(fits) + 1
            name = pf.name if pf.name not in seen else f"{pf.name}-{n}"
            seen.add(name)
            try:
                text = page_proof(pf, spec, result, dpi, progress)
            except InputError as exc:
                pf.error = str(exc)
                text = page_html(pf, None)
            write_atomic(out_dir / f"{name}.html", text.replace('"__VERSION__"', "null")
                         .encode("utf-8"))
            fits.append(pf)
            rows.append(_index_row(n, name, pf))
    colours = "\n".join(f".state-{s} {{ --c: {c}; }}" for s, c in STATE_COLOURS.items())
    index = out_dir / "index.html"
    write_atomic(index, f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>proof · {len(fits)} pages</title>
<style>{colours}
body {{ font: 14px/1.5 system-ui, sans-serif; margin: 24px; }}
td {{ padding: 4px 12px; vertical-align: top; }}
.key {{ border-left: 12px solid var(--c); padding-left: 4px; margin-right: 8px; }}
</style></head><body><h1>Proof: {len(fits)} pages</h1>
<table><tr><th>page</th><th>spec</th><th>fit</th></tr>{''.join(rows)}</table>
</body></html>
""".encode("utf-8"))
    return index, fits


def _index_row(n: int, name: str, pf: PageFit) -> str:
    if pf.error:
        summary = f'<span class="key state-problem">error</span> {html.escape(pf.error)}'
    else:
        counts = {s: sum(1 for b in pf.blocks if b.state == s) for s in STATE_COLOURS}
        summary = " ".join(f'<span class="key state-{s}">{s} {c}</span>'
                           for s, c in counts.items() if c)
    return (f'<tr data-page="{html.escape(name)}"><td>{n}</td>'
            f'<td><a href="{html.escape(name)}.html">{html.escape(pf.spec)}</a></td>'
            f'<td>{summary}</td></tr>')


def page_html(pf: PageFit, png: bytes | None) -> str:
    data = json.dumps(pf.as_dict(), ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(f"proof · {pf.name}")
    if pf.error is not None or png is None:
        body = (f'<div class="error" id="error"><h1>This page cannot be set</h1>'
                f'<pre>{html.escape(pf.error or "unknown error")}</pre>'
                f'<p>Fix the spec; the proof updates itself when it is served by '
                f'<code>typeset watch --proof</code>.</p></div>')
    else:
        body = _page_body(pf, png)
    colours = "\n".join(f"  .state-{s} {{ --c: {c}; }}" for s, c in STATE_COLOURS.items())
    return (_TEMPLATE.replace("__TITLE__", title).replace("__BODY__", body)
            .replace("__COLOURS__", colours).replace("__DATA__", data)
            .replace("__POLL__", str(POLL_MS)))


def _pct(v: float, total: float) -> str:
    return f"{v / total * 100:.4f}%"


def _page_body(pf: PageFit, png: bytes) -> str:
    pw, ph = pf.page_size
    blocks = []
    for b in pf.blocks:
        x, y, w, h = b.box
        label = html.escape(f"{b.id} · {b.kind}")
        thin = " thin" if b.kind == "rule" else ""
        blocks.append(
            f'<div class="block state-{b.state}{thin}" data-id="{html.escape(b.id)}" '
            f'data-kind="{b.kind}" data-state="{b.state}" tabindex="0" '
            f'style="left:{_pct(x, pw)};top:{_pct(y, ph)};width:{_pct(w, pw)};'
            f'height:{_pct(h, ph)}"><span class="label">{label}</span></div>')
    g = pf.grid
    cols = []
    for c in range(g["columns"]):
        cx = g["left"] + c * (g["column_width"] + g["gutter"])
        cols.append(f'<div class="gcol" style="left:{_pct(cx, pw)};top:{_pct(g["top"], ph)};'
                    f'width:{_pct(g["column_width"], pw)};'
                    f'height:{_pct(g["lines"] * g["pitch"] - g["line_gap"], ph)}"></div>')
    lines = []
    for n in range(g["lines"]):
        ly = g["top"] + n * g["pitch"]
        lines.append(f'<div class="gline" style="top:{_pct(ly, ph)};left:{_pct(g["left"], pw)};'
                     f'width:{_pct(g["columns"] * (g["column_width"] + g["gutter"]) - g["gutter"], pw)};'
                     f'height:{_pct(g["pitch"] - g["line_gap"], ph)}"></div>')
    img = base64.b64encode(png).decode("ascii")
    counts = {s: sum(1 for b in pf.blocks if b.state == s) for s in STATE_COLOURS}
    legend = " ".join(f'<span class="key state-{s}">{s} {counts[s]}</span>' for s in STATE_COLOURS)
    return f"""<header>
  <strong>{html.escape(pf.spec)}</strong>
  <span class="legend">{legend}</span>
  <label><input type="checkbox" id="grid-toggle"> grid</label>
  <label><input type="checkbox" id="label-toggle" checked> labels</label>
</header>
<main>
  <div id="page" style="aspect-ratio:{pw:.3f}/{ph:.3f}">
    <img id="page-image" alt="page {html.escape(pf.name)}" src="data:image/png;base64,{img}">
    <div id="grid" hidden>{''.join(cols)}{''.join(lines)}</div>
    <div id="blocks">{''.join(blocks)}</div>
  </div>
  <aside id="info"><p>Click a block to see its fit.</p></aside>
</main>"""


_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
__COLOURS__
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #ddd; color: #111; }
  header { position: sticky; top: 0; z-index: 10; background: #fff; padding: 6px 12px;
           display: flex; gap: 16px; align-items: center; border-bottom: 1px solid #aaa; }
  .key { border-left: 12px solid var(--c); padding-left: 4px; margin-right: 8px; }
  main { display: flex; gap: 12px; padding: 12px; align-items: flex-start; }
  #page { position: relative; width: min(75vw, 1100px); background: #fff; flex: none;
          box-shadow: 0 1px 6px rgba(0,0,0,.3); }
  #page-image { position: absolute; inset: 0; width: 100%; height: 100%; }
  #grid { position: absolute; inset: 0; pointer-events: none; }
  #grid[hidden] { display: none; }
  .gcol { position: absolute; background: rgba(0, 160, 220, .10); }
  .gline { position: absolute; border-top: 1px solid rgba(0, 160, 220, .35); }
  #blocks { position: absolute; inset: 0; }
  .block { position: absolute; box-sizing: border-box; border: 2px solid var(--c);
           background: color-mix(in srgb, var(--c) 8%, transparent); cursor: pointer; }
  .block.thin { border-width: 1px; background: none; }
  .block:hover, .block.selected { background: color-mix(in srgb, var(--c) 22%, transparent); }
  .block.selected { outline: 3px solid var(--c); }
  .label { position: absolute; left: 0; top: 0; background: var(--c); color: #fff;
           font-size: 11px; padding: 0 4px; white-space: nowrap; }
  .thin .label { font-size: 9px; opacity: .8; top: auto; bottom: 0; }
  body.no-labels .label { display: none; }
  aside { position: sticky; top: 50px; background: #fff; padding: 8px 12px; min-width: 260px;
          max-width: 380px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
  aside dt { font-weight: bold; margin-top: 4px; }
  aside dd { margin: 0 0 0 8px; }
  .error { margin: 40px auto; max-width: 900px; background: #fff; border: 4px solid #d62728;
           padding: 16px 24px; }
  .error pre { white-space: pre-wrap; font-size: 15px; }
</style>
</head>
<body>
__BODY__
<script type="application/json" id="fit-data">__DATA__</script>
<script>
"use strict";
const FIT = JSON.parse(document.getElementById("fit-data").textContent);
const VERSION = "__VERSION__";
const byId = Object.fromEntries(FIT.blocks.map(b => [b.id, b]));
function esc(s) { return String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]); }
function show(id) {
  const b = byId[id];
  document.querySelectorAll(".block.selected").forEach(e => e.classList.remove("selected"));
  const el = document.querySelector(`.block[data-id="${CSS.escape(id)}"]`);
  if (el) el.classList.add("selected");
  const rows = [
    ["block", `${b.id} (${b.kind})`], ["state", b.state],
    ["spec", `${b.file}:${b.line}`],
    ["place", `column ${b.column}, ${b.columns} columns; line ${b.first_line}, ${b.lines} lines`],
    ["lines", `has ${b.lines}, needs ${b.needs === null ? "?" : b.needs}`],
  ];
  if (b.capacity_lines) rows.push(["body lines", `${b.used_lines}/${b.capacity_lines}, ${b.empty_lines} empty`]);
  if (b.over_chars || b.over_lines) rows.push(["over", `${b.over_lines} lines, ${b.over_chars} characters`]);
  if (b.under_chars) rows.push(["under", `about ${b.under_chars} characters`]);
  for (const e of b.elements) rows.push([e.name, `has ${e.has} lines, needs ${e.needs}${e.fixed ? " (set in the spec)" : ""}${e.note ? "; " + e.note : ""}`]);
  if (b.proposal) rows.push(["proposal", b.proposal]);
  for (const i of b.issues) rows.push(["issue", i]);
  document.getElementById("info").innerHTML = "<dl>" + rows.map(([k, v]) =>
    `<dt>${esc(k)}</dt><dd class="f-${esc(k.replace(/ /g, "-"))}">${esc(v)}</dd>`).join("") + "</dl>";
}
document.querySelectorAll(".block").forEach(el => {
  el.addEventListener("click", () => show(el.dataset.id));
  el.addEventListener("keydown", ev => { if (ev.key === "Enter") show(el.dataset.id); });
});
const gt = document.getElementById("grid-toggle");
if (gt) gt.addEventListener("change", () => { document.getElementById("grid").hidden = !gt.checked; });
const lt = document.getElementById("label-toggle");
if (lt) lt.addEventListener("change", () => document.body.classList.toggle("no-labels", !lt.checked));
// served by `typeset watch --proof`: reload after each re-render
if (VERSION !== null && location.protocol.startsWith("http")) {
  setInterval(async () => {
    try {
      const r = await fetch("version.json", {cache: "no-store"});
      const v = (await r.json()).version;
      if (v !== VERSION) location.reload();
    } catch (e) { /* the watcher is restarting: try again */ }
  }, __POLL__);
}
</script>
</body>
</html>
"""


class ProofServer:
    """The proof folder on http://127.0.0.1:<free port>/ in a background thread."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        import functools
        import http.server
        import threading

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):      # keep the watcher's terminal readable
                pass

            def end_headers(self):
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

        folder.mkdir(parents=True, exist_ok=True)
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(Handler, directory=str(folder)))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
