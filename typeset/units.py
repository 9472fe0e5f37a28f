"""Lengths and type sizes: mm, pt, cm, in, and Chinese 号 names (小五, 五号, …)."""

from __future__ import annotations

import re

PT_PER_MM = 72 / 25.4

# 号 → pt, the Word/ctex column of GB/T 40070-2021 (typesetting-rules.md §4.3).
ZIHAO_PT: dict[str, float] = {
    "初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18,
    "三号": 16, "小三": 15, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9,
    "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5,
}

_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(mm|pt|cm|in)?\s*$")
_FACTORS = {"mm": PT_PER_MM, "cm": 10 * PT_PER_MM, "in": 72.0, "pt": 1.0, None: 1.0}


def parse_length(value: object) -> float:
    """A length in pt from `12pt`, `390mm`, `2.5cm`, `1in`, a 号 name, or a bare number (pt).

    Raises ValueError with a readable message.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a length such as 12pt or 390mm, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        s = value.strip()
        if s in ZIHAO_PT:
            return float(ZIHAO_PT[s])
        m = _LENGTH.match(s)
        if m:
            return float(m.group(1)) * _FACTORS[m.group(2)]
    raise ValueError(
        f"expected a length such as 12pt, 390mm or a 号 size such as 小五, got {value!r}"
    )


def mm(value_pt: float) -> float:
    """pt → mm, for messages and reports."""
    return value_pt / PT_PER_MM
