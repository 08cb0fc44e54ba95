#!/usr/bin/env bash
# Screenshot a run's report page in headless Chromium, to look at it as a reader would:
#   bash scripts/report-screenshot.sh runs/mnist-…/index.html /tmp/report.png [height]
set -euo pipefail
page=$(realpath "$1")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --screenshot="$2" --window-size=1280,"${3:-2000}" "file://$page" 2>/dev/null
