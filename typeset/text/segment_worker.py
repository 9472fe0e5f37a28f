"""The segmentation companion (see `typeset/text/segment.py`), and the one way jieba is loaded.

Run as a script without `site` (`python -S segment_worker.py <rjieba's compiled module> <parent
pid>`) so it
starts in a few milliseconds: it loads jieba from rjieba's compiled module exactly as `segment`
does in-process (`load_compiled`, then `Jieba().cut`, precise mode with HMM), then reads texts
from stdin and writes their words to stdout. Only the standard library, and no `json` (its `re`
and `enum` imports would cost more than the rest of the start-up). Wire format, UTF-8: texts
separated by NUL; the answer has one record per text in the same order, words separated by
U+0001, records by NUL. Texts holding either character are never sent.

It ends with its parent: on Linux the kernel kills it when the parent ends (PR_SET_PDEATHSIG);
elsewhere it reads its input to the end (EOF when the parent dies), and writing its answer to a
parent that died ends it with a broken pipe.
"""

import os
import sys

TEXT_SEP = "\0"
WORD_SEP = "\1"


def load_compiled(path: str):
    """rjieba's compiled module loaded from its file, without running the `rjieba` package
    (whose import builds a default instance that lives as long as the process)."""
    from importlib.machinery import ExtensionFileLoader
    from importlib.util import module_from_spec, spec_from_file_location

    loader = ExtensionFileLoader("rjieba.rjieba", path)
    spec = spec_from_file_location("rjieba.rjieba", path, loader=loader)
    mod = module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def _die_with_parent(parent: int) -> None:
    """Linux: be killed the moment the parent ends, however it ends (PR_SET_PDEATHSIG), e.g. a
    SIGTERM that comes before the command line has installed its handler."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
    except (ImportError, OSError, AttributeError):
        return
    if os.getppid() != parent:      # it ended before the request was made
        os._exit(1)


def main(argv: list) -> int:
    import signal

    # the parent holds these while it starts this process; a terminal's Ctrl-C ends it too
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if len(argv) > 1:
        _die_with_parent(int(argv[1]))
    jieba = load_compiled(argv[0]).Jieba()
    texts = sys.stdin.buffer.read().decode("utf-8")
    out = [WORD_SEP.join(w for w in jieba.cut(t) if w) for t in texts.split(TEXT_SEP) if texts]
    try:
        sys.stdout.buffer.write(TEXT_SEP.join(out).encode("utf-8"))
        sys.stdout.buffer.flush()
    except OSError:         # the parent is gone
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
