"""The display list: positioned items that layout produces and render draws.

Coordinates are pt from the page's top-left corner, y downward (a layout editor's view of the
page); render flips them for PDF. Colours are CMYK tuples in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CMYK = tuple[float, float, float, float]
K100: CMYK = (0.0, 0.0, 0.0, 1.0)       # body text and thin rules: pure black, one plate
WHITE: CMYK = (0.0, 0.0, 0.0, 0.0)


@dataclass
class Glyph:
    x: float        # left of the glyph's origin, pt
    gid: int        # glyph id in the face
    text: str       # the characters it stands for (for copy and search)


@dataclass
class GlyphRun:
    """Glyphs of one face and size on one baseline."""

    face: str                 # face key (see FontBook / Face.key)
    size: float
    y: float                  # baseline
    glyphs: list[Glyph]
    color: CMYK = K100
    role: str = "body"        # what the text is (body, headline, caption…) for tests and reports
    owner: str = ""           # element id


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: CMYK = K100
    owner: str = ""


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: CMYK | None = None
    stroke: CMYK | None = None
    stroke_width: float = 0.0
    owner: str = ""


@dataclass
class Image:
    path: str
    x: float
    y: float
    w: float
    h: float
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)  # source box, fractions
    grey: bool = True
    owner: str = ""
    max_ink: int = 240
    icc: object = None           # Path of the press profile, or None
    ppi: float = 0.0             # effective resolution at the placed size
    accepted_low_ppi: bool = False  # the layout desk accepted a low resolution


@dataclass
class Page:
    width: float
    height: float
    items: list = field(default_factory=list)
    title: str = ""
    lines: list = field(default_factory=list)     # LineInfo, not drawn


@dataclass
class LineInfo:
    """Not drawn: what layout knows about one set text line, for checks, tests and reports."""

    owner: str
    kind: str          # body | byline | subhead | caption | brief-title …
    text: str
    x: float           # left edge of the measure
    measure: float     # width of the measure, pt
    width: float       # set width, pt
    baseline: float
    grid_line: int     # grid line it sits on (0 when not on the grid)
    last: bool         # last line of its paragraph (not justified)
    column: int = 0
