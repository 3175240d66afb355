#!/usr/bin/env bash
# Lighthouse (npm lighthouse@12, mobile preset: a mid-range phone on a throttled 4G/"slow" link,
# simulated) over the villagers' page of the local demo, signed in as a demo villager: the
# sign-in page, the village, a month of line items, and the ancestral-hall labour line with its
# receipt and proof. Prints the performance and accessibility scores as a Markdown table
# (BENCHMARKS.md keeps them; the target is >= 95 for each).
#
#   benches/lighthouse.sh            builds the release binary and measures it
#   VL_BIN=path benches/lighthouse.sh   measures that binary instead
#
# LIGHTHOUSE_DIR  where lighthouse@12 and playwright-core are installed when missing (outside the
#                 repository; default ~/.cache/village-ledger/lighthouse)
# CHROME_PATH     the browser (default: Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

LH_DIR=${LIGHTHOUSE_DIR:-$HOME/.cache/village-ledger/lighthouse}
if [[ ! -f $LH_DIR/node_modules/lighthouse/package.json || ! -f $LH_DIR/node_modules/playwright-core/package.json ]]; then
    mkdir -p "$LH_DIR"
    (cd "$LH_DIR" && npm install --no-audit --no-fund --no-save lighthouse@12 playwright-core@1 >/dev/null)
fi
export CHROME_PATH=${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}

if [[ -z ${VL_BIN:-} ]]; then
    cargo build --release --locked --bin village-ledger
    VL_BIN="${CARGO_TARGET_DIR:-target}/release/village-ledger"
fi

DATA=$(mktemp -d)
LOG="$DATA/server.log"
VL_LOG=warn VL_LANG=en "$VL_BIN" demo --bind 127.0.0.1:0 --data-dir "$DATA/data" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 600); do
    grep -q 'http://' "$LOG" && break
    kill -0 $SERVER 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.5
done
BASE=$(grep -o 'http://[0-9.:]*' "$LOG" | tail -1)
node benches/lighthouse.mjs "$LH_DIR" "$BASE" "$DATA/reports"
