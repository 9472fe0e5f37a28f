"""The segmentation companion (see `typeset/text/segment.py`), and the one way jieba is loaded.

Run as a script without `site` (`python -S segment_worker.py <rjieba's compiled module>`) so it
starts in a few milliseconds: it loads jieba from rjieba's compiled module exactly as `segment`
does in-process (`load_compiled`, then `Jieba().cut`, precise mode with HMM), then reads texts
from stdin and writes their words to stdout. Only the standard library, and no `json` (its `re`
and `enum` imports would cost more than the rest of the start-up). Wire format, UTF-8: texts
separated by NUL; the answer has one record per text in the same order, words separated by
U+0001, records by NUL. Texts holding either character are never sent.

It needs no watchdog: it reads its input to the end (EOF when the parent closes the pipe or
dies), answers, and exits; writing to a parent that died ends it with a broken pipe.
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


def main(argv: list) -> int:
    import signal

    # the parent holds these while it starts this process; a terminal's Ctrl-C ends it too
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
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
