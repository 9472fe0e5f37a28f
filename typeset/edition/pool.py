"""Warm page workers for `--jobs N` on Linux: N long-lived processes that set page after page.

The pool is forked early, from a parent that has read only the edition file (not the page specs,
not the fonts), so a worker starts small; each worker then keeps its fonts, glyph and shaping
caches warm across the pages it sets (a page in a fresh process costs two to three times a page
in a warm one). While the workers warm up, the parent plans the edition.

A page whose worker dies (a crash, the OOM killer) is reported failed and only that page: the
worker is replaced by a fresh fork and the other pages go on. A page is handed out only when the
pages it waits for (the earlier parts of its jumps) are done, so the jump graph holds.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from dataclasses import dataclass
from typing import Iterator

from typeset.edition.task import lost_outcome, run_page


def warm_up() -> None:
    """What every page needs before its first line, done by a new worker while the parent plans:
    the pipeline's imports. (Fonts open with the first page: loading every face of the edition up
    front costs memory a page never uses; the word segmenter's dictionary, ≈ 30 MiB, loads only
    when a segmentation is not in the disk cache, and is let go after each page.)"""
    import typeset.layout.elements  # noqa: F401
    import typeset.layout.page  # noqa: F401
    import typeset.prepress.preflight  # noqa: F401
    import typeset.render.pdf  # noqa: F401
    import typeset.review.raster  # noqa: F401
    import typeset.pipeline  # noqa: F401
    import typeset.report  # noqa: F401


def _serve(conn, fonts: list) -> None:
    """A worker's life: warm up, then set each page it is sent until told to stop."""
    fresh_fonts(fonts)
    try:
        warm_up()
    except Exception:  # noqa: BLE001 — the first page will meet (and report) the same problem
        pass
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):   # the parent is gone
            break
        if msg is None:
            break
        job, upstream = msg
        conn.send(run_page(job, *upstream))   # run_page never raises
        between_pages()
    conn.close()


def between_pages() -> None:
    """Give back what the page that was just set no longer needs, so a worker's peak stays that
    of its biggest page rather than growing with every page it sets: the segmenter's dictionary
    (results stay cached), the page's garbage cycles, and free heap the C allocator keeps
    (glibc's malloc_trim; nothing elsewhere)."""
    from typeset.text.segment import release

    release()
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def open_fonts() -> list:
    """The fonts this process has open with a file to read lazily from (in the parent, before a
    fork; the pool forks before the parent opens any, but a process that has set pages itself,
    a test or a watch, has some)."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        return []
    return [o for o in gc.get_objects()
            if isinstance(o, TTFont) and getattr(o, "reader", None) is not None]


def fresh_fonts(fonts: list) -> None:
    """In a forked worker: give every font the parent had open a file handle of its own. A
    lazily read font shares its file offset with every forked copy, so two workers reading at
    once would read each other's bytes. (The parent lists them: after gc.freeze() the child's
    gc.get_objects() no longer sees the parent's objects.)"""
    from typeset.font.face import open_face

    try:
        for font in fonts:
            font.reader.file = open(font.reader.file.name, "rb")
    except Exception:  # noqa: BLE001 — anything odd: start this worker's fonts afresh
        open_face.cache_clear()


@dataclass
class Worker:
    proc: mp.process.BaseProcess
    conn: object   # the parent's end of a duplex pipe
    pages: int = 0


def _slim(outcome: dict) -> dict:
    """What a continuation needs of the page it continues: the text left over (not the PDF)."""
    return {"index": outcome["index"], "error": outcome.get("error"),
            "rest": outcome.get("rest", {})}


class PagePool:
    """`size` forked worker processes; use as a context manager, run() a plan on it."""

    def __init__(self, size: int) -> None:
        self.ctx = mp.get_context("fork")
        self.workers: list[Worker] = [self._fork() for _ in range(max(1, size))]

    def _fork(self) -> Worker:
        ours, theirs = self.ctx.Pipe(duplex=True)
        fonts = open_fonts()
        gc.collect()
        gc.freeze()   # what the parent holds stays untouched by the children's collector: shared
        try:
            proc = self.ctx.Process(target=_serve, args=(theirs, fonts), daemon=True,
                                    name="typeset-page-worker")
            proc.start()
        finally:
            gc.unfreeze()
        theirs.close()
        return Worker(proc, ours)

    def _replace(self, w: Worker) -> Worker:
        self._stop(w, kill=True)
        new = self._fork()
        self.workers[self.workers.index(w)] = new
        return new

    @staticmethod
    def _stop(w: Worker, kill: bool = False, timeout: float = 5.0) -> None:
        if not kill:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        w.conn.close()
        if kill and w.proc.is_alive():
            w.proc.kill()
        w.proc.join(timeout)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()

    def close(self) -> None:
        for w in self.workers:
            self._stop(w)
        self.workers = []

    def terminate(self) -> None:
        for w in self.workers:
            self._stop(w, kill=True)
        self.workers = []

    def __enter__(self) -> "PagePool":
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.terminate() if exc_type is not None else self.close()

    def run(self, plan, options: dict) -> Iterator[dict]:
        """Yield page outcomes as they finish. A page goes to an idle worker as soon as the pages
        it waits for are done, the page with the most work (its own and its continuations')
        first."""
        from multiprocessing.connection import wait

        tasks = plan.tasks
        done: dict[int, dict] = {}
        waiting = plan.priority()   # the most work first
        idle = list(self.workers)
        busy: dict = {}   # parent's pipe end → (worker, page index)
        try:
            while waiting or busy:
                for i in list(waiting):
                    if not idle:
                        break
                    if not all(d in done for d in tasks[i].deps):
                        continue
                    waiting.remove(i)
                    msg = (plan.job(i, **options), [_slim(done[d]) for d in tasks[i].deps])
                    w = idle.pop(0)
                    try:
                        w.conn.send(msg)
                    except (OSError, ValueError):   # it died while idle: a new one takes the page
                        w = self._replace(w)
                        w.conn.send(msg)
                    busy[w.conn] = (w, i)
                if not busy:   # cannot happen: jumps run forward, so some page is always ready
                    raise RuntimeError(f"edition plan has no page ready among {waiting}")
                for conn in wait(list(busy)):
                    w, i = busy.pop(conn)
                    try:
                        done[i] = conn.recv()
                        w.pages += 1
                    except Exception:  # noqa: BLE001 — EOF or a torn message: the worker died
                        w.proc.join(5)
                        code = w.proc.exitcode
                        done[i] = lost_outcome(plan, i, RuntimeError(
                            f"its process ended with exit code {code}"))
                        if waiting:
                            w = self._replace(w)
                        else:
                            self._stop(w, kill=True)
                            self.workers.remove(w)
                            w = None
                    if w is not None:
                        idle.append(w)
                    yield done[i]
        except BaseException:
            self.terminate()
            raise
