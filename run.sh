#!/usr/bin/env bash
# Build (release) and run the app on the embedded SQLite database under data/.
# First start creates the Admin from ADMIN_EMAIL / ADMIN_PASSWORD, or prints a generated one.
# Settings: see .env.example (a .env file here is read too). Extra arguments go to the server,
# e.g. ./run.sh create-admin --email you@example.com
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec target/release/server "$@"
