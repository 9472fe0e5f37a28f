"""Run an edition's page tasks: in this process, in local worker processes, or on a Dask cluster.

All three run the same task function on the same plain-data jobs, so they give the same bytes.
A page starts as soon as the pages it waits for (the earlier parts of its jumps) are done.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Iterator

from typeset.edition.plan import Plan
from typeset.edition.task import run_page
from typeset.errors import InputError

DEFAULT_SCHEDULER_TIMEOUT = 10.0   # seconds to wait for a Dask scheduler to answer


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_local(plan: Plan, jobs: int, options: dict) -> Iterator[dict]:
    """Yield page outcomes as they finish, with up to `jobs` worker processes (1: this one)."""
    tasks = plan.tasks
    if jobs <= 1 or len(tasks) == 1:
        done: dict[int, dict] = {}
        for t in tasks:   # page order respects every jump (jumps run forward)
            done[t.index] = run_page(plan.job(t.index, **options), *(done[d] for d in t.deps))
            yield done[t.index]
        return
    if sys.platform == "linux":
        yield from _run_forked(plan, jobs, options)
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    done = {}
    waiting = {t.index for t in tasks}
    running = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)),
                             mp_context=mp.get_context("spawn")) as pool:
        while waiting or running:
            for i in sorted(waiting):
                if all(d in done for d in tasks[i].deps):
                    waiting.discard(i)
                    fut = pool.submit(run_page, plan.job(i, **options),
                                      *(done[d] for d in tasks[i].deps))
                    running[fut] = i
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = running.pop(fut)
                try:
                    done[i] = fut.result()
                except Exception as exc:  # the worker process died
                    done[i] = _lost(plan, i, exc)
                yield done[i]


def _page_process(conn, job: dict, upstream: list) -> None:
    """A forked child that sets one page and sends its outcome back."""
    _fresh_worker()
    try:
        conn.send(run_page(job, *upstream))
    finally:
        conn.close()


def _run_forked(plan: Plan, jobs: int, options: dict) -> Iterator[dict]:
    """One forked process per page, at most `jobs` at a time, from a parent that has done the
    warm-up once: a page's process holds that page only (its memory is one page's render), and
    a page whose process dies (a crash, the OOM killer) takes no other page with it."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")
    tasks = plan.tasks
    prewarm(plan)
    done: dict[int, dict] = {}
    waiting = [t.index for t in tasks]
    running: dict = {}   # receiving end → (page index, process)
    try:
        while waiting or running:
            for i in list(waiting):
                if len(running) >= jobs:
                    break
                if not all(d in done for d in tasks[i].deps):
                    continue
                waiting.remove(i)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_page_process, daemon=True,
                                   args=(send, plan.job(i, **options),
                                         [done[d] for d in tasks[i].deps]))
                proc.start()
                send.close()
                running[recv] = (i, proc)
            for conn in wait(list(running)):
                i, proc = running.pop(conn)
                try:
                    done[i] = conn.recv()
                except (EOFError, OSError):
                    proc.join()
                    done[i] = _lost(plan, i, RuntimeError(
                        f"its process ended with exit code {proc.exitcode}"))
                conn.close()
                proc.join()
                yield done[i]
    finally:
        for conn, (_, proc) in running.items():
            proc.terminate()
            proc.join()
            conn.close()


def prewarm(plan: Plan) -> None:
    """Do once, before forking, the work every worker would repeat on its first page: import
    the pipeline, load the word segmenter's dictionary, list the installed fonts and open the
    edition's faces (their CFF charsets are large). Workers inherit all of it."""
    import typeset.layout.elements  # noqa: F401
    import typeset.layout.page  # noqa: F401
    import typeset.prepress.preflight  # noqa: F401
    import typeset.render.pdf  # noqa: F401
    import typeset.review.raster  # noqa: F401
    from typeset.errors import InputError as _InputError
    from typeset.font.face import installed_faces
    from typeset.font.roles import FontBook, load_roles
    from typeset.layout.headline import _segmenter

    _segmenter().cut("预热分词词典")
    installed_faces()
    fonts = {s.fonts for s in plan.specs}
    for path in sorted(fonts, key=str):
        try:
            roles, source = load_roles(path)
            book = FontBook(roles, source)
            for role in roles:
                if role != "fallback":   # rare-character faces open when a page needs them
                    book.chain(role).primary.font.getGlyphOrder()
        except (_InputError, AttributeError, OSError):
            continue   # the page that uses these fonts will report the problem itself


