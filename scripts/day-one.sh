#!/usr/bin/env bash
# What an operator meets on day one (issue 18), replayed as a user would: a fresh clone of this repository's
# HEAD, the README's install and first commands, broken configurations, a running gateway, log rotation under
# fail2ban-regex, promtool on /metrics, ajv on the editor schema, hash-key, explain, and SIGTERM.
#
# usage: bash scripts/day-one.sh
#   DAY_ONE_REUSE_NODE_MODULES=1  link this checkout's node_modules into the clone instead of `npm ci`
#                                 (npm ci builds re2 from source: minutes)
#   DAY_ONE_KEEP=1                keep the temporary folder (its path is printed)
# Needs: git, node, npm, curl, fail2ban-regex, promtool; latex + dvisvgm for the real compile backend.
# Every server listens on 127.0.0.1 on a free port; every process started here is stopped on exit.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-day-one.XXXXXX")
CLONE="$WORK/clone"
PGIDS=()
STEP=0
STEP_FAILS=0
FAILED=()
PASSED=0

cleanup() {
  local code=$?
  for g in "${PGIDS[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${PGIDS[@]}"; do
    timeout 10 bash -c "while kill -0 -- -$g 2>/dev/null; do sleep 0.2; done" || kill -KILL -- "-$g" 2>/dev/null || true
  done
  if [[ "${DAY_ONE_KEEP:-}" == 1 ]]; then echo "(kept $WORK)"; else rm -rf "$WORK"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
  end_step
  STEP=$((STEP + 1))
  STEP_FAILS=0
  STEP_NAME="$*"
  echo
  echo "== step $STEP: $*"
}
end_step() {
  if ((STEP > 0)); then
    if ((STEP_FAILS == 0)); then PASSED=$((PASSED + 1)); else FAILED+=("step $STEP: $STEP_NAME"); fi
  fi
}
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  STEP_FAILS=$((STEP_FAILS + 1))
}
# Prints a file's lines indented (what a user would see), at most $2 lines.
show() { sed -n "1,${2:-20}p" "$1" | sed 's/^/    | /'; }

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
# Starts a command in its own process group (so the trap stops it and its children); sets BG_PID.
bg() {
  local out=$1
  shift
  setsid "$@" >"$out" 2>&1 &
  BG_PID=$!
  PGIDS+=("$BG_PID")
}
# wait_grep FILE REGEX SECONDS: until the file holds a line matching REGEX.
wait_grep() { timeout "$3" bash -c "until grep -qE -- \"\$0\" \"\$1\" 2>/dev/null; do sleep 0.2; done" "$2" "$1"; }
# wait_http URL SECONDS: until the URL answers (any status).
wait_http() { timeout "$2" bash -c "until curl -s -o /dev/null --max-time 2 \"\$0\"; do sleep 0.2; done" "$1"; }
# status_of ARGS...: the status code of one curl request (bounded).
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$@" || true; }

echo "Portcullis day one: $(date -u +%Y-%m-%dT%H:%M:%SZ), source $SRC (HEAD $(git -C "$SRC" rev-parse --short HEAD)), work $WORK"
echo "node $(node --version), npm $(npm --version)"

# ---------------------------------------------------------------------------------------------------------
step "fresh clone of HEAD, the README's install (npm ci) and build"
if timeout 300 git clone -q --no-hardlinks "$SRC" "$CLONE"; then
  ok "cloned $(git -C "$CLONE" rev-parse --short HEAD) into $CLONE"
else
  fail "git clone $SRC"
fi
cd "$CLONE"
if [[ "${DAY_ONE_REUSE_NODE_MODULES:-}" == 1 ]]; then
  echo "DAY_ONE_REUSE_NODE_MODULES=1: NOT running npm ci; linking $SRC/node_modules into the clone"
  ln -s "$SRC/node_modules" "$CLONE/node_modules"
  ok "node_modules linked (install not exercised in this run)"
else
  echo "running npm ci (builds re2 from source; several minutes on a slow machine) ..."
  t0=$(date +%s)
  if timeout 1800 npm ci --no-audit --no-fund >"$WORK/npm-ci.log" 2>&1; then
    ok "npm ci in $(($(date +%s) - t0)) s"
  else
    fail "npm ci exited non-zero after $(($(date +%s) - t0)) s:"
    tail -n 20 "$WORK/npm-ci.log" | sed 's/^/    | /'
  fi
