#!/usr/bin/env bash
# Opens a plan's report.html in headless Chromium (no network), checks that the map's layer
# groups loaded and that the page's self-test (a toggle and the view selector) passed, and
# takes a screenshot.
#
#   ci/report_check.sh out/kyiv/report.html [screenshot.png]
#
# Needs Debian's chromium (`apt-get install -y chromium`); installs it when missing and root.
set -euo pipefail
report="${1:?usage: ci/report_check.sh REPORT.html [SCREENSHOT.png]}"
shot="${2:-$(dirname "$report")/report.png}"
expected_groups=9   # skycover::report::REPORT_GROUPS

if ! command -v chromium > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --user-data-dir="$profile" --window-size=1400,900
       --virtual-time-budget=5000)

dom="$(timeout 120 chromium "${flags[@]}" --dump-dom "$url" 2> "$profile/dom.log")"
body="$(grep -o '<body[^>]*>' <<< "$dom" | head -n 1)"
echo "report body: $body"
grep -q "data-layers-loaded=\"$expected_groups\"" <<< "$body" \
  || { echo "FAIL: expected data-layers-loaded=\"$expected_groups\""; exit 1; }
grep -q 'data-selftest="ok"' <<< "$body" \
  || { echo "FAIL: the page's toggle self-test did not pass"; exit 1; }
features="$(sed -n 's/.*data-features="\([0-9]*\)".*/\1/p' <<< "$body")"
[ "${features:-0}" -gt 0 ] || { echo "FAIL: no features drawn"; exit 1; }
# the map drew vector paths (Leaflet's SVG renderer)
n_paths="$(grep -o '<path class="leaflet-interactive"' <<< "$dom" | wc -l)"
[ "$n_paths" -gt 10 ] || { echo "FAIL: only $n_paths paths on the map"; exit 1; }

timeout 120 chromium "${flags[@]}" --screenshot="$shot" "$url" 2> "$profile/shot.log" > /dev/null
test -s "$shot" || { echo "FAIL: no screenshot"; exit 1; }
echo "report check passed: $expected_groups groups, $features features, $n_paths paths; screenshot $shot"
