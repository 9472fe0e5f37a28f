"""ICC output profiles: read and checked before they go into a PDF's output intent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IccProfile:
    path: Path
    data: bytes
    colour_space: str     # 'CMYK', 'GRAY', 'RGB ' …
    device_class: str     # 'prtr' for output profiles
    description: str


def read_icc(path: Path) -> IccProfile:
    """Read an ICC profile header; raise ValueError with a readable reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    if len(data) < 132 or data[36:40] != b"acsp":
        raise ValueError("is not an ICC profile (no 'acsp' signature)")
    device_class = data[12:16].decode("latin-1")
    space = data[16:20].decode("latin-1")
    desc = path.stem
    try:
        from PIL import ImageCms

        desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(str(path))).strip() or desc
    except Exception:  # description is cosmetic
        pass
    return IccProfile(path, data, space, device_class, desc)
