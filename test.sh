#!/usr/bin/env bash
# Runs every test tier and ends with one line "N passed, N failed" summing them all:
#   lint         cargo fmt --check; clippy -D warnings for the ssr and the hydrate build
#   unit         pure logic beside the code (app with ssr, server)
#   integration  server/tests: the real router over a real SQLite file per test, then the
#                same suite on a throwaway PostgreSQL cluster (a database per test)
#   load         the benchmark's mixed load, short and small: no error, no panic
#   end-to-end   end2end/: Playwright in Debian's headless Chromium against the built app,
#                on SQLite (every spec) and on PostgreSQL (the data-handling specs)
# Installs what it needs first (scripts/setup.sh --test). Exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")"
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# One-off builds gain nothing from incremental data, which costs gigabytes of disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# The app's own settings must not leak into the tests from the caller's environment.
unset DATABASE_URL BIND_ADDR PUBLIC_BASE_URL COOKIE_SECURE SESSION_IDLE_TIMEOUT \
      SESSION_ABSOLUTE_TIMEOUT TRUST_FORWARDED_FOR ADMIN_EMAIL ADMIN_PASSWORD

passed=0
failed=0
logs=target/test-logs
mkdir -p "$logs"
# Each stage's heading shows the minutes and seconds since the start, so a slow stage shows
# in the CI log.
say() { printf '\n\033[1m== %s ==\033[0m  (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
# No stage may hang the run: each gets a generous limit (GNU timeout kills its process group).
limit() { local secs=$1; shift; timeout -k 30 "$secs" "$@"; }
# However the run ends (a stage's timeout, Ctrl-C, CI cancelling), the throwaway PostgreSQL
# cluster goes with it: the next run must not reuse a half-used one.
trap 'scripts/pg.sh clean >/dev/null 2>&1' EXIT
finish() {
  scripts/pg.sh clean >/dev/null 2>&1
  echo
  echo "(took $((SECONDS / 60))m$((SECONDS % 60))s)"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

if ! limit 3600 scripts/setup.sh --test; then
  echo "setup failed"
  failed=$((failed + 1))
  finish
fi

# A check that is one pass/fail of its own.
check() {
  local name=$1; shift
  say "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

# A cargo test run: add up its "test result:" lines; a run that fails without any failing
# test (e.g. it did not compile) counts as one failure.
cargo_tests() {
  local name=$1; shift
  say "$name"
  local log="$logs/$(echo "$name" | tr ' /' '__').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
  f=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "FAILED: $name (exit $rc)"; fi
}

check "cargo fmt --check" limit 300 cargo fmt --all -- --check
check "clippy (ssr: app + server + tests)" limit 2400 cargo clippy -p server --all-targets -- -D warnings
check "clippy (hydrate: app + frontend, wasm32)" limit 2400 cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

cargo_tests "unit: app (ssr)" limit 2400 cargo test -p app --features ssr
cargo_tests "unit + integration: server" limit 2400 cargo test -p server

# A short load run (the benchmark's own, at 20,000 customers, debug build): 64 connections of
# lists, searches, profiles, server-rendered pages (a quarter abandoned mid-render) and edits,
# then the same with a sign-in flood; it fails on any error or any panic the server logs.
check "load: 64 connections x 15 s, then with a sign-in flood (0 errors, 0 panics)" \
  limit 900 env BENCH_HTTP_ONLY=1 BENCH_LOAD_SECS=15 cargo run -q -p server --example bench -- 20000

# The same integration suite on PostgreSQL: a throwaway cluster under target/pg (stopped and
# deleted when the run ends); each test creates a database of its own on it.
say "PostgreSQL: start a throwaway cluster"
pg_url=""
if pg_url=$(limit 180 scripts/pg.sh start); then
  cargo_tests "integration: server on PostgreSQL" \
    limit 2400 env TEST_POSTGRES_URL="$pg_url" cargo test -p server --test it
else
  pg_url=""
  failed=$((failed + 1))
  echo "FAILED: the PostgreSQL cluster did not start"
fi

say "end-to-end: build the site"
if ! limit 2400 cargo leptos build --split 2>&1 | tee "$logs/leptos-build.log"; then
  failed=$((failed + 1))
  echo "FAILED: cargo leptos build"
  finish
fi

export E2E_ADMIN_EMAIL=admin@example.com
export E2E_ADMIN_PASSWORD=e2e-admin-password
export E2E_SUPPORT_EMAIL=support@example.com
export E2E_SUPPORT_PASSWORD=e2e-support-password
export E2E_ACCOUNTING_EMAIL=accounting@example.com
export E2E_ACCOUNTING_PASSWORD=e2e-accounting-password

stop_server() {
  kill "$1" 2>/dev/null
  for _ in $(seq 1 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$1" 2>/dev/null; then
    echo "the server did not stop within 20 s of SIGTERM; killing it"
    kill -9 "$1" 2>/dev/null
  fi
  wait "$1" 2>/dev/null
}

# kill_marked VAR=VALUE: kill every process whose environment holds exactly that entry.
kill_marked() {
  local p
  for p in /proc/[0-9]*; do
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF -- "$1"; then
      kill -9 "${p#/proc/}" 2>/dev/null
    fi
  done
}

# run_e2e NAME DATABASE_URL [SPEC ...]: the built app on a fresh database (two more staff,
# 45 demo customers), Playwright against it; adds its results to the totals.
run_e2e() {
  local name=$1 db=$2; shift 2
  say "end-to-end: Playwright in Chromium ($name)"
  local port=${E2E_PORT:-3100}
  local dir=target/e2e/$name
  rm -rf "$dir" && mkdir -p "$dir"
  export E2E_BASE_URL="http://127.0.0.1:$port"
  # The embedded mail mode's .eml files: the mailbox the portal specs follow links from.
  export E2E_MAIL_DIR="$PWD/$dir/mail"
  DATABASE_URL="$db" target/debug/server create-staff --role support \
    --name "Helpdesk Person" --email "$E2E_SUPPORT_EMAIL" --password "$E2E_SUPPORT_PASSWORD" >/dev/null
  DATABASE_URL="$db" target/debug/server create-staff --role accounting \
    --name "Ledger Person" --email "$E2E_ACCOUNTING_EMAIL" --password "$E2E_ACCOUNTING_PASSWORD" >/dev/null
  DATABASE_URL="$db" target/debug/server seed-demo --count 45 >/dev/null
  DATABASE_URL="$db" BIND_ADDR="127.0.0.1:$port" PUBLIC_BASE_URL="$E2E_BASE_URL" \
    ADMIN_EMAIL="$E2E_ADMIN_EMAIL" ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD" LEPTOS_SITE_ROOT=target/site \
    MAIL_DIR="$dir/mail" target/debug/server serve >"$dir/server.log" 2>&1 &
  local server_pid=$!
  local up=0
  for _ in $(seq 1 120); do
    if curl -fsS "$E2E_BASE_URL/healthz" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ "$up" -ne 1 ]; then
    echo "FAILED: the server did not come up; its log:"
    cat "$dir/server.log"
    failed=$((failed + 1))
    kill -9 "$server_pid" 2>/dev/null
    return
  fi
  rm -f end2end/results/results.json
  (cd end2end && limit 1500 env CUSTOMERS_E2E_RUN=$$ npx playwright test "$@") </dev/null
  # A browser Playwright failed to close must not outlive the run (it would hold CI's
  # output): kill what this run started — the processes carrying its marker — and nothing
  # another job on the machine runs.
  kill_marked "CUSTOMERS_E2E_RUN=$$"
  stop_server "$server_pid"
  if [ -f end2end/results/results.json ]; then
    local p f
    read -r p f < <(node -e '
      const s = require("./end2end/results/results.json").stats;
      console.log((s.expected + s.flaky) + " " + s.unexpected);')
    passed=$((passed + p))
    failed=$((failed + f))
  else
    failed=$((failed + 1))
    echo "FAILED: Playwright produced no results ($name)"
  fi
}

rm -rf target/e2e && mkdir -p target/e2e
run_e2e sqlite "sqlite://target/e2e/sqlite/e2e.db"
if [ -n "$pg_url" ]; then
  if psql "$pg_url" -qc "drop database if exists e2e" -c "create database e2e" >/dev/null; then
    run_e2e postgres "${pg_url%/*}/e2e" \
      tests/customers.spec.ts tests/list.spec.ts tests/labels.spec.ts tests/export.spec.ts \
      tests/portal.spec.ts tests/roles.spec.ts
  else
    failed=$((failed + 1))
    echo "FAILED: cannot create the end-to-end database on PostgreSQL"
  fi
fi

finish
