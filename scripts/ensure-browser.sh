#!/usr/bin/env bash
# Make sure the tools the end-to-end tests use are on the machine: Debian's Chromium for the
# browser tests (tests/e2e/test_browser.py), a Chinese font so that its screenshots of the Chinese
# pages show characters rather than boxes, and curl and zip for the examples of docs/api.md
# (tests/docs/test_api_examples.py).
#
# Installs the missing ones with apt when we are root. Never fails the build: when it cannot
# install (not root, no apt, no network), it says so and those tests skip with that reason.
# Prints exactly one line; does nothing but say so when everything is there.
set -u

find_chromium() {
  if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; return 0; fi
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

missing=()
found="$(find_chromium)" && [ -n "$found" ] || missing+=(chromium)
for tool in curl zip; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# any font covering Chinese will do; WenQuanYi Micro Hei is a small one
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; } ||
  dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ensure-browser: chromium already installed at $found; a Chinese font, curl and zip present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-browser: ${missing[*]} missing and not root: the tests needing them will be skipped"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: ${missing[*]} missing and no apt-get: the tests needing them will be skipped"
  exit 0
fi

log="$(mktemp -t ensure-browser.XXXXXX)"
if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  echo "ensure-browser: installed ${missing[*]}"
  rm -f "$log"
else
  echo "ensure-browser: could not install ${missing[*]} (see $log): the tests needing them will be skipped"
fi
exit 0
