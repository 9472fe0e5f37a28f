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
