#!/usr/bin/env bash
# Fetches the TeX sources of the manuals in Debian's texlive-latex-extra-doc and texlive-science-doc into a cache
# outside the repo: the second false-positive corpus of the signatures (issue 16), whose tikzpicture
# environments scripts/texlive-docs-fp.mjs judges. Only .tex sources are kept (Debian gzips most of them; they
# are unpacked here), one folder per package as Debian lays them out (latex/<package>/..., generic/<package>/...);
# the .debs are deleted. Large (about 680 MB downloaded): never commit it, never run it in CI.
# Not texlive-pictures-doc: beyond the PGF manual (scripts/fetch-pgf-manual.sh) it is kept aside to measure the
# gateway on diagrams it was never tuned on.
# Usage: bash scripts/fetch-texlive-docs.sh [CACHE_DIR]
#        (default: $TEXLIVE_DOCS_DIR or ~/.cache/portcullis/texlive-docs)
set -euo pipefail

CACHE_DIR="${1:-${TEXLIVE_DOCS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/texlive-docs}}"
PKGS=(texlive-latex-extra-doc texlive-science-doc)
SRC='usr/share/doc/texlive-doc'

if [ -f "$CACHE_DIR/SOURCE" ] && [ "$(wc -l <"$CACHE_DIR/SOURCE")" -eq "${#PKGS[@]}" ]; then
  echo "texlive docs already cached in $CACHE_DIR ($(find "$CACHE_DIR" -name '*.tex' | wc -l) .tex files)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt's sandbox user must be able to write here.
chmod 0755 "$work"

mkdir -p extract
: >SOURCE
for pkg in "${PKGS[@]}"; do
  # apt-get download needs package lists; refresh them once when the package is unknown.
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    apt-get update -qq
  fi
  apt-get download -q "$pkg"
  deb="$(ls ./"$pkg"_*.deb)"
  echo "$pkg $(dpkg-deb -f "$deb" Version)" >>SOURCE
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C extract --wildcards "./$SRC/*.tex" "./$SRC/*.tex.gz"
  rm -f "$deb"
done
find extract -name '*.tex.gz' -exec gunzip -f {} +

rm -rf "$CACHE_DIR"
mkdir -p "$(dirname "$CACHE_DIR")"
mv "extract/$SRC" "$CACHE_DIR"
mv SOURCE "$CACHE_DIR/SOURCE"
echo "texlive docs ($(paste -sd ';' "$CACHE_DIR/SOURCE")) cached in $CACHE_DIR" \
  "($(find "$CACHE_DIR" -name '*.tex' | wc -l) .tex files)"
