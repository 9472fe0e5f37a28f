#!/usr/bin/env bash
# Install everything typeset needs on Debian/Ubuntu (fonts and PDF tools from Debian packages,
# Python packages into .venv), then render every sample page into out/.
#   scripts/setup.sh              install and render
#   scripts/setup.sh --no-render  install only
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DEBIAN_PACKAGES=(
  fontconfig          # fc-list: fonts are found by family name
  fonts-noto-cjk      # Noto Serif CJK SC (书宋 body) and Noto Sans CJK SC (黑体)
  fonts-lxgw-wenkai   # LXGW WenKai (楷体: subtitles, bylines, captions)
  fonts-hanazono      # HanaMin A/B: last-resort glyphs for rare characters (CJK Ext. B)
  poppler-utils       # pdffonts, pdftotext, pdfimages: tests check PDFs with real clients
  qpdf                # qpdf --check
  ghostscript         # ink coverage and a second renderer
  chromium            # the HTML proof is tested in this browser (Playwright drives it; no download)
)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: apt-get not found; install these yourself: ${DEBIAN_PACKAGES[*]}" >&2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# editable_mode=compat: the checkout goes on sys.path through a one-line .pth file. pip's default
# editable install imports a finder module (with pathlib and importlib.util) in `site` at every
# Python start, before typeset is even asked for (≈ 3 ms a process, bench/bench_vs_typst.py).
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' \
  --config-settings editable_mode=compat
# An editable install leaves typeset's modules uncompiled (pip compiles only what it copies), and
# where PYTHONDONTWRITEBYTECODE is set Python then compiles ~100 modules from source on every
# run (≈ 60–80 ms a page). Compile them once, as a regular install would; a module edited
# later is simply compiled again in memory until the next setup.
.venv/bin/python -m compileall -q typeset >/dev/null

if [ "${1:-}" != "--no-render" ]; then
  .venv/bin/typeset render layouts/*.yaml -o out
fi
