"""The segmentation companion (typeset/text/segment.py, segment_worker.py): on a cold run the
word segmenter's dictionary loads in a second process while this one loads the spec and sets the
body. Its answers are exactly jieba's in-process ones; `words` takes them without loading the
dictionary here; nothing is started when everything is known; a companion that cannot start or
dies changes nothing but time; and it never outlives the run (release, error, Ctrl-C, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from typeset import cache
from typeset.text import segment

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "layouts" / "sample-page.yaml"
TEXTS = ["丹江口库区水质安全保障指挥中心揭牌", "去年全市完成营造林61.22万亩",
         "2023年我市创建省级移民美丽家园示范村14个", "食堂来了“小帮厨”", "记者纪枫波 通讯员钱芹",
         "——我市深化共同缔造推进党建引领基层治理纪略", "GDP同比增长5.2%，CPI上涨0.3%",
         "《人民日报》（海外版）：中国-东盟自贸区3.0版", "𠀀𠀁 Extension B 字", "a", "。"]


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache and a process with nothing segmented, no dictionary, no companion."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TYPESET_CACHE", raising=False)
    spawned: list = []
    real = segment._spawn

    def spawn(path):
        ok = real(path)
        if ok:
            spawned.append(segment._companion.proc)
        return ok

    monkeypatch.setattr(segment, "_spawn", spawn)

    def clear():
        segment.stop()
        segment.release()
        segment._memo.clear()
        segment._known_here.clear()
        segment._disk = None

    clear()
    yield spawned
    clear()
    for proc in spawned:
        assert proc.returncode is not None, "a companion was left running"


def _jieba_here(text: str) -> list[str]:
    import rjieba

    return [w for w in rjieba.cut(text) if w]


def test_the_companion_answers_exactly_as_jieba_in_process(fresh):
    assert segment.prefetch(TEXTS)
    assert len(fresh) == 1
    segment.collect()                          # waits for its answers
    assert fresh[0].returncode == 0
    assert segment._jieba is None              # nothing loaded here
    for t in TEXTS:
        assert segment._memo[t] == _jieba_here(t), t
    stored = cache.load(segment._cache_name(), segment._cache_key())
    assert stored == {t: _jieba_here(t) for t in TEXTS}


def test_words_take_the_companions_answers_and_load_nothing_here(fresh):
    assert segment.prefetch(TEXTS[:3])
    assert segment.words(TEXTS[0]) == _jieba_here(TEXTS[0])      # waits for the companion
    assert segment._companion is None and fresh[0].returncode == 0
    assert segment._jieba is None
    assert segment.words(TEXTS[1]) == _jieba_here(TEXTS[1])
    assert segment._jieba is None
    # a text it was not given: loaded here, as without a companion
    assert segment.words(TEXTS[3]) == _jieba_here(TEXTS[3])
    assert segment._jieba is not None


def test_no_companion_when_every_text_is_known(fresh):
    for t in TEXTS:
        segment.words(t)
    segment.release()
    segment._memo.clear()
    segment._disk = None                       # a new run: known from the disk cache only
    assert not segment.prefetch(TEXTS)
    assert fresh == []


def test_a_spec_set_before_starts_no_companion_ahead(fresh):
    from typeset import pipeline

    pipeline.build(SAMPLE)                     # cold: a companion, started before the spec loads
    assert len(fresh) == 1
    segment._memo.clear()
    segment._known_here.clear()
    segment._disk = None                       # a new process: only the disk cache
    pipeline.build(SAMPLE)                     # warm: none
    assert len(fresh) == 1
    assert not segment.start(SAMPLE)


def test_a_companion_with_nothing_to_do_is_ended(fresh):
    for t in TEXTS:
        segment.words(t)
    segment.release()
    assert segment.start(ROOT / "layouts" / "not-yet-set.yaml")   # an unknown spec: started
    proc = fresh[0]
    assert not segment.prefetch(TEXTS)         # all known: ended at once
    assert segment._companion is None and proc.returncode is not None


def test_releasing_does_not_wait_for_a_companion_at_work(fresh, monkeypatch):
    """Before the PDF is written the dictionary is let go; a companion that layout asked
    nothing is not waited for there (it finishes while the PDF is written) and is ended at
    exit (`stop`, registered with atexit)."""
    import threading

    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: real_popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], **kw))
    assert segment.prefetch(TEXTS[:2])
    proc = segment._companion.proc
    done = threading.Event()
    threading.Thread(target=lambda: (segment.release(), done.set()), daemon=True).start()
    assert done.wait(30), "release waited for the companion"
    assert proc.poll() is None and segment._companion is not None
    assert segment._exit_registered
    segment.stop()
    assert proc.returncode is not None and segment._companion is None


def test_a_companion_that_cannot_start_changes_nothing_but_time(fresh, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert not segment.prefetch(TEXTS[:2])
    assert segment._companion is None
    assert segment.words(TEXTS[0]) == _jieba_here(TEXTS[0])


def test_a_companion_that_dies_changes_nothing_but_time(fresh):
    assert segment.prefetch(TEXTS[:2])
    fresh[0].kill()
    assert segment.words(TEXTS[0]) == _jieba_here(TEXTS[0])
    assert segment._companion is None and fresh[0].returncode is not None


def test_texts_that_cannot_be_sent_are_left_to_the_fallback(fresh):
    odd = ["标题\ud800残缺", "含\0分隔符", "含\1分隔符"]
    assert segment.prefetch(odd + TEXTS[:1])
    assert segment._companion.texts == TEXTS[:1]
    segment.collect()
    assert segment._memo[TEXTS[0]] == _jieba_here(TEXTS[0])
    assert segment.words(odd[1]) == _jieba_here(odd[1])     # segmented here


def test_a_companion_with_wrong_answers_is_not_believed(fresh, monkeypatch):
    """Answers that do not spell the text (a damaged pipe, a foreign worker) are dropped."""
    assert segment.prefetch(TEXTS[:2])
    comp = segment._companion
    comp.texts = list(reversed(comp.texts))    # answers now paired with the wrong texts
    assert segment.words(TEXTS[0]) == _jieba_here(TEXTS[0])
    assert segment._jieba is not None          # loaded here instead


def test_an_error_in_layout_ends_the_companion(fresh, monkeypatch):
    from typeset import pipeline

    def boom(*a, **k):
        raise RuntimeError("planted")

    monkeypatch.setattr(pipeline, "layout_checked", boom)
    with pytest.raises(RuntimeError, match="planted"):
        pipeline.build(SAMPLE)
    assert len(fresh) == 1
    assert segment._companion is None and fresh[0].returncode is not None


def test_display_texts_cover_every_text_layout_segments(monkeypatch):
    """What the pipeline hands ahead is a superset of what layout asks `words` for."""
    from typeset.pipeline import layout_checked
    from typeset.spec.load import load_spec

    asked: list[str] = []
    real = segment.words
    monkeypatch.setattr(segment, "words", lambda t: asked.append(t) or real(t))
    specs = [SAMPLE, ROOT / "layouts" / "lead-article.yaml",
             *sorted((ROOT / "tests" / "corpus").glob("*.yaml"))]
    total = 0
    for path in specs:
        asked.clear()
        spec = load_spec(path)
        texts = set(segment.display_texts(spec))
        layout_checked(spec)
        assert set(asked) <= texts, (path.name, set(asked) - texts)
        total += len(set(asked))
    assert total > 20


# -- the companion never outlives the run ------------------------------------------------------

def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _is_companion(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"segment_worker.py" in f.read()
    except OSError:
        return False


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"   # a zombie has ended
    except OSError:
        return True


def _render_until_companion(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    env.pop("TYPESET_CACHE", None)
    proc = subprocess.Popen([sys.executable, "-m", "typeset", "render", str(SAMPLE), "-o",
                             str(tmp_path / "out"), "-q", "--no-preflight"], env=env, cwd=ROOT,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [c for c in _children(proc.pid) if _is_companion(c)]
        if found:
            return proc, found[0]
        if proc.poll() is not None:
            break
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    pytest.fail("the cold render started no companion")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_render_leaves_no_companion(tmp_path, how):
    proc, companion = _render_until_companion(tmp_path)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    # 130: interrupted; 0: it had finished; -2, -15: a signal before the command line's handler
    assert proc.returncode in (130, 0, -2, -15), err
    deadline = time.monotonic() + 10
    while not _gone(companion) and time.monotonic() < deadline:
        time.sleep(0.002)
    assert _gone(companion)


def test_a_killed_render_leaves_no_companion(tmp_path):
    """SIGKILL: nothing of the render runs; the kernel ends the companion with it (Linux,
    PR_SET_PDEATHSIG). The companion is stopped first (SIGSTOP) once it is loading the
    dictionary, so it cannot end on its own (end of input, broken pipe): only that can end it."""
    proc, companion = _render_until_companion(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _gone(companion):
            try:
                with open(f"/proc/{companion}/maps") as f:     # rjieba loads after the request
                    if "rjieba" in f.read():
                        break
            except OSError:
                break
            time.sleep(0.001)
        os.kill(companion, signal.SIGSTOP)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 20
        while not _gone(companion) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _gone(companion)
    finally:
        if not _gone(companion):
            os.kill(companion, signal.SIGKILL)
            os.kill(companion, signal.SIGCONT)


def test_a_finished_render_has_reaped_its_companion(tmp_path):
    proc, companion = _render_until_companion(tmp_path)
    mid = [c for c in _children(proc.pid)]
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert companion in mid and _gone(companion)
    stored = cache.load  # the next run of the page needs no companion: its answers are cached
    env_cache = tmp_path / "xdg" / "typeset" / "segment"
    assert any(p.name.endswith(".specs.json") for p in env_cache.iterdir())


def test_a_second_run_in_the_same_process_finds_no_stale_companion(fresh):
    """`check` lays a page out without writing it (no release): when layout asked for no word
    (the lead article's headlines fit) the companion is still there; the next run in the
    process (tests, watch) collects or ends it and goes on."""
    from typeset import pipeline

    lead = ROOT / "layouts" / "lead-article.yaml"
    pipeline.build(lead)
    first = segment._companion
    assert first is not None and first.texts
    pipeline.build(lead)
    assert first.proc.returncode is not None
    segment.collect()
    assert all(p.returncode is not None for p in fresh)


def test_more_texts_than_a_pipe_holds(fresh, monkeypatch):
    """A payload larger than the pipe's buffer does not block this process (the companion reads
    only once its dictionary is loaded) and is answered whole."""
    import threading

    texts = [f"第{k}届全国人民代表大会第{k % 7}次会议在京开幕审议政府工作报告" for k in range(3000)]
    assert len(segment.TEXT_SEP.join(texts).encode("utf-8")) > 4 * segment.PIPE_SAFE_BYTES
    # a companion that never reads its input: prefetch must still return
    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: real_popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], **kw))
    done = threading.Event()
    threading.Thread(target=lambda: (segment.prefetch(texts), done.set()), daemon=True).start()
    assert done.wait(30), "prefetch blocked on a companion that does not read"
    segment.stop()
    monkeypatch.setattr(subprocess, "Popen", real_popen)
    assert segment.prefetch(texts)
    segment.collect()
    assert fresh[-1].returncode == 0
    assert all(segment._memo.get(t) == _jieba_here(t) for t in texts[:50] + texts[-50:])
    assert len([t for t in texts if t in segment._memo]) == len(texts)


def test_the_command_line_starts_it_before_loading_the_pipeline(tmp_path):
    """`typeset render PAGE` starts the companion first thing, before the pipeline's modules
    load (≈ 0.1 s), and the pipeline adopts it; an edition starts none."""
    probe = """
