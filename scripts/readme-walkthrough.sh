#!/usr/bin/env bash
# Runs the README's curl walk-through, exactly as written, against the built sample app.
set -euo pipefail
cd "$(dirname "$0")/.."

block=$(awk '/<!-- walkthrough:start -->/{on=1; next} /<!-- walkthrough:end -->/{on=0} on' README.md | sed '/^```/d')
[ -n "$block" ] || { echo "README walk-through block not found" >&2; exit 1; }

log=$(mktemp)
node sample-app/dist/main.js >"$log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; wait $app 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  curl -fs http://localhost:3000/health >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { cat "$log" >&2; echo "sample app did not start" >&2; exit 1; }
  sleep 0.2
done

out=$(bash -euo pipefail -c "$block")
echo "$out"
# The unauthenticated and revoked calls must have printed 401, the rest succeeded (--fail-with-body).
[ "$(echo "$out" | grep -c '^401$')" -eq 2 ] || { echo "expected two 401 lines" >&2; exit 1; }
echo "README walk-through: OK"
