#!/usr/bin/env bash
# Fetches the PGF/TikZ manual sources (Debian texlive-pictures-doc) into a cache outside the repo, for the
# signatures false-positive corpus test. Only pgf's manual .tex sources are kept (Debian gzips most of them;
# they are unpacked here); the .deb is deleted. Never commit the extracted text.
# Usage: bash scripts/fetch-pgf-manual.sh [CACHE_DIR]   (default: $PGF_MANUAL_DIR or ~/.cache/portcullis/pgf-manual)
set -euo pipefail

CACHE_DIR="${1:-${PGF_MANUAL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/pgf-manual}}"
PKG=texlive-pictures-doc
SRC='usr/share/doc/texlive-doc/generic/pgf'

if compgen -G "$CACHE_DIR/pgfmanual-en-*.tex" >/dev/null; then
  echo "pgf manual already cached in $CACHE_DIR ($(ls "$CACHE_DIR"/*.tex | wc -l) files)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt's sandbox user must be able to write here.
chmod 0755 "$work"

# apt-get download needs package lists; refresh them once when the package is unknown.
if ! apt-cache show "$PKG" >/dev/null 2>&1; then
  apt-get update -qq
fi
apt-get download -q "$PKG"
deb="$(ls ./*.deb)"
version="$(dpkg-deb -f "$deb" Version)"

mkdir extract
# Only the manual's sources: pgfmanual*.tex and pgfmanual*.tex.gz in pgf's doc folder.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C extract --wildcards "./$SRC/pgfmanual*.tex" "./$SRC/pgfmanual*.tex.gz"
rm -f "$deb"
find extract -name '*.tex.gz' -exec gunzip -f {} +

mkdir -p "$CACHE_DIR"
rm -f "$CACHE_DIR"/*.tex
mv extract/"$SRC"/*.tex "$CACHE_DIR"/
echo "$PKG $version" >"$CACHE_DIR/SOURCE"
echo "pgf manual ($PKG $version) cached in $CACHE_DIR ($(ls "$CACHE_DIR"/*.tex | wc -l) files)"