fi
if timeout 600 npm run build >"$WORK/build.log" 2>&1 && [[ -f dist/main.js ]]; then
  ok "npm run build: dist/main.js"
else
  fail "npm run build:"
  show "$WORK/build.log" 30
fi

# ---------------------------------------------------------------------------------------------------------
step "the README's first commands: --help, --version, check, the demo"
if timeout 60 npx portcullis --help >"$WORK/help.txt" 2>&1 && grep -q 'usage: portcullis' "$WORK/help.txt" &&
  grep -qE '^ +check ' "$WORK/help.txt"; then
  ok "npx portcullis --help lists the commands ($(grep -cE '^  [a-z-]+ ' "$WORK/help.txt") of them)"
else
  fail "npx portcullis --help:"
  show "$WORK/help.txt"
fi
if v=$(timeout 60 npx portcullis --version 2>&1) && [[ "$v" == "portcullis $(node -p "require('./package.json').version")" ]]; then
  ok "npx portcullis --version: $v"
else
  fail "npx portcullis --version printed: $v"
fi
if timeout 120 npx portcullis check --config gateway.yaml >"$WORK/check.txt" 2>&1; then
  ok "npx portcullis check --config gateway.yaml: $(tail -n 1 "$WORK/check.txt")"
else
  fail "check on the shipped gateway.yaml:"
  show "$WORK/check.txt"
fi

DEMO_GW=$(free_port)
DEMO_ADMIN=$(free_port)
DEMO_UP=$(free_port)
bg "$WORK/demo.log" env GATEWAY_PORT="$DEMO_GW" ADMIN_PORT="$DEMO_ADMIN" DEMO_UPSTREAM_PORT="$DEMO_UP" npm run demo
DEMO_PID=$BG_PID
if wait_grep "$WORK/demo.log" 'Ctrl-C stops both' 120; then
  grep -E 'compile backend:|listening|127\.0\.0\.1:' "$WORK/demo.log" | head -n 4 | sed 's/^/    | /'
  if grep -qE "compile backend: .*(reference compile service|fixture)" "$WORK/demo.log"; then
    ok "the demo names its backend"
  else
    fail "the demo does not name its backend"
  fi
  if grep -q "127.0.0.1:$DEMO_GW" "$WORK/demo.log"; then ok "the demo says it serves on 127.0.0.1:$DEMO_GW"; else fail "the demo does not print 127.0.0.1:$DEMO_GW"; fi
  seen=""
  while IFS= read -r line; do
    want=$(sed -nE 's/.*# expect ([0-9]{3}).*/\1/p' <<<"$line")
    got=$(timeout 90 bash -c "$line" 2>/dev/null | tail -n 1 | sed -nE 's/.*-> ([0-9]{3})$/\1/p' || true)
    if [[ -n "$want" && "$got" == "$want" ]]; then
      seen="$seen $got"
    else
      fail "demo line gave '${got:-nothing}', it announces $want: $line"
    fi
  done < <(grep -E '^(curl |for )' "$WORK/demo.log")
  echo "    statuses of the printed curl lines, as announced:$seen"
  [[ " $seen " == *" 403 "* ]] && ok "a signature refusal (403)" || fail "no 403 among the demo's lines"
  [[ " $seen " == *" 429 "* ]] && ok "a rate-limit refusal (429)" || fail "no 429 among the demo's lines"
  if wait_grep "$WORK/demo.log" '"latex\.shell-escape\.write18"' 20; then
    ok "the demo's event stream names the rule latex.shell-escape.write18"
  else
    fail "no security event naming latex.shell-escape.write18 in the demo's output"
  fi
else
  fail "the demo did not get ready within 120 s:"
  show "$WORK/demo.log" 30
fi
kill -TERM -- "-$DEMO_PID" 2>/dev/null || true
timeout 20 bash -c "while kill -0 -- -$DEMO_PID 2>/dev/null; do sleep 0.2; done" || kill -KILL -- "-$DEMO_PID" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------------------
step "broken configurations: check and start refuse each with the same file:line:col lines, no stack trace"
B="$WORK/broken"
mkdir -p "$B/rules-bad" "$B/rules-ok" "$B/lists.d"
cat >"$B/rules-bad/bad.yaml" <<'EOF'
rules:
  - id: mine.unclosed
    description: a pattern RE2 cannot compile
    severity: HIGH
    pattern: '(unclosed'
    examples: { match: [], pass: [] }
