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

# Debian packages, installed only when something is missing (as root, or with sudo).
apt_install() {
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  say "installing $* from Debian"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

# A C toolchain: SQLite is compiled from source, and cargo-leptos vendors OpenSSL (perl).
missing=()
command -v cc >/dev/null || missing+=(build-essential)
command -v make >/dev/null || missing+=(make)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v perl >/dev/null || missing+=(perl)
command -v curl >/dev/null || missing+=(curl ca-certificates)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# Rust itself, when the machine has none; rust-toolchain.toml then picks the release, its
# components (rustfmt, clippy) and the wasm32 target, which rustup installs on first use.
if ! command -v rustup >/dev/null; then
  say "installing rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
fi
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done
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
  [ -x /usr/bin/chromium ] || apt_install chromium
  # The PostgreSQL tier runs a throwaway cluster (scripts/pg.sh): the server binaries and
  # the contrib modules (pg_trgm).
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
     ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then
    apt_install postgresql postgresql-contrib
  fi
  # The export end-to-end test reads the downloaded .xlsx with python3's zipfile.
  command -v python3 >/dev/null || apt_install python3
fi
