#!/usr/bin/env bash
# Runs the curl walk-through of docs/try-it.md, as written, against the built sample app on the platform HTTP_PLATFORM
# names (express by default). The app and its simulator listen on free ports, never the page's 3000-3002 (those may be
# taken on the machine): the block's APP= and SIM= lines are pointed at them, nothing else is changed.
set -euo pipefail
cd "$(dirname "$0")/.."

block=$(awk '/<!-- walkthrough:start -->/{on=1; next} /<!-- walkthrough:end -->/{on=0} on' docs/try-it.md | sed '/^```/d')
[ -n "$block" ] || { echo "the walk-through block of docs/try-it.md was not found" >&2; exit 1; }
grep -q '^APP=http://localhost:3000$' <<<"$block" && grep -q '^SIM=http://localhost:3001$' <<<"$block" ||
  { echo "the walk-through no longer starts with APP=http://localhost:3000 and SIM=http://localhost:3001" >&2; exit 1; }

# Three ports that are free now, held open together so that they differ.
read -r app_port sim_port pay_port < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2].map(() => net.createServer().listen(0, "127.0.0.1"));
  Promise.all(servers.map((s) => new Promise((r) => s.once("listening", r)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')
block=$(sed -e "s#^APP=http://localhost:3000\$#APP=http://localhost:$app_port#" -e "s#^SIM=http://localhost:3001\$#SIM=http://localhost:$sim_port#" <<<"$block")

log=$(mktemp)
PORT=$app_port SIMULATOR_PORT=$sim_port SIMULATOR_PAY_PORT=$pay_port node sample-app/dist/main.js >"$log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; wait $app 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  curl -fs "http://localhost:$app_port/health" >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { cat "$log" >&2; echo "sample app did not start" >&2; exit 1; }
  sleep 0.2
done

out=$(bash -euo pipefail -c "$block")
echo "$out"
# The unauthenticated and revoked calls must have printed 401, the rest succeeded (--fail-with-body).
[ "$(echo "$out" | grep -c '^401$')" -eq 2 ] || { echo "expected two 401 lines" >&2; exit 1; }
echo "walk-through (${HTTP_PLATFORM:-fastify}): OK"
