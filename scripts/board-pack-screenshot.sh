#!/bin/sh
# Refreshes docs/board-pack.png, the README's picture of the board pack:
# builds dahub, then runs the browser test (tests/e2e/test_boardpack.py),
# which renders the pack of the bundled sample returns in headless
# Chromium and copies its screenshot there.
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh chromium poppler-utils python3-scipy python3-aiosmtpd
cmake -S . -B build-test-plain -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test-plain -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
DAHUB_BOARDPACK_SCREENSHOT="$PWD/docs/board-pack.png" \
  ctest --test-dir build-test-plain -R '^e2e_test_boardpack$' --output-on-failure
echo "docs/board-pack.png refreshed"
