"""Colour spaces as a PDF reader sees them, resolved through resources, judged by a profile.

A colour space operand is a device name (/DeviceRGB, or /RGB in an inline image), a named
resource (/CS0 → the page's or form's /ColorSpace dictionary) or an array ([/ICCBased stream],
[/Indexed base hival lookup], [/Separation name alternate tint], [/DeviceN names alternate …],
[/Pattern base]). `resolve` turns any of them into a `Space`; `problem` says whether a profile
allows it; `inks` says which printing plates a colour in it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf

from typeset.prepress.profiles import PdfProfile

_DEVICE = {"/DeviceGray": ("DeviceGray", 1), "/G": ("DeviceGray", 1),
           "/DeviceRGB": ("DeviceRGB", 3), "/RGB": ("DeviceRGB", 3),
           "/DeviceCMYK": ("DeviceCMYK", 4), "/CMYK": ("DeviceCMYK", 4),
           "/Pattern": ("Pattern", 0), "/CalGray": ("CalGray", 1), "/CalRGB": ("CalRGB", 3),
           "/Lab": ("Lab", 3)}
_ICC_NAMES = {1: "ICC gray", 3: "ICC RGB", 4: "ICC CMYK"}
_MAX_DEPTH = 8        # nesting of Indexed/Separation/Pattern bases; deeper is a broken file


@dataclass(frozen=True)
class Space:
    family: str                        # DeviceGray, DeviceRGB, DeviceCMYK, CalRGB, Lab, ICCBased,
                                       # Indexed, Separation, DeviceN, Pattern, unknown
    n: int                             # colour components of a colour in this space
    base: "Space | None" = None        # Indexed base, Separation/DeviceN alternate, Pattern base
    names: tuple[str, ...] = ()        # Separation/DeviceN colorants
    lookup: bytes = b""                # Indexed palette

    def describe(self) -> str:
        if self.family == "ICCBased":
            return _ICC_NAMES.get(self.n, f"ICC {self.n}-component")
        if self.family == "Indexed" and self.base:
            return f"Indexed on {self.base.describe()}"
        if self.family in ("Separation", "DeviceN") and self.base:
            return f"{self.family} {'/'.join(self.names)} (alternate {self.base.describe()})"
        return self.family


DEVICE_GRAY = Space("DeviceGray", 1)
DEVICE_RGB = Space("DeviceRGB", 3)
DEVICE_CMYK = Space("DeviceCMYK", 4)
UNKNOWN = Space("unknown", 0)


def resolve(cs, resources, depth: int = 0) -> Space:
    """The Space of a colour space operand or object, looking names up in `resources`."""
    if depth > _MAX_DEPTH or cs is None:
        return UNKNOWN
    if isinstance(cs, pikepdf.Name) or isinstance(cs, str):
        name = str(cs)
        if name in _DEVICE:
            fam, n = _DEVICE[name]
            return Space(fam, n)
        named = _lookup(resources, name)
        return resolve(named, resources, depth + 1) if named is not None else UNKNOWN
    if isinstance(cs, pikepdf.Array) and len(cs):
        head = str(cs[0])
        if head == "/ICCBased":
            try:
                return Space("ICCBased", int(cs[1].get("/N", 0)))
            except (AttributeError, TypeError, ValueError):
                return Space("ICCBased", 0)
        if head in ("/Indexed", "/I"):
            base = resolve(cs[1], resources, depth + 1) if len(cs) > 1 else UNKNOWN
            lookup = b""
            if len(cs) > 3:
                raw = cs[3]
                try:
                    lookup = raw.read_bytes() if isinstance(raw, pikepdf.Stream) else bytes(raw)
                except Exception:  # an unreadable palette: judged by its base alone
                    lookup = b""
            return Space("Indexed", 1, base, lookup=lookup)
        if head == "/Separation":
            alt = resolve(cs[2], resources, depth + 1) if len(cs) > 2 else UNKNOWN
            return Space("Separation", 1, alt, (str(cs[1])[1:],))
        if head == "/DeviceN":
            names = tuple(str(v)[1:] for v in cs[1]) if len(cs) > 1 else ()
            alt = resolve(cs[2], resources, depth + 1) if len(cs) > 2 else UNKNOWN
            return Space("DeviceN", len(names), alt, names)
        if head == "/Pattern":
            base = resolve(cs[1], resources, depth + 1) if len(cs) > 1 else None
            return Space("Pattern", base.n if base else 0, base)
        if head in _DEVICE:
            fam, n = _DEVICE[head]
            return Space(fam, n)
    return UNKNOWN


def _lookup(resources, name: str):
    if resources is None:
        return None
    try:
        spaces = resources.get("/ColorSpace")
        return spaces.get(name) if spaces is not None else None
    except (AttributeError, TypeError):
        return None


def problem(space: Space, profile: PdfProfile) -> str | None:
    """Why `profile` does not allow colour in `space`, or None when it does.

    Device RGB is never allowed (the press prints CMYK). ICC-based, calibrated and Lab colour
    is device-independent: PDF/X-4 allows it (converted with the output intent), X-1a does not.
    Indexed colour is judged by its base; Separation and DeviceN by their alternate. A space
    that cannot be resolved (a missing resource) cannot be judged, so it is a problem too.
    """
    fam = space.family
    if fam == "DeviceRGB":
        return "DeviceRGB"
    if fam == "unknown":
        return "a colour space that cannot be resolved"
    if fam in ("ICCBased", "CalRGB", "CalGray", "Lab"):
        return None if profile.allow_icc else space.describe()
    if fam in ("Indexed", "Separation", "DeviceN", "Pattern") and space.base is not None:
        why = problem(space.base, profile)
        return f"{space.describe()}" if why else None
    return None


def is_rgb(space: Space) -> bool:
    """Colour that a reader would call RGB: device, calibrated or ICC-based with 3 components."""
    if space.family in ("DeviceRGB", "CalRGB") or (space.family == "ICCBased" and space.n == 3):
        return True
    if space.family in ("Indexed", "Pattern") and space.base is not None:
        return is_rgb(space.base)
    return False


def inks(space: Space, values: tuple[float, ...]) -> set[str]:
    """Printing plates a colour uses: C, M, Y, K, spot names, or R/G/B for RGB colour."""
    fam = space.family
    if fam in ("DeviceGray", "CalGray") or (fam == "ICCBased" and space.n == 1):
        return {"K"} if values and values[0] < 0.999 else set()
    if fam == "DeviceCMYK" or (fam == "ICCBased" and space.n == 4):
        return {p for p, v in zip("CMYK", values) if v > 0.001}
    if is_rgb(space) or fam == "Lab":
        return {"R", "G", "B"}
    if fam == "Separation" and values:
        name = space.names[0] if space.names else "?"
        if values[0] <= 0.001 or name == "None":
            return set()
        return set("CMYK") if name == "All" else {name}
    if fam == "DeviceN":
        return {n for n, v in zip(space.names, values) if v > 0.001 and n != "None"}
    if fam == "Indexed" and space.base is not None and values:
        k = space.base.n
        i = int(values[0])
        entry = space.lookup[i * k:(i + 1) * k]
        if len(entry) == k:
            return inks(space.base, tuple(b / 255 for b in entry))
        return {"?"}
    return set()


def initial_values(space: Space) -> tuple[float, ...]:
    """The colour a space starts with when selected (PDF 32000 §8.6.5): black, or tint 1."""
    if space.family == "DeviceCMYK" or (space.family == "ICCBased" and space.n == 4):
        return (0.0, 0.0, 0.0, 1.0)
    if space.family in ("Separation", "DeviceN"):
        return tuple(1.0 for _ in range(max(space.n, 1)))
    return tuple(0.0 for _ in range(max(space.n, 1)))


def plates(space: Space, values: tuple[float, ...]) -> tuple[float, float, float, float] | None:
    """The C, M, Y, K amounts (0–1) a colour puts on the plates when Ghostscript separates
    it, or None where that depends on a conversion (ICC, spot alternates, RGB, patterns …).

    Only device grey (K = 1 − grey: Ghostscript maps grey to the black plate alone) and device
    CMYK are known exactly; the ink check renders the page for anything else."""
    fam = space.family
    if fam == "DeviceGray" and len(values) == 1:
        return (0.0, 0.0, 0.0, _unit(1.0 - values[0]))
    if fam == "DeviceCMYK" and len(values) == 4:
        c, m, y, k = (_unit(v) for v in values)
        return (c, m, y, k)
    return None


def _unit(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else float(v)
