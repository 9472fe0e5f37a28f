"""Plan an edition as a graph: one task per page, an edge from a story's part to its continuation.

Every page spec is loaded (and validated) first, so bad input is refused before anything is
rendered: a continuation naming a story that does not exist, two blocks continuing the same
part (two pages claiming the story's frames), a jump to an earlier page, a cycle of
continuations. Jumps only run forward, so the page order is a valid order of the graph; pages
without jumps between them can run at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from typeset.edition.spec import (
    Edition, PageEntry, file_name, header_of, load_layered, page_layers, suggest,
)
from typeset.errors import InputError
from typeset.spec.load import TOP_KEYS


@dataclass
class PageTask:
    index: int
    number: int
    name: str
    file_name: str
    section: str
    deps: list[int] = field(default_factory=list)          # indexes of pages to wait for
    jumps: dict[str, dict] = field(default_factory=dict)   # block id → {to, from, source}
    stories: list[str] = field(default_factory=list)       # article ids on the page
    weight: int = 0   # grid cells its blocks fill: a page's time grows with it (for scheduling)


@dataclass
class Story:
    id: str                    # the first part's block id (qualified with its page name)
    parts: list[tuple[int, str]]   # (page index, block id) in reading order


@dataclass
class Plan:
    edition: Edition
    tasks: list[PageTask]
    stories: list[Story]

    def priority(self) -> list[int]:
        """Page indexes, the most work first: a page's weight plus the heaviest chain of pages
        waiting for it (so the last pages to finish are short ones, and the cores end
        together)."""
        after: dict[int, list[int]] = {}
        for t in self.tasks:
            for d in t.deps:
                after.setdefault(d, []).append(t.index)
        rank: dict[int, int] = {}
        for t in reversed(self.tasks):   # dependants come later in the page order
            rank[t.index] = t.weight + max((rank[j] for j in after.get(t.index, [])), default=0)
        return sorted(rank, key=lambda i: (-rank[i], i))

    def job(self, index: int, **options) -> dict:
        """Plain data for a worker: everything it needs to set one page."""
        t = self.tasks[index]
        path = self.edition.path.resolve() if options.get("absolute") else self.edition.path
        return {"edition": str(path), "index": index, "number": t.number,
                "name": t.name, "file_name": t.file_name, "jumps": t.jumps, **options}


def load_page(ed: Edition, page: PageEntry):
    """Load one page's spec with the edition's layers; errors name the edition, page, field."""
    layers = page_layers(ed, page)
    try:
        return load_layered(**layers)
    except InputError as exc:
        if page.file is not None and any(k in TOP_KEYS for k in page.data):
            # the entry overrides the file: if the file loads without them, the mistake is in
            # the edition, at the line the error names
            try:
                load_layered(page.file, defaults=layers["defaults"],
                          overrides={"header": header_of(ed, page)})
            except InputError:
                pass
            else:
                raise InputError(str(ed.path), f"{page.describe()}: {exc.message}",
                                 line=exc.line, field=f"pages[{page.index}].{exc.field}"
                                 if exc.field else f"pages[{page.index}]", hint=exc.hint) from None
        raise ed.error(page, f"its spec does not load: {exc}", field="file" if page.file else None,
                       hint=None) from None


def check_defaults(ed: Edition) -> None:
    """Validate `defaults` on their own, so a mistake there is reported at its line in the
    edition file (not in the first page that inherits it)."""
    if not ed.defaults:
        return
    from typeset.spec.merge import merge

    probe = merge(ed.defaults, {"blocks": [{"type": "rule", "column": 1, "columns": 1,
                                            "line": 1, "lines": 1}],
                                "header": header_of(ed, ed.pages[0])})   # as a page gets it
    try:
        load_layered(ed.path, data=probe)
    except InputError as exc:
        raise InputError(str(ed.path), exc.message, line=exc.line,
                         field=f"defaults.{exc.field}" if exc.field else "defaults",
                         hint=exc.hint) from None


def plan_edition(ed: Edition) -> Plan:
    check_defaults(ed)
    specs = [load_page(ed, p) for p in ed.pages]
    tasks = []
    names: dict[str, PageTask] = {}
    for page, spec in zip(ed.pages, specs):
        section = spec.header.section if spec.header else ""
        t = PageTask(page.index, page.number, page.name, file_name(ed, page, section), section)
        t.stories = [b.id for b in spec.blocks if b.kind == "article"]
        t.weight = sum(f.columns * f.lines for b in spec.blocks for f in (b.frames or [b.place]))
        if t.file_name in names:
            raise ed.error(page, f"file name {t.file_name} is also "
                           f"{ed.pages[names[t.file_name].index].describe()}'s",
                           field=None, hint="put {page} in edition.file_name")
        names[t.file_name] = t
        tasks.append(t)

    # every article block, by id and by page-qualified id (name/id)
    articles: dict[str, list[tuple[int, object]]] = {}
    for page, spec in zip(ed.pages, specs):
        for b in spec.blocks:
            if b.kind == "article":
                articles.setdefault(b.id, []).append((page.index, b))
    # continuation edges: (page, block) → (page, block) it continues
    prev_of: dict[tuple[int, str], tuple[int, str]] = {}
    claimed: dict[tuple[int, str], tuple[int, str]] = {}
    where: dict[tuple[int, str], tuple[str, str]] = {}   # (page, block) → (field, file:line)
    for page, spec in zip(ed.pages, specs):
        for n, b in enumerate(spec.blocks):
            ref = b.opts.continues if b.kind == "article" else None
            if ref is None:
                continue
            line = b.key_lines.get("continues", b.line)
            where[(page.index, b.id)] = (f"blocks[{n}].continues", f"{spec.path}:{line}")
            field, at = where[(page.index, b.id)]
            ref = str(ref)
            target = _resolve(ed, page, ref, articles, field, at)
            if target == (page.index, b.id):
                raise ed.error(page, f"block '{b.id}' continues itself ({at})", field=field)
            if target in claimed:
                other = claimed[target]
                raise ed.error(page, f"blocks '{ed.pages[other[0]].name}/{other[1]}' "
                               f"({ed.pages[other[0]].describe()}) and '{page.name}/{b.id}' both "
                               f"continue '{ref}' ({at}): two pages claim the frames of one "
                               "story part", field=field, hint="each part continues on one later block; chain "
                               "them: the third part continues the second")
            claimed[target] = (page.index, b.id)
            prev_of[(page.index, b.id)] = target
    # cycles first (they also break the page order), then the direction of every jump
    for start in prev_of:
        seen = [start]
        node = start
        while node in prev_of:
            node = prev_of[node]
            if node in seen:
                loop = " → ".join(f"{ed.pages[p].name}/{bid}" for p, bid in seen + [node])
                page = ed.pages[start[0]]
                field, at = where[start]
                raise ed.error(page, f"continuations form a cycle: {loop} ({at})", field=field,
                               hint="a story starts on one page and continues on later pages")
            seen.append(node)
    for (pi, bid), (ti, tid) in prev_of.items():
        if ti >= pi:
            page = ed.pages[pi]
            there = "the same page" if ti == pi else \
                f"{ed.pages[ti].describe()}, which comes later"
            field, at = where[(pi, bid)]
            raise ed.error(page, f"block '{bid}' ({at}) continues '{tid}' from {there}: a jump "
                           "must go to a later page", field=field,
                           hint="move the continuation to a page after the story's start, or "
                           "reorder the pages")
    # jump labels and dependencies
    for (pi, bid), (ti, tid) in prev_of.items():
        tasks[ti].jumps.setdefault(tid, {})["to"] = str(tasks[pi].number)
        j = tasks[pi].jumps.setdefault(bid, {})
        j["from"] = str(tasks[ti].number)
        j["source"] = [ti, tid]
        if ti not in tasks[pi].deps:
            tasks[pi].deps.append(ti)
    # stories: chains from their first part
    stories = []
    next_of = {v: k for k, v in prev_of.items()}
    for first in sorted(set(prev_of.values()) - set(prev_of)):
        parts = [first]
        while parts[-1] in next_of:
            parts.append(next_of[parts[-1]])
        stories.append(Story(f"{ed.pages[first[0]].name}/{first[1]}", parts))
    for t in tasks:
        t.deps.sort()
    return Plan(ed, tasks, stories)


def _resolve(ed: Edition, page: PageEntry, ref: str, articles: dict, field: str, at: str):
    """The (page index, block id) a `continues:` names: `id`, or `page-name/id`."""
    page_name, _, bid = ref.rpartition("/")
    found = [(pi, b) for pi, b in articles.get(bid, [])
             if not page_name or ed.pages[pi].name == page_name]
    if not found:
        known = {f"{ed.pages[pi].name}/{b.id}" for v in articles.values() for pi, b in v}
        hint = suggest(ref, known | set(articles))
        raise ed.error(page, f"continues '{ref}' ({at}), but no page of the edition has an "
                       "article with that id", field=field, hint=hint)
    if len(found) > 1:
        where = ", ".join(f"{ed.pages[pi].name}/{b.id}" for pi, b in found)
        raise ed.error(page, f"continues '{ref}' ({at}), which is ambiguous ({where})", field=field,
                       hint="name the page too: continues: <page name>/<block id>")
    pi, b = found[0]
    return pi, b.id
