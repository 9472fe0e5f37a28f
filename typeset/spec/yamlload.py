"""Safe YAML loading that keeps line numbers for every mapping key and value.

Only plain YAML data is accepted: no tags that build objects, no aliases (which also stops
"billion laughs" alias bombs), no duplicate keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from typeset.errors import InputError

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp",
}

MAX_YAML_BYTES = 2_000_000  # a page spec is a few KB; refuse anything absurd


class LDict(dict):
    """A dict that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A list that remembers its line and the line of each item."""

    line: int = 0
    item_lines: list


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text file (a BOM is accepted) or raise a readable InputError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), f"{what} not found", hint="check the path; relative paths "
                         "are resolved against the spec file's folder") from None
    except IsADirectoryError:
        raise InputError(str(path), f"{what} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(str(path), f"{what} cannot be read: {exc.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(str(path), f"{what} is not UTF-8 text (byte {exc.start})", line=line,
                         hint="save the file as UTF-8 (GBK/GB18030 files must be converted, "
                         "e.g. iconv -f GB18030 -t UTF-8)") from None


def load_yaml(path: Path, what: str = "spec") -> LDict:
    """Load a YAML mapping from `path`, with line numbers, or raise InputError."""
    return parse_yaml(read_text(path, what), str(path), what)


def parse_yaml(text: str, file: str, what: str = "spec", first_line: int = 1) -> LDict:
    """Parse YAML text (lines counted from `first_line`) into an LDict, or raise InputError.
    A long-lived process (watch, typeset/reuse.py) keeps what it parsed, by text."""
    import copy

    from typeset import reuse

    key = (text, file, what, first_line)
    kept = reuse.YAML.get(key)
    if kept is None:
        kept = _parse_yaml(text, file, what, first_line)
        reuse.YAML.put(key, kept)
    return copy.deepcopy(kept) if reuse.YAML.limit else kept


def _parse_yaml(text: str, file: str, what: str, first_line: int) -> LDict:
    path = file
    if first_line > 1:
        text = "\n" * (first_line - 1) + text
    if len(text) > MAX_YAML_BYTES:
        raise InputError(str(path), f"{what} is too large ({len(text)} characters)")
    if not text.strip():
        raise InputError(str(path), f"{what} is empty", hint="see README.md for an example spec")
    node = _compose_fast(text)
    try:
        if node is _FAILED:     # parsed again by PyYAML's own parser, for its messages
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        wide = _full_width_colon(text, line)
        if wide is not None:
            raise InputError(str(path), f"'{wide[1].strip()}' has a full-width colon (：), as "
                             "Chinese input methods type it; YAML needs an ASCII colon",
                             line=wide[0], hint="write an ASCII colon and a space: " +
                             re.sub(r"\s*：\s*", ": ", wide[1].strip(), count=1)) from None
        raise InputError(str(path), f"YAML syntax error: {exc.problem or exc}", line=line,
                         hint="check indentation, colons and quotes on this line") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"YAML error: {exc}") from None
    if node is None:
        raise InputError(str(path), f"{what} is empty (only comments)",
                         hint="see README.md for an example spec")
    value = _convert(node, str(path), set())
    if not isinstance(value, LDict):
        raise InputError(str(path), f"{what} must be a mapping of keys to values", line=1)
    return value


_FAILED = object()
# libyaml's parser through PyYAML's C loader: the same nodes, tags and line numbers as the pure
# Python one (checked on every spec, roles file, front matter and bad-input case in the
# repository), in a fraction of the time; scalars differ only in `style` ('' for None), which
# nothing here reads.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose_fast(text: str):
    """The node tree by libyaml, or _FAILED (bad YAML, or no libyaml): then PyYAML's own parser
    runs and its error messages are the ones reported."""
    if _FAST_LOADER is None:
        return _FAILED
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except Exception:  # noqa: BLE001 — any complaint: PyYAML's parser says what is wrong
        return _FAILED


_WIDE_KEY = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*\s*：")


def _full_width_colon(text: str, line: int | None) -> tuple[int, str] | None:
    """(line, text) of a line near `line` whose key ends in a full-width colon, if any."""
    lines = text.splitlines()
    near = range(max(1, (line or 1) - 2), min(len(lines), (line or len(lines)) + 1) + 1)
    for n in list(near) + list(range(1, len(lines) + 1)):
        if 1 <= n <= len(lines) and _WIDE_KEY.match(lines[n - 1]):
            return n, lines[n - 1]
    return None


def wide_colon_hint(key: str) -> str | None:
    """A hint for a key that swallowed a full-width colon (`column：1`)."""
    if "：" in key:
        return ("this key has a full-width colon (：), as Chinese input methods type it; "
                "write an ASCII colon and a space: " + key.replace("：", ": ", 1))
    return None


def _convert(node: yaml.Node, file: str, seen: set[int]):
    line = node.start_mark.line + 1
    if id(node) in seen:
        raise InputError(file, "YAML aliases (*name) are not supported", line=line,
                         hint="write the value out in full")
    if node.tag not in _PLAIN_TAGS:
        raise InputError(file, f"YAML tag {node.tag} is not allowed", line=line,
                         hint="remove the tag; a spec holds plain values only")
    if isinstance(node, yaml.MappingNode):
        seen.add(id(node))
        out = LDict()
        out.line = line
        out.key_lines = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                raise InputError(file, "YAML merge keys (<<) are not supported", line=line)
            key = _convert(knode, file, seen)
            if not isinstance(key, (str, int, float)):
                raise InputError(file, "mapping keys must be plain words", line=knode.start_mark.line + 1)
            key = str(key)
            if key in out:
                raise InputError(file, f"duplicate key '{key}'", line=knode.start_mark.line + 1,
                                 hint=f"'{key}' is already set on line {out.key_lines[key]}")
            try:
                out[key] = _convert(vnode, file, seen)
            except InputError as exc:
                exc.field = key if exc.field is None else (
                    f"{key}{exc.field}" if exc.field.startswith("[") else f"{key}.{exc.field}")
                raise
            out.key_lines[key] = knode.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seen.add(id(node))
        lst = LList()
        for i, v in enumerate(node.value):
            try:
                lst.append(_convert(v, file, seen))
            except InputError as exc:
                exc.field = f"[{i}]" if exc.field is None else (
                    f"[{i}]{exc.field}" if exc.field.startswith("[") else f"[{i}].{exc.field}")
                raise
        lst.line = line
        lst.item_lines = [v.start_mark.line + 1 for v in node.value]
        return lst
    seen.add(id(node))
    return _construct_scalar(node, file)


def _construct_scalar(node: yaml.Node, file: str = ""):
    """Build one plain scalar with PyYAML's safe constructors."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        line = node.start_mark.line + 1
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise InputError(file, f"{node.value} is not a date in the calendar "
                             f"({exc})", line=line, hint="write a real date, YYYY-MM-DD") from None
        raise InputError(file, f"cannot read the value {node.value!r} ({exc})",
                         line=line) from None
    finally:
        loader.dispose()
