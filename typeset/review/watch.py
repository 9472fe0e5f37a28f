"""`typeset watch`: re-render a spec whenever it or any file it uses is saved.

The process stays up, so fonts, font metrics and the phrase model are loaded once. A page is
re-rendered incrementally: blocks whose inputs did not change are replayed with their page
checks, paragraphs composed before are not composed again (layout/memo.py), and parsed YAML,
opened photos and the operators of unchanged glyph runs are kept (typeset/reuse.py; encoded
photos and font subsets come from the on-disk stream cache every command uses). The PDF and
report are the same bytes a cold `typeset render` writes. Watch runs no preflight (the
Ghostscript ink check takes longer than the whole re-render; run `typeset render` or
`typeset preflight` before the page goes to press) and writes no PNG previews.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

POLL_SECONDS = 0.25


def used_files(spec_path: Path) -> list[Path]:
    """The spec and every file it names (content, captions, photos, fonts, ICC); for an
    edition, the edition file and every page's files."""
    from typeset.edition.spec import is_edition
    from typeset.spec.load import load_spec

    if is_edition(spec_path):
        return _edition_files(spec_path)
    files = [spec_path]
    try:
        spec = load_spec(spec_path)
    except Exception:
        return files
    return files + _spec_files(spec)


def _edition_files(path: Path) -> list[Path]:
    from typeset.edition.plan import load_page
    from typeset.edition.spec import load_edition

    files = [path]
    try:
        ed = load_edition(path)
    except Exception:
        return files
    for page in ed.pages:
        if page.file is not None:
            files.append(page.file)
        try:
            files += _spec_files(load_page(ed, page))
        except Exception:
            continue
    return sorted(set(files), key=str)


def _render(spec_path: Path, out_dir: Path, memo=None):
    """One render for watch: a page spec through the pipeline, an edition page by page in this
    process (no preflight, no previews: watch is for the desk's loop). `memo`: the page's
    LayoutMemo, kept from one render to the next."""
    from typeset import pipeline
    from typeset.edition import render_edition
    from typeset.edition.spec import is_edition

    if is_edition(spec_path):
        return render_edition(spec_path, out_dir, jobs=0, preview_dpi=0, preflight=False)
    return pipeline.render(spec_path, out_dir, preflight=False, memo=memo)


class Renderer:
    """Renders one spec again and again, keeping what a re-render may reuse."""

    def __init__(self, spec_path: Path, out_dir: Path) -> None:
        from typeset import reuse
        from typeset.layout.memo import LayoutMemo

        self.spec_path, self.out_dir = spec_path, out_dir
        self.memo = LayoutMemo()
        reuse.enable()

    def render(self):
        return _render(self.spec_path, self.out_dir, self.memo)

    def close(self) -> None:
        """Forget what was kept (the process may go on to do other work)."""
        from typeset import reuse

        reuse.enable(False)
        self.memo = None


def _spec_files(spec) -> list[Path]:
    files = []
    for b in spec.blocks:
        if b.source:
            files.append(b.source)
        if getattr(b.opts, "caption", None) is not None:
            files.append(b.opts.caption)
    files += [p for p in (spec.fonts, spec.print.icc) if p]
    return files


def _stamp(files: list[Path]) -> tuple:
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append((str(f), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(f), None, None))
    return tuple(out)


def watch(spec_path: Path, out_dir: Path, on_result: Callable[[object, float, Exception | None], None],
          stop: threading.Event | None = None, max_renders: int | None = None,
          proof_dir: Path | None = None) -> int:
    """Render now and after every change; call on_result(result, seconds, error) each time.
    With proof_dir, also write the HTML proof there (version n after the n-th render), so a
    browser showing it reloads."""
    from typeset.errors import InputError
    from typeset.pipeline import RenderResult

    stop = stop or threading.Event()
    renderer = Renderer(spec_path, out_dir)
    renders = 0
    files = used_files(spec_path)
    try:
        last = None
        while not stop.is_set():
            stamp = _stamp(files)
            if stamp != last:
                last = stamp
                t0 = time.perf_counter()
                result = None
                try:
                    result = renderer.render()
                    on_result(result, time.perf_counter() - t0, None)
                except InputError as exc:
                    on_result(None, time.perf_counter() - t0, exc)
                renders += 1
                if proof_dir is not None:
                    from typeset.review.proof import write_proof

                    try:
                        write_proof(spec_path, proof_dir, version=renders,
                                    rendered=result if isinstance(result, RenderResult) else None)
                    except Exception as exc:  # keep watching: the next save may fix it
                        on_result(None, time.perf_counter() - t0, exc)
                new_files = used_files(spec_path)
                if new_files != files:     # the spec now names other files: watch those too
                    files = new_files
                    last = _stamp(files)
                if max_renders is not None and renders >= max_renders:
                    break
            stop.wait(POLL_SECONDS)
    finally:
        renderer.close()
    return renders
