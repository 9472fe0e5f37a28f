"""Chinese word segmentation (jieba, through rjieba) for breaking display lines, loaded only
when a line must break at a word and no earlier answer is known.

jieba's dictionary costs about 0.13–0.17 s and 25–30 MiB to load, so results are kept: in the
process and on disk (`typeset/cache.py`, keyed by the installed rjieba). A page whose headlines
were segmented before never loads the dictionary. When it is loaded, `release()` lets it go again
(the pipeline calls it before writing the PDF, the run's memory peak); a later miss loads it anew.

On a first (cold) run the dictionary is loaded on the machine's other core, by a companion
process (`segment_worker.py`: the same compiled module, the same `Jieba().cut`). The pipeline
calls `start(spec_path)` before it loads a spec (the companion starts loading the dictionary
unless this spec was set before with every display text known), then `prefetch(texts)` with
every display text of the loaded spec (`display_texts`): those the caches do not know go to the
companion (started now if it was not), and a companion with nothing to do is ended. `words` takes
the companion's answers (waiting for them if needed) and loads jieba itself only for a text the
companion was not given. All answers go to the disk cache, so the next run starts no companion.
The companion never outlives the run: `release()` or `stop()` collect it once it has answered;
`stop()` (at exit, and on any error of the pipeline) kills and reaps it if it has not; and it
ends by itself when this process is gone (its input reaches EOF, its answer meets a broken
pipe).
"""

from __future__ import annotations

import os

from typeset.text.segment_worker import TEXT_SEP, WORD_SEP

# Bumped when what `words` returns for the same text changes: older cached entries are misses.
SEGMENT_VERSION = 1
# Texts kept in the cache file (the newest): a few hundred bytes each.
MAX_CACHED = 2000

_memo: dict[str, list[str]] = {}
_disk: dict[str, list[str]] | None = None     # the cache file's entries, read on first use
_jieba = None
_companion: _Companion | None = None
# A display text longer than this is no display line (a body paragraph): not handed ahead.
MAX_PREFETCH_CHARS = 200
# How long `collect()` waits for a companion still segmenting before it gives up on it.
COMPANION_WAIT_S = 10.0
# Spec files remembered as "every display text known" (the newest), so no companion is started
# ahead for them.
MAX_KNOWN_SPECS = 500


def words(text: str) -> list[str]:
    """jieba's words of `text` (precise mode with HMM, as `rjieba.cut`), from the caches when
    known; only non-empty words."""
    found = _memo.get(text)
    if found is not None:
        return list(found)
    disk = _disk_entries()
    found = disk.get(text)
    if not _valid(text, found):
        found = _from_companion(text)
    if not _valid(text, found):
        found = [w for w in segmenter().cut(text) if w]
        _remember({text: found})
    _memo[text] = found
    return list(found)


def segmenter():
    """The loaded jieba (an object with `cut`), loading it when needed."""
    global _jieba
    if _jieba is None:
        _jieba = _load_jieba()
    return _jieba


def release() -> None:
    """Let the loaded dictionary go (its memory returns to the system); results stay known.
    A companion that has answered is collected (its answers kept) and reaped; one still at work
    (layout asked it nothing, so nothing waits for it) is left to finish while the PDF is
    written, and collected by `stop` at exit or by the next run's `start`."""
    global _jieba
    _jieba = None
    if _companion is not None and _companion.proc.poll() is not None:
        _settle(1.0)


def collect(timeout: float | None = COMPANION_WAIT_S) -> None:
    """Wait for the companion's answers (at most `timeout` s), keep them, reap it."""
    _settle(timeout)


def _valid(text: str, found) -> bool:
    return (isinstance(found, list) and all(isinstance(w, str) for w in found)
            and "".join(found) == text)


def _rjieba_extension() -> str | None:
    """The file of rjieba's compiled module, or None when it cannot be found."""
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import find_spec

    try:
        pkg = find_spec("rjieba")
        folder = list(pkg.submodule_search_locations or [])[0]
        return next((p for p in (os.path.join(folder, "rjieba" + s) for s in EXTENSION_SUFFIXES)
                     if os.path.isfile(p)), None)
    except Exception:  # noqa: BLE001 — not installed, or an unusual layout
        return None


