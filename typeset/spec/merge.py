"""Layered page specs: an edition's defaults under a page's YAML, its overrides over it.

Mappings merge key by key (deeply); any other value, lists included, replaces the one below.
Line numbers travel with the values, so an error still points at the line that set the value.
"""

from __future__ import annotations

from typeset.spec.yamlload import LDict, LList


def _copy(value):
    if isinstance(value, LDict):
        out = LDict((k, _copy(v)) for k, v in value.items())
        out.line, out.key_lines = value.line, dict(getattr(value, "key_lines", {}))
        return out
    if isinstance(value, dict):
        out = LDict((k, _copy(v)) for k, v in value.items())
        out.line, out.key_lines = 0, {}
        return out
    if isinstance(value, LList):
        out = LList(_copy(v) for v in value)
        out.line, out.item_lines = value.line, list(value.item_lines)
        return out
    if isinstance(value, list):
        out = LList(_copy(v) for v in value)
        out.line, out.item_lines = 0, [0] * len(value)
        return out
    return value


def merge(below, above):
    """`above` deep-merged over `below` (neither is changed)."""
    if not isinstance(below, dict) or not isinstance(above, dict):
        return _copy(above)
    out = _copy(below)
    if isinstance(above, LDict) and above.line:
        out.line = above.line
    for key, value in above.items():
        out[key] = merge(out[key], value) if key in out else _copy(value)
        line = getattr(above, "key_lines", {}).get(key)
        if line:
            out.key_lines[key] = line
    return out


def layered(*layers) -> LDict:
    """Merge mappings from lowest to highest priority; None layers are skipped."""
    out = LDict()
    out.line, out.key_lines = 1, {}
    for layer in layers:
        if layer is not None:
            out = merge(out, layer)
    return out