def _fresh_worker() -> None:
    """In a forked worker: give every font the parent opened a file handle of its own. A lazily
    read font shares its file offset with every forked copy, so two workers reading at once
    would read each other's bytes."""
    from typeset.font.face import open_face

    try:
        import gc

        from fontTools.ttLib import TTFont

        for obj in gc.get_objects():
            if isinstance(obj, TTFont) and obj.reader is not None:
                old = obj.reader.file
                obj.reader.file = open(old.name, "rb")
    except Exception:  # noqa: BLE001 — anything odd: start this worker's fonts afresh
        open_face.cache_clear()


def connect(address: str, timeout: float):
    """A Dask client for a running scheduler, or an InputError after `timeout` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError(address, "--scheduler needs Dask distributed",
                         hint="pip install -e '.[cluster]'") from None
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(address, f"no Dask scheduler answered within {timeout:g} s "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
                         hint="start one with `dask scheduler` and workers with `dask worker "
                         "ADDRESS`, check the address, or raise --scheduler-timeout") from None


def run_dask(plan: Plan, client, options: dict) -> Iterator[dict]:
    """Submit the whole graph at once: Dask passes each page's outcome to its continuations."""
    from distributed import as_completed

    import hashlib

    tag = hashlib.sha1(f"{plan.edition.path}{time.time_ns()}".encode()).hexdigest()[:10]
    futures = {}
    for t in plan.tasks:
        futures[t.index] = client.submit(run_page, plan.job(t.index, **options),
                                         *(futures[d] for d in t.deps),
                                         key=f"typeset-{plan.edition.name}-p{t.number}-{tag}",
                                         pure=False, retries=0)
    index_of = {f.key: i for i, f in futures.items()}
    try:
        for fut in as_completed(list(futures.values()), loop=client.loop):
            i = index_of[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # the worker was lost, or could not import typeset
                yield _lost(plan, i, exc)
    finally:
        for f in futures.values():
            f.release()


def _lost(plan: Plan, i: int, exc: BaseException) -> dict:
    t = plan.tasks[i]
    return {"index": i, "number": t.number, "name": t.name, "file_name": t.file_name,
            "pdf": None, "png": None, "report": None, "rest": {}, "seconds": 0.0,
            "peak_rss_mib": None, "error_kind": "internal",
            "error": f"the worker running this page failed: {type(exc).__name__}: {exc}"}


class Progress:
    """A progress bar on a terminal (tqdm), plain lines otherwise; nothing with -q."""

    def __init__(self, total: int, label: str, quiet: bool, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.quiet, self.total, self.n, self.label = quiet, total, 0, label
        self.bar = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="page", file=self.stream, leave=False,
                            mininterval=0, miniters=1)

    def update(self, outcome: dict) -> None:
        self.n += 1
        state = "FAILED" if outcome.get("error") else "done"
        if self.bar is not None:
            self.bar.set_postfix_str(f"p{outcome['number']} {state}")
            self.bar.update(1)
        elif not self.quiet:
            print(f"  [{self.n}/{self.total}] page {outcome['number']} ({outcome['name']}) "
                  f"{state} in {outcome.get('seconds', 0):.1f} s", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def execute(plan: Plan, options: dict, jobs: int = 1, client=None,
            on_outcome: Callable[[dict], None] | None = None) -> list[dict]:
    """Run every page; return the outcomes in page order."""
    runner = run_dask(plan, client, options) if client is not None else \
        run_local(plan, jobs, options)
    outcomes = {}
    for o in runner:
        outcomes[o["index"]] = o
        if on_outcome:
            on_outcome(o)
    return [outcomes[t.index] for t in plan.tasks]
