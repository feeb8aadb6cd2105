#!/usr/bin/env bash
# Installs the system tools the test suite needs, from Debian's packages, when they are missing.
#
# Usage: bash scripts/install-test-deps.sh        (needs root to install; idempotent; silent when all present)
#
# - All present: prints nothing, exits 0.
# - Something missing and root: apt-get installs it (services are kept from starting), then checks again.
# - Something missing and not root: prints what is missing and the apt-get line.
# Under CI=true anything still missing at the end is a hard failure (exit 1); otherwise a loud warning (exit 0),
# and the suites that need the tool skip themselves with a message (they fail instead under CI=true).
#
# To add a tool: one line "command  debian-package" in TOOLS below (a package may provide several commands);
# a TeX file (class, package): one line "file  debian-package" in TEX_FILES (checked with kpsewhich's exit status).
set -euo pipefail

TOOLS=(
  "redis-server    redis-server" # Store contract, RedisStore, rate tiers (test/helpers/redis.ts)
  "redis-cli       redis-tools"  # Cluster setup in test/helpers/redis.ts
  "fail2ban-regex  fail2ban"     # the shipped fail2ban filter is checked against real security events
  "promtool        prometheus"   # promtool check metrics on a real scrape (test/integration/ops/metrics-promtool.test.ts)
  "latex           texlive-latex-base" # the reference compile service (test/helpers/compile-service.ts)
  "kpsewhich       texlive-latex-base" # finds the TeX files below
  "dvisvgm         dvisvgm"            # the compile service's DVI -> SVG step
  "prlimit         util-linux"         # the compile service's rlimits on latex and dvisvgm
  "chromium        chromium"           # browser tests: answers opened in headless Chromium (test/helpers/browser.ts)
  "nginx           nginx-light"        # TLS in front with deploy/tls/nginx-portcullis.conf (test/e2e/tls-front.test.ts)
  "haproxy         haproxy"            # TLS in front with deploy/tls/haproxy-portcullis.cfg (same test)
  "openssl         openssl"            # the test certificate of test/e2e/tls-front.test.ts
)
TEX_FILES=(
  "tikz.sty        texlive-pictures"    # TikZ
  "standalone.cls  texlive-latex-extra" # the document class the compile service wraps code in
)

say() { printf 'install-test-deps: %s\n' "$*" >&2; }

missing_tools=()
missing_pkgs=()
scan() {
  local line tool pkg
  missing_tools=()
  missing_pkgs=()
  for line in "${TOOLS[@]}"; do
    read -r tool pkg <<<"$line"
    if ! command -v "$tool" >/dev/null 2>&1; then
      missing_tools+=("$tool")
      [[ " ${missing_pkgs[*]} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
    fi
  done
  for line in "${TEX_FILES[@]}"; do
    read -r tool pkg <<<"$line"
    if ! kpsewhich "$tool" >/dev/null 2>&1; then
      missing_tools+=("$tool")
      [[ " ${missing_pkgs[*]} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
    fi
  done
}

scan
((${#missing_tools[@]} == 0)) && exit 0

if [[ $(id -u) != 0 ]]; then
  say "missing: ${missing_tools[*]} (Debian packages: ${missing_pkgs[*]})"
  say "as root: apt-get install -y --no-install-recommends ${missing_pkgs[*]}"
  if [[ ${CI:-} == true ]]; then
    say "CI=true: failing, the suites that need these tools cannot run"
    exit 1
  fi
  say "WARNING: the suites that need them will be SKIPPED (they fail under CI=true)"
  exit 0
fi

say "installing from Debian: ${missing_pkgs[*]}"
# Keep Debian's maintainer scripts from starting redis/fail2ban as services (docker-style guard);
# only when no policy is in place already, and removed again afterwards.
made_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
apt_log=$(mktemp)
cleanup() {
  if ((made_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  rm -f "$apt_log"
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt_install() {
  # DPkg::Lock::Timeout: another apt (e.g. a parallel job) may hold the lock; wait for it rather than fail.
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing_pkgs[@]}" >"$apt_log" 2>&1
}
# Try with the package lists as they are; refresh them once when that fails (stale or never fetched).
if ! apt_install; then
  say "apt-get install failed with the current package lists: apt-get update, then once more"
  apt-get update -q -o DPkg::Lock::Timeout=300 >"$apt_log" 2>&1 || true
  if ! apt_install; then
    tail -n 20 "$apt_log" >&2 || true
  fi
fi

scan
if ((${#missing_tools[@]} == 0)); then
  say "installed: all test tools present"
  exit 0
fi
say "still missing after install: ${missing_tools[*]}"
if [[ ${CI:-} == true ]]; then exit 1; fi
say "WARNING: the suites that need them will be SKIPPED (they fail under CI=true)"
exit 0
