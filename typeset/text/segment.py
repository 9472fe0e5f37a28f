"""Chinese word segmentation (jieba, through rjieba) for breaking display lines, loaded only
when a line must break at a word and no earlier answer is known.

jieba's dictionary costs about 0.13 s and 25–30 MiB to load, so results are kept: in the process
and on disk (`typeset/cache.py`, keyed by the installed rjieba). A page whose headlines were
segmented before never loads the dictionary. When it is loaded, `release()` lets it go again
(the pipeline calls it before writing the PDF, the run's memory peak); a later miss loads it anew.
"""

from __future__ import annotations

import hashlib
import os

# Bumped when what `words` returns for the same text changes: older cached entries are misses.
SEGMENT_VERSION = 1
# Texts kept in the cache file (the newest): a few hundred bytes each.
MAX_CACHED = 2000

_memo: dict[str, list[str]] = {}
_disk: dict[str, list[str]] | None = None     # the cache file's entries, read on first use
_jieba = None


def words(text: str) -> list[str]:
    """jieba's words of `text` (precise mode with HMM, as `rjieba.cut`), from the caches when
    known; only non-empty words."""
    found = _memo.get(text)
    if found is not None:
        return list(found)
    disk = _disk_entries()
    found = disk.get(text)
    if not (isinstance(found, list) and all(isinstance(w, str) for w in found)
            and "".join(found) == text):
        found = [w for w in segmenter().cut(text) if w]
        _remember(text, found)
    _memo[text] = found
    return list(found)


def segmenter():
    """The loaded jieba (an object with `cut`), loading it when needed."""
    global _jieba
    if _jieba is None:
        _jieba = _load_jieba()
    return _jieba


def release() -> None:
    """Let the loaded dictionary go (its memory returns to the system); results stay known."""
    global _jieba
    _jieba = None


def _load_jieba():
    """A jieba instance of our own. Importing the `rjieba` package builds a default instance
    that lives as long as the process, so its compiled module is loaded directly when it can
    be (same dictionary, same results); otherwise through the package."""
    import sys
    from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
    from importlib.util import find_spec, module_from_spec, spec_from_file_location

    mod = sys.modules.get("rjieba.rjieba")
    if mod is None and "rjieba" not in sys.modules:
        try:
            pkg = find_spec("rjieba")
            folder = list(pkg.submodule_search_locations or [])[0]
            path = next(p for p in (os.path.join(folder, "rjieba" + s) for s in EXTENSION_SUFFIXES)
                        if os.path.isfile(p))
            loader = ExtensionFileLoader("rjieba.rjieba", path)
            spec = spec_from_file_location("rjieba.rjieba", path, loader=loader)
            mod = module_from_spec(spec)
            loader.exec_module(mod)
            sys.modules["rjieba.rjieba"] = mod   # a later `import rjieba` reuses it
        except Exception:  # noqa: BLE001 — any surprise: the package's own way
            mod = None
    if mod is not None and hasattr(mod, "Jieba"):
        return mod.Jieba()
    import rjieba

    return rjieba._DEFAULT_JIEBA if hasattr(rjieba, "_DEFAULT_JIEBA") else rjieba


def _cache_name() -> str:
    from typeset import cache

    lib = cache.module_key("rjieba")
    digest = hashlib.sha256(repr((SEGMENT_VERSION, lib)).encode()).hexdigest()[:16]
    return f"segment/{digest}.json"


def _cache_key() -> list:
    from typeset import cache

    return [SEGMENT_VERSION, cache.module_key("rjieba")]


def _disk_entries() -> dict[str, list[str]]:
    global _disk
    if _disk is None:
        from typeset import cache

        stored = cache.load(_cache_name(), _cache_key())
        _disk = stored if isinstance(stored, dict) else {}
    return _disk


def _remember(text: str, found: list[str]) -> None:
    """Add one result to the cache file: re-read it (another run may have added texts), add,
    keep the newest MAX_CACHED, write it whole (atomically)."""
    from typeset import cache

    stored = cache.load(_cache_name(), _cache_key())
    entries = stored if isinstance(stored, dict) else {}
    entries.pop(text, None)
    entries[text] = found
    if len(entries) > MAX_CACHED:
        entries = dict(list(entries.items())[-MAX_CACHED:])
    cache.store(_cache_name(), _cache_key(), entries)
    _disk_entries()[text] = found
