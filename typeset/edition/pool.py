"""Warm page workers for `--jobs N` on Linux: N long-lived processes that set page after page.

The pool is forked early, from a parent that has read only the edition file (not the page specs,
not the fonts), so a worker starts small; each worker imports the pipeline once (while the
parent plans the edition) and then sets every page it is sent in a child of its own, forked
from that warm state: the child sets one page, sends the outcome and exits. So a page costs no
interpreter start and no imports, and a worker's memory never grows with the pages it has set:
its peak is that of one page (a page's fonts, glyph and shaping caches leave with its child).

A page whose child or worker dies (a crash, the OOM killer) is reported failed and only that
page: the worker reports its child's end, a lost worker is replaced by a fresh fork, and the
other pages go on. A page is handed out only when the pages it waits for (the earlier parts of
its jumps) are done, so the jump graph holds.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import signal
from dataclasses import dataclass
from typing import Iterator

from typeset.edition.task import failed_outcome, lost_outcome, run_page

# process titles (what `ps -o comm` and `top` show; at most 15 bytes): a worker, and the child it
# forks for each page
WORKER_TITLE = "typeset-worker"
PAGE_TITLE = "typeset-page"


def warm_up() -> None:
    """What every page needs before its first line, done once by a new worker while the parent
    plans: the imports of the whole page task (setting, checks, PDF, preflight, preview), which
    each page's child then shares. (Fonts open in each page's child and go with it.)"""
    import typeset.checks  # noqa: F401
    import typeset.edition.plan  # noqa: F401
    import typeset.layout.elements  # noqa: F401
    import typeset.layout.jump  # noqa: F401
    import typeset.layout.page  # noqa: F401
    import typeset.pipeline  # noqa: F401
    import typeset.prepress.icc  # noqa: F401
    import typeset.prepress.preflight  # noqa: F401
    import typeset.render.pdf  # noqa: F401
    import typeset.report  # noqa: F401
    import typeset.reuse  # noqa: F401
    import typeset.review.raster  # noqa: F401
    import typeset.spec.merge  # noqa: F401
    import typeset.text.segment  # noqa: F401
    from PIL import Image

    # the image plugins a page loads on first use (JPEG in, PNG out, and the few others PIL
    # tries first), not all forty: what a page would not load alone is only weight in every
    # page's process (the page checks' ink-box pens, too, load only when their cache misses)
    Image.preinit()
    import pypdfium2  # noqa: F401 — the preview's renderer
    # tables every page reads: the character classes, the English hyphenation dictionaries,
    # the installed fonts (fontconfig's list, from the disk cache)
    from typeset.font.face import installed_faces
    from typeset.text.atoms import _hyphenator, _short_hyphenator
    from typeset.text.classes import class_table

    class_table()
    _hyphenator()
    _short_hyphenator()
    installed_faces()


def _serve(conn, fonts: list) -> None:
    """A worker's life: warm up, then set each page it is sent in a child of its own, until told
    to stop."""
    _prctl(15, WORKER_TITLE.encode())   # 15: PR_SET_NAME
    fresh_fonts(fonts)
    try:
        warm_up()
    except Exception:  # noqa: BLE001 — the first page will meet (and report) the same problem
        pass
    gc.collect()
    gc.freeze()   # the warm state: a child's collector never walks (and so never copies) it
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):   # the parent is gone
            break
        if msg is None:
            break
        job, upstream = msg
        conn.send_bytes(set_in_child(job, upstream))   # the parent's recv() unpickles it
    conn.close()


def set_in_child(job: dict, upstream: list) -> bytes:
    """Set one page in a child forked from this process; return its pickled outcome. The child
    exits when the page is done, so whatever the page loaded (fonts, glyph and shaping caches,
    the heap it fragmented) goes with it. A child that dies, or
    ends without a whole outcome, fails its page only."""
    read, write = os.pipe()
    worker = os.getpid()
    pid = os.fork()
    if pid == 0:   # the child: never return into the worker's loop
        code = 70
        try:
            os.close(read)
            _prctl(15, PAGE_TITLE.encode())
            _prctl(1, signal.SIGKILL)   # 1: PR_SET_PDEATHSIG: killed if its worker dies, so a
            #                              killed pool leaves no page half set in the background
            if os.getppid() != worker:   # the worker died before that was asked: no one
                os._exit(code)           # waits for this page, and nothing would end it
            out = run_page(job, *upstream)   # never raises
            out["pid"] = os.getppid()   # the worker that set it (the child is one of many)
            with open(write, "wb") as f:
                f.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with open(read, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status == 0:
        return data
    if os.WIFSIGNALED(status):
        why = f"its process was killed by signal {os.WTERMSIG(status)}"
    else:
        why = f"its process ended with exit code {os.waitstatus_to_exitcode(status)}"
    return pickle.dumps(failed_outcome(job, why))


def _prctl(option: int, arg) -> None:
    """Linux's prctl(2), where there is one."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(option, arg, 0, 0, 0)
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
