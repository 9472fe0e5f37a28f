"""Spec files are parsed by libyaml (PyYAML's C loader) for speed: the result must be exactly
what PyYAML's own parser gives — values, types, key and item line numbers — on every spec,
roles file, content front matter and bad-input case in the repository, and a file libyaml
refuses is reported with PyYAML's message."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
import yaml

from typeset.errors import InputError
from typeset.spec import yamlload

ROOT = Path(__file__).resolve().parents[1]


def _documents():
    for f in sorted(glob.glob(str(ROOT / "**" / "*.yaml"), recursive=True)
                    + glob.glob(str(ROOT / "content" / "**" / "*.md"), recursive=True)
                    + glob.glob(str(ROOT / "tests" / "**" / "*.md"), recursive=True)):
        if "/.venv/" in f:
            continue
        try:
            text = Path(f).read_text("utf-8")
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        if f.endswith(".md"):
            if not text.startswith("---"):
                continue
            text = text.split("---", 2)[1]
        yield f, text


def _parse(text, monkeypatch, fast: bool):
    if not fast:
        monkeypatch.setattr(yamlload, "_FAST_LOADER", None)
    try:
        got = yamlload.parse_yaml(text, "x.yaml")
    except InputError as exc:
        return ("error", str(exc), exc.line)
    finally:
        monkeypatch.undo()
    return _plain(got)


def _plain(v):
    if isinstance(v, dict):
        return ("map", getattr(v, "line", None), sorted(getattr(v, "key_lines", {}).items()),
                [(k, _plain(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("list", getattr(v, "line", None), getattr(v, "item_lines", None),
                [_plain(x) for x in v])
    return (type(v).__name__, v)


def test_libyaml_gives_what_pyyaml_gives(monkeypatch):
    docs = list(_documents())
    assert len(docs) > 60
    for name, text in docs:
        assert _parse(text, monkeypatch, True) == _parse(text, monkeypatch, False), name


@pytest.mark.parametrize("text", ["a: 1\nb: [1, 2\n", "column：1\n", "a: b: c\n", "- a\nb: 1\n"])
def test_bad_yaml_is_reported_with_pyyamls_message(text, monkeypatch):
    fast = _parse(text, monkeypatch, True)
    assert fast[0] == "error"
    assert fast == _parse(text, monkeypatch, False)
    assert yamlload._compose_fast(text) is yamlload._FAILED or fast[0] == "error"


def test_the_fast_path_is_taken():
    assert yamlload._FAST_LOADER is not None
    assert isinstance(yamlload._compose_fast("a: 1\n"), yaml.MappingNode)
