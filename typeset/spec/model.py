"""The validated, typed page spec: what the YAML says, with every size in pt."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typeset.spec.keys import key
from typeset.units import PT_PER_MM


@dataclass
class GridSpec:
    """The page grid (版心): columns of whole body characters and lines of fixed pitch."""

    # 对开 broadsheet: 8 basic columns (typesetting-rules §4.1)
    columns: int = key("int", "number of basic columns (栏) of the page grid", 8, 1, 20)
    # 13 小五 characters per basic column
    column_chars: int = key("int", "body characters per basic column", 13, 4, 200)
    gutter_chars: float = key("number", "space between columns, in body characters", 1.0, 0, 10)
    body_size: float = key("length", "body type size (小五 = 9 pt)", 9.0, 4, 72)
    # 1/3 of the body size (newspaper practice, §3.2)
    line_gap: float = key("length", "space between body lines", 3.0, 0, 72)
    # lines per column: 118 × 12 pt − 3 pt ≈ 499 mm
    lines: int = key("int", "grid lines per column", 118, 1, 2000)

    @property
    def pitch(self) -> float:
        return self.body_size + self.line_gap

    @property
    def column_width(self) -> float:
        return self.column_chars * self.body_size

    @property
    def gutter(self) -> float:
        return self.gutter_chars * self.body_size

    @property
    def width(self) -> float:
        return self.columns * self.column_width + (self.columns - 1) * self.gutter

    @property
    def height(self) -> float:
        return self.lines * self.pitch - self.line_gap


@dataclass
class PageSpec:
    width: float = 390 * PT_PER_MM
    height: float = 545 * PT_PER_MM
    margin_top: float | None = None    # type area position; default: see layout.grid
    margin_left: float | None = None


@dataclass
class TextSpec:
    """Composition settings for body text (typesetting-rules §1–2)."""

    kinsoku: str = key("choice", "line-start/end prohibitions: basic, gb (GB/T 15834) or "
                       "strict (also — and … may not start a line)", "gb",
                       choices=("basic", "gb", "strict"))
    punctuation: str = key("choice", "punctuation style: quanjiao (full-width, compressed at "
                           "line ends and in pairs), kaiming or banjiao", "quanjiao",
                           choices=("quanjiao", "kaiming", "banjiao"))
    compress_stops: bool = key("bool", "compress stop marks at line ends", True)
    cjk_latin_gap: float = key("number", "space between Chinese and Latin, in em", 0.25, 0, 0.5)
    cjk_digit_gap: float = key("number", "space between Chinese and digits, in em", 0.0, 0, 0.5)
    indent: float = key("number", "paragraph indent, in em", 2.0, 0, 4)


@dataclass
class Placement:
    """A rectangle of grid cells: 1-based first column and line, and their counts."""

    column: int
    columns: int
    line: int
    lines: int

    @property
    def last_column(self) -> int:
        return self.column + self.columns - 1

    @property
    def last_line(self) -> int:
        return self.line + self.lines - 1

    def overlaps(self, other: "Placement") -> bool:
        return not (self.last_column < other.column or other.last_column < self.column
                    or self.last_line < other.line or other.last_line < self.line)

    def describe(self) -> str:
        return (f"grid columns {self.column}–{self.last_column}, grid lines "
                f"{self.line}–{self.last_line}")


@dataclass
class BlockSpec:
    """One element placed on the grid."""

    id: str
    kind: str
    place: Placement
    line: int                        # line of the block in the spec file
    source: Path | None = None       # content file (or the photo)
    opts: object = None              # the kind's typed options (spec.keys.ArticleOptions, …)
    frames: list[Placement] = field(default_factory=list)   # threaded frames for the body
    content: object = None           # parsed content file (spec.content.Content)
    caption: object = None           # a photo's parsed caption file
    photo: object = None             # a photo's PhotoInfo (opened and checked at load)
    file: str = ""                   # the spec file, for messages
    key_lines: dict = field(default_factory=dict)   # spec line of each key of the block
    given: frozenset = frozenset()   # keys the spec sets (others are defaults)
    where: str = ""                  # field prefix in messages, e.g. blocks[2]
    jump: dict | None = None         # set by an edition: a jump's page numbers and carried text

    def error(self, key: str | None, message: str, hint: str | None = None):
        """An InputError about one key of this block, naming file, line and field."""
        from typeset.errors import InputError

        line = self.key_lines.get(key, self.line) if key else self.line
        return InputError(self.file, message, line=line,
                          field=f"{self.where or self.id}.{key}" if key else (self.where or self.id),
                          hint=hint)

    @property
    def options(self) -> dict:
        """The keys the spec sets, with their typed values (read-only view)."""
        return {k: getattr(self.opts, k) for k in self.given if hasattr(self.opts, k)}

    def areas(self) -> list[Placement]:
        """The grid rectangles the block really occupies. With threaded frames: the frames, plus
        the headline band across the block above the first frame."""
        if not self.frames:
            return [self.place]
        top = min(f.line for f in self.frames)
        out = list(self.frames)
        if top > self.place.line:
            out.append(Placement(self.place.column, self.place.columns, self.place.line,
                                 top - self.place.line))
        return out


@dataclass
class HeaderSpec:
    """The page header (报眉) above the type area."""

    paper: str = ""
    date: str = ""
    weekday: str = ""
    page: str = ""
    section: str = ""
    credits: dict[str, str] = field(default_factory=dict)
    code: str = ""                  # short paper code for file names (e.g. SYRB)
    iso_date: str = ""              # 2024-01-02


@dataclass
class PrintSpec:
    """What the printing house gets (typesetting-rules.md §5)."""

    profile: str = "pdf-x1a"
    output_condition: str = "IFRA26"
    icc: Path | None = None
    colour: str = "mono"            # mono: photos in grey; colour: photos in CMYK
    max_ink: int = 240              # % total area coverage for colour photos
    bleed: float = 0.0              # pt; 0 = the PDF is the trimmed page
    crop_marks: bool = False
    file_name: str = "{spec}.pdf"
    preflight: bool = True
    date: str = ""                  # ISO date for document dates (reruns stay byte-identical)


@dataclass
class Spec:
    path: Path
    name: str
    page: PageSpec
    grid: GridSpec
    text: TextSpec
    fonts: Path | None
    header: HeaderSpec | None
    blocks: list[BlockSpec]
    allow_outside_paths: bool = False
    print: PrintSpec = field(default_factory=PrintSpec)
    roles: tuple | None = None      # (font roles, their source), read at load
