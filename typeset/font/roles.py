"""Font roles (body, hei, kai, …) → chains of installed faces with per-character fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typeset.errors import InputError
from typeset.font.face import Face, find_face, known_families, open_face

# Used when a spec names no roles file: the same choices as the project's fonts/roles.yaml.
DEFAULT_ROLES: dict[str, list[dict]] = {
    "body": [{"family": "Noto Serif CJK SC", "weight": "regular"},
             {"family": "Noto Sans CJK SC", "weight": "regular"}],
    "song-bold": [{"family": "Noto Serif CJK SC", "weight": "bold"},
                  {"family": "Noto Sans CJK SC", "weight": "bold"}],
    "hei": [{"family": "Noto Sans CJK SC", "weight": "bold"},
            {"family": "Noto Serif CJK SC", "weight": "bold"}],
    "hei-light": [{"family": "Noto Sans CJK SC", "weight": "regular"},
                  {"family": "Noto Serif CJK SC", "weight": "regular"}],
    "kai": [{"family": "LXGW WenKai", "weight": "regular"},
            {"family": "Noto Serif CJK SC", "weight": "regular"}],
    # Tried after every role's own faces: rare characters (CJK Extension B and beyond).
    "fallback": [{"family": "HanaMinA", "weight": "regular"},
                 {"family": "HanaMinB", "weight": "regular"}],
}
FALLBACK = "fallback"
# Drawn for a character that no font has: 〓, the typesetter's mark for a missing character
# (缺字符号), so the gap is visible to the proofreader and reported, never an empty box.
MISSING_MARK = "〓"


@dataclass
class FontChain:
    """The faces of one role, first choice first."""

    role: str
    faces: list[Face]
    missing: dict[str, int] = field(default_factory=dict)   # char → count with no face at all
    fallback_used: dict[str, str] = field(default_factory=dict)  # char → face name used

    @property
    def primary(self) -> Face:
        return self.faces[0]

    def face_for(self, ch: str) -> Face:
        for i, face in enumerate(self.faces):
            if face.has(ch):
                if i:
                    self.fallback_used.setdefault(ch, face.ps_name)
                return face
        return self.faces[0]

    def drawable(self, ch: str) -> str:
        """`ch` if some face has it, else the missing-character mark."""
        return ch if self.has(ch) else MISSING_MARK

    def has(self, ch: str) -> bool:
        return any(f.has(ch) for f in self.faces)

    def advance(self, ch: str) -> int:
        return self.face_for(ch).advance(ch)

    def ink(self, ch: str) -> tuple[int, int]:
        """Left and right edge of the ink of `ch` from its origin, 1/1000 em."""
        return self.face_for(ch).ink(ch)

    def shape(self, text: str) -> list[tuple[int, int, int, int]] | None:
        """HarfBuzz glyphs of a Latin run in the first face: (gid, cluster, advance, x offset)
        in 1/1000 em, kerning applied; None when that face lacks a character of the run."""
        face = self.primary
        if not all(face.has(ch) for ch in text):
            return None
        return face.shape(text)


class FontBook:
    """All roles of a page, opened on first use."""

    def __init__(self, roles: dict[str, list[dict]], source: str = "fonts") -> None:
        self.roles = roles
        self.source = source
        self._chains: dict[str, FontChain] = {}

    def chain(self, role: str) -> FontChain:
        if role not in self._chains:
            if role not in self.roles:
                raise InputError(self.source, f"font role '{role}' is not defined",
                                 hint=f"define it or use one of: {', '.join(sorted(self.roles))}")
            faces = []
            entries = list(self.roles[role])
            n_own = len(entries)
            if role != FALLBACK:
                entries += self.roles.get(FALLBACK, [])
            for n, entry in enumerate(entries):
                if "file" in entry:
                    faces.append(open_face(face_from_file(entry, self.source, role, n)))
                    continue
                ref = find_face(entry["family"], entry.get("weight", "regular"))
                if ref is None:
                    if n == 0 and n_own:
                        close = [f for f in known_families() if "CJK" in f or "Kai" in f][:8]
                        raise InputError(
                            self.source, f"font '{entry['family']}' is not installed",
                            field=f"{role}[0].family",
                            hint="install it (Debian: apt-get install fonts-noto-cjk "
                                 "fonts-lxgw-wenkai) or use an installed family"
                                 + (f", e.g. {', '.join(close)}" if close else ""))
                    continue
                faces.append(open_face(ref))
            self._chains[role] = FontChain(role, faces)
        return self._chains[role]

    def all_chains(self) -> list[FontChain]:
        return [self._chains[k] for k in sorted(self._chains)]


def face_from_file(entry: dict, source: str, role: str, n: int):
    """A FaceRef for a font given by file (and collection index) instead of family."""
    from typeset.font.face import FaceRef

    path = Path(entry["file"])
    if not path.is_absolute():
        path = (Path(source).parent / path).resolve()
    if not path.is_file():
        raise InputError(source, f"font file not found: {entry['file']}", field=f"{role}[{n}].file",
                         hint="give the path of a .ttf, .otf or .ttc file, relative to this file")
    return FaceRef(str(path), int(entry.get("index", 0)), entry.get("family", path.stem), 80)


def load_roles(path: Path | None) -> tuple[dict[str, list[dict]], str]:
    """Read a roles file (YAML) or return the built-in roles."""
    if path is None:
        return DEFAULT_ROLES, "built-in font roles"
    from typeset.spec.yamlload import load_yaml

    data = load_yaml(path, "font roles file")
    roles: dict[str, list[dict]] = dict(DEFAULT_ROLES)  # a file overrides the roles it names
    for role, entries in data.items():
        if not isinstance(entries, list) or not entries:
            raise InputError(str(path), "a role needs a list of faces", line=data.line_of(role),
                             field=role, hint="e.g. body: [{family: Noto Serif CJK SC, weight: regular}]")
        clean = []
        for k, e in enumerate(entries):
            if not isinstance(e, dict) or not ("family" in e or "file" in e):
                raise InputError(str(path), "each face needs a family (or a file)",
                                 line=entries.item_lines[k], field=f"{role}[{k}]")
            unknown = set(e) - {"family", "weight", "file", "index"}
            if unknown:
                raise InputError(str(path), f"unknown key {sorted(unknown)[0]!r}",
                                 line=entries.item_lines[k], field=f"{role}[{k}]",
                                 hint="a face has family and weight, or file and index")
            face = {"family": str(e.get("family", "")), "weight": e.get("weight", "regular")}
            if "file" in e:
                face["file"] = str(e["file"])
                face["index"] = e.get("index", 0)
            clean.append(face)
        roles[str(role)] = clean
    return roles, str(path)