EOF
cat >"$B/rules-ok/ok.yaml" <<'EOF'
rules:
  - id: mine.ok
    description: a rule that compiles
    severity: LOW
    tags: [mine]
    pattern: 'zzqq'
    examples: { match: [zzqq], pass: [abc] }
EOF
echo 'not a database' >"$B/not-a-database.mmdb"
HEAD_YAML='upstream: { url: "http://127.0.0.1:9" }
server: { listen: { host: 127.0.0.1, port: 0 } }
admin: { listen: { host: 127.0.0.1, port: 0 } }
routes:
  - { name: compile, methods: [POST], path: /compile, inspect_body: true }'
declare -A CASES=(
  [bad-regex]="checks:
  signatures:
    rules_dir: rules-bad"
  [missing-rule-file]="checks:
  signatures:
    rules_dir: rules-ok
    rule_files: [ok.yaml, missing.yaml]"
  [exclusion-no-rule]="checks:
  signatures:
    rules_dir: rules-ok
    exclusions:
      - { rules: [mine.okk], reason: a typo }"
  [missing-rules-dir]="checks:
  signatures:
    rules_dir: no-such-rules"
  [unreadable-list]="reputation:
  deny_files: [lists.d, missing-deny.txt]"
  [unreadable-database]="geo:
  database: not-a-database.mmdb
  deny_countries: [KP]"
  [tier-premum]="identity:
  api_keys:
    keys:
      - { sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8, user: alice, tier: premum }"
  [signatures-route-compil]="checks:
  signatures:
    routes:
      compil: { paranoia: 2 }"
  [exclusion-route-compil]="checks:
  signatures:
    exclusions:
      - { rules: [latex.shell-escape.write18], routes: [compil], reason: a typo }"
)
ORDER=(bad-regex missing-rule-file exclusion-no-rule missing-rules-dir unreadable-list unreadable-database
  tier-premum signatures-route-compil exclusion-route-compil)
