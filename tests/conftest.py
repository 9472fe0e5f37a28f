"""Shared fixtures: the sample pages are laid out once per test session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ROOT / "layouts"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Render a layout once per session: name → RenderResult."""
    from typeset import pipeline

    cache: dict = {}
    out = tmp_path_factory.mktemp("out")

    def get(name: str):
        if name not in cache:
            cache[name] = pipeline.render(LAYOUTS / f"{name}.yaml", out)
        return cache[name]

    return get


def copy_project(tmp_path: Path) -> Path:
    """A scratch copy of layouts/, content/ and fonts/ that a test may change."""
    proj = tmp_path / "proj"
    if not proj.exists():
        for d in ("layouts", "content", "fonts"):
            shutil.copytree(ROOT / d, proj / d)
        (proj / "typeset.toml").write_text("")   # marks the project root for path checks
    return proj


def run_tool(*args: str) -> str:
    """Run a real PDF client (poppler, qpdf, Ghostscript) and return its stdout."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed; run scripts/setup.sh")
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory):
    """The session's own on-disk cache (typeset/cache.py), empty at the start: tests never read
    or fill the user's ~/.cache/typeset. Child processes inherit it."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old
