#!/usr/bin/env bash
# Regenerates the real dvisvgm outputs of good/ from tex/*.tex (TeX Live latex in DVI mode, then dvisvgm, in
# each of the three ways dvisvgm writes glyphs: SVG fonts (its default), --no-fonts (paths + <use xlink:href>),
# and WOFF2 fonts in a <style> @font-face). The good vectors must pass the inspection unchanged.
# Usage: bash test/vectors/svg/generate.sh     (needs latex, dvisvgm; writes test/vectors/svg/good/*.svg)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for src in "$here"/tex/*.tex; do
  name="$(basename "$src" .tex)"
  cp "$src" "$work/$name.tex"
  (cd "$work" && latex -no-shell-escape -interaction=nonstopmode -halt-on-error "$name.tex" >/dev/null)
  dvisvgm --no-fonts -o "$here/good/$name-nofonts.svg" "$work/$name.dvi" >/dev/null 2>&1
  dvisvgm -o "$here/good/$name-svgfonts.svg" "$work/$name.dvi" >/dev/null 2>&1
  dvisvgm --font-format=woff2 -o "$here/good/$name-woff2.svg" "$work/$name.dvi" >/dev/null 2>&1
done
echo "dvisvgm $(dvisvgm --version | cut -d' ' -f2): $(ls "$here/good" | wc -l) files in $here/good"
