#!/usr/bin/env bash
# Make sure Debian's Chromium is on the machine for the browser tests (tests/e2e/test_browser.py).
#
# Installs the `chromium` package with apt when it is missing and we are root. Never fails the
# build: when it cannot install (not root, no apt, no network), it says so and the browser tests
# skip with that reason. Prints exactly one line.
set -u

find_chromium() {
  if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; return 0; fi
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

if found="$(find_chromium)" && [ -n "$found" ]; then
  echo "ensure-browser: chromium already installed at $found"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-browser: chromium missing and not root: browser tests will be skipped"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: chromium missing and no apt-get: browser tests will be skipped"
  exit 0
fi

log="$(mktemp -t ensure-browser.XXXXXX)"
if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends chromium; } >"$log" 2>&1 && found="$(find_chromium)"; then
  echo "ensure-browser: installed chromium ($found)"
  rm -f "$log"
else
  echo "ensure-browser: could not install chromium (see $log): browser tests will be skipped"
fi
exit 0
