#!/usr/bin/env bash
# Installs what building (and, with --test, testing) needs. Idempotent: every step checks
# first, so a second run takes a second or two.
#   scripts/setup.sh          toolchain for building and running the app
#   scripts/setup.sh --test   the above plus Debian's Chromium for the end-to-end tests and
#                             Debian's PostgreSQL for the PostgreSQL tier
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 does not build on rustc 1.95 (see ../shared/TOOLCHAIN.md)
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock (pinned with = in Cargo.toml).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~2 min, once)"
  # No --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v cargo-leptos >/dev/null || [ "$(cargo-leptos --version | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (~17 min, once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --force
fi

# npm packages: binaryen's wasm-opt for release builds (Debian's v108 breaks hydration) and
# Playwright for the end-to-end tests. Never a browser download.
stamp=end2end/node_modules/.setup-stamp
want=$(sha256sum end2end/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages in end2end/"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

if [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Chromium from Debian"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
  fi
  # The PostgreSQL tier runs a throwaway cluster (scripts/pg.sh): the server binaries and
  # the contrib modules (pg_trgm).
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
     ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then
    say "installing PostgreSQL from Debian"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  fi
  # The export end-to-end test reads the downloaded .xlsx with python3's zipfile.
  if ! command -v python3 >/dev/null; then
    say "installing python3 from Debian"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3 >/dev/null
  fi
fi