def _load_jieba():
    """A jieba instance of our own. Importing the `rjieba` package builds a default instance
    that lives as long as the process, so its compiled module is loaded directly when it can
    be (`segment_worker.load_compiled`, as the companion does: same dictionary, same results);
    otherwise through the package."""
    import sys

    mod = sys.modules.get("rjieba.rjieba")
    if mod is None and "rjieba" not in sys.modules:
        try:
            from typeset.text.segment_worker import load_compiled

            path = _rjieba_extension()
            if path is not None:
                mod = load_compiled(path)
                sys.modules["rjieba.rjieba"] = mod   # a later `import rjieba` reuses it
        except Exception:  # noqa: BLE001 — any surprise: the package's own way
            mod = None
    if mod is not None and hasattr(mod, "Jieba"):
        return mod.Jieba()
    import rjieba

    return rjieba._DEFAULT_JIEBA if hasattr(rjieba, "_DEFAULT_JIEBA") else rjieba


# -- the companion ------------------------------------------------------------------------------

def display_texts(spec) -> list[str]:
    """Every text of a loaded spec that layout may break as a display line, and its whitespace-
    separated chunks (a superset of what `words` is asked: titles, subtitles, bylines, subheads,
    brief titles, header fields …): every string of the spec model holding a CJK character, up
    to MAX_PREFETCH_CHARS long, except body paragraphs."""
    from dataclasses import fields, is_dataclass

    from typeset.spec.content import Part

    out: dict[str, None] = {}
    seen: set[int] = set()

    def add(s: str) -> None:
        if len(s) <= MAX_PREFETCH_CHARS and any(ord(c) >= 0x2E80 for c in s):
            for t in (s.strip(), *s.split()):
                if t:
                    out[t] = None

    def walk(obj) -> None:
        if isinstance(obj, str):
            add(obj)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            for v in obj:
                walk(v)
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif is_dataclass(obj) and not isinstance(obj, type) and id(obj) not in seen:
            seen.add(id(obj))
            if isinstance(obj, Part) and obj.kind == "para":
                return
            for f in fields(obj):
                walk(getattr(obj, f.name, None))

    walk(spec)
    return list(out)


def start(spec_path) -> bool:
    """Before a spec is loaded: start the companion loading jieba's dictionary, unless this spec
    was set before with every display text known (then nothing is likely to be missing; if
    something is, `prefetch` starts one), or the dictionary is loaded here already. True when a
    companion was started."""
    try:
        path = os.path.abspath(os.fspath(spec_path))
    except TypeError:
        return False
    if _companion is not None:
        if _companion.texts is None and _companion.spec_path == path:
            return True     # started for this spec already (the command line, at its start)
        stop()          # an earlier run's, never collected (`check` does not write a PDF)
    if _jieba is not None:
        return False
    if _is_known(path):
        return False
    return _spawn(path)


def prefetch(texts, spec_path=None) -> bool:
    """With the loaded spec's display texts: hand those the caches do not know to the companion
    (starting it if `start` did not), or end a companion that has nothing to do; remember the
    spec as fully known when nothing is missing. Nothing is started when every text is known,
    when the dictionary is loaded here already, or when starting fails (then `words` loads jieba
    here, as without a companion). True when a companion is at work."""
    if _companion is not None and _companion.texts is not None:
        stop()          # an earlier run's, never collected
    path = os.path.abspath(os.fspath(spec_path)) if spec_path is not None else None
    missing: list[str] = []
    disk = None
    for t in texts:
        if t in _memo or TEXT_SEP in t or WORD_SEP in t or not _encodable(t):
            continue        # known, or not to be sent (segmented here if ever asked)
        if disk is None:
            disk = _disk_entries()
        if not _valid(t, disk.get(t)):
            missing.append(t)
    payload = TEXT_SEP.join(missing).encode("utf-8")
    if missing and path is not None and _unneeded(path, missing):
        stop()          # a run of this spec with these same texts asked none of them
        return False
    if not missing or _jieba is not None:
        if path is not None and not missing:
            _mark_known(path)
        stop()
        return False
    if _companion is None and not _spawn(path):
        return False
    comp = _companion
    comp.texts = missing
    pipe, comp.proc.stdin = comp.proc.stdin, None   # `communicate` then only reads its answer
    if len(payload) <= PIPE_SAFE_BYTES:
        try:
            _feed(pipe, payload, raise_errors=True)
        except OSError:
            stop()
            return False
    else:   # more than the pipe holds while the companion is still loading: written by a thread
        import threading

        threading.Thread(target=_feed, args=(pipe, payload), daemon=True,
                         name="typeset-segment-feed").start()
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")        # a lone surrogate cannot be sent (nor cached)
        return True
    except UnicodeEncodeError:
        return False


