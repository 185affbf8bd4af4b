#!/usr/bin/env bash
# The browser tests: the sample app's console and Swagger UI in Debian's Chromium (npm run test:browser).
# Installs Debian's chromium package first when it is missing (never a downloaded browser), and a CJK font so that
# the screenshots show the console's Chinese text rather than boxes (the tests read text, not pixels). Non-interactive:
# works with CI=true and no stdin. CHROMIUM_PATH overrides /usr/bin/chromium. Runs on each platform of
# TEST_PLATFORMS (default: express fastify).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ ! -x "$chromium" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$chromium is missing and apt-get is not available: install Chromium, or set CHROMIUM_PATH" >&2
    exit 1
  fi
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo -n)
    else
      echo "$chromium is missing; installing it needs root (or sudo)" >&2
      exit 1
    fi
  fi
  echo "Installing Debian's chromium…"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium </dev/null
  if [ ! -x "$chromium" ]; then
    echo "chromium was installed, but $chromium does not exist: set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

# The font only changes how the screenshots look: a failure to install it is reported, not fatal.
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "Installing Debian's fonts-wqy-microhei for the screenshots…"
  env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei </dev/null ||
    { env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null && env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei </dev/null; } ||
    echo "fonts-wqy-microhei could not be installed: the screenshots will show boxes for Chinese text" >&2
fi

"$chromium" --version </dev/null 2>/dev/null || true
export CHROMIUM_PATH="$chromium"
for platform in ${TEST_PLATFORMS:-express fastify}; do
  echo "browser test on $platform"
  TEST_PLATFORM=$platform npm run test:browser </dev/null
done
