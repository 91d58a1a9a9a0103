#!/usr/bin/env bash
# Re-vendor axe-core (the accessibility checker the e2e suite runs in Chromium) from the npm
# registry at the pinned version and check its digest. It serves tests only: not in static/.
set -euo pipefail
VERSION=4.14.1
SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar xzf "axe-core-$VERSION.tgz")
echo "$SHA256  $work/package/axe.min.js" | sha256sum -c -
cp "$work/package/axe.min.js" "tests/e2e/vendor/axe-$VERSION.min.js"
cp "$work/package/LICENSE" tests/e2e/vendor/axe-LICENSE