STACK='^[[:space:]]+at .+:[0-9]+:[0-9]+\)?$'
for name in "${ORDER[@]}"; do
  f="$B/$name.yaml"
  printf '%s\n%s\n' "$HEAD_YAML" "${CASES[$name]}" >"$f"
  # Run from / so nothing leans on the working directory.
  set +e
  (cd / && timeout 120 node "$CLONE/dist/main.js" check --config "$f") >"$B/$name.check" 2>&1
  cc=$?
  (cd / && timeout 120 node "$CLONE/dist/main.js" start --config "$f") >"$B/$name.start" 2>&1
  sc=$?
  set -e
  grep -E "^/[^ ]+:[0-9]+:[0-9]+ " "$B/$name.check" >"$B/$name.check.pos" || true
  grep -E "^/[^ ]+:[0-9]+:[0-9]+ " "$B/$name.start" >"$B/$name.start.pos" || true
  echo "  -- $name: check exit $cc, start exit $sc"
  show "$B/$name.check.pos" 6
  problems=()
  ((cc == 1)) || problems+=("check exited $cc")
  ((sc == 1)) || problems+=("start exited $sc")
  [[ -s "$B/$name.check.pos" ]] || problems+=("check printed no file:line:col line")
  cmp -s "$B/$name.check.pos" "$B/$name.start.pos" || problems+=("start's positioned lines differ from check's: $(diff "$B/$name.check.pos" "$B/$name.start.pos" | tr '\n' ' ')")
  grep -qE "$STACK" "$B/$name.check" "$B/$name.start" && problems+=("a stack trace: $(grep -hE "$STACK" "$B/$name.check" "$B/$name.start" | head -n 1)")
  if [[ "$name" == *premum* || "$name" == *compil* || "$name" == exclusion-no-rule ]]; then
    grep -q 'did you mean' "$B/$name.check.pos" || problems+=("no 'did you mean'")
  fi
  if ((${#problems[@]} == 0)); then ok "$name"; else
    fail "$name: ${problems[*]}"
    echo "    start printed:"
    show "$B/$name.start" 10
  fi
done

# ---------------------------------------------------------------------------------------------------------
step "relative paths: start --config <tmp>/gateway.yaml run from / serves (rules, keys, events beside the file)"
G="$WORK/gw"
mkdir -p "$G"
cp -r "$CLONE/rules" "$G/rules"
echo '[]' >"$G/api-keys.yaml"
GW_PORT=$(free_port)
ADMIN_PORT=$(free_port)
UP_PORT=$(free_port)
TOKEN="day-one-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
if command -v latex >/dev/null && command -v dvisvgm >/dev/null && kpsewhich tikz.sty >/dev/null 2>&1; then
  BACKEND="reference compile service (latex + dvisvgm)"
  bg "$WORK/upstream.log" node "$CLONE/examples/compile-service/server.mjs" --port "$UP_PORT" --host 127.0.0.1
  HEALTH=/healthz
else
  BACKEND="tiny node upstream (no TeX here)"
  bg "$WORK/upstream.log" node -e "require('http').createServer((q,s)=>{s.setHeader('content-type','image/svg+xml');s.end('<svg xmlns=\"http://www.w3.org/2000/svg\"/>')}).listen($UP_PORT,'127.0.0.1')"
  HEALTH=/healthz
fi
UP_PID=$BG_PID
if wait_http "http://127.0.0.1:$UP_PORT$HEALTH" 60; then echo "    upstream: $BACKEND on 127.0.0.1:$UP_PORT"; else fail "the upstream ($BACKEND) did not answer"; show "$WORK/upstream.log"; fi
cat >"$G/gateway.yaml" <<EOF
# Day one: every relative path below is relative to this file's folder.
server:
  listen: { host: 127.0.0.1, port: $GW_PORT }
  # Clients are told apart by X-Forwarded-For from loopback, so that blocks and probing refusals of one
  # simulated client do not stop the others (loopback itself is exempt from probing by default).
  trusted_proxies: [127.0.0.1]
  drain_timeout_ms: 5000
  drain_notice_ms: 2000
upstream:
  url: http://127.0.0.1:$UP_PORT
  health_path: $HEALTH
admin:
  listen: { host: 127.0.0.1, port: $ADMIN_PORT }
  tokens: ["$TOKEN"]
routes:
  - name: compile
    methods: [POST]
    path: /compile
    inspect_body: true
    content_types: [application/json]
    code_fields: [tikz_code]
  - { name: health, methods: [GET], path: $HEALTH }
checks:
  signatures:
    mode: enforce
    rules_dir: rules
  probing: { mode: enforce, threshold: 20, window_s: 60, action: refuse, status: 429, ttl_s: 600 }
identity:
  api_keys:
    file: api-keys.yaml
rate_limits:
  tiers:
    anonymous:
      limits: [{ name: per_minute, algorithm: gcra, rate: 600, period_s: 60, burst: 100 }]
    premium:
      limits: [{ name: per_minute, algorithm: gcra, rate: 6000, period_s: 60, burst: 1000 }]
logging:
  level: info
  events: events.log
EOF
# Run from / (bash execs node: the process signalled below is the gateway itself).
bg "$WORK/gateway.log" bash -c 'cd / && exec node "$0" start --config "$1"' "$CLONE/dist/main.js" "$G/gateway.yaml"
GW_PID=$BG_PID
NODE_PID=$GW_PID
GW="http://127.0.0.1:$GW_PORT"
ADMIN="http://127.0.0.1:$ADMIN_PORT"
if wait_http "$GW$HEALTH" 60 && [[ "$(status_of "$GW$HEALTH")" == 200 ]]; then
  ok "started from / with rules_dir: rules, api_keys.file: api-keys.yaml, events: events.log; GET $HEALTH -> 200 via the gateway (pid $NODE_PID)"
else
  fail "the gateway started from / does not serve:"
  show "$WORK/gateway.log" 20
fi
if [[ -f "$G/events.log" ]]; then ok "events.log created beside gateway.yaml, not in /"; else fail "no $G/events.log"; fi

# ---------------------------------------------------------------------------------------------------------
step "a running gateway: policy refusal does not block, \\write18 blocks with Retry-After and expiry, probing, categories"
J='content-type: application/json'
hdr() { curl -s -D "$WORK/h" -o "$WORK/b" --max-time 90 -w '%{http_code}' "$@" || true; }
# A: a harmless package the shipped allow-lists do not know (qrcode): a policy refusal, not evidence of an
# attack; sent three times.
for i in 1 2 3; do
  st=$(hdr -H "$J" -H 'x-forwarded-for: 203.0.113.10' --data '{"tikz_code":"\\usepackage{qrcode}\\begin{tikzpicture}\\draw (0,0)--(1,1);\\end{tikzpicture}"}' "$GW/compile")
done
echo "    policy refusal (3rd of 3): $st $(cat "$WORK/b")"
rid=$(sed -nE 's/.*"request_id":"([^"]+)".*/\1/p' "$WORK/b")
wait_grep "$G/events.log" "$rid" 10 || true
echo "    its event: $(grep -F "$rid" "$G/events.log" | node -e 'const e=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(JSON.stringify({module:e.module,reasons:e.reasons,decision:e.decision}))' 2>&1)"
if [[ "$st" == 403 ]] && ! grep -qi '^retry-after' "$WORK/h" && grep -F "$rid" "$G/events.log" | grep -q '"reasons":\["sig:policy\.[a-z-]*"\]'; then ok "policy refusal (policy reasons only): 403 without Retry-After"; else fail "policy refusal gave $st (headers: $(tr -d '\r' <"$WORK/h" | tr '\n' ' '))"; fi
st=$(status_of -H 'x-forwarded-for: 203.0.113.10' "$GW$HEALTH")
[[ "$st" == 200 ]] && ok "the same client is not blocked after three: next request $st" || fail "after a policy refusal the client gets $st"
# B: \write18, an unmistakable attack: blocked at once.
st=$(hdr -H "$J" -H 'x-forwarded-for: 203.0.113.20' --data '{"tikz_code":"\\immediate\\write18{id}"}' "$GW/compile")
echo "    \\write18: $st $(cat "$WORK/b")"
grep -iE '^(retry-after|portcullis-block-expires):' "$WORK/h" | sed 's/^/    | /' || true
[[ "$st" == 403 ]] && ok "\\write18 refused 403" || fail "\\write18 gave $st"
st=$(hdr -H 'x-forwarded-for: 203.0.113.20' "$GW$HEALTH")
echo "    next request of that client: $st $(cat "$WORK/b")"
grep -iE '^(retry-after|portcullis-block-expires):' "$WORK/h" | sed 's/^/    | /' || true
if [[ "$st" == 403 ]] && grep -qiE '^retry-after: [0-9]+' "$WORK/h" && grep -qi '^portcullis-block-expires:' "$WORK/h"; then
  ok "blocked: 403 with Retry-After and Portcullis-Block-Expires"
else
  fail "the client that sent \\write18 is not blocked with Retry-After + Portcullis-Block-Expires (status $st)"
fi
if grep -q '"reasons":\["[a-z]*"\]' "$WORK/b" && ! grep -q '"reasons":\["[a-z]*:' "$WORK/b"; then ok "the refusal names a category, not a code"; else fail "refusal body: $(cat "$WORK/b")"; fi
# C: a scanner: 20 quick 404s for .env-style paths, then refused on every route.
codes=""
for p in .env .env.bak .env.local .env.prod .env.dev .git/config .git/HEAD wp-login.php .aws/credentials config.php \
  .env.old .env.save admin/.env api/.env app/.env .htpasswd server-status phpinfo.php .DS_Store backup.sql; do
  codes="$codes $(status_of -H 'x-forwarded-for: 203.0.113.30' "$GW/$p")"
done
echo "    20 probes:$codes"
st=$(hdr -H 'x-forwarded-for: 203.0.113.30' "$GW$HEALTH")
echo "    then a real route: $st $(cat "$WORK/b") $(grep -i '^retry-after' "$WORK/h" | tr -d '\r')"
if [[ "$codes" == *404* && ("$st" == 429 || "$st" == 403) ]] && grep -qi '^retry-after' "$WORK/h"; then
  ok "probing refused the scanner ($st with Retry-After)"
else
  fail "after 20 probes the scanner got $st on $HEALTH"
fi
st=$(hdr -H "$J" -H 'x-forwarded-for: 203.0.113.40' --data '{"tikz_code":"a","tikz_code":"b"}' "$GW/compile")
if [[ "$st" == 400 ]] && grep -q '"reasons":\["request"\]' "$WORK/b"; then ok "malformed: 400 $(cat "$WORK/b")"; else fail "duplicate key gave $st $(cat "$WORK/b")"; fi

# ---------------------------------------------------------------------------------------------------------
step "log rotation: mv events.log events.log.1, SIGHUP, new events in events.log, fail2ban-regex matches"
FILTER="$CLONE/deploy/fail2ban/filter.d/portcullis.conf"
before=$(wc -l <"$G/events.log")
mv "$G/events.log" "$G/events.log.1"
kill -HUP "$NODE_PID"
if timeout 20 bash -c "until [[ -f '$G/events.log' ]]; do sleep 0.2; done"; then ok "events.log reopened after SIGHUP"; else fail "no new events.log after SIGHUP"; fi
status_of -H "$J" -H 'x-forwarded-for: 198.51.100.7' --data '{"tikz_code":"\\immediate\\write18{id}"}' "$GW/compile" >/dev/null
if wait_grep "$G/events.log" '"client_ip":"198\.51\.100\.7"' 20; then
  ok "the new event is in events.log ($(wc -l <"$G/events.log") line(s)); events.log.1 kept its $before"
else
  fail "the event after rotation is not in events.log"
  grep -c '198.51.100.7' "$G/events.log.1" >/dev/null 2>&1 && echo "    (it went to events.log.1)"
fi
timeout 120 fail2ban-regex "$G/events.log" "$FILTER" >"$WORK/f2b.txt" 2>&1 || true
grep -E '^(Failregex|Ignoreregex|Lines):' "$WORK/f2b.txt" | sed 's/^/    | /'
if grep -qE '^Failregex: [1-9][0-9]* total' "$WORK/f2b.txt" && grep -q '198.51.100.7' <(sed -n '/Failregex/,$p' "$WORK/f2b.txt"; grep -E '^Lines' "$WORK/f2b.txt"; cat "$G/events.log"); then
  ok "fail2ban-regex events.log deploy/fail2ban/filter.d/portcullis.conf matches"
else
  fail "fail2ban-regex found no match:"
  show "$WORK/f2b.txt" 30
fi

# ---------------------------------------------------------------------------------------------------------
step "metrics: promtool check metrics prints nothing; portcullis_upstream_up 1 without calling /readyz"
# nothing in this script has called /readyz yet
if timeout 30 bash -c "until curl -s --max-time 5 -H 'authorization: Bearer $TOKEN' '$ADMIN/metrics' | grep -qx 'portcullis_upstream_up 1'; do sleep 0.5; done"; then
  ok "portcullis_upstream_up 1 (the background probe; /readyz never called)"
else
  fail "portcullis_upstream_up is not 1: $(curl -s -H "authorization: Bearer $TOKEN" "$ADMIN/metrics" | grep '^portcullis_upstream_up' || true)"
fi
curl -s --max-time 30 -H "authorization: Bearer $TOKEN" "$ADMIN/metrics" >"$WORK/metrics.txt" || true
set +e
timeout 60 promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.txt" 2>&1
pc=$?
set -e
if ((pc == 0)) && [[ ! -s "$WORK/promtool.txt" ]]; then
  ok "promtool check metrics: exit 0, no output ($(grep -c '^# TYPE' "$WORK/metrics.txt") metric families)"
else
  fail "promtool check metrics exit $pc:"
  show "$WORK/promtool.txt" 20
fi
grep -E '^portcullis_(requests_total|signature_matches_total|blocks_total|probing)[^ ]* ' "$WORK/metrics.txt" | head -n 4 | sed 's/^/    | /' || true

# ---------------------------------------------------------------------------------------------------------
step "ajv on the editor schema: the shipped gateway.yaml validates, a typo fails naming the key"
AJV="$SRC/scripts/day-one-ajv.mjs"
[[ -f "$CLONE/scripts/day-one-ajv.mjs" ]] && AJV="$CLONE/scripts/day-one-ajv.mjs"
if timeout 60 node "$AJV" schema/gateway.schema.json gateway.yaml >"$WORK/ajv1.txt" 2>&1; then
  ok "$(cat "$WORK/ajv1.txt")"
else
  fail "ajv rejects the shipped gateway.yaml:"
  show "$WORK/ajv1.txt"
fi
sed 's/^  timeout_ms: 45000/  timout_ms: 45000/' gateway.yaml >"$WORK/typo.yaml"
set +e
timeout 60 node "$AJV" schema/gateway.schema.json "$WORK/typo.yaml" >"$WORK/ajv2.txt" 2>&1
ac=$?
set -e
show "$WORK/ajv2.txt" 5
if ((ac == 1)) && grep -q 'upstream.timout_ms' "$WORK/ajv2.txt"; then ok "the typo fails, naming upstream.timout_ms"; else fail "ajv on the typo: exit $ac"; fi

# ---------------------------------------------------------------------------------------------------------
step "hash-key into the keys file, a request with the key gets its tier; explain --request - from stdin"
KEY=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
if printf '%s\n' "$KEY" | timeout 60 node dist/main.js hash-key --user alice --tier premium >"$WORK/entry.txt" 2>&1; then
  echo "    $(sed -E 's/[0-9a-f]{64}/<64 hex>/' "$WORK/entry.txt")"
  cat "$WORK/entry.txt" >"$G/api-keys.yaml"
  ok "hash-key printed an entry; written to api-keys.yaml (watched: no restart)"
else
  fail "hash-key: $(cat "$WORK/entry.txt")"
fi
# The tier shows in the answer's RateLimit-Policy: the premium tier here allows q=6000 a minute, anonymous q=600.
anon=$(curl -s -D - -o /dev/null --max-time 10 -H 'x-forwarded-for: 198.51.100.50' "$GW$HEALTH" | grep -i '^ratelimit-policy' | tr -d '\r' || true)
if timeout 30 bash -c "until curl -s -D - -o /dev/null --max-time 5 -H 'x-api-key: $KEY' -H 'x-forwarded-for: 198.51.100.50' '$GW$HEALTH' | grep -qi '^ratelimit-policy:.*q=6000;'; do sleep 0.5; done"; then
  ok "with the key: $(curl -s -D - -o /dev/null -H "x-api-key: $KEY" -H 'x-forwarded-for: 198.51.100.50' "$GW$HEALTH" | grep -i '^ratelimit-policy' | tr -d '\r') (premium's quota; without it: $anon)"
else
  fail "a request with the key does not get the premium tier: $(curl -s -D - -o /dev/null -H "x-api-key: $KEY" "$GW$HEALTH" | grep -i '^ratelimit-policy' | tr -d '\r')"
fi
st=$(status_of -H 'x-api-key: wrong-key' -H 'x-forwarded-for: 198.51.100.51' "$GW$HEALTH")
[[ "$st" == 401 ]] && ok "a wrong key gets 401" || fail "a wrong key gets $st"
set +e
echo '{"path": "/compile", "json": {"tikz_code": "\\immediate\\write18{id}"}}' |
  (cd / && timeout 120 node "$CLONE/dist/main.js" explain --request - --config "$G/gateway.yaml") >"$WORK/explain.txt" 2>&1
ec=$?
set -e
show "$WORK/explain.txt" 12
if ((ec == 3)) && grep -qi 'write18' "$WORK/explain.txt" && grep -qiE 'decision|refuse|deny' "$WORK/explain.txt"; then
  ok "explain --request - (stdin): exit 3, the rule and the decision"
else
  fail "explain --request - exit $ec"
fi

# ---------------------------------------------------------------------------------------------------------
step "SIGTERM: /readyz turns 503 first, then the process exits 0"
st=$(status_of "$ADMIN/readyz")
[[ "$st" == 200 ]] && ok "/readyz before: 200" || fail "/readyz before SIGTERM: $st"
kill -TERM "$NODE_PID"
st=$(status_of --max-time 2 "$ADMIN/readyz")
body=$(curl -s --max-time 2 "$ADMIN/readyz" || true)
[[ "$st" == 503 ]] && ok "/readyz right after SIGTERM: 503 $body" || fail "/readyz right after SIGTERM: $st $body"
if timeout 30 bash -c "while kill -0 $NODE_PID 2>/dev/null; do sleep 0.1; done"; then
  wait "$GW_PID" 2>/dev/null && code=0 || code=$?
  [[ "$code" == 0 ]] && ok "exited 0" || fail "exit code $code"
else
  fail "still running 30 s after SIGTERM"
fi
tail -n 3 "$WORK/gateway.log" | cut -c1-200 | sed 's/^/    | /'
kill -TERM -- "-$UP_PID" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------------------
end_step
STEP=0
echo
echo "== summary: $PASSED passed, ${#FAILED[@]} failed (of $((PASSED + ${#FAILED[@]})) steps)"
for f in "${FAILED[@]}"; do echo "FAIL: $f"; done
((${#FAILED[@]} == 0)) && echo "day one: green" || exit 1
