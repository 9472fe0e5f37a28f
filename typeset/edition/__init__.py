"""Editions: a whole newspaper in one command (see spec.py for the YAML).

    load_edition → plan_edition (graph of page tasks, bad input refused) → execute (this process,
    local worker processes or a Dask cluster) → deliver (page PDFs, proof, previews, report)
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PREVIEW_DPI = 50   # enough to read the layout of a broadsheet page on screen


@dataclass
class EditionResult:
    report: dict
    folder: Path | None
    report_path: Path | None
    proof: Path | None
    outcomes: list


def render_edition(path: Path, out_dir: Path | None, jobs: int = 1, scheduler: str | None = None,
                   timeout: float = 10.0, preview_dpi: int = DEFAULT_PREVIEW_DPI,
                   preflight: bool = True, render: bool = True, quiet: bool = True,
                   progress_stream=None) -> EditionResult:
    """Plan, run and deliver an edition. Bad input (edition, page specs, jumps, an unreachable
    scheduler) raises InputError before anything is written; a page that fails while being set
    is reported in the result and the other pages go on. `jobs`: worker processes (on Linux even
    1: a worker that sets each page in a child of its own); 0 sets the pages in this process,
    for watch, which keeps what it learned from one render to the next."""
    from typeset.edition.run import uses_pool
    from typeset.edition.spec import load_edition

    ed = load_edition(path)
    pool = None
    if uses_pool(jobs, len(ed.pages), scheduler):
        # forked now, from a process that has read the edition file only: the workers start
        # small and warm up while this one loads and checks every page spec
        from typeset.edition.pool import PagePool

        pool = PagePool(min(jobs, len(ed.pages)))
    with pool or nullcontext():   # the workers stop when done, are killed on an error or Ctrl-C
        return _run(ed, out_dir, jobs, pool, scheduler, timeout, preview_dpi, preflight, render,
                    quiet, progress_stream)


def _run(ed, out_dir, jobs, pool, scheduler, timeout, preview_dpi, preflight, render, quiet,
         progress_stream) -> EditionResult:
    from typeset.edition import deliver
    from typeset.edition.plan import plan_edition
    from typeset.edition.run import Progress, connect, execute

    plan = plan_edition(ed)
    client = connect(scheduler, timeout) if scheduler else None
    options = {"render": render, "preflight": preflight,
               "preview_dpi": preview_dpi if render else 0,
               "absolute": client is not None}   # a Dask worker may run in another folder
    folder = deliver.out_folder(plan, out_dir) if render and out_dir is not None else None
    if pool is not None and folder is not None:
        # the local workers write each page's files themselves (task._finish): the bytes
        # never travel back through this process
        options["deliver_to"] = str(folder.resolve())
    bar = Progress(len(plan.tasks), plan.edition.name, quiet, progress_stream)

    def on_outcome(o: dict) -> None:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            deliver.write_page(o, folder)
        bar.update(o)

    try:
        outcomes = execute(plan, options, jobs=jobs, client=client, on_outcome=on_outcome,
                           pool=pool)
    finally:
        bar.close()
        if client is not None:
            client.close()
    proof = deliver.write_proof(plan, outcomes, folder) if folder is not None else None
    data = deliver.edition_report(plan, outcomes, proof)
    rp = deliver.write_report(data, folder, plan.edition.name) if folder is not None else None
    return EditionResult(data, folder, rp, proof, outcomes)