import sys
from typeset.text import segment
seen = []
spawn = segment._spawn
segment._spawn = lambda path: seen.append("typeset.pipeline" in sys.modules) or spawn(path)
from typeset.cli import main
rc = main(sys.argv[1:])
print(rc, seen)
"""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    env.pop("TYPESET_CACHE", None)
    out = subprocess.run([sys.executable, "-c", probe, "render", str(SAMPLE), "-o",
                          str(tmp_path / "out"), "-q", "--no-preflight"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.split(maxsplit=1) == ["0", "[False]\n"], out.stderr


def test_no_companion_ahead_for_an_edition(fresh):
    from typeset.cli import _segmenter_ahead

    _segmenter_ahead([str(ROOT / "layouts" / "sample-edition.yaml"), "-o", "out"])
    assert fresh == []
    _segmenter_ahead([str(SAMPLE), "-o", "out"])
    assert len(fresh) == 1


def test_texts_a_page_never_asked_start_no_companion_again(fresh, tmp_path):
    """A page whose headlines all fit (the lead article) never asks the companion anything, so
    it is still at work at exit. It is ended there (the run does not wait for it), and the spec
    is remembered with the texts it was handed: the next run with the same texts starts none.
    Changed texts do start one; a text a later run does ask is segmented here, exactly."""
    spec = tmp_path / "page.yaml"
    spec.write_text("name: p\n", encoding="utf-8")
    assert segment.prefetch(TEXTS[:3], spec)
    proc = segment._companion.proc
    assert proc.poll() is None              # still loading its dictionary
    segment._at_exit()
    assert proc.returncode is not None and segment._companion is None
    segment._memo.clear()
    segment._known_here.clear()
    segment._disk = None
    assert segment._is_known(str(spec))
    assert not segment.start(spec)          # nothing started ahead for this spec
    assert not segment.prefetch(TEXTS[:3], spec) and segment._companion is None
    assert segment.words(TEXTS[1]) == _jieba_here(TEXTS[1])     # asked after all: segmented here
    segment.release()
    assert segment.prefetch([TEXTS[0], TEXTS[3]], spec)         # other texts: a companion
    segment.collect()
    assert segment._memo[TEXTS[3]] == _jieba_here(TEXTS[3])