# What a pipe surely takes without a reader (Linux holds 64 KiB).
PIPE_SAFE_BYTES = 32768


def _feed(pipe, payload: bytes, raise_errors: bool = False) -> None:
    try:
        pipe.write(payload)
        pipe.close()
    except OSError:             # the companion is gone: its answer will be missing
        if raise_errors:
            raise


def _spawn(spec_path: str | None) -> bool:
    """Start segment_worker.py (no `site`: it needs only the standard library and rjieba's
    compiled module, given by path)."""
    global _companion
    import subprocess
    import sys

    ext = _rjieba_extension()
    if ext is None or not sys.executable:
        return False
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "segment_worker.py")
    _register_exit()
    # An interrupt (Ctrl-C, SIGTERM) between the fork and `_companion` being set would lose the
    # process: they wait until it is recorded (and `stop` can end it).
    held = _hold_signals()
    try:
        proc = subprocess.Popen([sys.executable, "-S", script, ext, str(os.getpid())],
                                stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _companion = _Companion(proc, spec_path)
    except (OSError, ValueError, subprocess.SubprocessError):
        return False
    finally:
        _release_signals(held)
    return True


def _hold_signals():
    import signal

    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, ValueError, OSError):
        return None


def _release_signals(held) -> None:
    import signal

    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class _Companion:
    """A running segment_worker, the spec it works for and the texts it was given."""

    def __init__(self, proc, spec_path: str | None):
        self.proc, self.spec_path = proc, spec_path
        self.texts: list[str] | None = None       # None until `prefetch` sends them

    def answers(self, timeout: float | None) -> dict[str, list[str]]:
        """Its answers (waiting up to `timeout` s); {} when it failed or took too long. The
        process is reaped either way."""
        import subprocess

        if self.texts is None:
            self.kill()
            return {}
        try:
            out, _ = self.proc.communicate(timeout=timeout)
            if self.proc.returncode != 0:
                return {}
            records = out.decode("utf-8").split(TEXT_SEP)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            self.kill()
            return {}
        if len(records) != len(self.texts):
            return {}
        got = {t: [w for w in r.split(WORD_SEP) if w] for t, r in zip(self.texts, records)}
        return {t: w for t, w in got.items() if _valid(t, w)}

    def kill(self) -> None:
        import subprocess

        proc = self.proc
        if proc.returncode is None:
            try:
                proc.kill()
            except OSError:
                pass
        for f in (proc.stdin, proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:   # pragma: no cover — SIGKILL not taking effect
            pass


def _from_companion(text: str) -> list[str] | None:
    """The companion's words for `text` when it was given it (collecting all its answers)."""
    if _companion is None or _companion.texts is None or text not in _companion.texts:
        return None
    _settle(COMPANION_WAIT_S)     # a stalled companion is given up on: jieba loads here
    return _memo.get(text)


def _settle(timeout: float | None) -> None:
    """Collect the companion's answers into the memo and the disk cache, and reap it; the spec
    it worked for is then fully known."""
    global _companion
    comp, _companion = _companion, None
    if comp is None:
        return
    got = comp.answers(timeout)
    if got:
        _memo.update(got)
        _remember(got)
        if comp.spec_path is not None and len(got) == len(comp.texts or ()):
            _mark_known(comp.spec_path)


def stop() -> None:
    """End a companion now (nothing to do, an error, an interrupt, the process exiting): its
    answers are kept when it has already finished, else it is killed; reaped either way."""
    global _companion
    comp = _companion
    if comp is None:
        return
    if comp.texts is not None and comp.proc.poll() is not None:
        _settle(1.0)
    else:
        _companion = None
        comp.kill()


_exit_registered = False


def _register_exit() -> None:
    global _exit_registered
    if not _exit_registered:
        import atexit

        atexit.register(_at_exit)
        _exit_registered = True


def _at_exit() -> None:
    """At exit: a companion still segmenting was asked nothing by layout (a page whose
    headlines all fit, such as the lead article). It is ended, and the spec is remembered with
    the texts it was handed as texts this page does not need (`_mark_unneeded`): otherwise every
    later run of the page would start a companion again for the same texts (≈ 0.13 s of the
    other core, 40 MiB). Errors and interrupts in layout end it at once (pipeline.build)."""
    comp = _companion
    if comp is not None and comp.texts and comp.spec_path is not None \
            and comp.proc.poll() is None:
        _mark_unneeded(comp.spec_path, comp.texts)
        _mark_known(comp.spec_path)
    stop()


def _texts_digest(texts) -> str:
    import hashlib

    return hashlib.sha256(TEXT_SEP.join(texts).encode("utf-8")).hexdigest()[:24]


def _unneeded_name() -> str:
    return _cache_name().replace(".json", ".unneeded.json")


def _unneeded(spec_path: str, texts) -> bool:
    """Whether a run of `spec_path` with exactly these unknown display texts asked none of them
    (then no companion is started for them: if layout does ask one, it is segmented here)."""
    from typeset import cache

    stored = cache.load(_unneeded_name(), _cache_key())
    return isinstance(stored, dict) and stored.get(spec_path) == _texts_digest(texts)


def _mark_unneeded(spec_path: str, texts) -> None:
    from typeset import cache

    stored = cache.load(_unneeded_name(), _cache_key())
    entries = stored if isinstance(stored, dict) else {}
    entries.pop(spec_path, None)
    entries[spec_path] = _texts_digest(texts)
    if len(entries) > MAX_KNOWN_SPECS:
        entries = dict(list(entries.items())[-MAX_KNOWN_SPECS:])
    cache.store(_unneeded_name(), _cache_key(), entries)


# Specs this process knows to be fully known (spares a long-lived process, watch, the file read).
_known_here: set[str] = set()


def _known_specs() -> list[str]:
    from typeset import cache

    stored = cache.load(_known_name(), _cache_key())
    return stored if isinstance(stored, list) else []


def _is_known(spec_path: str) -> bool:
    if spec_path in _known_here:
        return True
    if spec_path in _known_specs():
        _known_here.add(spec_path)
        return True
    return False


def _mark_known(spec_path: str) -> None:
    """Remember that every display text of `spec_path` is in the cache (newest last)."""
    from typeset import cache

    if spec_path in _known_here:
        return
    _known_here.add(spec_path)
    known = _known_specs()
    if spec_path in known:
        return
    known = [p for p in known if p != spec_path][-(MAX_KNOWN_SPECS - 1):] + [spec_path]
    cache.store(_known_name(), _cache_key(), known)


def _known_name() -> str:
    return _cache_name().replace(".json", ".specs.json")


def _cache_name() -> str:
    import hashlib

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


def _remember(found: dict[str, list[str]]) -> None:
    """Add results to the cache file: re-read it (another run may have added texts), add, keep
    the newest MAX_CACHED, write it whole (atomically)."""
    from typeset import cache

    stored = cache.load(_cache_name(), _cache_key())
    entries = stored if isinstance(stored, dict) else {}
    for text, words_ in found.items():
        entries.pop(text, None)
        entries[text] = words_
    if len(entries) > MAX_CACHED:
        entries = dict(list(entries.items())[-MAX_CACHED:])
    cache.store(_cache_name(), _cache_key(), entries)
    _disk_entries().update(found)
