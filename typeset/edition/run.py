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
from typeset.edition.task import lost_outcome, run_page
from typeset.errors import InputError

DEFAULT_SCHEDULER_TIMEOUT = 10.0   # seconds to wait for a Dask scheduler to answer


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_local(plan: Plan, jobs: int, options: dict, pool=None) -> Iterator[dict]:
    """Yield page outcomes as they finish, with up to `jobs` worker processes. On Linux the
    workers are a PagePool of warm forked processes, each page set in a child of its own
    (`pool`, when the caller started one early; otherwise one is started here), `--jobs 1`
    included, so one page's memory is a worker's peak whatever the number of jobs. A single
    page, `jobs` 0 (watch), or `--jobs 1` elsewhere, is set in this process."""
    tasks = plan.tasks
    if pool is not None:
        yield from pool.run(plan, options)
        return
    if uses_pool(jobs, len(tasks), None):
        from typeset.edition.pool import PagePool

        with PagePool(min(jobs, len(tasks))) as own:
            yield from own.run(plan, options)
        return
    if jobs <= 1 or len(tasks) == 1:
        done: dict[int, dict] = {}
        for t in tasks:   # page order respects every jump (jumps run forward)
            done[t.index] = run_page(plan.job(t.index, **options), *(done[d] for d in t.deps))
            yield done[t.index]
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
                    done[i] = lost_outcome(plan, i, exc)
                yield done[i]


def uses_pool(jobs: int, pages: int, scheduler: str | None) -> bool:
    """Whether render_edition should start a PagePool (before planning, so it forks small):
    on Linux, for more than one page, whatever the number of jobs (`--jobs 1` sets its pages
    in one worker, as `--jobs 2` does in two, so the two are alike in memory and speed)."""
    return scheduler is None and jobs >= 1 and pages > 1 and sys.platform == "linux"


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
    order = plan.priority()   # the most work first, as the local pool does
    for t in plan.tasks:
        futures[t.index] = client.submit(run_page, plan.job(t.index, **options),
                                         *(futures[d] for d in t.deps),
                                         key=f"typeset-{plan.edition.name}-p{t.number}-{tag}",
                                         pure=False, retries=0,
                                         priority=len(order) - order.index(t.index))
    index_of = {f.key: i for i, f in futures.items()}
    try:
        for fut in as_completed(list(futures.values()), loop=client.loop):
            i = index_of[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # the worker was lost, or could not import typeset
                yield lost_outcome(plan, i, exc)
    finally:
        for f in futures.values():
            f.release()


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
            on_outcome: Callable[[dict], None] | None = None, pool=None) -> list[dict]:
    """Run every page; return the outcomes in page order."""
    runner = run_dask(plan, client, options) if client is not None else \
        run_local(plan, jobs, options, pool)
    outcomes = {}
    for o in runner:
        outcomes[o["index"]] = o
        if on_outcome:
            on_outcome(o)
    return [outcomes[t.index] for t in plan.tasks]
