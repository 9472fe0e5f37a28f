"""No input ends in an internal error: hypothesis mutates one value (or adds one key) of every
sample spec — wrong types, out-of-range numbers, odd strings and Unicode, lists, mappings — and
`typeset check` must answer 0, 1 or 2 with no traceback and no "internal error"."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LAYOUTS, copy_project
from typeset.cli import main
from typeset.spec import load as L
from typeset.spec.keys import KINDS, keys_of

KIND_KEYS = {kind: sorted(set(keys_of(cls)) | L.COMMON_KEYS) for kind, cls in KINDS.items()}
SECTION_KEYS = {"page": sorted(L.PAGE_KEYS), "grid": sorted(L.GRID_KEYS),
                "text": sorted(L.TEXT_KEYS), "print": sorted(L.PRINT_KEYS),
                "header": sorted(L.HEADER_KEYS)}

from typeset.edition.spec import is_edition  # noqa: E402

# page specs only (editions have their own bad-input tests in test_edition.py)
SPECS = sorted(p.name for p in LAYOUTS.glob("*.yaml") if not is_edition(p))

ODD = ["", " ", "\u200b", "\u202e右到左", "𠀀𪚥", "１２", "12mm", "0mm", "-5pt", "小五", "nan",
       "inf", "1e309", "four", "true", "null", "\x00", "🙂" * 40, "column：1", "a" * 300,
       "../../../../etc/passwd", "/etc/passwd", "2024-02-30", "正线", "kai"]
scalars = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from([0, 1, -1, 2, 3, 500, 10**12, -3]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.booleans(),
    st.none(),
    st.sampled_from(ODD),
    st.text(max_size=20),
    st.dates(min_value=datetime.date(1, 1, 1)),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["column", "lines", "x", "id"]), scalars, max_size=2),
)


def _paths(node, prefix=()):
    """Every (path) to a value in a parsed YAML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _set(tree, path, value):
    node = tree
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _get(tree, path):
    for p in path:
        tree = tree[p]
    return tree


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec_name=st.sampled_from(SPECS), how=st.sampled_from(["leaf", "block", "section"]),
       value=values, data=st.data())
def test_mutated_sample_specs_never_crash(tmp_path_factory, spec_name, how, value, data, capsys):
    proj = copy_project(tmp_path_factory.mktemp("fuzz"))
    spec_path = proj / "layouts" / spec_name
    tree = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    if how == "leaf":          # any value anywhere
        _set(tree, data.draw(st.sampled_from(list(_paths(tree))), label="path"), value)
    elif how == "block":       # any key of its kind (typed options included) on any block
        block = data.draw(st.sampled_from(tree["blocks"]), label="block")
        kind = block.get("type") or next(k for k in ("article", "briefs", "photo") if k in block)
        keys = KIND_KEYS[kind]
        block[data.draw(st.sampled_from(keys), label="key")] = value
    else:                      # any key of the page, grid, text, print or header sections
        section = data.draw(st.sampled_from(sorted(SECTION_KEYS)), label="section")
        keys = SECTION_KEYS[section]
        tree.setdefault(section, {})
        if not isinstance(tree[section], dict):
            tree[section] = {}
        tree[section][data.draw(st.sampled_from(keys), label="key")] = value
    spec_path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    code = main(["check", str(spec_path), "-q"])
    out = capsys.readouterr()
    assert code in (0, 1, 2), out.err
    assert "Traceback" not in out.err + out.out
    assert "internal error" not in out.err, out.err
