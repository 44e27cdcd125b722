#!/usr/bin/env bash
# The browser benchmark (end2end/bench/browser.mjs): cold load to hydrated and keystroke to
# rows painted, in headless Chromium, against the release build on the benchmark's database
# (target/bench/customers-N.db; seeded by the server benchmark if missing).
#   scripts/bench-browser.sh [N=1000000]
# Also prints what the browser downloads (scripts/wasm-sizes.py): the first chunk, each
# lazily loaded part, the whole app; raw, gzip and brotli.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
count=${1:-1000000}
db="target/bench/customers-$count.db"
scripts/setup.sh --test
cargo leptos build --release --precompress --split
if [ ! -f "$db" ]; then
  BENCH_QUERIES_ONLY=1 BENCH_RUNS=1 cargo run --release -p server --example bench -- "$count"
fi

echo
python3 scripts/wasm-sizes.py target/site/pkg

port=3200
email="browser-bench@example.com"
password="browser-bench-password"
DATABASE_URL="sqlite://$db" target/release/server create-staff --role sales \
  --name "Browser Bench" --email "$email" --password "$password" >/dev/null 2>&1 || true
DATABASE_URL="sqlite://$db" BIND_ADDR="127.0.0.1:$port" PUBLIC_BASE_URL="http://127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site MAIL_DIR=target/bench/mail target/release/server serve \
  > target/bench/browser-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
echo
(cd end2end && BENCH_BASE_URL="http://127.0.0.1:$port" BENCH_EMAIL="$email" \
  BENCH_PASSWORD="$password" node bench/browser.mjs)
